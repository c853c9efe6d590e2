"""A resident signs in in a real browser, lands on the portal, meets a 403 and signs out."""

import pytest

from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_resident_lands_on_the_portal_and_is_never_sent_in_a_403_loop(
    browser_page, live_server, people
):
    page = browser_page
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", people.resident.username)
    page.fill("input[name=password]", PASSWORD)
    page.click(".card button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    header = page.locator("header")
    assert header.locator(".signed-in-as").inner_text() == f"已登录：{people.resident.full_name}"
    assert header.get_by_role("link", name="工作台").count() == 0
    # A staff address typed by hand: the 403 page's way back leads to the portal, not here.
    page.goto(f"{live_server.url}/staff/")
    assert page.locator(".empty-title").inner_text() == "您无权进行此操作"
    page.get_by_role("link", name="返回首页").click()
    page.wait_for_url(f"{live_server.url}/")
    header.get_by_role("button", name="退出登录").click()
    page.wait_for_url(f"{live_server.url}/")
    assert header.get_by_role("link", name="登录").count() == 1
    assert header.locator(".signed-in-as").count() == 0
    # The one console error is the browser noting the 403 answer itself.
    assert [error for error in page.console_errors if "403" not in error] == []
