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


def test_the_periodic_task_reports_a_broken_chain(chain):
    from wenming.core.tasks import verify_audit_chain

    assert verify_audit_chain.delay().get() == {"checked": 3, "broken_entry_id": None, "reason": ""}
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
