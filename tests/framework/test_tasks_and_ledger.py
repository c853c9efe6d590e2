"""Tasks handed to units, recurring periods, the ledger review workflow and its export."""

import io
import zipfile
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from tests.conftest import client_for
from tests.framework.conftest import START
from wenming.framework import services
from wenming.framework.models import LedgerEntry, Task, TaskEvent

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def pdf(name="台账.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


@pytest.fixture
def tasks(people, active):
    indicators = active.indicators.filter(level=3).order_by("position")
    return services.assign_indicators(
        people.city_admin,
        framework=active,
        indicators=indicators,
        frequency="once",
        first_period_start=START,
        deadline=date(2026, 12, 15),
    )


def test_assignment_gives_each_lead_and_responsible_unit_one_task(tasks, active, people):
    assert sorted((t.indicator.code, t.unit.code, t.is_lead) for t in tasks) == [
        ("Ⅲ-1", "CGJ", True),
        ("Ⅲ-1", "DH-ZJ", False),
        ("Ⅲ-1", "XS-ZJ", False),
        ("Ⅲ-2", "DH-ZJ", True),
        ("Ⅲ-3", "XS-ZJ", True),
        ("Ⅲ-4", "CGJ", True),
    ]
    assert LedgerEntry.objects.count() == 6
    again = services.assign_indicators(
        people.city_admin,
        framework=active,
        indicators=active.indicators.filter(level=3),
        frequency="once",
        first_period_start=START,
        deadline=date(2026, 12, 15),
    )
    assert again == []


def test_a_second_task_for_the_same_indicator_and_unit_names_both(people, active, city):
    content = active.indicators.get(code="Ⅲ-2")
    arguments = {
        "framework": active,
        "unit": city.east_unit,
        "indicator": content,
        "frequency": "once",
        "first_period_start": START,
        "deadline": date(2026, 12, 15),
    }
    services.create_task(people.city_admin, title="第一次", **arguments)
    with pytest.raises(ValidationError) as refused:
        services.create_task(people.city_admin, title="第二次", **arguments)
    assert refused.value.messages == [f"{city.east_unit.name} 已有 Ⅲ-2 的任务。"]
    assert list(Task.objects.filter(indicator=content).values_list("title", flat=True)) == [
        "第一次"
    ]


def test_district_office_cannot_hand_work_to_another_districts_unit(people, active, city):
    with pytest.raises(PermissionDenied):
        services.create_task(
            people.east_staff,
            framework=active,
            unit=city.west_unit,
            title="越权",
            frequency="once",
            first_period_start=START,
            deadline=date(2026, 12, 1),
        )
    assert Task.objects.count() == 0


def test_monthly_task_instances_cross_the_year_end(people, active, city):
    task = services.create_task(
        people.east_staff,
        framework=active,
        unit=city.east_unit,
        title="每月报送",
        frequency="monthly",
        first_period_start=date(2026, 11, 5),
        due_days=10,
        today=date(2026, 11, 20),
    )
    assert list(task.entries.values_list("period_start", "deadline")) == [
        (date(2026, 11, 1), date(2026, 12, 10))
    ]
    assert services.create_due_entries(today=date(2027, 1, 3)) == 2
    assert services.create_due_entries(today=date(2027, 1, 3)) == 0
    assert list(
        task.entries.order_by("period_start").values_list("period_start", "period_end", "deadline")
    ) == [
        (date(2026, 11, 1), date(2026, 11, 30), date(2026, 12, 10)),
        (date(2026, 12, 1), date(2026, 12, 31), date(2027, 1, 10)),
        (date(2027, 1, 1), date(2027, 1, 31), date(2027, 2, 10)),
    ]


def test_quarterly_and_yearly_instances_at_the_year_end(people, active, city):
    quarterly = services.create_task(
        people.east_staff,
        framework=active,
        unit=city.east_unit,
        title="季度",
        frequency="quarterly",
        first_period_start=date(2026, 10, 1),
        today=date(2026, 12, 31),
    )
    yearly = services.create_task(
        people.east_staff,
        framework=active,
        unit=city.east_unit,
        title="年度",
        frequency="yearly",
        first_period_start=date(2026, 1, 1),
        today=date(2026, 12, 31),
    )
    services.create_due_entries(today=date(2027, 1, 1))
    assert list(
        quarterly.entries.order_by("period_start").values_list("period_start", "period_end")
    ) == [(date(2026, 10, 1), date(2026, 12, 31)), (date(2027, 1, 1), date(2027, 3, 31))]
    assert list(
        yearly.entries.order_by("period_start").values_list("period_start", "period_end")
    ) == [(date(2026, 1, 1), date(2026, 12, 31)), (date(2027, 1, 1), date(2027, 12, 31))]


def east_instance(tasks):
    return LedgerEntry.objects.get(task__unit__code="DH-ZJ", task__indicator__code="Ⅲ-2")


def test_submit_return_resubmit_pass_history(people, tasks):
    entry = east_instance(tasks)
    unit_user, office = people.east_unit_staff, people.east_staff
    services.acknowledge(unit_user, entry)
    first = services.submit_evidence(unit_user, entry, files=[pdf()], note="第一次")
    with pytest.raises(ValidationError):
        services.review(office, first, "returned", "")
    services.review(office, first, "returned", "缺少签字页")
    second = services.submit_evidence(unit_user, entry, files=[pdf("台账-补充.pdf")], note="已补充")
    services.review(office, second, "passed")
    entry.refresh_from_db()
    assert entry.status == "passed"
    assert [
        (e.action, e.actor.username if e.actor else None, e.note)
        for e in entry.events.order_by("time", "id")
    ] == [
        ("assign", "city_admin", ""),
        ("acknowledge", "east_unit", ""),
        ("submit", "east_unit", "第一次"),
        ("return", "east_staff", "缺少签字页"),
        ("submit", "east_unit", "已补充"),
        ("pass", "east_staff", ""),
    ]
    assert [s.version for s in entry.submissions.order_by("version")] == [1, 2]
    assert entry.submissions.get(version=1).files.get().original_name == "台账.pdf"


def test_a_renamed_executable_is_refused_and_nothing_is_kept(people, tasks):
    entry = east_instance(tasks)
    program = pdf("整改报告.pdf", b"MZ\x90\x00" + b"\x00" * 200)
    with pytest.raises(ValidationError) as error:
        services.submit_evidence(people.east_unit_staff, entry, files=[pdf(), program])
    assert "是程序，不是文档" in " ".join(error.value.messages)
    entry.refresh_from_db()
    assert entry.status == "assigned"
    assert entry.submissions.count() == 0


def test_only_the_unit_submits_and_only_the_office_reviews(people, tasks):
    entry = east_instance(tasks)
    with pytest.raises(PermissionDenied):
        services.submit_evidence(people.east_staff, entry, note="代交")
    with pytest.raises(PermissionDenied):
        services.acknowledge(people.leader, entry)
    submission = services.submit_evidence(people.east_unit_staff, entry, note="说明")
    for persona in ("east_unit_staff", "leader", "west_staff", "inspector"):
        with pytest.raises(PermissionDenied):
            services.review(getattr(people, persona), submission, "passed")
    assert TaskEvent.objects.filter(action="pass").count() == 0


@pytest.mark.parametrize(
    ("persona", "visible"),
    [
        ("city_admin", {"CGJ", "DH-ZJ", "XS-ZJ"}),
        ("east_staff", {"DH-ZJ"}),
        ("west_staff", {"XS-ZJ"}),
        ("leader", {"DH-ZJ"}),
        ("east_unit_staff", {"DH-ZJ"}),
    ],
)
def test_task_lists_are_scoped(people, tasks, persona, visible):
    client = client_for(getattr(people, persona))
    rows = (
        client.get("/staff/tasks/?page_size=100").context["object_list"]
        if persona != "east_unit_staff"
        else client.get("/staff/tasks/mine/").context["object_list"]
    )
    assert {row.task.unit.code for row in rows} == visible


def test_another_districts_ledger_entry_answers_404(people, tasks):
    west = LedgerEntry.objects.filter(task__unit__code="XS-ZJ").first()
    assert client_for(people.east_staff).get(f"/staff/tasks/{west.pk}/").status_code == 404
    assert client_for(people.east_unit_staff).get(f"/staff/tasks/{west.pk}/").status_code == 404
    assert client_for(people.west_staff).get(f"/staff/tasks/{west.pk}/").status_code == 200


def test_ledger_zip_has_folders_by_indicator_and_an_index(people, tasks, city):
    entry = east_instance(tasks)
    services.submit_evidence(
        people.east_unit_staff,
        entry,
        files=[pdf("制度.pdf"), pdf("制度.pdf", PDF + b"%x")],
        note="两份",
        links=["https://example.cn/a"],
    )
    response = client_for(people.east_staff).get(
        f"/staff/ledger/export/?unit={city.east_unit.pk}&start=2026-12-01&end=2026-12-31"
    )
    assert response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.getvalue()))
    assert sorted(archive.namelist()) == [
        "Ⅲ-2 公共场所秩序/制度.pdf",
        "Ⅲ-2 公共场所秩序/制度（2）.pdf",
        "索引.xlsx",
    ]
    sheet = load_workbook(io.BytesIO(archive.read("索引.xlsx"))).active
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    # Entries without evidence are listed too, so the reviewer sees what is missing.
    assert [(row[0], row[9], row[10]) for row in rows] == [
        ("Ⅲ-1", None, None),
        ("Ⅲ-2", "制度.pdf", "Ⅲ-2 公共场所秩序/制度.pdf"),
        ("Ⅲ-2", "制度.pdf", "Ⅲ-2 公共场所秩序/制度（2）.pdf"),
    ]
    assert archive.read("Ⅲ-2 公共场所秩序/制度.pdf") == PDF
    # Another district's unit is not exported to this office.
    other = client_for(people.east_staff).get(
        f"/staff/ledger/export/?unit={city.west_unit.pk}&start=2026-12-01&end=2026-12-31"
    )
    assert other.status_code == 404
