"""Every way a framework workbook can be wrong: one clear error, at its row and column."""

import pytest
from django.utils import translation

from tests.framework.conftest import (
    HEADER,
    IND_1,
    ITEM_1,
    content_row,
    small_rows,
    workbook_bytes,
)
from wenming.framework import services
from wenming.framework.columns import FRAMEWORK_COLUMNS
from wenming.framework.importers import FrameworkImporter
from wenming.framework.models import Indicator


def row_with(**changes):
    row = content_row(ITEM_1, IND_1, "Ⅲ-1", "秩序", 1)
    columns = {key: index for index, (_title, key) in enumerate(FRAMEWORK_COLUMNS)}
    for key, value in changes.items():
        row[columns[key]] = value
    return row


CASES = [
    ({"item_code": None}, "A", "The code is empty."),
    ({"item_name": None}, "B", "The name is empty."),
    ({"item_points": "x"}, "C", "“x” is not a number of points."),
    ({"indicator_points": "-1"}, "F", "“-1” is not a number of points."),
    ({"content_code": None}, "G", "The code is empty."),
    ({"content_code": "Ⅲ-" + "1" * 40}, "G", "The code or name is too long."),
    ({"points": None}, "K", "“” is not a number of points."),
    ({"scoring_rule": None, "rule_parameters": "A=1"}, "M", "Parameters need a scoring rule."),
    (
        {"scoring_rule": "合格点位比例", "rule_parameters": "A=1"},
        "M",
        "This scoring rule takes no parameters.",
    ),
    (
        {"scoring_rule": "等级评定", "rule_parameters": "A=120"},
        "M",
        "Write grades as A=100;B=80;C=60 (percent of the points).",
    ),
    ({"scoring_rule": "数据对标", "rule_parameters": ""}, "M", "Write the target as 目标值=95."),
    (
        {"scoring_rule": "按问题扣分", "rule_parameters": "每处扣分=0"},
        "M",
        "Write the deduction per finding as 每处扣分=0.5.",
    ),
    ({"lead_unit": "CGJ、DH-ZJ"}, "N", "Name one lead unit."),
    ({"responsible_units": "DH-ZJ、无此单位"}, "O", "Unknown unit “无此单位”."),
    ({"site_types": "点" * 51}, "P", "A site type name is too long."),
    ({"veto_effect": "警告"}, "Q", "Unknown veto effect “警告”: use 扣分、封顶 or 取消资格."),
    # The model's own rules: digits and places of points, lengths, the minimum.
    ({"points": "100000"}, "K", "“100000” is not a number of points."),
    ({"item_points": "1e400"}, "C", "“1e400” is not a number of points."),
    ({"content_name": "名" * 301}, "H", "The code or name is too long."),
    ({"local_code": "L" * 41}, "S", "Longer than 40 characters."),
    ({"veto_effect": "扣分", "veto_value": "-1"}, "R", "A deduction or cap needs a value."),
    ({"veto_effect": "扣分", "veto_value": None}, "R", "A deduction or cap needs a value."),
    # A line break (Alt+Enter) separates items like 、 does.
    ({"lead_unit": "CGJ\nDH-ZJ"}, "N", "Name one lead unit."),
    (
        {"methods": "实地考察\n上门"},
        "J",
        "Unknown method “上门”: use 实地考察、材料审核、问卷调查、网上申报、数据采集.",
    ),
]


@pytest.mark.parametrize(("changes", "column", "message"), CASES)
def test_one_bad_cell_gives_one_error_and_writes_nothing(people, draft, changes, column, message):
    rows = [row_with(**changes)]
    with translation.override("en"):
        plan = FrameworkImporter(people.city_admin, draft).apply(workbook_bytes(rows))
    assert [(error.row, error.column, error.message) for error in plan.errors] == [
        (2, column, message)
    ]
    assert Indicator.objects.filter(framework=draft).count() == 0


def test_every_unknown_unit_of_a_cell_is_named(people, draft):
    rows = [row_with(responsible_units="无此单位\nDH-ZJ、也没有")]
    with translation.override("en"):
        plan = FrameworkImporter(people.city_admin, draft).plan(workbook_bytes(rows))
    assert [(e.row, e.column, e.message) for e in plan.errors] == [
        (2, "O", "Unknown unit “无此单位”."),
        (2, "O", "Unknown unit “也没有”."),
    ]


def test_words_for_choices_come_from_the_model_too(people, draft):
    rows = [row_with(scoring_rule="grade", veto_effect="Cap on the score", veto_value="50")]
    plan = FrameworkImporter(people.city_admin, draft).plan(workbook_bytes(rows))
    assert plan.errors == []
    record = plan.creates[-1].values
    assert (record["scoring_rule"], record["veto_effect"], str(record["veto_value"])) == (
        "grade",
        "cap",
        "50.00",
    )


def test_a_content_under_an_undefined_level_two_code(people, draft):
    rows = [
        content_row(ITEM_1, IND_1, "Ⅲ-1", "甲", 1),
        content_row(ITEM_1, ("Ⅱ-9", None, None), "Ⅲ-2", "乙", 1),
    ]
    with translation.override("en"):
        plan = FrameworkImporter(people.city_admin, draft).apply(workbook_bytes(rows))
    assert [(e.row, e.column, e.message) for e in plan.errors] == [
        (
            3,
            "D",
            "Level-2 indicator Ⅱ-9 is not defined: no row above gives it, and this row "
            "gives it no name.",
        )
    ]
    assert Indicator.objects.filter(framework=draft).count() == 0
    plan = FrameworkImporter(people.city_admin, draft).plan(workbook_bytes(rows))
    assert [e.message for e in plan.errors] == [
        "二级指标 Ⅱ-9 未定义：上方没有哪一行给出它，本行也没有填写它的名称。"
    ]


def test_a_level_two_code_under_two_parents(people, draft):
    rows = [
        content_row(ITEM_1, IND_1, "Ⅲ-1", "甲", 1),
        content_row(("Ⅰ-2", "别的项目", 1), IND_1, "Ⅲ-2", "乙", 1),
    ]
    with translation.override("en"):
        plan = FrameworkImporter(people.city_admin, draft).apply(workbook_bytes(rows))
    assert [(e.row, e.column, e.message) for e in plan.errors] == [
        (3, "D", "Ⅱ-1 sits under two parents.")
    ]


def test_a_level_three_code_reused_as_a_parent(people, draft):
    rows = [
        content_row(ITEM_1, IND_1, "Ⅲ-1", "甲", 1),
        content_row(ITEM_1, ("Ⅲ-1", "冒用", 1), "Ⅲ-2", "乙", 1),
    ]
    with translation.override("en"):
        plan = FrameworkImporter(people.city_admin, draft).apply(workbook_bytes(rows))
    assert [(e.row, e.column, e.message) for e in plan.errors] == [
        (3, "D", "Code Ⅲ-1 is used at two levels.")
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"not a workbook", "The file is not an Excel workbook (.xlsx)."),
        (workbook_bytes([]), "The sheet has no data rows."),
    ],
)
def test_unreadable_files(people, draft, data, message):
    with translation.override("en"):
        plan = FrameworkImporter(people.city_admin, draft).apply(data)
    assert [error.message for error in plan.errors] == [message]


def test_missing_columns_are_named(people, draft):
    import io

    from openpyxl import Workbook

    book = Workbook()
    book.active.append([title for title in HEADER if title not in ("分值", "内容编码")])
    book.active.append(["x"] * (len(HEADER) - 2))
    buffer = io.BytesIO()
    book.save(buffer)
    with translation.override("en"):
        plan = FrameworkImporter(people.city_admin, draft).apply(buffer.getvalue())
    assert [error.message for error in plan.errors] == ["Missing columns: 内容编码、分值"]


def test_a_copy_drops_nodes_while_the_active_version_keeps_its_tasks(people, active):
    from datetime import date

    from django.core.exceptions import ValidationError

    indicator = active.indicators.get(code="Ⅲ-4")
    services.assign_indicators(
        people.city_admin,
        framework=active,
        indicators=[indicator],
        frequency="once",
        first_period_start=date(2026, 11, 1),
        deadline=date(2026, 12, 1),
    )
    draft = services.copy_framework(people.city_admin, active)
    plan = FrameworkImporter(people.city_admin, draft).apply(workbook_bytes(small_rows()[:3]))
    assert (plan.errors, sorted(c.key for c in plan.deletes)) == ([], ["Ⅰ-2", "Ⅱ-3", "Ⅲ-4"])
    assert not draft.indicators.filter(code="Ⅲ-4").exists()
    with translation.override("en"), pytest.raises(ValidationError) as error:
        services.delete_indicator(people.city_admin, indicator)
    assert error.value.messages == [
        "Only a draft framework can be changed; copy it into a new draft version first."
    ]
    assert active.indicators.filter(code="Ⅲ-4").exists()
