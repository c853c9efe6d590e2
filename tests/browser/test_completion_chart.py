"""The completion page draws its ECharts chart from the bundled file and json_script data."""

from datetime import date

import pytest

from tests.browser.conftest import SCREENSHOTS
from tests.factories import (
    PASSWORD,
    ContentFactory,
    FrameworkFactory,
    LedgerEntryFactory,
    TaskFactory,
)
from wenming.framework.models import LedgerEntry

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

S = LedgerEntry.Status
PAST = date(2026, 1, 10)


def entries(framework, unit, statuses):
    for status in statuses:
        task = TaskFactory(
            framework=framework, indicator=ContentFactory(framework=framework), unit=unit
        )
        LedgerEntryFactory(
            task=task,
            period_start=date(2026, 1, 1),
            period_end=PAST,
            deadline=PAST,
            status=status,
        )


def sign_in(page, live_server, username):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click(".card button[type=submit]")
    page.wait_for_url(f"{live_server.url}/staff/")


def test_the_completion_chart_draws_one_bar_per_ranked_unit(
    browser_page, live_server, people, city
):
    framework = FrameworkFactory(region=city.city)
    entries(framework, city.city_unit, [S.PASSED, S.PASSED])  # 100.0
    entries(framework, city.east_unit, [S.PASSED, S.ASSIGNED, S.FAILED, S.RETURNED])  # 25.0
    entries(framework, city.west_unit, [S.PASSED, S.SUBMITTED])  # 50.0
    page = browser_page
    sign_in(page, live_server, "city_admin")
    page.goto(f"{live_server.url}/staff/tasks/completion/")
    page.wait_for_selector("#completion-chart[data-chart-ready=true] svg")
    labels = page.eval_on_selector_all(
        "#completion-chart svg text", "elements => elements.map(e => e.textContent)"
    )
    # Units on the axis, highest rate on top, and each bar labelled with its rate.
    assert [name for name in labels if name.endswith("局")] == [
        "示范市城管局",
        "西山区住建局",
        "东湖区住建局",
    ]
    assert {"100%", "50%", "25%"} <= set(labels)
    height = page.locator("#completion-chart").bounding_box()["height"]
    assert height >= 240
    first = page.locator("#red-list li").first.inner_text()
    assert "第1名" in first and "示范市城管局" in first and "100.0%" in first
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "completion-chart.png"), full_page=True)
    # The chart script and ECharts came from this server, without a CSP refusal.
    assert page.console_errors == []
