"""Checkpoints that anchor the audit chain outside the database.

The hash chain shows an entry changed or removed in the middle, but not the newest entries
removed (or an older backup restored), nor the newest entry edited and rehashed. A
checkpoint (entry count, head id, head hash, time) signed with a key the database does not
hold is appended to a file, and logged; verification compares the chain with the newest
checkpoint, so losing or rewriting anything that was checkpointed is reported.
"""

import hashlib
import hmac
import json
import logging
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from wenming.core import audit
from wenming.core.models import AuditEntry

logger = logging.getLogger("wenming.audit")


@dataclass(frozen=True)
class Checkpoint:
    """The state of the chain at one moment: its length and its newest entry."""

    count: int
    head_id: int | None
    head_hash: str
    time: str

    def signed_text(self) -> str:
        return json.dumps(asdict(self), sort_keys=True, separators=(",", ":"))


class CheckpointForged(Exception):
    """The newest checkpoint line is unreadable or its signature does not match."""


def anchor_path() -> Path | None:
    """Where checkpoints are appended; None when anchoring is switched off."""
    path = settings.AUDIT_ANCHOR_PATH
    return Path(path) if path else None


def _key() -> bytes:
    key = settings.AUDIT_ANCHOR_KEY
    if key:
        return key.encode("utf-8")
    # A key of its own, derived so that nothing else signed with SECRET_KEY matches it.
    return hashlib.sha256(b"wenming.audit.anchor:" + settings.SECRET_KEY.encode("utf-8")).digest()


def _sign(checkpoint: Checkpoint) -> str:
    return hmac.new(_key(), checkpoint.signed_text().encode("utf-8"), hashlib.sha256).hexdigest()


def write_checkpoint(report: audit.ChainReport) -> Checkpoint | None:
    """Append a signed checkpoint of a verified chain to the anchor file, and log it."""
    path = anchor_path()
    if path is None or not report.is_intact:
        return None
    checkpoint = Checkpoint(
        count=report.checked,
        head_id=report.head_id,
        head_hash=report.head_hash,
        time=timezone.now().isoformat(timespec="seconds"),
    )
    line = json.dumps({**asdict(checkpoint), "mac": _sign(checkpoint)}, sort_keys=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Appended and synced, readable by the platform's account only.
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(descriptor, (line + "\n").encode("utf-8"))
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
    logger.info("audit checkpoint %s", line)
    return checkpoint


def latest_checkpoint() -> Checkpoint | None:
    """The newest checkpoint in the anchor file, or None if there is none yet."""
    path = anchor_path()
    if path is None or not path.exists():
        return None
    last = ""
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                last = line
    if not last:
        return None
    try:
        data = json.loads(last)
        mac = data.pop("mac")
        checkpoint = Checkpoint(
            count=int(data["count"]),
            head_id=None if data["head_id"] is None else int(data["head_id"]),
            head_hash=str(data["head_hash"]),
            time=str(data["time"]),
        )
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise CheckpointForged("the newest checkpoint cannot be read") from error
    if not hmac.compare_digest(str(mac), _sign(checkpoint)):
        raise CheckpointForged("the newest checkpoint's signature does not match")
    return checkpoint


def check(report: audit.ChainReport) -> audit.ChainReport:
    """Compare an intact chain with the newest checkpoint; name what was lost or rewritten."""
    if not report.is_intact:
        return report
    try:
        checkpoint = latest_checkpoint()
    except CheckpointForged:
        return audit.ChainReport(
            report.checked, None, "checkpoint_forged", report.head_id, report.head_hash
        )
    if checkpoint is None or checkpoint.head_id is None:
        return report
    head_hash = (
        AuditEntry.objects.filter(pk=checkpoint.head_id).values_list("hash", flat=True).first()
    )
    up_to_head = AuditEntry.objects.filter(pk__lte=checkpoint.head_id).count()
    if head_hash is None or up_to_head < checkpoint.count:
        reason = "truncated"
    elif head_hash != checkpoint.head_hash or up_to_head != checkpoint.count:
        reason = "rewritten"
    else:
        return report
    return audit.ChainReport(
        report.checked, checkpoint.head_id, reason, report.head_id, report.head_hash
    )


def verify(*, anchor: bool = True) -> tuple[audit.ChainReport, Checkpoint | None]:
    """Check the chain and the newest checkpoint; if both hold, append a new checkpoint."""
    report = check(audit.verify_chain())
    written = write_checkpoint(report) if anchor and report.is_intact else None
    return report, written


def reanchor(actor=None) -> Checkpoint | None:
    """After a restore the operator accepted: record that, and checkpoint the chain as it is.

    The entry names the checkpoint that no longer matched, so the reset itself is audited.
    """
    try:
        previous = latest_checkpoint()
    except CheckpointForged:
        previous = None
    params = {"count": previous.count, "head_id": previous.head_id} if previous else {}
    audit.record(
        "update",
        actor=actor,
        object_type="core.auditentry",
        object_repr="audit log",
        event="audit_reanchored",
        params=params,
    )
    report = audit.verify_chain()
    return write_checkpoint(report)
