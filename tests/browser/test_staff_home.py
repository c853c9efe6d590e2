"""A real browser (Debian's chromium through Playwright) signs in and sees the staff home."""

import os
import shutil
from pathlib import Path

import pytest

from tests.conftest import require_service
from tests.factories import PASSWORD

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def browser_page():
    require_service(
        "Debian's chromium", shutil.which("chromium") is not None, "apt-get install chromium"
    )
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls made by the
    # test itself are still synchronous and safe.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 800})
            page = context.new_page()
            console_errors = []
            page.on(
                "console",
                lambda message: message.type == "error" and console_errors.append(message.text),
            )
            page.console_errors = console_errors
            yield page
            browser.close()
    finally:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


def test_district_staff_signs_in_and_sees_the_chinese_staff_home(
    browser_page, live_server, people, city
):
    page = browser_page
    page.goto(f"{live_server.url}/accounts/login/")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert page.locator("h2").inner_text() == "登录平台"
    page.fill("input[name=username]", "east_staff")
    page.fill("input[name=password]", PASSWORD)
    page.click(".card button[type=submit]")
    page.wait_for_url(f"{live_server.url}/staff/")
    assert page.locator(".page-title").inner_text() == f"您好，{people.east_staff.full_name}"
    scope = page.locator("#my-scope").inner_text()
    assert "文明办工作人员" in scope
    assert "东湖区" in scope
    assert page.locator("#navbar-menu .nav-link").all_inner_texts() == [
        "首页",
        "区域",
        "单位",
        "审计日志",
    ]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "staff-home.png"), full_page=True)
    # Scripts and styles load from this server only, without errors.
    assert page.console_errors == []
    assert page.evaluate("typeof htmx") == "object"


def test_wrong_passwords_show_the_lock_message_in_the_browser(browser_page, live_server, people):
    page = browser_page
    page.goto(f"{live_server.url}/accounts/login/")
    for _attempt in range(5):
        page.fill("input[name=username]", "west_staff")
        page.fill("input[name=password]", "Wrong#Pass1")
        page.click(".card button[type=submit]")
        page.wait_for_load_state()
    page.fill("input[name=username]", "west_staff")
    page.fill("input[name=password]", PASSWORD)
    page.click(".card button[type=submit]")
    page.wait_for_load_state()
    assert "账号因多次登录失败已被锁定" in page.locator(".alert-danger").inner_text()
    assert page.url == f"{live_server.url}/accounts/login/"
