"""Every page the menus reach, for each demo role, passes axe-core (WCAG 2.1 A and AA) at
desktop and phone sizes, in the normal and the 适老化 mode; no list squeezes its columns.

Each role's pages are also photographed into var/screenshots/ (git-ignored) at 1366×900
and 390×844, for a person to look at.
"""

import pytest
from django.core.management import call_command
from django.test import override_settings

from tests.browser.conftest import (
    DESKTOP,
    PHONE,
    SCREENSHOTS,
    axe_results,
    scrolls_sideways,
    sign_in,
    squeezed_cells,
    start_axe,
)
from wenming.regions.demo import DEMO_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# One demo account per role (district office staff and a second unit add no new pages).
ROLES = [
    "anonymous",
    "admin",
    "city_admin",
    "city_staff",
    "city_leader",
    "inspector1",
    "unit_cgj",
    "volunteer1",
    "resident1",
]


@pytest.fixture
def demo(live_server):
    """The demo city with its sample framework, tasks and a few reviewed entries."""
    with override_settings(DEBUG=True):
        call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    return live_server


def pages_for(page, base_url: str) -> list[tuple[str, str]]:
    """(name, path) of the pages this visitor's header and menu lead to, and the page
    each list's first row opens (an entry, a framework)."""
    pages = [("portal", "/")]
    if not page.locator(".account-menu").count():
        return [*pages, ("login", "/accounts/login/")]
    menu = page.locator("#navbar-menu .nav-link")
    menu_paths = [menu.nth(index).get_attribute("href") for index in range(menu.count())]
    for path in menu_paths:
        if path.startswith("/admin/"):
            continue  # Django's admin is a repair tool outside the platform's pages.
        pages.append((path.strip("/").replace("/", "-"), path))
    for name, path in list(pages[1:]):
        page.goto(f"{base_url}{path}")
        first = page.locator("main tbody tr:first-child td:first-child a[href^='/staff/']")
        detail = first.first.get_attribute("href") if first.count() else None
        if detail and detail not in {known for _name, known in pages}:
            pages.append((f"{name}-first-row", detail))
    pages.append(("password", "/accounts/password/"))
    return pages


def switch_elder_friendly_mode(page, on: bool) -> None:
    """Press the header's 适老化 switch if it is not already as wanted."""
    pressed = page.locator(".elder-switch").first.get_attribute("aria-pressed") == "true"
    if pressed != on:
        page.locator(".elder-switch").first.click()
        page.wait_for_load_state()
    expected = "elder-friendly" if on else None
    assert page.locator("html").get_attribute("class") == expected


def check_role(context, base_url: str, role: str) -> list[str]:
    """Sign in as `role`, visit every page its menus reach in both modes and sizes.

    Two tabs of one session, one per size, are checked at the same time (axe-core takes
    seconds on a long list). Returns one line per problem: an axe violation, a squeezed
    cell, a page wider than the window. Screenshots of the normal mode (and the 适老化
    home pages) are kept.
    """
    desktop = context.new_page()
    desktop.set_viewport_size(DESKTOP)
    if role == "anonymous":
        desktop.goto(f"{base_url}/")
    else:
        sign_in(desktop, base_url, role, DEMO_PASSWORD)
        if desktop.url == f"{base_url}/accounts/login/":
            return [f"{role} could not sign in"]
    phone = context.new_page()
    phone.set_viewport_size(PHONE)
    tabs = (desktop, phone)
    pages = pages_for(desktop, base_url)
    problems = []
    for mode in ("normal", "elder"):
        switch_elder_friendly_mode(desktop, mode == "elder")
        for name, path in pages:
            where = f"{role} {path} {mode}"
            for tab in tabs:
                response = tab.goto(f"{base_url}{path}")
                start_axe(tab)
            if response.status >= 400:
                # Volunteers and residents may not use the staff pages; the refusal page
                # is checked like any other.
                where += f" (HTTP {response.status})"
            for tab in tabs:
                size = tab.viewport_size
                at = f"{where} {size['width']}px"
                problems += [f"{at}: {line}" for line in axe_results(tab)]
                problems += [f"{at}: squeezed cell {cell}" for cell in squeezed_cells(tab)]
                if scrolls_sideways(tab):
                    problems.append(f"{at}: the page scrolls sideways")
                if mode == "normal" or name in ("staff", "portal"):
                    shot = f"{role}-{name}-{mode}-{size['width']}x{size['height']}.png"
                    tab.screenshot(path=str(SCREENSHOTS / shot), full_page=True)
    return problems


def test_every_page_of_the_menus_passes_axe_in_both_modes_and_sizes(browser, demo):
    # One test for all roles: the demo city is built once (about 15 s), not per role.
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    problems = []
    for role in ROLES:
        context = browser.new_context(locale="zh-CN", bypass_csp=True)
        try:
            problems += check_role(context, demo.url, role)
        finally:
            context.close()
    assert problems == [], "\n".join(problems)
