"""A resubmission keeps, drops or adds files per version; kept files are not copied."""

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError

from tests.conftest import client_for
from tests.factories import member
from tests.framework.test_tasks_and_ledger import PDF, east_instance, pdf
from tests.framework.test_tasks_and_ledger import tasks as tasks  # the fixture, reused
from wenming.core.models import AuditEntry
from wenming.framework import services
from wenming.framework.models import EvidenceFile


def names(submission):
    return [evidence.original_name for evidence in submission.files.order_by("id")]


@pytest.fixture
def returned(people, tasks):
    """An entry whose first version (two files) the office returned."""
    entry = east_instance(tasks)
    first = services.submit_evidence(
        people.east_unit_staff, entry, files=[pdf("制度.pdf"), pdf("签字页.pdf", PDF + b"%s")]
    )
    services.review(people.east_staff, first, "returned", "缺少照片")
    return entry, first


def test_a_resubmission_keeps_every_earlier_file_by_default(people, returned):
    entry, first = returned
    second = services.submit_evidence(people.east_unit_staff, entry, files=[pdf("补充.pdf")])
    assert sorted(names(second)) == ["制度.pdf", "签字页.pdf", "补充.pdf"]
    # The kept rows point at the stored files of version 1: no bytes are copied.
    stored = {e.original_name: e.file.name for e in first.files.all()}
    assert {
        e.original_name: e.file.name for e in second.files.all() if e.original_name in stored
    } == (stored)
    assert EvidenceFile.objects.count() == 5
    assert len({e.file.name for e in EvidenceFile.objects.all()}) == 3
    kept = second.files.get(original_name="签字页.pdf")
    assert kept.file.read() == PDF + b"%s"
    entry_audit = AuditEntry.objects.filter(event="evidence_submitted").order_by("id").last()
    assert (entry_audit.params["files"], entry_audit.params["kept_files"]) == (
        ["补充.pdf"],
        ["制度.pdf", "签字页.pdf"],
    )


def test_a_resubmission_keeps_only_the_files_ticked(people, returned):
    entry, first = returned
    keep = first.files.get(original_name="制度.pdf")
    second = services.submit_evidence(
        people.east_unit_staff, entry, files=[pdf("照片.pdf")], kept_files=[keep]
    )
    assert sorted(names(second)) == ["制度.pdf", "照片.pdf"]
    # The earlier version is untouched.
    assert names(first) == ["制度.pdf", "签字页.pdf"]


def test_every_earlier_file_may_be_dropped_but_a_version_is_never_empty(people, returned):
    entry, _first = returned
    with pytest.raises(ValidationError) as refused:
        services.submit_evidence(people.east_unit_staff, entry, kept_files=[])
    assert refused.value.messages == ["请至少上传一个文件，或填写备注或链接。"]
    second = services.submit_evidence(people.east_unit_staff, entry, note="改为说明", kept_files=[])
    assert names(second) == []


def test_a_file_of_another_entry_cannot_be_kept(people, tasks, returned):
    entry, _first = returned
    other_entry = next(t for t in tasks if t.unit.code == "CGJ").entries.get()
    other_unit_staff = member("unit_staff", unit=other_entry.task.unit, username="cgj_staff")
    other = services.submit_evidence(other_unit_staff, other_entry, files=[pdf("别人的.pdf")])
    with pytest.raises(ValidationError) as refused:
        services.submit_evidence(
            people.east_unit_staff, entry, note="偷带", kept_files=[other.files.get()]
        )
    assert refused.value.messages == ["只能保留最新一版中的文件。"]
    assert entry.submissions.count() == 1


def test_the_page_offers_earlier_files_ticked_and_honours_an_untick(people, returned, city):
    entry, first = returned
    client = client_for(people.east_unit_staff)
    body = client.get(f"/staff/tasks/{entry.pk}/").content.decode()
    keep, drop = first.files.order_by("id")
    assert "已报送的文件" in body
    for evidence in (keep, drop):
        assert f'value="{evidence.pk}"' in body
    assert body.count('name="kept_files"') == 2
    assert body.count("checked") >= 2
    response = client.post(
        f"/staff/tasks/{entry.pk}/submit/",
        {"kept_files": [keep.pk], "files": [pdf("照片.pdf")], "note": "", "links": ""},
    )
    assert response.status_code == 302
    second = entry.submissions.get(version=2)
    assert sorted(names(second)) == ["制度.pdf", "照片.pdf"]
    # The review page shows version 2 with its whole file set.
    review = client_for(people.east_staff).get(f"/staff/tasks/{entry.pk}/").context
    assert sorted(names(review["latest"])) == ["制度.pdf", "照片.pdf"]


def test_the_approved_version_in_the_ledger_zip_holds_the_kept_files(people, returned, city):
    entry, _first = returned
    second = services.submit_evidence(people.east_unit_staff, entry, files=[pdf("照片.pdf")])
    services.review(people.east_staff, second, "passed")
    response = client_for(people.east_staff).get(
        f"/staff/ledger/export/?unit={city.east_unit.pk}&start=2026-12-01&end=2026-12-31"
    )
    archive = zipfile.ZipFile(io.BytesIO(response.getvalue()))
    assert sorted(name for name in archive.namelist() if name.startswith("Ⅲ-2")) == [
        "Ⅲ-2 公共场所秩序/制度.pdf",
        "Ⅲ-2 公共场所秩序/照片.pdf",
        "Ⅲ-2 公共场所秩序/签字页.pdf",
    ]
    assert archive.read("Ⅲ-2 公共场所秩序/签字页.pdf") == PDF + b"%s"
