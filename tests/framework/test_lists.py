"""The task list, completion page and framework tree: one FilterSet, Excel, natural codes."""

import io
from datetime import date

import pytest
from openpyxl import load_workbook

from tests.conftest import client_for
from tests.factories import IndicatorFactory
from tests.framework.conftest import START
from wenming.framework import services
from wenming.framework.models import LedgerEntry
from wenming.framework.views import TaskListView


def sheet_rows(response):
    """The data rows of an Excel download, header first."""
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def hand_out(user, framework, unit, title, deadline, indicator=None):
    return services.create_task(
        user,
        framework=framework,
        unit=unit,
        title=title,
        indicator=indicator,
        frequency="once",
        first_period_start=START,
        deadline=deadline,
    )


@pytest.fixture
def codes(active, city):
    """Codes that sort wrongly as text: Ⅲ-10 after Ⅲ-2, Ⅰ-10 after Ⅰ-9, put in reverse."""
    parent = active.indicators.get(code="Ⅱ-1")
    # Positions put the later code first, so only a natural sort gives the right order.
    IndicatorFactory(framework=active, parent=parent, level=3, code="Ⅲ-10", position=0)
    item_10 = IndicatorFactory(framework=active, level=1, code="Ⅰ-10", position=100)
    item_9 = IndicatorFactory(framework=active, level=1, code="Ⅰ-9", position=101)
    return item_9, item_10


def test_framework_tree_sorts_codes_naturally(people, active, codes):
    response = client_for(people.city_admin).get(f"/staff/frameworks/{active.pk}/")
    tree = response.context["tree"]
    assert [item.code for item, _children in tree] == ["Ⅰ-1", "Ⅰ-2", "Ⅰ-9", "Ⅰ-10"]
    first_indicator, contents = tree[0][1][0]
    assert first_indicator.code == "Ⅱ-1"
    assert [content.code for content in contents] == ["Ⅲ-1", "Ⅲ-2", "Ⅲ-10"]


def test_task_list_sorts_indicator_codes_naturally_in_sql(people, active, codes, city):
    for code in ["Ⅲ-10", "Ⅲ-2", "Ⅲ-1"]:
        hand_out(
            people.city_admin,
            active,
            city.east_unit,
            f"任务{code}",
            date(2026, 12, 15),
            indicator=active.indicators.get(code=code),
        )
    client = client_for(people.city_admin)
    rows = client.get("/staff/tasks/?sort=indicator").context["object_list"]
    assert [row.task.indicator.code for row in rows] == ["Ⅲ-1", "Ⅲ-2", "Ⅲ-10"]
    rows = client.get("/staff/tasks/?sort=-indicator").context["object_list"]
    assert [row.task.indicator.code for row in rows] == ["Ⅲ-10", "Ⅲ-2", "Ⅲ-1"]
    # The API reads the same FilterSet.
    api = client.get("/api/ledger-entries/?sort=indicator").json()
    assert [row["indicator_code"] for row in api["results"]] == ["Ⅲ-1", "Ⅲ-2", "Ⅲ-10"]


def test_completion_lists_indicators_in_natural_order(people, active, codes, city):
    for code in ["Ⅲ-10", "Ⅲ-2"]:
        hand_out(
            people.city_admin,
            active,
            city.east_unit,
            f"任务{code}",
            date(2026, 12, 15),
            indicator=active.indicators.get(code=code),
        )
    hand_out(people.city_admin, active, city.east_unit, "手写任务", date(2026, 12, 15))
    rows = client_for(people.city_admin).get("/staff/tasks/completion/").context["by_indicator"]
    assert [row["task__indicator__code"] for row in rows] == ["Ⅲ-2", "Ⅲ-10", None]


@pytest.fixture
def entries(people, active, city):
    """Four entries: two east (one overdue), one west, one east passed and past deadline."""
    hand_out(people.city_admin, active, city.east_unit, "东湖逾期", date(2026, 11, 10))
    hand_out(people.city_admin, active, city.east_unit, "东湖本月", date(2026, 11, 30))
    hand_out(people.city_admin, active, city.west_unit, "西山本月", date(2026, 11, 25))
    passed = hand_out(people.city_admin, active, city.east_unit, "东湖已过", date(2026, 11, 5))
    LedgerEntry.objects.filter(task=passed).update(status=LedgerEntry.Status.PASSED)
    return {entry.task.title: entry for entry in LedgerEntry.objects.select_related("task")}


def titles(response):
    return [row.task.title for row in response.context["object_list"]]


def test_task_list_is_newest_first_and_filters_through_the_filterset(people, entries, city):
    client = client_for(people.city_admin)
    assert titles(client.get("/staff/tasks/")) == ["东湖本月", "西山本月", "东湖逾期", "东湖已过"]
    # A bookmarked ?overdue=1 still means overdue only.
    assert titles(client.get("/staff/tasks/?overdue=1")) == ["东湖逾期"]
    assert titles(client.get("/staff/tasks/?overdue=false")) == ["东湖本月", "西山本月", "东湖已过"]
    assert titles(client.get("/staff/tasks/?status=passed")) == ["东湖已过"]
    assert titles(client.get(f"/staff/tasks/?unit={city.west_unit.pk}")) == ["西山本月"]
    assert titles(client.get("/staff/tasks/?q=西山区住建")) == ["西山本月"]
    assert titles(client.get("/staff/tasks/?deadline_from=2026-11-25&deadline_to=2026-11-29")) == [
        "西山本月"
    ]
    # Values a filter cannot use are ignored on the page, never a crash.
    assert len(titles(client.get("/staff/tasks/?status=nonsense&unit=abc&sort=x"))) == 4


def test_overdue_is_decided_by_the_model_not_the_template(people, entries):
    body = client_for(people.city_admin).get("/staff/tasks/").content.decode()
    # One badge: the passed entry past its deadline is not overdue.
    assert body.count("status-overdue") == 1


def test_task_list_export_is_every_filtered_row_across_pages(people, entries, monkeypatch):
    monkeypatch.setattr(TaskListView, "paginate_by", 1)
    client = client_for(people.city_admin)
    page = client.get("/staff/tasks/?q=东湖")
    assert titles(page) == ["东湖本月"]
    rows = sheet_rows(client.get("/staff/tasks/?q=东湖&export=xlsx"))
    assert rows[0] == [
        "指标编码",
        "任务",
        "单位",
        "牵头",
        "频次",
        "周期开始",
        "周期结束",
        "截止日期",
        "状态",
        "逾期",
        "确认接收时间",
    ]
    assert [(row[1], row[8], row[9]) for row in rows[1:]] == [
        ("东湖本月", "已交办", None),
        ("东湖逾期", "已交办", "是"),
        ("东湖已过", "已通过", None),
    ]


def test_task_list_export_is_scoped_and_formula_safe(people, active, city):
    hand_out(
        people.city_admin,
        active,
        city.east_unit,
        '=HYPERLINK("http://x","点我")',
        date(2026, 12, 1),
    )
    hand_out(people.city_admin, active, city.west_unit, "西山任务", date(2026, 12, 1))
    rows = sheet_rows(client_for(people.east_staff).get("/staff/tasks/?export=xlsx"))
    assert [row[1] for row in rows[1:]] == ['\'=HYPERLINK("http://x","点我")']


def test_my_tasks_leave_out_passed_entries(people, entries):
    rows = titles(client_for(people.east_unit_staff).get("/staff/tasks/mine/"))
    assert rows == ["东湖本月", "东湖逾期"]


def test_my_tasks_status_filter_shows_passed_entries(people, entries):
    client = client_for(people.east_unit_staff)
    assert titles(client.get("/staff/tasks/mine/?status=passed")) == ["东湖已过"]
    assert titles(client.get("/staff/tasks/mine/?status=assigned")) == ["东湖本月", "东湖逾期"]
    # A value the filter cannot use is ignored: the open entries, as with no filter.
    assert titles(client.get("/staff/tasks/mine/?status=nonsense")) == ["东湖本月", "东湖逾期"]


def test_my_tasks_answers_a_superuser(people, entries):
    response = client_for(people.superuser).get("/staff/tasks/mine/")
    assert response.status_code == 200
    assert titles(response) == ["东湖本月", "西山本月", "东湖逾期"]
    assert titles(client_for(people.superuser).get("/staff/tasks/mine/?status=passed")) == [
        "东湖已过"
    ]


def test_api_ledger_list_shares_the_filterset(people, entries):
    client = client_for(people.city_admin)
    overdue = client.get("/api/ledger-entries/?overdue=1").json()
    assert [row["title"] for row in overdue["results"]] == ["东湖逾期"]
    assert client.get("/api/ledger-entries/?q=西山区住建").json()["count"] == 1
    assert client.get("/api/ledger-entries/?overdue=maybe").json()["count"] == 4
    assert client.get("/api/ledger-entries/?status=nonsense").status_code == 400


def test_completion_filters_by_period_and_exports_both_tables(people, entries, city):
    client = client_for(people.city_admin)
    response = client.get("/staff/tasks/completion/?start=2026-11-20&end=2026-11-30")
    by_unit = list(response.context["by_unit"])
    assert [(row["task__unit__code"], row["total"], row["overdue"]) for row in by_unit] == [
        ("DH-ZJ", 1, 0),
        ("XS-ZJ", 1, 0),
    ]
    everything = client.get("/staff/tasks/completion/").context["by_unit"]
    assert [(row["task__unit__code"], row["total"], row["overdue"]) for row in everything] == [
        ("DH-ZJ", 3, 1),
        ("XS-ZJ", 1, 0),
    ]
    rows = sheet_rows(client.get("/staff/tasks/completion/?start=2026-11-01&export=xlsx"))
    assert rows[0] == [
        "分组",
        "编码",
        "名称",
        "合计",
        "应完成",
        "已通过",
        "完成率（%）",
        "排名",
        "待审核",
        "已退回",
        "不通过",
        "逾期",
    ]
    # Due on 2026-11-20: 东湖逾期 (11-10) and the passed 东湖已过; nothing of 西山 yet.
    assert rows[1:] == [
        ["按单位", "DH-ZJ", "东湖区住建局", 3, 2, 1, 50, 1, 0, 0, 0, 1],
        ["按单位", "XS-ZJ", "西山区住建局", 1, 0, 0, None, None, 0, 0, 0, 0],
        ["按指标", None, "—", 4, 2, 1, 50, None, 0, 0, 0, 1],
    ]


def test_completion_refuses_an_end_before_the_start(people, entries):
    response = client_for(people.city_admin).get(
        "/staff/tasks/completion/?start=2026-12-01&end=2026-11-01"
    )
    assert response.status_code == 200
    assert "结束日期早于开始日期。" in response.content.decode()
    assert list(response.context["by_unit"]) == []


def test_completion_is_scoped(people, entries):
    rows = client_for(people.east_staff).get("/staff/tasks/completion/").context["by_unit"]
    assert [row["task__unit__code"] for row in rows] == ["DH-ZJ"]


def make_entries(people, active, city, count):
    for number in range(count):
        hand_out(people.city_admin, active, city.east_unit, f"任务{number}", date(2026, 12, 1))


@pytest.mark.parametrize("count", [2, 10])
def test_task_list_query_count_is_pinned(people, active, city, count, django_assert_num_queries):
    make_entries(people, active, city, count)
    client = client_for(people.city_admin)
    client.get("/staff/tasks/")
    # session, user, memberships, count, page, export units, session save (3)
    with django_assert_num_queries(9):
        response = client.get("/staff/tasks/?status=assigned&sort=indicator")
    assert len(response.context["object_list"]) == count
    # session, user, memberships, entries (one query for every page), session save (3)
    with django_assert_num_queries(7):
        assert len(sheet_rows(client.get("/staff/tasks/?export=xlsx"))) == count + 1


@pytest.mark.parametrize("count", [2, 10])
def test_completion_query_count_is_pinned(people, active, city, count, django_assert_num_queries):
    make_entries(people, active, city, count)
    client = client_for(people.city_admin)
    client.get("/staff/tasks/completion/")
    # session, user, memberships, by unit, by indicator, session save (3)
    with django_assert_num_queries(8):
        response = client.get("/staff/tasks/completion/?start=2026-11-01")
    assert response.context["by_unit"][0]["total"] == count


def test_framework_list_filters_exports_and_still_starts_drafts(people, active):
    client = client_for(people.city_admin)
    draft = client.post("/staff/frameworks/", {"name": "新版体系", "edition_year": "2027"})
    assert draft.status_code == 302
    listed = client.get("/staff/frameworks/").context["frameworks"]
    assert [(f.name, f.status, f.contents) for f in listed] == [
        ("新版体系", "draft", 0),
        ("测评体系", "active", 4),
    ]
    active_only = client.get("/staff/frameworks/?status=active").context["frameworks"]
    assert [f.name for f in active_only] == ["测评体系"]
    rows = sheet_rows(client.get("/staff/frameworks/?edition_year=2027&export=xlsx"))
    assert rows == [
        ["名称", "版本年度", "版本", "状态", "测评内容数"],
        ["新版体系", 2027, 1, "草稿", 0],
    ]
    refused = client.post("/staff/frameworks/", {"name": "", "edition_year": "1900"})
    assert refused.status_code == 200
    assert set(refused.context["form"].errors) == {"name", "edition_year"}
    assert [f.name for f in refused.context["frameworks"]] == ["新版体系", "测评体系"]


def test_framework_and_indicator_apis_share_the_filtersets(people, active, codes):
    client = client_for(people.city_admin)
    assert client.get("/api/frameworks/?status=draft").json()["count"] == 0
    assert client.get("/api/frameworks/?status=active").json()["count"] == 1
    contents = client.get(f"/api/indicators/?framework={active.pk}&level=3&sort=code").json()
    assert [row["code"] for row in contents["results"]] == ["Ⅲ-1", "Ⅲ-2", "Ⅲ-3", "Ⅲ-4", "Ⅲ-10"]
    items = client.get(f"/api/indicators/?framework={active.pk}&level=1&sort=-code").json()
    assert [row["code"] for row in items["results"]] == ["Ⅰ-10", "Ⅰ-9", "Ⅰ-2", "Ⅰ-1"]


def test_api_ledger_list_is_newest_first_like_the_page(people, entries):
    client = client_for(people.city_admin)
    page = titles(client.get("/staff/tasks/"))
    api = [row["title"] for row in client.get("/api/ledger-entries/").json()["results"]]
    assert api == page == ["东湖本月", "西山本月", "东湖逾期", "东湖已过"]


def test_natural_code_order_in_sql_on_mixed_codes(db):
    from tests.factories import FrameworkFactory
    from wenming.framework.models import Indicator
    from wenming.framework.selectors import natural_code_order

    framework = FrameworkFactory()
    codes = ["Ⅰ-10", "Ⅲ-10", "Ⅰ-9", "Ⅲ-2", "Ⅲ-2-10", "Ⅲ-2-9", "Ⅳ", "Ⅲ-2a", "Ⅱ-1"]
    for position, code in enumerate(codes):
        IndicatorFactory(framework=framework, level=1, code=code, position=position)
    ordered = (
        Indicator.objects.filter(framework=framework)
        .order_by(*natural_code_order(), "id")
        .values_list("code", flat=True)
    )
    # A part with letters sorts as text: after every number of its width.
    assert list(ordered) == ["Ⅰ-9", "Ⅰ-10", "Ⅱ-1", "Ⅲ-2", "Ⅲ-2-9", "Ⅲ-2-10", "Ⅲ-10", "Ⅲ-2a", "Ⅳ"]
