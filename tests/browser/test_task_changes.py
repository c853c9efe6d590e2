"""In a real browser: a task handed to several units through the pickers, activation asked
for first, photo previews and PDFs opening in a tab on the review page."""

from datetime import date
from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.browser.conftest import SCREENSHOTS, sign_in
from tests.core.test_uploads import PDF, make_image
from tests.factories import PASSWORD
from tests.framework.conftest import build_small_tree
from wenming.framework import services
from wenming.framework.models import Framework, Task

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def active(people, city):
    framework = services.create_framework(
        people.city_admin, region=city.city, name="测评体系", edition_year=2026
    )
    build_small_tree(framework)
    return services.activate_framework(people.city_admin, framework)


def picked(page, selector, typed):
    """Type into a picker and wait for htmx to fill its datalist; the options' values."""
    list_id = page.get_attribute(selector, "list")
    with page.expect_response(lambda response: quote(typed) in response.url):
        page.fill(selector, typed)
    # htmx swaps the answer in just after it arrives.
    page.wait_for_function(f"document.getElementById('{list_id}').options.length > 0")
    page.wait_for_timeout(100)
    return page.eval_on_selector_all(f"#{list_id} option", "options => options.map(o => o.value)")


def test_a_task_goes_to_a_lead_and_another_unit_chosen_from_pickers(
    browser_page, live_server, people, active
):
    page = browser_page
    sign_in(page, live_server.url, "east_staff", PASSWORD)
    page.goto(f"{live_server.url}/staff/tasks/new/")
    assert page.locator("select#id_unit").count() == 0
    assert picked(page, "#id_unit", "东湖") == ["DH-ZJ", "DH-ZJ-1"]
    page.fill("#id_unit", "DH-ZJ")
    assert picked(page, "#id_other_units", "一科") == ["DH-ZJ-1"]
    page.fill("#id_other_units", "DH-ZJ-1")
    page.fill("#id_title", "迎检材料整理")
    page.select_option("#id_frequency", "once")
    page.fill("#id_first_period_start", "2026-11-01")
    page.fill("#id_deadline", "2026-12-20")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "task-form-pickers.png"), full_page=True)
    page.locator("main button[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/staff/tasks/")
    assert "任务已交办给 2 个单位。" in page.content()
    assert sorted(Task.objects.values_list("unit__code", "is_lead")) == [
        ("DH-ZJ", True),
        ("DH-ZJ-1", False),
    ]
    assert page.console_errors == []


def test_activation_is_asked_for_and_names_what_stops(browser_page, live_server, people, active):
    services.create_task(
        people.city_admin,
        framework=active,
        unit=people.east_unit_staff.memberships.get().unit,
        title="月度台账",
        frequency="monthly",
        first_period_start=date(2026, 11, 1),
        due_days=5,
    )
    copy = services.copy_framework(people.city_admin, active)
    page = browser_page
    sign_in(page, live_server.url, "city_admin", PASSWORD)
    page.goto(f"{live_server.url}/staff/frameworks/{copy.pk}/")
    page.get_by_role("link", name="启用…").click()
    page.wait_for_url(f"{live_server.url}/staff/frameworks/{copy.pk}/activate/")
    effects = page.locator("#activation-effects").inner_text()
    assert "当前启用的测评体系 测评体系 2026 第 1 版将被归档。" in effects
    assert "其中 1 个周期任务将不再生成新的周期" in effects
    copy.refresh_from_db()
    assert copy.status == "draft"
    page.locator("main button[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/staff/frameworks/{copy.pk}/")
    assert Framework.objects.get(status="active") == copy


def test_the_review_page_previews_photos_and_opens_pdfs_in_a_tab(
    browser_page, live_server, people, active, city
):
    task = services.create_task(
        people.east_staff,
        framework=active,
        unit=city.east_unit,
        title="现场照片",
        frequency="once",
        first_period_start=date(2026, 11, 1),
        deadline=date(2026, 12, 20),
    )
    entry = task.entries.get()
    submission = services.submit_evidence(
        people.east_unit_staff,
        entry,
        files=[
            SimpleUploadedFile("现场.jpg", make_image("JPEG", size=(1200, 800))),
            SimpleUploadedFile("通知.pdf", PDF),
        ],
    )
    photo, pdf = submission.files.order_by("id")
    page = browser_page
    sign_in(page, live_server.url, "east_staff", PASSWORD)
    page.goto(f"{live_server.url}/staff/tasks/{entry.pk}/")
    preview = page.get_by_role("img", name="现场.jpg 的预览")
    preview.scroll_into_view_if_needed()
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=preview.element_handle()
    )
    assert preview.evaluate("img => [img.naturalWidth, img.naturalHeight]") == [320, 213]
    pdf_link = page.get_by_role("link", name="通知.pdf")
    assert pdf_link.get_attribute("target") == "_blank"
    assert pdf_link.get_attribute("href") == f"/staff/evidence/{pdf.pk}/"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "entry-evidence-previews.png"), full_page=True)
    with page.context.expect_page() as opened:
        pdf_link.click()
    tab = opened.value
    tab.wait_for_load_state()
    assert tab.url == f"{live_server.url}/staff/evidence/{pdf.pk}/"
    assert photo.pk != pdf.pk
    assert page.console_errors == []
