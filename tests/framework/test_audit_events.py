"""The framework and ledger services record event codes, not English sentences."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from tests.framework.conftest import START
from wenming.core import audit
from wenming.core.models import AuditEntry
from wenming.framework import services
from wenming.framework.models import LedgerEntry, Task

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def entry(people, active):
    services.assign_indicators(
        people.city_admin,
        framework=active,
        indicators=active.indicators.filter(level=3).order_by("position"),
        frequency="once",
        first_period_start=START,
        deadline=date(2026, 12, 15),
    )
    return LedgerEntry.objects.get(task__unit__code="DH-ZJ", task__indicator__code="Ⅲ-2")


def _newest(**filters):
    return AuditEntry.objects.filter(**filters).order_by("-id").first()


def test_the_ledger_steps_are_recorded_as_events_with_their_changes(people, entry):
    unit_user, office = people.east_unit_staff, people.east_staff
    services.acknowledge(unit_user, entry)
    acknowledged = _newest(object_type="framework.ledgerentry")
    assert (acknowledged.event, acknowledged.params, acknowledged.message) == (
        "acknowledge",
        None,
        "",
    )
    assert (acknowledged.before["status"], acknowledged.after["status"]) == (
        "assigned",
        "acknowledged",
    )
    upload = SimpleUploadedFile("台账.pdf", PDF, content_type="application/pdf")
    submission = services.submit_evidence(unit_user, entry, files=[upload], note="第一次")
    submitted = _newest(object_type="framework.submission")
    assert (submitted.action, submitted.event, submitted.params) == (
        "create",
        "evidence_submitted",
        {"version": 1, "files": ["台账.pdf"]},
    )
    assert submitted.after["note"] == "第一次"
    services.review(office, submission, "returned", "缺少签字页")
    returned = _newest(object_type="framework.submission")
    assert (returned.action, returned.event, returned.params) == (
        "update",
        "review_returned",
        {"reason": "缺少签字页"},
    )
    assert (returned.before["outcome"], returned.after["outcome"]) == ("pending", "returned")
    with translation.override("zh-hans"):
        assert [audit.describe(e) for e in (acknowledged, submitted, returned)] == [
            "确认签收",
            "提交材料（第 1 版）",
            "退回：缺少签字页",
        ]
    assert audit.verify_chain().is_intact


def test_a_pass_without_a_reason_reads_as_a_plain_pass(people, entry):
    upload = SimpleUploadedFile("台账.pdf", PDF, content_type="application/pdf")
    submission = services.submit_evidence(people.east_unit_staff, entry, files=[upload])
    services.review(people.east_staff, submission, "passed")
    passed = _newest(object_type="framework.submission")
    assert (passed.event, passed.params) == ("review_passed", {"reason": ""})
    with translation.override("zh-hans"):
        assert audit.describe(passed) == "审核通过"


def test_activating_a_new_version_archives_the_old_one_in_one_entry(people, active, entry):
    copy = services.copy_framework(people.city_admin, active)
    copied = _newest(object_type="framework.framework", action="create")
    assert (copied.event, copied.params) == (
        "framework_copied",
        {"source": str(active), "source_id": active.pk},
    )
    recurring = Task.objects.filter(framework=active).count()
    services.activate_framework(people.city_admin, copy)
    archived = _newest(object_id=str(active.pk), object_type="framework.framework")
    activated = _newest(object_id=str(copy.pk), object_type="framework.framework")
    assert (archived.event, archived.params) == ("framework_archived", {"tasks_stopped": recurring})
    assert (archived.before["status"], archived.after["status"]) == ("active", "archived")
    assert (activated.event, activated.after["status"]) == ("framework_activated", "active")
    assert not AuditEntry.objects.filter(message__contains="tasks stopped").exists()
    with translation.override("zh-hans"):
        assert audit.describe(archived) == f"归档测评体系，停止 {recurring} 项周期任务"
        assert audit.describe(copied) == f"复制自 {active}"
