"""Writing frameworks out: the rows of a framework and the workbook in the official layout.

The workbook is the one the importer reads (wenming/framework/columns.py): one row per
level-3 content, level-1 and level-2 cells merged over their children's rows as the
official tables are, and a 说明 sheet with the words and parameter syntax the importer
accepts. The sample framework (sample.py) is written with the same writer.
"""

import datetime
import io
from zipfile import ZIP_DEFLATED, ZipFile

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.writer.excel import ExcelWriter

from wenming.core.excel import safe_cell
from wenming.framework.columns import (
    FRAMEWORK_COLUMNS,
    METHOD_WORDS,
    RULE_WORDS,
    RULES_FOR_METHOD,
    VETO_WORDS,
)
from wenming.framework.importers import format_rule_parameters
from wenming.framework.models import Indicator

# The guide's example of a name that holds a list separator inside brackets.
BRACKETED_NAME_EXAMPLE = "新时代文明实践中心(所、站)"
METHOD_NAMES = {value: word for word, value in METHOD_WORDS.items()}
RULE_NAMES = {value: word for word, value in RULE_WORDS.items()}
VETO_NAMES = {value: word for word, value in VETO_WORDS.items()}

SHEET_TITLE = "测评体系"
NOTES_SHEET_TITLE = "说明"
LIST_JOINER = "、"
COLUMN_KEYS = [key for _title, key in FRAMEWORK_COLUMNS]
COLUMN_TITLES = [title for title, _key in FRAMEWORK_COLUMNS]
POINT_KEYS = {"item_points", "indicator_points", "points", "veto_value"}
ITEM_KEYS = ("item_code", "item_name", "item_points")
INDICATOR_KEYS = ("indicator_code", "indicator_name", "indicator_points")

COLUMN_WIDTHS = {
    "item_code": 8,
    "item_name": 16,
    "item_points": 8,
    "indicator_code": 8,
    "indicator_name": 18,
    "indicator_points": 8,
    "content_code": 8,
    "content_name": 24,
    "standard": 56,
    "methods": 14,
    "points": 7,
    "scoring_rule": 13,
    "rule_parameters": 18,
    "lead_unit": 11,
    "responsible_units": 22,
    "site_types": 30,
    "veto_effect": 9,
    "veto_value": 8,
    "local_code": 11,
}
WRAPPED_KEYS = {
    "item_name",
    "indicator_name",
    "content_name",
    "standard",
    "responsible_units",
    "site_types",
}
HEADER_FILL = PatternFill("solid", fgColor="DCE6F1")


def export_rows(framework) -> list[list]:
    """One row per level-3 node in the template's column order (parents repeated)."""
    nodes = list(
        Indicator.objects.filter(framework=framework)
        .order_by("position")
        .select_related("lead_unit")
        .prefetch_related("responsible_units")
    )
    by_id = {node.pk: node for node in nodes}
    rows = []
    for node in nodes:
        if node.level != 3:
            continue
        indicator = by_id.get(node.parent_id)
        item = by_id.get(indicator.parent_id) if indicator else None
        rows.append(
            [
                item.code if item else "",
                item.name if item else "",
                item.points if item else None,
                indicator.code if indicator else "",
                indicator.name if indicator else "",
                indicator.points if indicator else None,
                node.code,
                node.name,
                node.standard,
                "、".join(METHOD_NAMES.get(method, method) for method in node.methods),
                node.points,
                RULE_NAMES.get(node.scoring_rule, node.scoring_rule),
                format_rule_parameters(node.scoring_rule, node.rule_parameters),
                node.lead_unit.code if node.lead_unit else "",
                "、".join(
                    unit.code
                    for unit in sorted(node.responsible_units.all(), key=lambda unit: unit.code)
                ),
                "、".join(node.site_type_names),
                VETO_NAMES.get(node.veto_effect, ""),
                node.veto_value,
                node.local_code,
            ]
        )
    return rows


def guide_lines() -> list[str]:
    """How the columns are filled in: the words and parameter syntax the importer accepts."""
    joined = LIST_JOINER.join
    return [
        "填写说明",
        f"测评方法：{joined(METHOD_WORDS)}；一条内容可填多种方法，用“、”分隔，主要方法写在最前。",
        "评分规则："
        + "；".join(f"{method}用{'或'.join(rules)}" for method, rules in RULES_FOR_METHOD.items())
        + "。",
        "规则参数：按问题扣分填“每处扣分=0.2”；等级评定填“A=100;B=80;C=60”（各等级得分占分值的百分比）；"
        "数据对标填“目标值=13”；问卷比率填“目标值=90”或留空；合格点位比例留空。",
        f"负面清单：{joined(VETO_WORDS)}，不是负面清单的留空；扣分和封顶须填否决值。",
        "牵头单位填一个单位编码，责任单位可填多个，用“、”分隔；点位类型用“、”分隔，"
        f"括号内的“、”属于名称本身（如“{BRACKETED_NAME_EXAMPLE}”）。",
        "项目分值等于其下指标分值之和，指标分值等于其下测评内容分值之和。",
    ]


def _runs(rows: list[list], key_indexes: list[int]) -> list[tuple[int, int]]:
    """(first, last) row indexes of runs of consecutive rows with equal, non-empty keys."""
    runs = []
    start = 0
    for index in range(1, len(rows) + 1):
        if index < len(rows):
            same = [rows[index][i] for i in key_indexes] == [rows[start][i] for i in key_indexes]
            if same:
                continue
        keys = [rows[start][i] for i in key_indexes]
        if index - 1 > start and all(key not in (None, "") for key in keys):
            runs.append((start, index - 1))
        start = index
    return runs


def _cell_value(value):
    if value is None or value == "":
        return None
    return safe_cell(value)


def framework_workbook(
    rows,
    *,
    merge_parents=True,
    title=None,
    description="",
    notes=None,
    timestamp=None,
    is_sample=False,
) -> bytes:
    """A framework workbook: one row per level-3 content, in FRAMEWORK_COLUMNS order.

    With `merge_parents`, the level-1 columns are merged over each run of rows with the
    same item code, and the level-2 columns over each run with the same item and indicator
    codes; the value stays in the top cell. `notes` are lines for the 说明 sheet, above the
    column guide; `is_sample` marks the workbook's properties as the unofficial sample.
    """
    title = title or SHEET_TITLE
    timestamp = timestamp or datetime.datetime.now(tz=datetime.UTC).replace(tzinfo=None)
    rows = [list(row) for row in rows]
    width = len(FRAMEWORK_COLUMNS)
    if any(len(row) != width for row in rows):
        raise ValueError(f"every row must have {width} values, one per framework column")

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SHEET_TITLE
    sheet.append(COLUMN_TITLES)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for row in rows:
        sheet.append([_cell_value(value) for value in row])

    for column, key in enumerate(COLUMN_KEYS, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = COLUMN_WIDTHS.get(key, 12)
        merged_key = key in ITEM_KEYS or key in INDICATOR_KEYS
        alignment = Alignment(
            vertical="center" if merged_key else "top",
            horizontal="center" if key.endswith(("code", "points")) else None,
            wrap_text=key in WRAPPED_KEYS,
        )
        for row_number in range(2, len(rows) + 2):
            cell = sheet.cell(row_number, column)
            cell.alignment = alignment
            if key in POINT_KEYS:
                cell.number_format = "0.00"

    if merge_parents and rows:
        index = {key: position for position, key in enumerate(COLUMN_KEYS)}
        groups = [
            (_runs(rows, [index["item_code"]]), ITEM_KEYS),
            (_runs(rows, [index["item_code"], index["indicator_code"]]), INDICATOR_KEYS),
        ]
        for runs, keys in groups:
            for first, last in runs:
                for key in keys:
                    column = index[key] + 1
                    sheet.merge_cells(
                        start_row=first + 2,
                        start_column=column,
                        end_row=last + 2,
                        end_column=column,
                    )
    sheet.freeze_panes = "A2"

    guide = workbook.create_sheet(NOTES_SHEET_TITLE)
    guide.column_dimensions["A"].width = 110
    lines = [*(notes or []), *([""] if notes else []), *guide_lines()]
    for line in lines:
        guide.append([_cell_value(line)])
    for row_cells in guide.iter_rows():
        for cell in row_cells:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    guide["A1"].font = Font(bold=True, size=13)
    headings = {"填写说明"}
    for row_cells in guide.iter_rows():
        if row_cells[0].value in headings:
            row_cells[0].font = Font(bold=True)

    properties = workbook.properties
    properties.title = title
    properties.subject = "全国文明城市测评体系" + ("（样例）" if is_sample else "")
    properties.description = description
    properties.creator = "文明城市大脑 wenming"
    properties.lastModifiedBy = "文明城市大脑 wenming"
    properties.keywords = "测评体系" + ("；样例；非官方" if is_sample else "")
    properties.created = timestamp
    properties.modified = timestamp

    # Not openpyxl's save_workbook: it would stamp "modified" with the current time.
    buffer = io.BytesIO()
    with ZipFile(buffer, "w", ZIP_DEFLATED) as archive:
        ExcelWriter(workbook, archive).save()
    return buffer.getvalue()
