"""Holes a security review found, each pinned so it stays closed."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from tests.conftest import client_for
from tests.factories import member, workbook
from tests.regions.test_import_export import REGION_HEADER, UNIT_HEADER
from wenming.regions.importers import RegionImporter, UnitImporter
from wenming.regions.models import Region, Unit


@pytest.fixture
def entry(people, active, city):
    """One open ledger entry of 东湖区住建局."""
    from wenming.framework import services

    task = services.create_task(
        people.east_staff,
        framework=active,
        unit=city.east_unit,
        title="台账",
        frequency="once",
        first_period_start=date(2026, 11, 1),
        deadline=date(2026, 11, 30),
    )
    return task.entries.get()


def test_a_district_cannot_make_itself_a_top_level_region(people, city):
    east_admin = member("office_admin", region=city.east, username="east_admin")
    data = workbook(REGION_HEADER, [["990101000000", "东湖区", "区县", "", "", ""]])
    with translation.override("en"):
        plan = RegionImporter(east_admin).apply(data)
    assert [(e.row, e.column, e.message) for e in plan.errors] == [
        (2, "D", "Only a superuser may create a top-level region.")
    ]
    assert Region.objects.get(code="990101000000").parent == city.city
    # The service refuses it too, whatever calls it.
    from django.core.exceptions import PermissionDenied

    from wenming.regions import services

    with pytest.raises(PermissionDenied):
        services.update_region(people.east_staff, city.east, parent=None)


def test_a_unit_cannot_be_placed_under_another_districts_unit(people, city):
    data = workbook(
        UNIT_HEADER,
        [["DH-NEW", "新单位", "", "政府部门", "990101000000", "XS-ZJ", "", "", "", "", ""]],
    )
    with translation.override("en"):
        plan = UnitImporter(people.east_staff).apply(data)
    assert [(e.row, e.column, e.message) for e in plan.errors] == [
        (2, "F", "Parent unit XS-ZJ is not a known unit.")
    ]
    taken = workbook(
        UNIT_HEADER, [["XS-ZJ", "冒名", "", "政府部门", "990101000000", "", "", "", "", "", ""]]
    )
    with translation.override("en"):
        plan = UnitImporter(people.east_staff).apply(taken)
    assert [e.message for e in plan.errors] == ["Unit code XS-ZJ is already in use."]
    assert Unit.objects.get(code="XS-ZJ").name == "西山区住建局"


def test_a_recurring_task_cannot_start_years_back(people, active, city):
    from django.core.exceptions import ValidationError

    from wenming.framework import services

    with pytest.raises(ValidationError) as error:
        services.create_task(
            people.east_staff,
            framework=active,
            unit=city.east_unit,
            title="远古",
            frequency="monthly",
            first_period_start=date(1, 1, 1),
        )
    assert "first_period_start" in error.value.message_dict
    assert not active.tasks.exists()


@pytest.mark.parametrize(
    "url",
    [
        "/staff/tasks/?unit=99999999999999999999999",
        "/staff/units/?parent=99999999999999999999999",
        "/staff/regions/?parent=1e30",
        "/api/regions/?parent=99999999999999999999999",
        "/api/units/?parent=99999999999999999999999",
        "/api/indicators/?framework=99999999999999999999999",
        "/api/ledger-entries/?unit=99999999999999999999999",
    ],
)
def test_oversized_ids_are_refused_not_crashing(people, active, url):
    response = client_for(people.city_admin).get(url)
    # Pages ignore a filter value they cannot use; the API says it is invalid.
    assert response.status_code == (400 if url.startswith("/api/") else 200)


def test_review_without_a_valid_submission_is_a_clear_error(people, entry):
    client = client_for(people.east_staff)
    response = client.post(
        f"/staff/tasks/{entry.pk}/",
        {"action": "review", "outcome": "passed", "submission": "abc"},
        follow=True,
    )
    assert response.status_code == 200
    assert "请选择要审核的报送。" in response.content.decode()


def test_api_submission_with_a_json_array_is_a_400(people, entry):
    response = client_for(people.east_unit_staff).post(
        f"/api/ledger-entries/{entry.pk}/submissions/",
        data="[1, 2]",
        content_type="application/json",
    )
    assert response.status_code == 400
    assert entry.submissions.count() == 0


def test_refusals_are_explained_in_chinese(people, entry):
    from wenming.framework import services

    submission = services.submit_evidence(
        people.east_unit_staff, entry, files=[SimpleUploadedFile("a.pdf", b"%PDF-1.4\n%%EOF\n")]
    )
    response = client_for(people.leader).post(
        f"/staff/tasks/{entry.pk}/",
        {"action": "review", "outcome": "passed", "submission": submission.pk},
    )
    assert response.status_code == 403
    assert (
        "只有文明办可以审核台账。" in response.content.decode()
        or "文明办" in response.content.decode()
    )
