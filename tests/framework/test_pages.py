"""Framework pages: weights of a draft, tasks written by hand, the unit's to-do list."""

from datetime import date
from decimal import Decimal

from tests.conftest import client_for
from wenming.core.models import AuditEntry
from wenming.framework.models import Framework, LedgerEntry, Task

WEIGHTS = {
    "points_document_review": "40",
    "points_field_check": "40",
    "points_survey": "20",
    "cycle_weight_year1": "15",
    "cycle_weight_year2": "25",
    "cycle_weight_year3": "60",
}


def test_defaults_are_the_national_weights(draft):
    assert [getattr(draft, name) for name in WEIGHTS] == [
        Decimal(v) for v in ("40", "40", "20", "15", "25", "60")
    ]


def test_weights_of_a_draft_change_and_must_add_up(people, draft):
    client = client_for(people.city_admin)
    url = f"/staff/frameworks/{draft.pk}/"
    client.cookies["django_language"] = "en"
    bad = client.post(url, WEIGHTS | {"points_survey": "30", "cycle_weight_year3": "50"})
    assert bad.status_code == 200
    assert bad.context["weights_form"].errors == {
        "points_survey": ["The three parts add up to 110, not 100."],
        "cycle_weight_year3": ["The three years add up to 90, not 100."],
    }
    assert "The three parts add up to 110, not 100." in bad.content.decode()
    draft.refresh_from_db()
    assert draft.points_survey == Decimal("20.00")
    good = client.post(url, WEIGHTS | {"points_field_check": "45", "points_survey": "15"})
    assert good.status_code == 302
    draft.refresh_from_db()
    assert (draft.points_field_check, draft.points_survey) == (Decimal("45.00"), Decimal("15.00"))
    assert AuditEntry.objects.filter(action="update", object_type="framework.framework").exists()


def test_weights_of_an_active_framework_stay(people, active):
    response = client_for(people.city_admin).post(
        f"/staff/frameworks/{active.pk}/",
        WEIGHTS | {"points_survey": "10", "points_field_check": "50"},
    )
    assert response.status_code == 200
    active.refresh_from_db()
    assert active.points_survey == Decimal("20.00")


def test_office_hands_out_a_task_by_hand(people, active, city):
    client = client_for(people.east_staff)
    form = client.get("/staff/tasks/new/").context["form"]
    assert set(form.fields["unit"].queryset.values_list("code", flat=True)) == {"DH-ZJ", "DH-ZJ-1"}
    response = client.post(
        "/staff/tasks/new/",
        {
            "unit": city.east_sub_unit.code,
            "title": "迎检材料整理",
            "description": "整理三年台账",
            "indicator_code": "Ⅲ-2",
            "frequency": "once",
            "first_period_start": "2026-11-01",
            "deadline": "2026-11-30",
            "due_days": "",
        },
    )
    assert response.status_code == 302
    task = Task.objects.get(title="迎检材料整理")
    assert (task.unit, task.indicator.code, task.created_by) == (
        city.east_sub_unit,
        "Ⅲ-2",
        people.east_staff,
    )
    assert list(task.entries.values_list("deadline", flat=True)) == [date(2026, 11, 30)]


def test_a_task_that_exists_already_is_refused_naming_unit_and_code(people, active, city):
    client = client_for(people.east_staff)
    data = {
        "unit": city.east_unit.code,
        "title": "公共场所秩序台账",
        "indicator_code": "Ⅲ-2",
        "frequency": "once",
        "first_period_start": "2026-11-01",
        "deadline": "2026-11-30",
    }
    assert client.post("/staff/tasks/new/", data).status_code == 302
    again = client.post("/staff/tasks/new/", data | {"title": "再交办一次"})
    assert again.status_code == 200
    body = again.content.decode()
    assert f"{city.east_unit.name} 已有 Ⅲ-2 的任务。" in body
    assert "task_one_per_indicator_and_unit" not in body
    assert not Task.objects.filter(title="再交办一次").exists()


def test_a_task_for_another_districts_unit_is_refused(people, active, city):
    response = client_for(people.east_staff).post(
        "/staff/tasks/new/",
        {
            "unit": city.west_unit.code,
            "title": "越权",
            "frequency": "once",
            "first_period_start": "2026-11-01",
            "deadline": "2026-11-30",
        },
    )
    assert response.status_code == 200
    assert "unit" in response.context["form"].errors
    assert not Task.objects.filter(title="越权").exists()


def test_units_see_their_open_entries_and_confirm_receipt(people, active, city):
    client_for(people.east_staff).post(
        "/staff/tasks/new/",
        {
            "unit": city.east_unit.code,
            "title": "本月台账",
            "frequency": "once",
            "first_period_start": "2026-11-01",
            "deadline": "2026-11-30",
        },
    )
    unit = client_for(people.east_unit_staff)
    rows = unit.get("/staff/tasks/mine/").context["object_list"]
    assert [row.task.title for row in rows] == ["本月台账"]
    entry = LedgerEntry.objects.get(task__title="本月台账")
    assert unit.post(f"/staff/tasks/{entry.pk}/acknowledge/").status_code == 302
    entry.refresh_from_db()
    assert (entry.status, entry.acknowledged_by) == ("acknowledged", people.east_unit_staff)
    assert Framework.objects.get(pk=active.pk).status == "active"


def test_evidence_page_accepts_files_and_refuses_a_disguised_program(people, active, city):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client_for(people.east_staff).post(
        "/staff/tasks/new/",
        {
            "unit": city.east_unit.code,
            "title": "本月台账",
            "frequency": "once",
            "first_period_start": "2026-11-01",
            "deadline": "2026-11-30",
        },
    )
    entry = LedgerEntry.objects.get(task__title="本月台账")
    unit = client_for(people.east_unit_staff)
    url = f"/staff/tasks/{entry.pk}/submit/"
    refused = unit.post(
        url,
        {
            "note": "见附件",
            "files": [
                SimpleUploadedFile("制度.pdf", b"%PDF-1.4\n%%EOF\n"),
                SimpleUploadedFile("照片.pdf", b"MZ\x90\x00" + b"\x00" * 64),
            ],
        },
    )
    assert refused.status_code == 200
    assert "“照片.pdf”是程序，不是文档。" in refused.content.decode()
    assert entry.submissions.count() == 0
    accepted = unit.post(
        url,
        {
            "note": "见附件",
            "links": "https://a.cn/1\n",
            "files": [
                SimpleUploadedFile("制度.pdf", b"%PDF-1.4\n%%EOF\n"),
                SimpleUploadedFile("现场.png", PNG),
            ],
        },
    )
    assert accepted.status_code == 302
    submission = entry.submissions.get()
    assert sorted(submission.files.values_list("original_name", "kind")) == [
        ("制度.pdf", "pdf"),
        ("现场.png", "png"),
    ]
    assert submission.links == ["https://a.cn/1"]
    evidence = submission.files.get(kind="pdf")
    download = unit.get(f"/staff/evidence/{evidence.pk}/")
    assert b"".join(download.streaming_content) == b"%PDF-1.4\n%%EOF\n"
    assert client_for(people.west_staff).get(f"/staff/evidence/{evidence.pk}/").status_code == 404


def _png() -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


PNG = _png()


def _entry_with_submission(people, active, city):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from wenming.framework import services

    task = services.create_task(
        people.east_staff,
        framework=active,
        unit=city.east_unit,
        title="本月台账",
        frequency="once",
        first_period_start=date(2026, 11, 1),
        deadline=date(2026, 11, 30),
    )
    entry = task.entries.get()
    submission = services.submit_evidence(
        people.east_unit_staff,
        entry,
        files=[SimpleUploadedFile("制度.pdf", b"%PDF-1.4\n%%EOF\n")],
    )
    return entry, submission


def test_each_ledger_step_has_its_own_address(people, active, city):
    entry, submission = _entry_with_submission(people, active, city)
    office = client_for(people.east_staff)
    page = office.get(f"/staff/tasks/{entry.pk}/").content.decode()
    assert f'action="/staff/tasks/{entry.pk}/review/"' in page
    assert f'name="submission" value="{submission.pk}"' in page
    # Steps are POST only.
    assert office.get(f"/staff/tasks/{entry.pk}/review/").status_code == 405
    returned = office.post(
        f"/staff/tasks/{entry.pk}/review/",
        {"submission": submission.pk, "outcome": "returned", "reason": ""},
        follow=True,
    )
    # A return without a reason is refused with the service's words; nothing is recorded.
    assert returned.redirect_chain == [(f"/staff/tasks/{entry.pk}/", 302)]
    assert "请说明退回或不通过的理由。" in returned.content.decode()
    submission.refresh_from_db()
    assert submission.outcome == "pending"
    passed = office.post(
        f"/staff/tasks/{entry.pk}/review/", {"submission": submission.pk, "outcome": "passed"}
    )
    assert passed.status_code == 302
    entry.refresh_from_db()
    assert entry.status == "passed"


def test_a_submission_of_another_entry_cannot_be_reviewed_here(people, active, city):
    _entry, submission = _entry_with_submission(people, active, city)
    other = Task.objects.create(
        framework=active,
        unit=city.east_unit,
        title="另一任务",
        first_period_start=date(2026, 11, 1),
        deadline=date(2026, 11, 30),
    )
    other_entry = LedgerEntry.objects.create(
        task=other,
        period_start=date(2026, 11, 1),
        period_end=date(2026, 11, 30),
        deadline=date(2026, 11, 30),
    )
    response = client_for(people.east_staff).post(
        f"/staff/tasks/{other_entry.pk}/review/",
        {"submission": submission.pk, "outcome": "passed"},
        follow=True,
    )
    assert "请选择要审核的报送。" in response.content.decode()
    submission.refresh_from_db()
    assert submission.outcome == "pending"


def test_another_districts_entry_steps_answer_404(people, active, city):
    entry, submission = _entry_with_submission(people, active, city)
    west = client_for(people.west_staff)
    for step in ("acknowledge", "submit", "review"):
        response = west.post(
            f"/staff/tasks/{entry.pk}/{step}/",
            {"submission": submission.pk, "outcome": "passed"},
        )
        assert response.status_code == 404
    submission.refresh_from_db()
    assert submission.outcome == "pending"


def test_pages_that_post_an_action_still_work(people, active, city):
    entry, submission = _entry_with_submission(people, active, city)
    office = client_for(people.east_staff)
    url = f"/staff/tasks/{entry.pk}/"
    assert office.post(url, {"action": "promote"}).status_code == 404
    assert office.post(url, {}).status_code == 404
    response = office.post(
        url, {"action": "review", "submission": submission.pk, "outcome": "passed"}
    )
    assert response.status_code == 302
    submission.refresh_from_db()
    assert submission.outcome == "passed"


def test_unknown_codes_in_a_hand_out_are_named_and_nothing_is_assigned(people, active):
    client = client_for(people.city_admin)
    response = client.post(
        f"/staff/frameworks/{active.pk}/assign/",
        {
            "indicator_codes": "Ⅲ-1，Ⅲ-99、Ⅹ-1",
            "frequency": "once",
            "first_period_start": "2026-11-01",
            "deadline": "2026-11-30",
        },
        follow=True,
    )
    assert "未知测评内容编码：Ⅲ-99、Ⅹ-1" in response.content.decode()
    assert not Task.objects.exists()


def test_a_hand_out_by_codes_assigns_only_those(people, active):
    client = client_for(people.city_admin)
    client.post(
        f"/staff/frameworks/{active.pk}/assign/",
        {
            "indicator_codes": "Ⅲ-2；Ⅲ-3",
            "frequency": "once",
            "first_period_start": "2026-11-01",
            "deadline": "2026-11-30",
        },
    )
    assert sorted(Task.objects.values_list("indicator__code", "unit__code")) == [
        ("Ⅲ-2", "DH-ZJ"),
        ("Ⅲ-3", "XS-ZJ"),
    ]


def test_framework_copy_and_activate_keep_their_addresses(people, active):
    client = client_for(people.city_admin)
    response = client.post(f"/staff/frameworks/{active.pk}/copy/")
    copy = Framework.objects.exclude(pk=active.pk).get()
    assert response["Location"] == f"/staff/frameworks/{copy.pk}/"
    assert client.post(f"/staff/frameworks/{active.pk}/promote/").status_code == 404
    assert client.get(f"/staff/frameworks/{copy.pk}/activate/").status_code == 200
    assert (
        client.post(f"/staff/frameworks/{copy.pk}/activate/", {"confirmed": "yes"}).status_code
        == 302
    )
    copy.refresh_from_db()
    assert copy.status == "active"
