"""The audit log: entries written by services, chained by hash, tamper-evident."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from wenming.core import audit
from wenming.core.context import acting_as
from wenming.core.models import AuditEntry
from wenming.regions import services
from wenming.regions.models import Region


@pytest.fixture
def chain(people, city):
    """Three changes made through services by the city office admin."""
    with acting_as(people.city_admin, origin="test", ip="10.5.5.5", request_id="req-abc-123"):
        services.update_region(people.city_admin, city.east, name="东湖新区")
        services.update_unit(people.city_admin, city.west_unit, contact_name="王芳")
        services.create_region(
            people.city_admin, code="990101002000", name="南门街道", level=3, parent=city.east
        )
    return list(AuditEntry.objects.order_by("id"))


def test_service_changes_write_entries_with_actor_origin_and_before_after(chain, people):
    first = chain[0]
    assert [entry.action for entry in chain] == ["update", "update", "create"]
    assert first.actor_id == people.city_admin.pk
    assert first.actor_name == "city_admin"
    assert first.ip == "10.5.5.5"
    assert first.request_id == "req-abc-123"
    assert first.object_type == "regions.region"
    assert first.before["name"] == "东湖区"
    assert first.after["name"] == "东湖新区"
    assert audit.changed_fields(first.before, first.after) == ["name", "updated_at"]
    assert chain[2].before is None
    assert chain[2].after["path"] == "/990100000000/990101000000/990101002000/"


def test_the_chain_links_every_entry_to_the_one_before(chain):
    assert chain[0].previous_hash == audit.GENESIS_HASH
    assert chain[1].previous_hash == chain[0].hash
    assert chain[2].previous_hash == chain[1].hash
    report = audit.verify_chain()
    assert (report.checked, report.broken_entry_id) == (3, None)


def test_verify_command_reports_intact_chain(chain, capsys):
    call_command("verify_audit_chain")
    assert "审计链完整，共 3 条记录" in capsys.readouterr().out


def _raw_update(sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_changing_an_entry_by_hand_names_that_entry(chain):
    tampered = chain[1]
    _raw_update(
        "UPDATE core_auditentry SET object_repr = %s WHERE id = %s", ["someone else", tampered.pk]
    )
    with pytest.raises(CommandError) as error:
        call_command("verify_audit_chain")
    assert f"audit chain broken at entry {tampered.pk}" in str(error.value)
    assert f"审计链在第 {tampered.pk} 条记录处断开" in str(error.value)


def test_rehashing_a_changed_entry_breaks_the_next_link(chain):
    tampered = chain[0]
    tampered.message = "forged"
    forged_hash = audit.entry_digest(tampered)
    _raw_update(
        "UPDATE core_auditentry SET message = %s, hash = %s WHERE id = %s",
        ["forged", forged_hash, tampered.pk],
    )
    report = audit.verify_chain()
    assert report.broken_entry_id == chain[1].pk
    assert report.reason == "previous_hash"


def test_deleting_an_entry_by_hand_is_found(chain):
    _raw_update("DELETE FROM core_auditentry WHERE id = %s", [chain[1].pk])
    assert audit.verify_chain().broken_entry_id == chain[2].pk


def test_entries_cannot_be_changed_or_deleted_through_the_orm(chain):
    entry = chain[0]
    entry.message = "changed"
    with pytest.raises(TypeError):
        entry.save()
    with pytest.raises(TypeError):
        entry.delete()
    with pytest.raises(TypeError):
        AuditEntry.objects.filter(pk=entry.pk).update(message="x")
    with pytest.raises(TypeError):
        AuditEntry.objects.all().delete()


def test_a_refused_change_writes_nothing(people, city):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.update_region(people.east_staff, city.west, name="被改名")
    assert AuditEntry.objects.count() == 0
    assert Region.objects.get(pk=city.west.pk).name == "西山区"


def test_the_periodic_task_reports_a_broken_chain(chain, settings, tmp_path):
    from wenming.core.tasks import verify_audit_chain

    settings.AUDIT_ANCHOR_PATH = str(tmp_path / "anchor.jsonl")
    assert verify_audit_chain.delay().get() == {"checked": 3, "broken_entry_id": None, "reason": ""}
    assert len((tmp_path / "anchor.jsonl").read_text().splitlines()) == 1
    _raw_update("UPDATE core_auditentry SET ip = %s WHERE id = %s", ["10.6.6.6", chain[2].pk])
    assert verify_audit_chain.delay().get() == {
        "checked": 2,
        "broken_entry_id": chain[2].pk,
        "reason": "hash",
    }


def test_housekeeping_prunes_old_failures_sessions_and_uploads(db, settings, tmp_path):
    import os
    from datetime import timedelta

    from django.contrib.sessions.models import Session
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage
    from django.utils import timezone

    from wenming.accounts.models import LoginFailure
    from wenming.core.tasks import housekeeping

    settings.MEDIA_ROOT = str(tmp_path)
    now = timezone.now()
    LoginFailure.objects.create(username="old", time=now - timedelta(days=2))
    LoginFailure.objects.create(username="recent", time=now - timedelta(minutes=5))
    Session.objects.create(session_key="a" * 32, session_data="", expire_date=now - timedelta(1))
    Session.objects.create(session_key="b" * 32, session_data="", expire_date=now + timedelta(1))
    old = default_storage.save("imports/old.xlsx", ContentFile(b"x"))
    fresh = default_storage.save("imports/fresh.xlsx", ContentFile(b"y"))
    two_days_ago = (now - timedelta(days=2)).timestamp()
    os.utime(default_storage.path(old), (two_days_ago, two_days_ago))
    assert housekeeping.delay().get() == {"login_failures": 1, "sessions": 1, "import_uploads": 1}
    assert list(LoginFailure.objects.values_list("username", flat=True)) == ["recent"]
    assert list(Session.objects.values_list("session_key", flat=True)) == ["b" * 32]
    assert default_storage.listdir("imports")[1] == [fresh.removeprefix("imports/")]


# The one construct: change, created, deleted ------------------------------------------


def test_a_change_without_a_difference_writes_nothing(people, city):
    region = Region.objects.get(pk=city.east.pk)
    change = audit.change(region, actor=people.city_admin)
    assert change.record() is None
    assert AuditEntry.objects.count() == 0
    with pytest.raises(RuntimeError):
        change.record()


def test_a_change_records_before_after_event_and_params(people, city):
    region = Region.objects.get(pk=city.east.pk)
    change = audit.change(region, actor=people.city_admin, event="framework_copied", source="甲")
    region.name = "东湖新区"
    region.save()
    entry = change.record(source_id=7)
    assert (entry.action, entry.event, entry.params) == (
        "update",
        "framework_copied",
        {"source": "甲", "source_id": 7},
    )
    assert (entry.before["name"], entry.after["name"]) == ("东湖区", "东湖新区")
    assert entry.actor_id == people.city_admin.pk


def test_always_records_even_when_nothing_changed(people, city):
    region = Region.objects.get(pk=city.east.pk)
    entry = audit.change(region, actor=people.city_admin, event="acknowledge", always=True).record()
    assert (entry.action, entry.event, entry.before == entry.after) == (
        "update",
        "acknowledge",
        True,
    )


def test_a_change_of_an_unsaved_object_is_a_create(people, city):
    region = Region(code="990101009000", name="新街道", level=3, parent=city.east)
    change = audit.change(region, actor=people.city_admin)
    region.path = city.east.path + "990101009000/"
    region.depth = 3
    region.save()
    entry = change.record()
    assert (entry.action, entry.before, entry.after["name"]) == ("create", None, "新街道")


def test_the_with_form_records_on_a_clean_exit_and_not_after_an_error(people, city):
    region = Region.objects.get(pk=city.east.pk)
    with pytest.raises(ValueError), audit.change(region, actor=people.city_admin):
        region.name = "半途"
        raise ValueError("stopped")
    assert AuditEntry.objects.count() == 0
    with audit.change(region, actor=people.city_admin) as change:
        region.name = "东湖新区"
        region.save()
    assert change.entry.after["name"] == "东湖新区"
    assert AuditEntry.objects.count() == 1


def test_created_and_deleted_hold_the_snapshot_on_the_right_side(people, city):
    region = city.east_community
    made = audit.created(region, actor=people.city_admin)
    gone = audit.deleted(region, actor=people.city_admin, event="role_ended")
    assert (made.action, made.before, made.after["code"]) == ("create", None, "990101001001")
    assert (gone.action, gone.after, gone.before["code"]) == ("delete", None, "990101001001")
    assert gone.params is None and gone.event == "role_ended"


def test_services_use_event_codes_instead_of_english_text(people, city):
    services.revoke_membership(people.city_admin, people.east_staff.memberships.get())
    entry = AuditEntry.objects.get()
    assert (entry.event, entry.message) == ("role_ended", "")
    assert (entry.before["is_active"], entry.after["is_active"]) == (True, False)


# Event codes in the hash --------------------------------------------------------------


def _digest_before_event_codes(entry):
    """The digest exactly as written before the event and params fields existed."""
    import hashlib
    import json
    from datetime import UTC

    content = {
        "time": entry.time.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor_id": entry.actor_id,
        "actor_name": entry.actor_name,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "object_repr": entry.object_repr,
        "before": entry.before,
        "after": entry.after,
        "message": entry.message,
        "request_id": entry.request_id,
        "ip": entry.ip,
        "origin": entry.origin,
        "previous_hash": entry.previous_hash,
    }
    payload = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def test_entries_without_an_event_hash_as_before_so_the_old_chain_verifies(chain):
    assert all(entry.event == "" and entry.params is None for entry in chain)
    assert [_digest_before_event_codes(entry) for entry in chain] == [e.hash for e in chain]


def test_event_and_params_are_hashed_so_changing_them_is_found(people, city):
    region = city.east
    first = audit.record("update", region, actor=people.city_admin, event="review_passed")
    second = audit.record(
        "update",
        region,
        actor=people.city_admin,
        event="review_returned",
        params={"reason": "缺页"},
    )
    assert audit.verify_chain().is_intact
    _raw_update("UPDATE core_auditentry SET event = %s WHERE id = %s", ["", first.pk])
    assert (audit.verify_chain().broken_entry_id, audit.verify_chain().reason) == (first.pk, "hash")
    _raw_update("UPDATE core_auditentry SET event = %s WHERE id = %s", ["review_passed", first.pk])
    _raw_update("UPDATE core_auditentry SET params = NULL WHERE id = %s", [second.pk])
    assert (audit.verify_chain().broken_entry_id, audit.verify_chain().reason) == (
        second.pk,
        "hash",
    )


# Reading entries in the reader's language ----------------------------------------------


def _entry(**fields):
    defaults = {"action": "update", "object_type": "regions.region", "message": ""}
    return AuditEntry(**(defaults | fields))


@pytest.mark.parametrize(
    ("fields", "chinese", "english"),
    [
        ({"event": "acknowledge"}, "确认签收", "Receipt confirmed"),
        (
            {"event": "review_returned", "params": {"reason": "照片不清"}},
            "退回：照片不清",
            "Returned: 照片不清",
        ),
        ({"event": "review_passed", "params": {"reason": ""}}, "审核通过", "Review passed"),
        (
            {"event": "framework_archived", "params": {"tasks_stopped": 3}},
            "归档测评体系，停止 3 项周期任务",
            "Framework archived; 3 recurring tasks stopped",
        ),
        (
            {"event": "framework_archived", "params": {"tasks_stopped": 0}},
            "归档测评体系",
            "Framework archived",
        ),
        # Entries written before event codes existed keep their English text.
        ({"message": "acknowledge"}, "确认签收", "Receipt confirmed"),
        ({"message": "passed: 材料齐全"}, "审核通过：材料齐全", "Review passed: 材料齐全"),
        ({"message": "failed: 逾期"}, "审核不通过：逾期", "Review failed: 逾期"),
        (
            {"message": "4 tasks stopped with the archived version"},
            "随归档版本停止 4 项周期任务",
            "4 recurring tasks stopped with the archived version",
        ),
        ({"message": "api token"}, "通过 API 令牌登录", "Signed in with an API token"),
        ({"message": "locked"}, "已拒绝：账号已锁定", "Refused: the account is locked"),
        ({"message": "api token revoked"}, "注销 API 令牌", "API token revoked"),
        ({"message": "wrong old password"}, "原密码错误", "Wrong current password"),
        (
            {"message": "2 api tokens ended: role removal"},
            "2 个 API 令牌失效：角色已终止",
            "2 API tokens ended: roles ended",
        ),
        (
            {
                "before": {"name": "甲", "parent_id": 1, "updated_at": "x"},
                "after": {"name": "乙", "parent_id": 2, "updated_at": "y"},
            },
            "修改了：名称、上级",
            "Changed: name, parent",
        ),
        ({"message": "自由文字"}, "自由文字", "自由文字"),
        ({"event": "no_such_code"}, "no_such_code", "no_such_code"),
        # A template whose params are missing or of the wrong kind falls back to its label.
        ({"event": "review_failed", "params": {"other": 1}}, "审核不通过", "Review failed"),
    ],
)
def test_describe_speaks_the_readers_language(fields, chinese, english):
    from django.utils import translation

    entry = _entry(**fields)
    with translation.override("zh-hans"):
        assert audit.describe(entry) == chinese
    with translation.override("en"):
        assert audit.describe(entry) == english


def test_object_type_label_is_the_models_name_in_the_readers_language():
    from django.utils import translation

    with translation.override("zh-hans"):
        assert audit.object_type_label(_entry(object_type="regions.membership")) == "角色任职"
        assert audit.object_type_label(_entry(object_type="gone.model")) == "gone.model"
        assert audit.object_type_label(_entry(object_type="")) == ""
