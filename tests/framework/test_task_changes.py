"""Handing one task to several units, changing and cancelling tasks, confirming activation."""

import io
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from tests.conftest import client_for
from tests.core.test_uploads import PDF, make_image
from tests.factories import TaskFactory
from tests.framework.conftest import START
from wenming.core.models import AuditEntry
from wenming.framework import services
from wenming.framework.models import Framework, LedgerEntry, Task, TaskEvent

NEW = "/staff/tasks/new/"


def hand_out(client, **fields):
    data = {
        "unit": "DH-ZJ",
        "other_units": "",
        "title": "迎检材料整理",
        "description": "整理三年台账",
        "indicator_code": "",
        "frequency": "once",
        "first_period_start": "2026-11-01",
        "deadline": "2026-11-30",
        "due_days": "",
    }
    return client.post(NEW, data | fields)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


# Handing one task to several units -----------------------------------------------------


def test_one_form_hands_a_task_to_a_lead_unit_and_others(people, active, city):
    client = client_for(people.city_admin)
    response = hand_out(client, unit="CGJ", other_units="DH-ZJ, XS-ZJ、DH-ZJ-1 CGJ")
    assert response.status_code == 302
    tasks = Task.objects.filter(title="迎检材料整理").order_by("unit__code")
    assert [(task.unit.code, task.is_lead) for task in tasks] == [
        ("CGJ", True),
        ("DH-ZJ", False),
        ("DH-ZJ-1", False),
        ("XS-ZJ", False),
    ]
    assert sorted(
        LedgerEntry.objects.filter(task__in=tasks).values_list("task__unit__code", "deadline")
    ) == [
        ("CGJ", date(2026, 11, 30)),
        ("DH-ZJ", date(2026, 11, 30)),
        ("DH-ZJ-1", date(2026, 11, 30)),
        ("XS-ZJ", date(2026, 11, 30)),
    ]
    assert AuditEntry.objects.filter(object_type="framework.task", action="create").count() == 4


def test_a_unit_that_has_the_indicator_already_is_named_and_nothing_is_written(
    people, active, city
):
    client = client_for(people.city_admin)
    assert hand_out(client, unit="XS-ZJ", indicator_code="Ⅲ-2").status_code == 302
    again = hand_out(
        client, unit="CGJ", other_units="XS-ZJ DH-ZJ", indicator_code="Ⅲ-2", title="再交办"
    )
    assert again.status_code == 200
    assert again.context["form"].non_field_errors() == [
        f"{city.west_unit.name} 已有 Ⅲ-2 的任务。",
        "未交办任何任务。",
    ]
    assert not Task.objects.filter(title="再交办").exists()


def test_a_hand_written_task_given_twice_to_a_unit_is_refused_by_its_name(people, active, city):
    client = client_for(people.east_staff)
    assert hand_out(client).status_code == 302
    again = hand_out(client, unit="DH-ZJ-1", other_units="DH-ZJ")
    assert again.context["form"].non_field_errors() == [
        f"{city.east_unit.name} 已有名为“迎检材料整理”的有效任务。",
        "未交办任何任务。",
    ]
    assert Task.objects.filter(title="迎检材料整理").count() == 1


def test_units_outside_the_offices_reach_are_named_together(people, active, city):
    response = hand_out(client_for(people.east_staff), other_units="XS-ZJ, CGJ, DH-ZJ-1")
    assert response.status_code == 200
    assert response.context["form"].errors["other_units"] == [
        "您的范围内没有编码为 XS-ZJ、CGJ 的单位。"
    ]
    assert not Task.objects.exists()


def test_a_service_caller_without_reach_over_one_unit_writes_nothing(people, active, city):
    with pytest.raises(PermissionDenied):
        services.create_tasks(
            people.east_staff,
            framework=active,
            lead_unit=city.east_unit,
            other_units=[city.east_sub_unit, city.west_unit],
            title="越权",
            frequency="once",
            first_period_start=START,
            deadline=date(2026, 11, 30),
        )
    assert not Task.objects.exists()


def test_the_task_form_offers_pickers_not_a_list_of_every_unit(people, active):
    body = client_for(people.east_staff).get(NEW).content.decode()
    assert 'list="id_unit_options"' in body
    assert 'hx-get="/staff/pick/units/?field=unit&amp;action=framework.assign"' in body
    assert (
        'hx-get="/staff/pick/units/?field=other_units&amp;action=framework.assign&amp;multiple=1"'
        in body
    )
    assert '<select name="unit"' not in body


# Changing a task ------------------------------------------------------------------------


@pytest.fixture
def monthly(people, active, city):
    """A monthly task of the east unit since September: Sep passed, Oct and Nov open."""
    task = services.create_task(
        people.east_staff,
        framework=active,
        unit=city.east_unit,
        title="月度台账",
        frequency="monthly",
        first_period_start=date(2026, 9, 1),
        due_days=5,
    )
    september = task.entries.get(period_start=date(2026, 9, 1))
    submission = services.submit_evidence(people.east_unit_staff, september, note="九月")
    services.review(people.east_staff, submission, "passed")
    return task


def deadlines(task):
    return list(task.entries.order_by("period_start").values_list("status", "deadline"))


def test_changing_the_days_moves_open_entries_and_leaves_passed_ones(people, monthly):
    client = client_for(people.east_staff)
    entry = monthly.entries.get(period_start=date(2026, 11, 1))
    url = f"/staff/tasks/task/{monthly.pk}/edit/?entry={entry.pk}"
    page = client.get(url)
    assert list(page.context["form"].fields) == ["title", "description", "due_days"]
    response = client.post(
        url,
        {"title": "月度台账（修订）", "description": "新要求", "due_days": "10", "entry": entry.pk},
    )
    assert response.status_code == 302
    assert response["Location"] == f"/staff/tasks/{entry.pk}/"
    assert deadlines(monthly) == [
        ("passed", date(2026, 10, 5)),
        ("assigned", date(2026, 11, 10)),
        ("assigned", date(2026, 12, 10)),
    ]
    events = TaskEvent.objects.filter(action="change").order_by("entry__period_start")
    assert [event.entry.period_start for event in events] == [date(2026, 10, 1), date(2026, 11, 1)]
    assert events[0].note == "标题：月度台账 → 月度台账（修订）；提交期限天数：5 → 10"
    assert events[0].actor == people.east_staff
    audit = AuditEntry.objects.get(event="task_changed")
    assert (audit.actor, audit.params) == (people.east_staff, {"entries": 2})
    assert audit.after["due_days"] == 10


def test_a_one_off_tasks_deadline_moves_its_open_entry(people, active, city):
    task = services.create_task(
        people.east_staff,
        framework=active,
        unit=city.east_unit,
        title="一次性",
        frequency="once",
        first_period_start=START,
        deadline=date(2026, 11, 30),
    )
    services.update_task(people.east_staff, task, title="一次性", deadline=date(2026, 12, 20))
    assert list(task.entries.values_list("period_end", "deadline")) == [
        (date(2026, 12, 20), date(2026, 12, 20))
    ]
    with pytest.raises(ValidationError) as refused:
        services.update_task(people.east_staff, task, title="一次性", deadline=date(2026, 10, 1))
    assert refused.value.message_dict == {"deadline": ["截止日期早于开始日期。"]}


def test_a_recurring_task_started_long_ago_can_still_be_changed(people, active, city):
    task = TaskFactory(
        framework=active,
        unit=city.east_unit,
        frequency="yearly",
        first_period_start=date(2022, 1, 1),
        due_days=30,
        created_by=people.east_staff,
    )
    services.update_task(people.east_staff, task, title="年度台账", due_days=20)
    task.refresh_from_db()
    assert (task.title, task.due_days) == ("年度台账", 20)


@pytest.mark.parametrize("persona", ["west_staff", "leader", "east_unit_staff", "inspector"])
def test_only_an_office_over_the_unit_changes_or_cancels_its_task(people, monthly, persona):
    user = getattr(people, persona)
    client = client_for(user)
    for action in ("edit", "cancel"):
        url = f"/staff/tasks/task/{monthly.pk}/{action}/"
        assert client.get(url).status_code == 404
        assert client.post(url, {"title": "改", "due_days": "1", "reason": "撤"}).status_code == 404
    with pytest.raises(PermissionDenied):
        services.cancel_task(user, monthly, reason="撤")
    with pytest.raises(PermissionDenied):
        services.update_task(user, monthly, title="改", due_days=1)
    monthly.refresh_from_db()
    assert (monthly.title, monthly.is_active) == ("月度台账", True)


def test_residents_and_anonymous_never_reach_the_task_pages(people, monthly):
    url = f"/staff/tasks/task/{monthly.pk}/edit/"
    assert client_for(people.resident).get(url).status_code == 403
    anonymous = Client().get(url)
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/accounts/login/")


# Cancelling a task -------------------------------------------------------------------------


def test_cancelling_closes_open_entries_keeps_passed_ones_and_stops_new_periods(people, monthly):
    client = client_for(people.east_staff)
    october = monthly.entries.get(period_start=date(2026, 10, 1))
    submission = services.submit_evidence(people.east_unit_staff, october, note="十月")
    url = f"/staff/tasks/task/{monthly.pk}/cancel/?entry={october.pk}"
    page = client.get(url).content.decode()
    assert "2 个未完成的台账条目将被取消" in page
    assert client.post(url, {"reason": ""}).context["form"].errors == {
        "reason": ["该字段是必填项。"]
    }
    response = client.post(url, {"reason": "职责调整", "entry": october.pk})
    assert response.status_code == 302
    assert deadlines(monthly) == [
        ("passed", date(2026, 10, 5)),
        ("cancelled", date(2026, 11, 5)),
        ("cancelled", date(2026, 12, 5)),
    ]
    monthly.refresh_from_db()
    assert monthly.is_active is False
    cancel = TaskEvent.objects.get(entry=october, action="cancel")
    assert (cancel.from_status, cancel.to_status, cancel.note, cancel.actor) == (
        "submitted",
        "cancelled",
        "职责调整",
        people.east_staff,
    )
    assert AuditEntry.objects.get(event="task_cancelled").params == {
        "reason": "职责调整",
        "entries": 2,
    }
    # No new period, no submission, no review, no second cancellation.
    assert services.ensure_entries(monthly, today=date(2027, 3, 1)) == 0
    with pytest.raises(ValidationError):
        services.review(people.east_staff, submission, "passed")
    with pytest.raises(ValidationError):
        services.submit_evidence(people.east_unit_staff, october, note="再交")
    with pytest.raises(ValidationError):
        services.cancel_task(people.east_staff, monthly, reason="再撤")
    # The unit's to-do list drops the cancelled entries; the status filter still finds them.
    unit = client_for(people.east_unit_staff)
    assert unit.get("/staff/tasks/mine/").context["object_list"].count() == 0
    cancelled = unit.get("/staff/tasks/mine/?status=cancelled").context["object_list"]
    assert sorted(row.period_start for row in cancelled) == [date(2026, 10, 1), date(2026, 11, 1)]
    # A cancelled entry is not overdue, so it loses no points.
    assert not LedgerEntry.objects.filter(task=monthly).overdue(today=date(2027, 1, 1)).exists()


def test_the_entry_page_offers_change_and_cancel_to_the_office_and_shows_the_history(
    people, monthly
):
    entry = monthly.entries.get(period_start=date(2026, 11, 1))
    office = client_for(people.east_staff).get(f"/staff/tasks/{entry.pk}/").content.decode()
    assert f'href="/staff/tasks/task/{monthly.pk}/edit/?entry={entry.pk}"' in office
    assert f'href="/staff/tasks/task/{monthly.pk}/cancel/?entry={entry.pk}"' in office
    unit = client_for(people.east_unit_staff).get(f"/staff/tasks/{entry.pk}/").content.decode()
    assert 'id="task-actions"' not in unit
    services.cancel_task(people.east_staff, monthly, reason="职责调整")
    after = client_for(people.east_unit_staff).get(f"/staff/tasks/{entry.pk}/").content.decode()
    assert "<strong>任务已取消</strong>" in after
    assert "职责调整" in after
    assert "提交证明材料" not in after  # the submit form is gone


# Activating a framework ------------------------------------------------------------------


def test_activation_asks_first_naming_the_version_archived_and_the_tasks_stopping(
    people, active, city
):
    for unit, frequency in ((city.east_unit, "monthly"), (city.west_unit, "quarterly")):
        services.create_task(
            people.city_admin,
            framework=active,
            unit=unit,
            title="周期台账",
            frequency=frequency,
            first_period_start=START,
            due_days=5,
        )
    services.create_task(
        people.city_admin,
        framework=active,
        unit=city.east_unit,
        title="一次性",
        frequency="once",
        first_period_start=START,
        deadline=date(2026, 11, 30),
    )
    copy = services.copy_framework(people.city_admin, active)
    client = client_for(people.city_admin)
    detail = client.get(f"/staff/frameworks/{copy.pk}/").content.decode()
    assert f'href="/staff/frameworks/{copy.pk}/activate/"' in detail
    page = client.get(f"/staff/frameworks/{copy.pk}/activate/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "当前启用的测评体系 测评体系 2026 第 1 版将被归档。" in text
    assert "其中 2 个周期任务将不再生成新的周期" in text
    # A bare POST (an old form, a forged link) does not activate.
    assert client.post(f"/staff/frameworks/{copy.pk}/activate/").status_code == 302
    copy.refresh_from_db()
    assert copy.status == "draft"
    client.post(f"/staff/frameworks/{copy.pk}/activate/", {"confirmed": "yes"})
    copy.refresh_from_db()
    active.refresh_from_db()
    assert (copy.status, active.status) == ("active", "archived")
    assert Task.objects.filter(framework=active, is_active=True).count() == 0


def test_the_activation_page_is_the_city_offices_alone(people, draft):
    assert (
        client_for(people.east_staff).get(f"/staff/frameworks/{draft.pk}/activate/").status_code
        == 403
    )
    page = client_for(people.city_admin).get(f"/staff/frameworks/{draft.pk}/activate/")
    assert "目前没有启用的测评体系，不会归档任何版本。" in page.content.decode()


# Evidence previews -----------------------------------------------------------------------


@pytest.fixture
def evidence(people, active, city, media):
    task = services.create_task(
        people.east_staff,
        framework=active,
        unit=city.east_unit,
        title="现场照片",
        frequency="once",
        first_period_start=START,
        deadline=date(2026, 11, 30),
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
    return entry, list(submission.files.order_by("id"))


def test_a_photo_has_a_small_server_made_preview_behind_the_entrys_scope(people, evidence):
    _entry, (photo, pdf) = evidence
    url = f"/staff/evidence/{photo.pk}/thumbnail/"
    response = client_for(people.east_staff).get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["Cache-Control"] == "private, max-age=3600"
    assert Image.open(io.BytesIO(response.content)).size == (320, 213)
    # The unit's own staff see it too; a second read comes from the cache, same bytes.
    assert client_for(people.east_unit_staff).get(url).content == response.content
    office = client_for(people.east_staff)
    assert office.get(f"/staff/evidence/{pdf.pk}/thumbnail/").status_code == 404
    assert client_for(people.west_staff).get(url).status_code == 404
    assert client_for(people.resident).get(url).status_code == 403
    assert Client().get(url).status_code == 302


def test_the_review_page_shows_previews_opens_pdfs_in_a_tab_and_states_the_limit(
    people, evidence, settings
):
    entry, (photo, pdf) = evidence
    page = client_for(people.east_staff).get(f"/staff/tasks/{entry.pk}/").content.decode()
    assert f'<img src="/staff/evidence/{photo.pk}/thumbnail/" alt="现场.jpg 的预览"' in page
    assert (
        f'<a href="/staff/evidence/{pdf.pk}/" target="_blank" rel="noopener">通知.pdf</a>' in page
    )
    assert "/media/" not in page
    settings.EVIDENCE_MAX_BYTES = 5 * 1024 * 1024
    task = services.create_task(
        people.east_staff,
        framework=Framework.objects.get(status="active"),
        unit=entry.task.unit,
        title="另一个",
        frequency="once",
        first_period_start=START,
        deadline=date(2026, 11, 30),
    )
    form_page = client_for(people.east_unit_staff).get(f"/staff/tasks/{task.entries.get().pk}/")
    assert "每个文件不超过 5.0\xa0MB。" in form_page.content.decode()
