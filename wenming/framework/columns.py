"""The framework workbook's columns: the official table's, plus codes and rules.

One row per level-3 node (测评内容). Level-1 and level-2 cells (code, name, points) are
written once and merged over their children's rows, as the official tables are.
"""

# (column title, key); the order is the template's.
FRAMEWORK_COLUMNS = [
    ("项目编码", "item_code"),
    ("测评项目", "item_name"),
    ("项目分值", "item_points"),
    ("指标编码", "indicator_code"),
    ("测评指标", "indicator_name"),
    ("指标分值", "indicator_points"),
    ("内容编码", "content_code"),
    ("测评内容", "content_name"),
    ("测评标准", "standard"),
    ("测评方法", "methods"),
    ("分值", "points"),
    ("评分规则", "scoring_rule"),
    ("规则参数", "rule_parameters"),
    ("牵头单位", "lead_unit"),
    ("责任单位", "responsible_units"),
    ("点位类型", "site_types"),
    ("负面清单", "veto_effect"),
    ("否决值", "veto_value"),
    ("本地编码", "local_code"),
]

# Chinese names of the methods, scoring rules and veto effects as the workbook writes them.
METHOD_WORDS = {
    "实地考察": "field_check",
    "材料审核": "document_review",
    "问卷调查": "survey",
    "网上申报": "online_report",
    "数据采集": "statistic",
}
RULE_WORDS = {
    "合格点位比例": "site_pass_rate",
    "按问题扣分": "deduction_per_finding",
    "等级评定": "grade",
    "数据对标": "statistic_target",
    "问卷比率": "survey_rate",
}
VETO_WORDS = {"扣分": "deduction", "封顶": "cap", "取消资格": "disqualify"}
# Separators accepted between several methods, units or site types in one cell.
LIST_SEPARATORS = "、,，;；/\n"


def split_list(text: str) -> list[str]:
    """Items of a cell that lists several values, in order, without blanks or repeats.

    Separators inside brackets do not split: "新时代文明实践中心(所、站)" is one site type.
    """
    items, current, depth = [], [], 0
    for char in text or "":
        if char in "(（":
            depth += 1
        elif char in ")）":
            depth = max(0, depth - 1)
        if char in LIST_SEPARATORS and depth == 0:
            items.append("".join(current))
            current = []
        else:
            current.append(char)
    items.append("".join(current))
    seen = []
    for item in (part.strip() for part in items):
        if item and item not in seen:
            seen.append(item)
    return seen


# The scoring rules that fit each method; the first listed method of a row decides.
RULES_FOR_METHOD = {
    "实地考察": ("合格点位比例", "按问题扣分"),
    "材料审核": ("等级评定",),
    "网上申报": ("等级评定",),
    "问卷调查": ("问卷比率",),
    "数据采集": ("数据对标",),
}
