"""A real browser (Debian's chromium through Playwright) signs in and sees the staff home."""

import pytest

from tests.browser.conftest import SCREENSHOTS
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


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
        "人员",
        "测评体系",
        "任务清单",
        "完成情况",
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
