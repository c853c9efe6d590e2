"""Completion rates (passed / due), the unit ranking (红黑榜), its chart, and lost points
in points, each checked against figures counted by hand."""

import io
import json
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from tests.conftest import client_for
from tests.factories import LedgerEntryFactory, TaskFactory, UnitFactory
from wenming.framework.models import LedgerEntry
from wenming.framework.selectors import completion_rate, lost_points, unit_ranking

S = LedgerEntry.Status
TODAY = date(2026, 11, 20)  # tests/framework/conftest.py freezes this day
PAST = date(2026, 11, 10)
FUTURE = date(2026, 11, 30)


def sheet_rows(response):
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


class Ledger:
    """Entries made directly: one task per indicator and unit, one entry per period."""

    def __init__(self, framework):
        self.framework = framework
        self.tasks = {}
        self.count = 0

    def add(self, code, unit, status, deadline):
        indicator = self.framework.indicators.get(code=code)
        task = self.tasks.get((code, unit.pk))
        if task is None:
            task = TaskFactory(framework=self.framework, indicator=indicator, unit=unit)
            self.tasks[(code, unit.pk)] = task
        self.count += 1
        start = date(2026, 1, 1) + timedelta(days=self.count)
        return LedgerEntryFactory(
            task=task, period_start=start, period_end=start, deadline=deadline, status=status
        )


@pytest.mark.parametrize(
    ("passed", "due", "rate"),
    [
        (2, 3, Decimal("66.7")),
        (1, 3, Decimal("33.3")),
        (1, 8, Decimal("12.5")),
        # 6.25 rounds half-up to 6.3 (banker's rounding would give 6.2)
        (1, 16, Decimal("6.3")),
        # 0.05 % → 0.1: exact, where a float 0.0005 * 100 would not be
        (1, 2000, Decimal("0.1")),
        (0, 5, Decimal("0.0")),
        (5, 5, Decimal("100.0")),
        (3, 0, None),
    ],
)
def test_completion_rate_is_passed_over_due_rounded_half_up(passed, due, rate):
    result = completion_rate(passed, due)
    assert result == rate
    if rate is not None:
        assert str(result) == str(rate)


def row(code, due, passed, pk=None):
    return {
        "task__unit__id": pk or hash(code) % 1000,
        "task__unit__code": code,
        "task__unit__name": f"单位{code}",
        "due": due,
        "passed": passed,
    }


def test_ranking_shares_ranks_on_equal_rates_and_breaks_ties_by_due_then_code():
    ranking = unit_ranking(
        [
            row("A", 4, 2),  # 50.0
            row("B", 2, 1),  # 50.0, fewer due than A
            row("C", 3, 3),  # 100.0
            row("D", 0, 0),  # nothing due: unrated
            row("E", 5, 0),  # 0.0
            row("F", 2, 1),  # 50.0, same due as B, later code
        ],
        size=2,
    )
    assert [(u.code, u.rank, u.rate) for u in ranking.ranked] == [
        ("C", 1, Decimal("100.0")),
        ("A", 2, Decimal("50.0")),
        ("B", 2, Decimal("50.0")),
        ("F", 2, Decimal("50.0")),
        ("E", 5, Decimal("0.0")),
    ]
    assert [u.code for u in ranking.unrated] == ["D"]
    assert [u.code for u in ranking.red] == ["C", "A"]
    # The lowest first, never a unit already on the red list.
    assert [u.code for u in ranking.black] == ["E", "F"]


def test_a_short_ranking_puts_no_unit_on_both_lists():
    ranking = unit_ranking([row("A", 1, 1), row("B", 1, 0), row("C", 1, 0)], size=5)
    assert [u.code for u in ranking.red] == ["A", "B", "C"]
    assert ranking.black == []


@pytest.fixture
def ledger(active, city):
    """Hand-counted entries on 2026-11-20 (due = deadline ≤ today, or passed).

    东湖区住建局 DH-ZJ: passed (past), passed (future: passed ahead, due), failed (past),
    assigned (past, overdue), assigned (future: not due), cancelled (past: left out)
      → due 4, passed 2, rate 50.0
    西山区住建局 XS-ZJ: passed (past), submitted (past, overdue)
      → due 2, passed 1, rate 50.0 — the same rate, fewer due: listed after DH-ZJ
    示范市城管局 CGJ: passed (past) → due 1, passed 1, rate 100.0
    东湖区住建局一科 DH-ZJ-1: assigned (future) → nothing due, not ranked
    """
    book = Ledger(active)
    book.add("Ⅲ-1", city.east_unit, S.PASSED, PAST)
    book.add("Ⅲ-1", city.east_unit, S.PASSED, FUTURE)
    book.add("Ⅲ-2", city.east_unit, S.FAILED, PAST)
    book.add("Ⅲ-2", city.east_unit, S.ASSIGNED, PAST)
    book.add("Ⅲ-3", city.east_unit, S.ASSIGNED, FUTURE)
    book.add("Ⅲ-3", city.east_unit, S.CANCELLED, PAST)
    book.add("Ⅲ-1", city.west_unit, S.PASSED, PAST)
    book.add("Ⅲ-1", city.west_unit, S.SUBMITTED, PAST)
    book.add("Ⅲ-4", city.city_unit, S.PASSED, PAST)
    book.add("Ⅲ-4", city.east_sub_unit, S.ASSIGNED, FUTURE)
    return book


def test_completion_page_ranks_units_by_rate(people, ledger):
    response = client_for(people.city_admin).get("/staff/tasks/completion/")
    assert response.status_code == 200
    ranking = response.context["ranking"]
    assert [(u.code, u.due, u.passed, u.rate, u.rank) for u in ranking.ranked] == [
        ("CGJ", 1, 1, Decimal("100.0"), 1),
        ("DH-ZJ", 4, 2, Decimal("50.0"), 2),
        ("XS-ZJ", 2, 1, Decimal("50.0"), 2),
    ]
    assert [u.code for u in ranking.unrated] == ["DH-ZJ-1"]
    by_indicator = {r["task__indicator__code"]: r for r in response.context["by_indicator"]}
    # Ⅲ-1: four entries, all due (one passed ahead), three passed.
    assert (by_indicator["Ⅲ-1"]["due"], by_indicator["Ⅲ-1"]["rate"]) == (4, Decimal("75.0"))
    # Ⅲ-3: the cancelled entry is not due, the other not yet: no rate.
    assert (by_indicator["Ⅲ-3"]["due"], by_indicator["Ⅲ-3"]["rate"]) == (0, None)
    body = response.content.decode()
    assert "50.0%" in body and "100.0%" in body
    assert "1、2、2、4" in body  # the tie rule is explained on the page


def test_completion_chart_data_is_handed_over_without_inline_script(people, ledger):
    body = client_for(people.city_admin).get("/staff/tasks/completion/").content.decode()
    data = re.search(
        r'<script id="completion-chart-data" type="application/json">(.*?)</script>', body
    )
    assert json.loads(data.group(1)) == {
        "label": "完成率（%）",
        "names": ["示范市城管局", "东湖区住建局", "西山区住建局"],
        "rates": [100.0, 50.0, 50.0],
    }
    # Every other script is a file from this server: the CSP forbids inline code.
    scripts = re.findall(r"<script([^>]*)>", body)
    assert all("src=" in attrs or 'type="application/json"' in attrs for attrs in scripts)
    assert '<script src="/static/vendor/echarts/echarts.min.js">' in body
    assert '<script src="/static/wenming/charts.js">' in body


def test_completion_ranking_is_scoped(people, ledger):
    ranking = client_for(people.east_staff).get("/staff/tasks/completion/").context["ranking"]
    assert [(u.code, u.rank) for u in ranking.ranked] == [("DH-ZJ", 1)]
    assert [u.code for u in ranking.unrated] == ["DH-ZJ-1"]


def test_completion_without_due_entries_draws_no_chart(people, active):
    body = client_for(people.city_admin).get("/staff/tasks/completion/").content.decode()
    assert "completion-chart-data" not in body
    assert "echarts.min.js" not in body
    assert "暂无单位有应完成的台账。" in body


def test_completion_export_has_rates_and_ranks(people, ledger):
    rows = sheet_rows(client_for(people.city_admin).get("/staff/tasks/completion/?export=xlsx"))
    header = rows[0]
    assert header[3:8] == ["合计", "应完成", "已通过", "完成率（%）", "排名"]
    units = {r[1]: r[3:8] for r in rows[1:] if r[0] == "按单位"}
    assert units == {
        "CGJ": [1, 1, 1, 100, 1],
        "DH-ZJ": [6, 4, 2, 50, 2],
        "DH-ZJ-1": [1, 0, 0, None, None],
        "XS-ZJ": [2, 2, 1, 50, 2],
    }


def test_rates_sort_units_the_way_a_float_would_not(people, active, city):
    """1/3 and 33.3 % are the same rounded rate: they share a rank."""
    book = Ledger(active)
    for status in (S.PASSED, S.ASSIGNED, S.ASSIGNED):
        book.add("Ⅲ-1", city.east_unit, status, PAST)
    unit = UnitFactory(code="DH-WM", name="东湖区文明办", region=city.east)
    for status in [S.PASSED] * 333 + [S.ASSIGNED] * 667:
        book.add("Ⅲ-2", unit, status, PAST)
    ranking = client_for(people.city_admin).get("/staff/tasks/completion/").context["ranking"]
    assert [(u.code, u.rate, u.rank) for u in ranking.ranked] == [
        ("DH-WM", Decimal("33.3"), 1),
        ("DH-ZJ", Decimal("33.3"), 1),
    ]


# Lost points, counted by hand (period 2026-11-01 … 2026-11-30, today 2026-11-20):
#   Ⅲ-1 (2 points): four entries: failed, overdue (assigned, past), passed, not yet due
#     → 2 lost of 4: 2 × 2 / 4 = 1.00
#   Ⅲ-2 (1 point): eight entries, one failed → 1 × 1 / 8 = 0.125 → 0.13 (half-up)
#   Ⅲ-3 (2 points): three entries, one overdue (submitted, past), one cancelled and
#     overdue-looking (left out), two passed → 2 × 1 / 3 = 0.666… → 0.67
#   Ⅲ-4 (2 points): one passed → nothing lost, not listed
LOST_START, LOST_END = date(2026, 11, 1), date(2026, 11, 30)


@pytest.fixture
def losses(active, city):
    book = Ledger(active)
    book.add("Ⅲ-1", city.east_unit, S.FAILED, PAST)
    book.add("Ⅲ-1", city.west_unit, S.ASSIGNED, PAST)
    book.add("Ⅲ-1", city.city_unit, S.PASSED, PAST)
    book.add("Ⅲ-1", city.east_unit, S.ASSIGNED, FUTURE)
    book.add("Ⅲ-2", city.west_unit, S.FAILED, PAST)
    for _number in range(7):
        book.add("Ⅲ-2", city.east_unit, S.PASSED, PAST)
    book.add("Ⅲ-3", city.east_unit, S.SUBMITTED, PAST)
    book.add("Ⅲ-3", city.east_unit, S.CANCELLED, PAST)
    book.add("Ⅲ-3", city.west_unit, S.PASSED, PAST)
    book.add("Ⅲ-3", city.west_unit, S.PASSED, PAST)
    book.add("Ⅲ-4", city.city_unit, S.PASSED, PAST)
    # Outside the period: never counted.
    book.add("Ⅲ-4", city.city_unit, S.FAILED, date(2026, 10, 31))
    return book


def test_lost_points_are_points_shared_among_entries(people, active, losses):
    rows = lost_points(people.city_admin, active, period_start=LOST_START, period_end=LOST_END)
    assert [
        (r.code, r.points, r.entries, r.failed, r.overdue, r.lost_points, r.units) for r in rows
    ] == [
        ("Ⅲ-1", Decimal("2.00"), 4, 1, 1, Decimal("1.00"), ["东湖区住建局", "西山区住建局"]),
        ("Ⅲ-2", Decimal("1.00"), 8, 1, 0, Decimal("0.13"), ["西山区住建局"]),
        ("Ⅲ-3", Decimal("2.00"), 3, 0, 1, Decimal("0.67"), ["东湖区住建局"]),
    ]


def test_lost_points_page_shows_points_and_the_total_and_exports_them(people, active, losses):
    client = client_for(people.city_admin)
    url = f"/staff/frameworks/{active.pk}/lost-points/?start=2026-11-01&end=2026-11-30"
    response = client.get(url)
    body = response.content.decode()
    assert response.context["total_lost"] == Decimal("1.80")
    assert '<th class="num" id="total-lost">1.80</th>' in body
    rows = sheet_rows(client.get(url + "&export=xlsx"))
    assert rows[0] == ["编码", "指标", "分值", "台账条数", "不通过", "逾期", "失分", "单位"]
    assert rows[1:] == [
        ["Ⅲ-1", "交通秩序良好", 2, 4, 1, 1, 1, "东湖区住建局、西山区住建局"],
        ["Ⅲ-2", "公共场所秩序", 1, 8, 1, 0, 0.13, "西山区住建局"],
        ["Ⅲ-3", "农贸市场整洁", 2, 3, 0, 1, 0.67, "东湖区住建局"],
    ]


def test_lost_points_of_a_district_count_its_own_entries(people, active, losses):
    rows = lost_points(people.east_staff, active, period_start=LOST_START, period_end=LOST_END)
    # East sees Ⅲ-1: failed + not yet due (2 entries, 1 lost → 1.00); Ⅲ-2: 7 passed
    # (nothing lost); Ⅲ-3: submitted-overdue + cancelled (1 entry counted, 1 lost → 2.00).
    assert [(r.code, r.entries, r.lost_points) for r in rows] == [
        ("Ⅲ-1", 2, Decimal("1.00")),
        ("Ⅲ-3", 1, Decimal("2.00")),
    ]


def test_lost_points_export_with_a_bad_period_shows_the_page(people, active, losses):
    response = client_for(people.city_admin).get(
        f"/staff/frameworks/{active.pk}/lost-points/?start=2026-12-01&end=2026-11-01&export=xlsx"
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert "结束日期早于开始日期。" in response.content.decode()


def test_lost_points_of_another_city_answer_404(people, active, losses):
    from tests.factories import FrameworkFactory

    other = FrameworkFactory()
    response = client_for(people.city_admin).get(f"/staff/frameworks/{other.pk}/lost-points/")
    assert response.status_code == 404
