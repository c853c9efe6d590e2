"""Evidence through the API: the serializer reads forms and JSON; refusals write nothing."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.conftest import client_for
from tests.framework.conftest import START
from wenming.framework import services

PDF = b"%PDF-1.4\n%%EOF\n"


@pytest.fixture
def entry(people, active, city):
    task = services.create_task(
        people.city_admin,
        framework=active,
        unit=city.east_unit,
        title="本月台账",
        frequency="once",
        first_period_start=START,
        deadline=date(2026, 12, 15),
    )
    return task.entries.get()


def url(entry):
    return f"/api/ledger-entries/{entry.pk}/submissions/"


def test_a_form_sends_several_files_and_links(people, entry):
    response = client_for(people.east_unit_staff).post(
        url(entry),
        {
            "files": [SimpleUploadedFile("一.pdf", PDF), SimpleUploadedFile("二.pdf", PDF)],
            "links": ["https://a.cn/1", "https://a.cn/2"],
            "note": "两份",
        },
    )
    assert response.status_code == 201
    body = response.json()
    assert sorted(file["original_name"] for file in body["files"]) == ["一.pdf", "二.pdf"]
    assert (body["links"], body["note"]) == (["https://a.cn/1", "https://a.cn/2"], "两份")


def test_json_sends_a_note_and_links(people, entry):
    response = client_for(people.east_unit_staff).post(
        url(entry), {"note": "见链接", "links": ["https://a.cn/1"]}, content_type="application/json"
    )
    assert response.status_code == 201
    assert (response.json()["links"], response.json()["files"]) == (["https://a.cn/1"], [])


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ("[1, 2]", "non_field_errors"),
        ('{"links": "https://a.cn/1"}', "links"),
        ('{"note": 5, "links": [' + ", ".join(['"x"'] * 21) + "]}", "links"),
        ('{"files": ["not a file"]}', "files"),
    ],
)
def test_malformed_json_is_a_400_naming_the_field(people, entry, body, field):
    response = client_for(people.east_unit_staff).post(
        url(entry), data=body, content_type="application/json"
    )
    assert response.status_code == 400
    assert field in response.json()
    assert entry.submissions.count() == 0


def test_an_unknown_review_outcome_is_a_400(people, entry):
    submission = services.submit_evidence(
        people.east_unit_staff, entry, files=[SimpleUploadedFile("a.pdf", PDF)]
    )
    response = client_for(people.east_staff).post(
        f"/api/submissions/{submission.pk}/review/", {"outcome": "pending"}
    )
    assert response.status_code == 400
    assert "outcome" in response.json()
    submission.refresh_from_db()
    assert submission.outcome == "pending"


def test_a_resubmission_keeps_the_files_named_or_all_of_them(people, entry):
    client = client_for(people.east_unit_staff)
    first = client.post(
        url(entry),
        {"files": [SimpleUploadedFile("一.pdf", PDF), SimpleUploadedFile("二.pdf", PDF)]},
    ).json()
    services.review(people.city_admin, entry.submissions.get(), "returned", "补充")
    keep = next(file["id"] for file in first["files"] if file["original_name"] == "一.pdf")
    second = client.post(
        url(entry), {"note": "只留一份", "kept_files": [keep]}, content_type="application/json"
    )
    assert second.status_code == 201
    assert [file["original_name"] for file in second.json()["files"]] == ["一.pdf"]
    services.review(people.city_admin, entry.submissions.get(version=2), "returned", "再补")
    third = client.post(url(entry), {"files": [SimpleUploadedFile("三.pdf", PDF)]})
    assert sorted(file["original_name"] for file in third.json()["files"]) == ["一.pdf", "三.pdf"]
    services.review(people.city_admin, entry.submissions.get(version=3), "returned", "又补")
    foreign = client.post(
        url(entry), {"note": "x", "kept_files": [999999]}, content_type="application/json"
    )
    assert foreign.status_code == 400
    assert entry.submissions.count() == 3
