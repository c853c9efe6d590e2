"""Each role's home page is its work list: a count leads to the list of what was counted,
at desktop and phone sizes, without the page scrolling sideways."""

from datetime import timedelta

import pytest
from django.utils import timezone

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
SIZES = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}


def add(framework, unit, status, days):
    task = TaskFactory(
        framework=framework, indicator=ContentFactory(framework=framework), unit=unit
    )
    deadline = timezone.localdate() + timedelta(days=days)
    LedgerEntryFactory(
        task=task,
        period_start=deadline - timedelta(days=30),
        period_end=deadline,
        deadline=deadline,
        status=status,
    )


@pytest.mark.parametrize(
    ("username", "panel", "line", "count"),
    [
        ("east_staff", "#panel-office", ".work-waiting_for_review", 2),
        ("east_unit", "#panel-unit", ".work-to_acknowledge", 1),
        ("east_leader", "#panel-completion", None, None),
    ],
)
@pytest.mark.parametrize("size", sorted(SIZES))
def test_the_home_work_list_leads_to_the_counted_entries(
    browser_page, live_server, people, city, username, panel, line, count, size
):
    framework = FrameworkFactory(region=city.city)
    add(framework, city.east_unit, S.SUBMITTED, -2)
    add(framework, city.east_unit, S.SUBMITTED, 4)
    add(framework, city.east_unit, S.ASSIGNED, 2)
    add(framework, city.east_unit, S.PASSED, -5)
    page = browser_page
    page.set_viewport_size(SIZES[size])
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click(".card button[type=submit]")
    page.wait_for_url(f"{live_server.url}/staff/")
    assert page.locator(panel).is_visible()
    assert not page.evaluate("document.documentElement.scrollWidth > window.innerWidth + 1")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"home-{username}-{size}.png"), full_page=True)
    if line is None:
        # 东湖区住建局: due 2 (the past submitted one, the passed one), passed 1.
        assert "50.0%" in page.locator(panel).inner_text()
    else:
        link = page.locator(f"{panel} {line}")
        assert link.locator(".h2").inner_text() == str(count)
        link.click()
        page.wait_for_load_state()
        assert page.locator("table tbody tr").count() == count
    assert page.console_errors == []
