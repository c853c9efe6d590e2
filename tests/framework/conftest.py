"""Fixtures of the framework tests: a small framework workbook and an active framework."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from tests.factories import workbook
from wenming.framework import services
from wenming.framework.columns import FRAMEWORK_COLUMNS
from wenming.framework.importers import FrameworkImporter

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


@pytest.fixture
def active(people, draft):
    plan = FrameworkImporter(people.city_admin, draft).apply(workbook_bytes(small_rows()))
    assert plan.errors == []
    return services.activate_framework(people.city_admin, draft)


START = date(2026, 11, 1)
