"""The region tree in a real browser: a node opens through htmx once, then only shows and
hides its children; the flat list is one link away."""

import pytest

from tests.browser.conftest import SCREENSHOTS
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_nodes_open_load_once_and_close(browser_page, live_server, people, city):
    page = browser_page
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "city_admin")
    page.fill("input[name=password]", PASSWORD)
    page.click(".card button[type=submit]")
    page.wait_for_url(f"{live_server.url}/staff/")
    loads = []
    page.on("request", lambda request: "/children/" in request.url and loads.append(request.url))
    page.goto(f"{live_server.url}/staff/regions/")
    city_button = page.locator(f'[aria-controls="children-{city.city.pk}"]')
    assert city_button.get_attribute("aria-expanded") == "false"
    assert city_button.get_attribute("aria-label") == "展开示范市"
    children = page.locator(f"#children-{city.city.pk}")
    assert children.is_hidden()

    city_button.click()
    page.wait_for_selector(f'[data-region="{city.east.pk}"]')
    assert city_button.get_attribute("aria-expanded") == "true"
    assert children.is_visible()
    east = page.locator(f'[data-region="{city.east.pk}"] > div:first-child')
    assert "下级区域 1 个" in east.inner_text() and "单位 2 个" in east.inner_text()
    # A district opens one more level.
    page.locator(f'[aria-controls="children-{city.east.pk}"]').click()
    page.wait_for_selector(f'[data-region="{city.east_street.pk}"]')
    assert page.locator(f'[data-region="{city.east_street.pk}"]').is_visible()

    city_button.click()
    assert city_button.get_attribute("aria-expanded") == "false"
    assert children.is_hidden()
    city_button.click()
    assert children.is_visible()
    # Opened twice, loaded once; the district loaded once too.
    assert len(loads) == 2
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "region-tree.png"), full_page=True)

    page.click("#show-flat-list")
    page.wait_for_url(f"{live_server.url}/staff/regions/?view=list")
    assert page.locator("table tbody tr").count() == 6
    assert page.console_errors == []
