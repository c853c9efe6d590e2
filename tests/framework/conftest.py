"""Fixtures of the framework tests: a small framework workbook and an active framework."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from tests.factories import workbook
from wenming.framework import services
from wenming.framework.columns import FRAMEWORK_COLUMNS
from wenming.regions.models import Unit

HEADER = [title for title, _key in FRAMEWORK_COLUMNS]


def content_row(
    item,
    indicator,
    code,
    name,
    points,
    *,
    methods="材料审核",
    rule="等级评定",
    parameters="A=100;B=80;C=60",
    lead="DH-ZJ",
    responsible="",
    sites="",
    veto="",
    veto_value=None,
    standard="按要求建立台账。",
):
    """One level-3 row; `item` and `indicator` are (code, name, points)."""
    return [
        *item,
        *indicator,
        code,
        name,
        standard,
        methods,
        points,
        rule,
        parameters,
        lead,
        responsible,
        sites,
        veto,
        veto_value,
        "",
    ]


ITEM_1 = ("Ⅰ-1", "公共文明", 5)
ITEM_2 = ("Ⅰ-2", "志愿服务", 2)
IND_1 = ("Ⅱ-1", "公共秩序", 3)
IND_2 = ("Ⅱ-2", "环境卫生", 2)
IND_3 = ("Ⅱ-3", "志愿服务参与", 2)


def small_rows():
    return [
        content_row(
            ITEM_1,
            IND_1,
            "Ⅲ-1",
            "交通秩序良好",
            2,
            methods="实地考察",
            rule="按问题扣分",
            parameters="每处扣分=0.2",
            sites="主次干道、背街小巷",
            lead="CGJ",
            responsible="DH-ZJ、XS-ZJ",
        ),
        content_row(ITEM_1, IND_1, "Ⅲ-2", "公共场所秩序", 1, lead="DH-ZJ"),
        content_row(
            ITEM_1,
            IND_2,
            "Ⅲ-3",
            "农贸市场整洁",
            2,
            methods="实地考察",
            rule="合格点位比例",
            parameters="",
            sites="农贸市场",
            lead="XS-ZJ",
        ),
        content_row(
            ITEM_2,
            IND_3,
            "Ⅲ-4",
            "注册志愿者比例",
            2,
            methods="数据采集",
            rule="数据对标",
            parameters="目标值=13",
            lead="CGJ",
            veto="封顶",
            veto_value=60,
        ),
    ]


def workbook_bytes(rows, merges=()) -> bytes:
    """A framework workbook with the template's header."""
    return workbook(HEADER, rows, merges)


@pytest.fixture(autouse=True)
def frozen_today():
    """Task schedules are checked against today: the tests live on 2026-11-20."""
    import time_machine

    with time_machine.travel(datetime(2026, 11, 20, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))):
        yield


@pytest.fixture
def draft(people, city):
    return services.create_framework(
        people.city_admin, region=city.city, name="测评体系", edition_year=2026
    )


# The tree `small_rows()` imports to, node by node: (code, parent, name, points, fields,
# lead unit, responsible units). `active` builds it with factories, so tests of tasks and
# ledgers do not depend on the importer; tests/framework/test_framework_import.py checks
# that importing the rows gives this same tree.
SMALL_TREE = [
    ("Ⅰ-1", None, "公共文明", "5", {}, None, []),
    ("Ⅱ-1", "Ⅰ-1", "公共秩序", "3", {}, None, []),
    (
        "Ⅲ-1",
        "Ⅱ-1",
        "交通秩序良好",
        "2",
        {
            "methods": ["field_check"],
            "scoring_rule": "deduction_per_finding",
            "rule_parameters": {"deduction": "0.20"},
            "site_type_names": ["主次干道", "背街小巷"],
        },
        "CGJ",
        ["DH-ZJ", "XS-ZJ"],
    ),
    (
        "Ⅲ-2",
        "Ⅱ-1",
        "公共场所秩序",
        "1",
        {
            "methods": ["document_review"],
            "scoring_rule": "grade",
            "rule_parameters": {"grades": {"A": "100.00", "B": "80.00", "C": "60.00"}},
        },
        "DH-ZJ",
        [],
    ),
    ("Ⅱ-2", "Ⅰ-1", "环境卫生", "2", {}, None, []),
    (
        "Ⅲ-3",
        "Ⅱ-2",
        "农贸市场整洁",
        "2",
        {
            "methods": ["field_check"],
            "scoring_rule": "site_pass_rate",
            "site_type_names": ["农贸市场"],
        },
        "XS-ZJ",
        [],
    ),
    ("Ⅰ-2", None, "志愿服务", "2", {}, None, []),
    ("Ⅱ-3", "Ⅰ-2", "志愿服务参与", "2", {}, None, []),
    (
        "Ⅲ-4",
        "Ⅱ-3",
        "注册志愿者比例",
        "2",
        {
            "methods": ["statistic"],
            "scoring_rule": "statistic_target",
            "rule_parameters": {"target": "13.00"},
            "veto_effect": "cap",
            "veto_value": Decimal("60.00"),
        },
        "CGJ",
        [],
    ),
]


def build_small_tree(framework) -> None:
    """The nodes of SMALL_TREE in `framework`, in the importer's positions."""
    from tests.factories import IndicatorFactory

    units = {unit.code: unit for unit in Unit.objects.all()}
    nodes = {}
    for position, (code, parent, name, points, fields, lead, responsible) in enumerate(
        SMALL_TREE, start=1
    ):
        level = 1 if parent is None else nodes[parent].level + 1
        nodes[code] = IndicatorFactory(
            framework=framework,
            parent=nodes.get(parent),
            level=level,
            code=code,
            name=name,
            points=Decimal(points),
            standard="按要求建立台账。" if level == 3 else "",
            position=position,
            lead_unit=units.get(lead),
            responsible_units=[units[unit] for unit in responsible],
            **fields,
        )


@pytest.fixture
def active(people, draft):
    """The fixture city's draft with the small tree, activated through the service."""
    build_small_tree(draft)
    return services.activate_framework(people.city_admin, draft)


START = date(2026, 11, 1)
