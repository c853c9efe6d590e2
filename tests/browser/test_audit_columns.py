"""The audit log at 1366 px: its 操作 (action) column keeps each word on one line."""

import pytest

from tests.browser.conftest import SCREENSHOTS
from tests.factories import PASSWORD
from tests.framework.conftest import START
from tests.framework.conftest import active as active  # the fixtures, reused
from tests.framework.conftest import draft as draft
from wenming.framework import services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The lines each cell of one column takes: several tops for one text means it wrapped.
COLUMN_LINES = r"""(index) => [...document.querySelectorAll("table tbody tr")].map(row => {
  const cell = row.children[index];
  const range = document.createRange();
  range.selectNodeContents(cell);
  const rects = [...range.getClientRects()].filter(r => r.width > 0);
  const tops = new Set(rects.map(r => Math.round(r.top)));
  return [cell.innerText.trim(), tops.size];
})"""


def test_the_action_column_does_not_wrap_at_1366_px(
    browser_page, live_server, people, active, city
):
    # Long object names and long descriptions (a return's reason) take the table's width.
    for number in range(3):
        task = services.create_task(
            people.city_admin,
            framework=active,
            unit=city.east_unit,
            title=f"背街小巷环境卫生整治台账（含照片、整改前后对比和签字页）第{number}批",
            frequency="once",
            first_period_start=START,
            deadline=START.replace(day=28),
        )
        entry = task.entries.get()
        submission = services.submit_evidence(people.east_unit_staff, entry, note="已整理")
        services.review(
            people.city_admin,
            submission,
            "returned",
            "缺少整改前后的对比照片和负责人签字页，请按测评细则逐项补齐后重新报送，" * 3,
        )
    page = browser_page
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", people.city_admin.username)
    page.fill("input[name=password]", PASSWORD)
    page.click(".card button[type=submit]")
    page.wait_for_url(f"{live_server.url}/staff/")
    page.goto(f"{live_server.url}/staff/audit/")
    headers = page.locator("table thead th").all_inner_texts()
    action = headers.index("操作")
    cells = page.evaluate(COLUMN_LINES, action)
    assert {text for text, _lines in cells} >= {"新增", "修改"}
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "audit-log-1366.png"), full_page=True)
    assert [cell for cell in cells if cell[1] != 1] == []
