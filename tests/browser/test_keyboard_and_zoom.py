"""What the axe audit cannot see: the keyboard's path, focus that shows, text at 200 %,
phone lists read as cards, and the 适老化 switch across browsers."""

import pytest

from tests.browser.conftest import DESKTOP, PHONE, scrolls_sideways, sign_in, squeezed_cells
from tests.factories import PASSWORD, member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FOCUS_STYLE = """() => {
  const style = getComputedStyle(document.activeElement);
  return [style.outlineStyle, parseFloat(style.outlineWidth), style.outlineColor];
}"""


def test_the_first_tab_reaches_a_skip_link_that_moves_focus_to_main(open_page, live_server, people):
    page = open_page(viewport=DESKTOP)
    sign_in(page, live_server.url, "east_staff", PASSWORD)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    assert page.evaluate("document.activeElement.textContent") == "跳到主要内容"
    # Visible once focused: inside the window, not parked above it.
    box = page.locator(".skip-link").bounding_box()
    assert box["y"] >= 0
    assert box["height"] > 10
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    assert page.locator("main h2.page-title").count() == 1


def test_the_phone_menu_button_and_links_show_a_strong_focus_outline(
    open_page, live_server, people
):
    page = open_page(viewport=PHONE)
    sign_in(page, live_server.url, "east_staff", PASSWORD)
    page.keyboard.press("Tab")  # the skip link
    page.keyboard.press("Tab")  # the menu button
    assert page.evaluate("document.activeElement.className") == "navbar-toggler"
    style, width, colour = page.evaluate(FOCUS_STYLE)
    assert style == "solid"
    assert width >= 3
    # #0a2f6b: 13:1 on white, where Tabler's ring was about 2.1:1.
    assert colour == "rgb(10, 47, 107)"
    page.keyboard.press("Enter")
    page.locator("#navbar-menu .nav-link").first.wait_for(state="visible")
    page.keyboard.press("Tab")
    assert page.evaluate(FOCUS_STYLE)[0] == "solid"


def test_a_sideways_scrolling_table_can_be_reached_and_is_named(open_page, live_server, people):
    page = open_page(viewport=DESKTOP)
    sign_in(page, live_server.url, "east_staff", PASSWORD)
    page.goto(f"{live_server.url}/staff/people/")
    wrapper = page.locator(".table-responsive")
    assert wrapper.get_attribute("tabindex") == "0"
    assert wrapper.get_attribute("role") == "region"
    assert wrapper.get_attribute("aria-label") == "人员"


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["desktop", "phone"])
@pytest.mark.parametrize("path", ["/accounts/login/", "/", "/staff/"])
def test_text_at_200_percent_wraps_the_header_instead_of_cutting_it(
    open_page, live_server, people, path, size
):
    page = open_page(viewport=size)
    sign_in(page, live_server.url, "east_staff", PASSWORD)
    if path == "/accounts/login/":
        page.context.clear_cookies()
    page.goto(f"{live_server.url}{path}")
    # Text-only enlargement (a browser's minimum font size or text zoom) doubles rem.
    page.evaluate("document.documentElement.style.fontSize = '200%'")
    assert not scrolls_sideways(page)
    header = page.locator("header.navbar")
    assert header.evaluate("el => el.scrollWidth <= el.clientWidth")
    for control in header.locator("a:visible, button:visible").all():
        box = control.bounding_box()
        assert box["x"] >= 0
        assert box["x"] + box["width"] <= size["width"]


def test_a_page_zoomed_to_200_percent_does_not_scroll_sideways(open_page, live_server, people):
    # A 1366 px window at 200 % zoom lays out as 683 CSS pixels.
    page = open_page(viewport={"width": 683, "height": 450})
    sign_in(page, live_server.url, "east_staff", PASSWORD)
    for path in ("/staff/", "/staff/people/", "/"):
        page.goto(f"{live_server.url}{path}")
        assert not scrolls_sideways(page), path


def test_a_phone_shows_the_people_list_as_cards_with_column_names(
    open_page, live_server, people, city
):
    for number in range(3):
        member("unit_staff", unit=city.east_unit, username=f"clerk{number}", full_name="欧阳明月")
    page = open_page(viewport=PHONE)
    sign_in(page, live_server.url, "east_staff", PASSWORD)
    page.goto(f"{live_server.url}/staff/people/?q=clerk")
    assert page.locator("table.table-cards").count() == 1
    first_name = page.locator("tbody tr").first.locator("td").first
    column = page.locator("thead th").first.text_content().strip()
    assert column in ("姓名", "名称")
    assert first_name.get_attribute("data-label") == column
    assert first_name.evaluate("el => getComputedStyle(el).display") == "block"
    assert first_name.evaluate("el => getComputedStyle(el, '::before').content").strip('"') == (
        first_name.get_attribute("data-label")
    )
    # The whole name sits on one line; no column is narrower than the card.
    assert first_name.evaluate("el => el.getBoundingClientRect().width") > 300
    assert squeezed_cells(page) == []
    assert not scrolls_sideways(page)
    # On a desktop the same list is a table again.
    page.set_viewport_size(DESKTOP)
    assert first_name.evaluate("el => getComputedStyle(el).display") == "table-cell"


def test_the_switch_is_remembered_by_the_browser_and_then_by_the_person(
    open_page, live_server, people
):
    page = open_page(viewport=DESKTOP)
    page.goto(f"{live_server.url}/accounts/login/")
    base_size = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    page.locator(".elder-switch").click()
    page.wait_for_load_state()
    assert page.url == f"{live_server.url}/accounts/login/"
    assert page.locator("html").get_attribute("class") == "elder-friendly"
    assert page.locator(".elder-switch").get_attribute("aria-pressed") == "true"
    assert round(page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")) == 20
    assert base_size == 14
    assert page.evaluate("getComputedStyle(document.body).color") == "rgb(0, 0, 0)"
    # The portal honours the browser's choice too.
    page.goto(f"{live_server.url}/")
    assert page.locator("html").get_attribute("class") == "elder-friendly"
    sign_in(page, live_server.url, "east_staff", PASSWORD)
    assert page.locator("html").get_attribute("class") == "elder-friendly"
    # Another browser, the same person: the choice went with them.
    other = open_page(viewport=PHONE)
    sign_in(other, live_server.url, "east_staff", PASSWORD)
    assert other.locator("html").get_attribute("class") == "elder-friendly"
    other.locator(".elder-switch").first.click()
    other.wait_for_load_state()
    assert other.locator("html").get_attribute("class") is None
    page.reload()
    assert page.locator("html").get_attribute("class") is None
