"""A ledger entry's whole workflow through the API, and the task list's query count.

Scoping, refusals and the API's query counts of every endpoint are in tests/api/.
"""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.conftest import client_for
from tests.framework.conftest import START
from wenming.framework import services
from wenming.framework.models import LedgerEntry

PDF = b"%PDF-1.4\n%%EOF\n"


@pytest.fixture
def tasks(people, active):
    return services.assign_indicators(
        people.city_admin,
        framework=active,
        indicators=active.indicators.filter(level=3).order_by("position"),
        frequency="once",
        first_period_start=START,
        deadline=date(2026, 12, 15),
    )


def test_workflow_through_the_api(people, tasks):
    entry = LedgerEntry.objects.get(task__unit__code="DH-ZJ", task__indicator__code="Ⅲ-2")
    unit = client_for(people.east_unit_staff)
    office = client_for(people.east_staff)
    url = f"/api/ledger-entries/{entry.pk}/"
    assert unit.post(url + "acknowledge/").json()["status"] == "acknowledged"
    refused = unit.post(
        url + "submissions/",
        {"files": [SimpleUploadedFile("报告.pdf", b"MZ\x90\x00" + b"\x00" * 64)], "note": "x"},
    )
    assert refused.status_code == 400
    first = unit.post(
        url + "submissions/", {"files": [SimpleUploadedFile("报告.pdf", PDF)], "note": "第一次"}
    )
    assert first.status_code == 201
    assert first.json()["files"][0]["kind"] == "pdf"
    submission = first.json()["id"]
    assert (
        unit.post(f"/api/submissions/{submission}/review/", {"outcome": "passed"}).status_code
        == 403
    )
    empty_reason = office.post(f"/api/submissions/{submission}/review/", {"outcome": "returned"})
    assert empty_reason.status_code == 400
    assert (
        office.post(
            f"/api/submissions/{submission}/review/", {"outcome": "returned", "reason": "缺页"}
        ).json()["outcome"]
        == "returned"
    )
    second = unit.post(
        url + "submissions/", {"note": "补充说明", "links": ["https://example.cn/x"]}
    ).json()
    assert (
        office.post(f"/api/submissions/{second['id']}/review/", {"outcome": "passed"}).json()[
            "outcome"
        ]
        == "passed"
    )
    detail = office.get(url).json()
    assert detail["status"] == "passed"
    assert [(e["action"], e["actor"]) for e in detail["events"]] == [
        ("assign", "city_admin"),
        ("acknowledge", "east_unit"),
        ("submit", "east_unit"),
        ("return", "east_staff"),
        ("submit", "east_unit"),
        ("pass", "east_staff"),
    ]
    # Another district's office cannot even see the entry.
    assert client_for(people.west_staff).get(url).status_code == 404
    assert (
        client_for(people.west_staff)
        .post(f"/api/submissions/{submission}/review/", {"outcome": "passed"})
        .status_code
        == 404
    )


def test_task_list_page_query_count_does_not_grow(
    people, tasks, active, city, django_assert_num_queries
):
    client = client_for(people.city_admin)
    client.get("/staff/tasks/")
    # session, user, memberships, count, page, export units, session save (3); may-hand-out
    # is decided from the memberships already loaded
    with django_assert_num_queries(9):
        response = client.get("/staff/tasks/")
    assert len(response.context["object_list"]) == 6
    # The API page has room to spare, so it is every row: no COUNT (one fewer than the page)
    with django_assert_num_queries(7):
        assert client.get("/api/ledger-entries/").json()["count"] == 6
    for number in range(12):
        services.create_task(
            people.city_admin,
            framework=active,
            unit=city.west_unit,
            title=f"任务{number}",
            frequency="once",
            first_period_start=START,
            deadline=date(2026, 12, 20),
        )
    # session, user, memberships, count, page, export units, session save (3); may-hand-out
    # is decided from the memberships already loaded
    with django_assert_num_queries(9):
        response = client.get("/staff/tasks/")
    assert len(response.context["object_list"]) == 18
    with django_assert_num_queries(7):
        assert client.get("/api/ledger-entries/").json()["count"] == 18
