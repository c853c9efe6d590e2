"""Writing and verifying the audit log.

Every entry carries the hash of the entry before it, so a row changed or removed by hand
in the database breaks the chain at that row. Appends are serialised (an advisory lock on
PostgreSQL; SQLite takes its write lock when the transaction starts) so two writers never
chain to the same predecessor.
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.utils import timezone

from wenming.core import context
from wenming.core.models import AuditEntry

GENESIS_HASH = "0" * 64
# Arbitrary constant naming the audit-append advisory lock on PostgreSQL.
ADVISORY_LOCK_ID = 7_263_401
# Fields whose values never belong in an audit entry.
SECRET_FIELDS = {"password", "key"}
MAX_REPR = 200


def snapshot(instance: models.Model) -> dict:
    """Return the instance's concrete field values as JSON-ready data (secrets left out)."""
    data = {}
    for field in instance._meta.concrete_fields:
        if field.name in SECRET_FIELDS:
            continue
        data[field.attname] = field.value_from_object(instance)
    return _json_ready(data)


def _json_ready(value):
    """Round-trip through JSON so the hashed form equals what the database gives back."""
    if value is None:
        return None
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False))


def changed_fields(before: dict | None, after: dict | None) -> list[str]:
    """Names of the fields whose values differ between two snapshots."""
    before = before or {}
    after = after or {}
    return sorted(key for key in before.keys() | after.keys() if before.get(key) != after.get(key))


def entry_digest(entry: AuditEntry) -> str:
    """The SHA-256 of an entry's content and its predecessor's hash."""
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


def _lock_chain() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ADVISORY_LOCK_ID])


def record(
    action,
    instance=None,
    *,
    before=None,
    after=None,
    message="",
    actor=None,
    object_type="",
    object_id="",
    object_repr="",
) -> AuditEntry:
    """Append an entry; call it inside the transaction that makes the change."""
    action_context = context.current()
    actor = actor if actor is not None else action_context.actor
    if instance is not None:
        object_type = object_type or instance._meta.label_lower
        object_id = object_id or str(instance.pk)
        object_repr = object_repr or str(instance)
    with transaction.atomic():
        _lock_chain()
        last = AuditEntry.objects.order_by("-id").values_list("hash", flat=True).first()
        entry = AuditEntry(
            time=timezone.now(),
            actor=actor,
            actor_name=actor.get_username() if actor is not None else "",
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            object_repr=str(object_repr)[:MAX_REPR],
            before=_json_ready(before),
            after=_json_ready(after),
            message=message[:500],
            request_id=action_context.request_id,
            ip=action_context.ip,
            origin=action_context.origin,
            previous_hash=last or GENESIS_HASH,
        )
        entry.hash = entry_digest(entry)
        entry.save()
    return entry


@dataclass
class ChainReport:
    """The outcome of checking the chain: how many entries, and the first broken one."""

    checked: int
    broken_entry_id: int | None = None
    reason: str = ""

    @property
    def is_intact(self) -> bool:
        return self.broken_entry_id is None


def verify_chain(chunk_size: int = 2000) -> ChainReport:
    """Recompute every hash in order and report the first entry that does not match."""
    previous_hash = GENESIS_HASH
    checked = 0
    for entry in AuditEntry.objects.order_by("id").iterator(chunk_size=chunk_size):
        if entry.previous_hash != previous_hash:
            return ChainReport(checked, entry.pk, "previous_hash")
        if entry_digest(entry) != entry.hash:
            return ChainReport(checked, entry.pk, "hash")
        previous_hash = entry.hash
        checked += 1
    return ChainReport(checked)
