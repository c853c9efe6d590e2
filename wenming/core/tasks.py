"""Periodic work of the core: the daily audit-chain check and housekeeping.

A crashed worker's task runs again (settings: late acknowledgement), possibly while another
copy is still running, so each task here must be safe to run twice and side by side.
"""

import logging
from collections.abc import Callable
from datetime import timedelta

from celery import shared_task
from django.contrib.sessions.models import Session
from django.core.files.storage import default_storage
from django.utils import timezone

from wenming.core import audit_anchor

logger = logging.getLogger(__name__)

# Clean-ups other apps add to the daily housekeeping (name → function returning a count),
# registered from their AppConfig.ready(): core imports no domain app.
CLEANUPS: dict[str, Callable[[], int]] = {}


def register_cleanup(name: str, function: Callable[[], int]) -> None:
    """Run `function` in every housekeeping and report its count under `name`."""
    CLEANUPS[name] = function


@shared_task(name="wenming.core.tasks.verify_audit_chain")
def verify_audit_chain() -> dict:
    """Recompute the audit chain against its newest checkpoint, then append a checkpoint.

    Logs an error naming the first broken entry, or the checkpointed head that was lost
    or rewritten. Safe to repeat: it reads, and a second run appends another checkpoint
    of the same chain.
    """
    report, _checkpoint = audit_anchor.verify()
    if report.is_intact:
        logger.info("audit chain intact: %d entries", report.checked)
    else:
        logger.error("audit chain broken at entry %s (%s)", report.broken_entry_id, report.reason)
    return {
        "checked": report.checked,
        "broken_entry_id": report.broken_entry_id,
        "reason": report.reason,
    }


@shared_task(name="wenming.core.tasks.housekeeping")
def housekeeping() -> dict:
    """Daily clean-up: old failed sign-ins, expired sessions, abandoned import uploads.

    Idempotent: it only deletes what is past its cutoff, and skips a file that another
    run removed first, so a repeated or concurrent run does no harm.
    """
    counts = {name: cleanup() for name, cleanup in CLEANUPS.items()}
    sessions, _by_model = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    uploads = 0
    cutoff = timezone.now() - timedelta(days=1)
    if default_storage.exists("imports"):
        for name in default_storage.listdir("imports")[1]:
            path = f"imports/{name}"
            try:
                is_abandoned = default_storage.get_modified_time(path) < cutoff
            except FileNotFoundError:  # a concurrent run removed it after the listing
                continue
            if is_abandoned:
                default_storage.delete(path)
                uploads += 1
    return {**counts, "sessions": sessions, "import_uploads": uploads}
