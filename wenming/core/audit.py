"""Writing, describing and verifying the audit log.

Every entry carries the hash of the entry before it, so a row changed or removed by hand
in the database breaks the chain at that row. Appends are serialised (an advisory lock on
PostgreSQL; SQLite takes its write lock when the transaction starts) so two writers never
chain to the same predecessor. The newest entries are anchored outside the database by
checkpoints (`wenming.core.audit_anchor`).

Services record changes with one construct, `change`, and its two ends `created` and
`deleted`; business events add a machine-readable `event` code with `params`, which
`describe` turns into a sentence in the reader's language.
"""

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime

from django.apps import apps
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.db.models import Q, TextField
from django.db.models.functions import Cast
from django.db.models.lookups import IContains
from django.utils import timezone
from django.utils.translation import gettext, pgettext
from django.utils.translation import gettext_lazy as _

from wenming.core import context
from wenming.core.models import AuditEntry
from wenming.core.permissions import VIEW

GENESIS_HASH = "0" * 64
# Arbitrary constant naming the audit-append advisory lock on PostgreSQL.
ADVISORY_LOCK_ID = 7_263_401
# Fields whose values never belong in an audit entry.
SECRET_FIELDS = {"password", "key"}
MAX_REPR = 200
# Snapshot fields every save changes; they say nothing about what was changed.
BOOKKEEPING_FIELDS = {"updated_at"}


def snapshot(instance: models.Model) -> dict:
    """Return the instance's concrete field values as JSON-ready data (secrets left out)."""
    data = {}
    for field in instance._meta.concrete_fields:
        if field.name in SECRET_FIELDS:
            continue
        value = field.value_from_object(instance)
        if isinstance(value, datetime) and timezone.is_aware(value):
            # A form gives local time, the database UTC: the same instant must compare equal.
            value = value.astimezone(UTC)
        data[field.attname] = value
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
    # Entries written before event codes existed were hashed without these keys; adding
    # them only when set keeps those hashes valid, and removing them from a newer entry
    # still changes its digest.
    if entry.event:
        content["event"] = entry.event
    if entry.params is not None:
        content["params"] = entry.params
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
    event="",
    params=None,
) -> AuditEntry:
    """Append an entry; call it inside the transaction that makes the change.

    `event` is a code from `EVENTS` and `params` its values; together they say what
    happened in a form any reader's language can show. `message` is free text kept for
    what has no code (and for entries written before codes existed).
    """
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
            message=str(message)[:500],
            event=event,
            params=_json_ready(params) or None,
            request_id=action_context.request_id,
            ip=action_context.ip,
            origin=action_context.origin,
            previous_hash=last or GENESIS_HASH,
        )
        entry.hash = entry_digest(entry)
        entry.save()
    return entry


# The one construct services use ------------------------------------------------------

_NOT_GIVEN = object()


class Change:
    """One audited change to one object: a snapshot when opened, an entry when recorded.

    Open it before changing the object and call `record()` once the object is saved (or
    use it as `with audit.change(obj, actor=user):`, which records on a clean exit). An
    object not yet in the database gives a `create` entry; otherwise an `update` entry is
    written only if the snapshot changed, unless `always` is set.
    """

    def __init__(self, instance, *, actor, action, event, params, snapshot, before, always):
        self.instance = instance
        self.actor = actor
        self.action = action
        self.event = event
        self.params = dict(params)
        self.snapshot = snapshot
        self.always = always
        if before is not _NOT_GIVEN:
            self.before = before
        elif instance._state.adding:
            self.before = None
        else:
            self.before = snapshot(instance)
        self.entry: AuditEntry | None = None
        self.is_recorded = False

    def record(self, **params) -> AuditEntry | None:
        """Snapshot again and write the entry if anything changed; `params` add to the event's."""
        if self.is_recorded:
            raise RuntimeError("this change was already recorded")
        self.is_recorded = True
        self.params.update(params)
        after = _json_ready(self.snapshot(self.instance))
        before = _json_ready(self.before)
        if before == after and not self.always:
            return None
        action = self.action or ("create" if before is None else "update")
        self.entry = record(
            action,
            self.instance,
            actor=self.actor,
            before=before,
            after=after,
            event=self.event,
            params=self.params,
        )
        return self.entry

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, traceback):
        if exc_type is None and not self.is_recorded:
            self.record()
        return False


def change(
    instance,
    *,
    actor=None,
    action="",
    event="",
    snapshot=snapshot,
    before=_NOT_GIVEN,
    always=False,
    **params,
) -> Change:
    """Start an audited change of `instance` (see `Change`); `params` belong to `event`."""
    return Change(
        instance,
        actor=actor,
        action=action,
        event=event,
        params=params,
        snapshot=snapshot,
        before=before,
        always=always,
    )


def created(instance, *, actor=None, event="", snapshot=snapshot, **params) -> AuditEntry:
    """Record a new object; call it after saving."""
    return record(
        "create", instance, actor=actor, after=snapshot(instance), event=event, params=params
    )


def deleted(instance, *, actor=None, event="", snapshot=snapshot, **params) -> AuditEntry:
    """Record an object's removal; call it before deleting, while it still has its id."""
    return record(
        "delete", instance, actor=actor, before=snapshot(instance), event=event, params=params
    )


# Showing entries in the reader's language --------------------------------------------


@dataclass(frozen=True)
class EventType:
    """How an event code reads: its label, and a fuller sentence when its params are set."""

    label: str
    detail: str = ""


EVENTS = {
    "acknowledge": EventType(_("Receipt confirmed")),
    "evidence_submitted": EventType(
        _("Evidence submitted"), _("Evidence submitted (version %(version)s)")
    ),
    "review_passed": EventType(_("Review passed"), _("Review passed: %(reason)s")),
    "review_returned": EventType(_("Returned for rework"), _("Returned: %(reason)s")),
    "review_failed": EventType(_("Review failed"), _("Review failed: %(reason)s")),
    "framework_activated": EventType(_("Framework activated")),
    "framework_archived": EventType(
        _("Framework archived"),
        _("Framework archived; %(tasks_stopped)s recurring tasks stopped"),
    ),
    "framework_copied": EventType(_("Framework copied"), _("Copied from %(source)s")),
    "ledger_exported": EventType(
        _("Ledger downloaded"), _("Ledger downloaded: %(start)s to %(end)s, %(files)s files")
    ),
    "ledger_package_requested": EventType(_("Ledger package requested")),
    "ledger_package_downloaded": EventType(_("Ledger package downloaded")),
    "ledger_package_removed": EventType(_("Ledger package removed after its retention time")),
    "tasks_stopped": EventType(
        _("Recurring tasks stopped"),
        _("%(count)s recurring tasks stopped with the archived version"),
    ),
    "task_changed": EventType(_("Task changed")),
    "task_cancelled": EventType(_("Task cancelled"), _("Task cancelled: %(reason)s")),
    "role_ended": EventType(_("Role ended")),
    "role_restored": EventType(_("Role restored")),
    "api_token": EventType(_("Signed in with an API token")),
    "api_token_revoked": EventType(_("API token revoked")),
    "api_tokens_ended": EventType(
        _("API tokens ended"), _("%(count)s API tokens ended: %(reason)s")
    ),
    "wrong_old_password": EventType(_("Wrong current password")),
    "wrong_credentials": EventType(_("Wrong username or password")),
    "account_locked": EventType(_("Refused: the account is locked")),
    "password_set_by_admin": EventType(_("Password set by an administrator")),
    "password_disabled_by_admin": EventType(_("Password sign-in disabled by an administrator")),
    "superuser_created": EventType(_("Superuser created on the command line")),
    "imported": EventType(
        _("Imported"),
        _("%(created)s created, %(updated)s updated, %(deleted)s removed, %(unchanged)s unchanged"),
    ),
    "audit_reanchored": EventType(
        _("Audit log re-anchored"),
        _("Audit log re-anchored; the previous checkpoint covered %(count)s entries"),
    ),
}

# Free-text messages written before event codes existed, read as the codes they meant.
_LEGACY_MESSAGES = {
    "acknowledge": "acknowledge",
    "api token": "api_token",
    "api token revoked": "api_token_revoked",
    "wrong credentials": "wrong_credentials",
    "wrong old password": "wrong_old_password",
    "locked": "account_locked",
}
_LEGACY_REVIEW = re.compile(r"^(passed|returned|failed): (.*)$", re.DOTALL)
_STOPPED_TAIL = " tasks stopped with the archived version"
_LEGACY_STOPPED = re.compile(r"^(\d+)" + re.escape(_STOPPED_TAIL) + "$")
_TOKENS_ENDED_MIDDLE = " api tokens ended: "
_LEGACY_TOKENS_ENDED = re.compile(r"^(\d+)" + re.escape(_TOKENS_ENDED_MIDDLE) + "(.+)$")
# Why tokens ended, in the words `ApiToken.objects.end_for` writes.
TOKEN_END_REASONS = {
    "password change": _("password changed"),
    "deactivation": _("account deactivated"),
    "role removal": _("roles ended"),
}


def event_of(entry: AuditEntry) -> tuple[str, dict]:
    """The entry's event code and params, reading old free-text messages as codes."""
    if entry.event:
        return entry.event, entry.params or {}
    message = entry.message
    if message in _LEGACY_MESSAGES:
        return _LEGACY_MESSAGES[message], {}
    if match := _LEGACY_REVIEW.match(message):
        return f"review_{match[1]}", {"reason": match[2]}
    if match := _LEGACY_STOPPED.match(message):
        return "tasks_stopped", {"count": int(match[1])}
    if match := _LEGACY_TOKENS_ENDED.match(message):
        reason = TOKEN_END_REASONS.get(match[2], match[2])
        return "api_tokens_ended", {"count": int(match[1]), "reason": str(reason)}
    return "", {}


def search_events(text: str) -> Q:
    """Entries whose event reads as `text` in the active language, or whose params hold it."""
    wanted = text.casefold()
    codes = [
        code
        for code, event_type in EVENTS.items()
        if wanted in str(event_type.label).casefold() or wanted in code
    ]
    match = Q(event__in=codes) | Q(IContains(Cast("params", TextField()), text))
    # Entries written before codes existed say it in English in their message.
    legacy = [message for message, code in _LEGACY_MESSAGES.items() if code in codes]
    match |= Q(event="", message__in=legacy)
    for outcome in ("passed", "returned", "failed"):
        if f"review_{outcome}" in codes:
            match |= Q(event="", message__startswith=f"{outcome}: ")
    if "tasks_stopped" in codes:
        match |= Q(event="", message__endswith=_STOPPED_TAIL)
    if "api_tokens_ended" in codes:
        match |= Q(event="", message__contains=_TOKENS_ENDED_MIDDLE)
    return match


def _render(event_type: EventType, params: dict) -> str:
    if event_type.detail:
        try:
            names = re.findall(r"%\((\w+)\)s", str(event_type.detail))
            if all(params.get(name) not in (None, "", 0) for name in names):
                return str(event_type.detail) % params
        except (KeyError, TypeError, ValueError):
            pass
    return str(event_type.label)


def _model(label: str):
    try:
        return apps.get_model(label)
    except (LookupError, ValueError):
        return None


def entry_model(entry: AuditEntry):
    """The model an entry's object type names, or None (e.g. a model since removed)."""
    return _model(entry.object_type)


def describe(entry: AuditEntry) -> str:
    """What happened, in the active language: the event, the changed fields, or the message."""
    code, params = event_of(entry)
    if code in EVENTS:
        return _render(EVENTS[code], params)
    if code:
        return code
    if entry.message:
        return entry.message
    if entry.action == AuditEntry.Action.UPDATE and entry.before and entry.after:
        names = [
            name
            for name in changed_fields(entry.before, entry.after)
            if name not in BOOKKEEPING_FIELDS
        ]
        if names:
            labels = [_field_label(entry_model(entry), name) for name in names]
            separator = pgettext("list separator", ", ")
            return gettext("Changed: %(fields)s") % {"fields": separator.join(labels)}
    return ""


def _field_label(model, attname: str) -> str:
    if model is not None:
        for field in model._meta.concrete_fields:
            if field.attname == attname:
                return str(field.verbose_name)
    return attname


def object_type_label(entry: AuditEntry) -> str:
    """The object's kind in the active language ("区域"), or the stored label."""
    model = entry_model(entry)
    return str(model._meta.verbose_name) if model is not None else entry.object_type


def object_links(entries, user) -> dict[tuple[str, str], str]:
    """Links to the pages of the entries' objects that `user` may see, one query per type."""
    wanted: dict[str, set[str]] = {}
    for entry in entries:
        if entry.object_type and entry.object_id:
            wanted.setdefault(entry.object_type, set()).add(entry.object_id)
    links = {}
    for object_type, ids in wanted.items():
        model = _model(object_type)
        if not hasattr(model, "get_absolute_url") or not hasattr(model.objects, "restrict"):
            continue
        pks = [pk for pk in ids if pk.isdigit()]
        for obj in model.objects.restrict(user, VIEW).filter(pk__in=pks):
            links[(object_type, str(obj.pk))] = obj.get_absolute_url()
    return links


# Verifying the chain -----------------------------------------------------------------


@dataclass
class ChainReport:
    """The outcome of checking the chain: how many entries, the head, the first broken one.

    `reason` is `previous_hash` or `hash` for a broken link; the anchor check adds
    `truncated`, `rewritten` and `checkpoint_forged` (`broken_entry_id` is then the
    checkpoint's head).
    """

    checked: int
    broken_entry_id: int | None = None
    reason: str = ""
    head_id: int | None = None
    head_hash: str = GENESIS_HASH

    @property
    def is_intact(self) -> bool:
        return self.broken_entry_id is None and not self.reason


def verify_chain(chunk_size: int = 2000) -> ChainReport:
    """Recompute every hash in order and report the first entry that does not match."""
    previous_hash = GENESIS_HASH
    checked = 0
    head_id = None
    for entry in AuditEntry.objects.order_by("id").iterator(chunk_size=chunk_size):
        if entry.previous_hash != previous_hash:
            return ChainReport(checked, entry.pk, "previous_hash", head_id, previous_hash)
        if entry_digest(entry) != entry.hash:
            return ChainReport(checked, entry.pk, "hash", head_id, previous_hash)
        previous_hash = entry.hash
        head_id = entry.pk
        checked += 1
    return ChainReport(checked, head_id=head_id, head_hash=previous_hash)
