"""Periodic work of the core: the daily audit-chain check."""

import logging

from celery import shared_task

from wenming.core import audit

logger = logging.getLogger(__name__)


@shared_task(name="wenming.core.tasks.verify_audit_chain")
def verify_audit_chain() -> dict:
    """Recompute the audit chain; log an error naming the first broken entry."""
    report = audit.verify_chain()
    if report.is_intact:
        logger.info("audit chain intact: %d entries", report.checked)
    else:
        logger.error("audit chain broken at entry %s (%s)", report.broken_entry_id, report.reason)
    return {
        "checked": report.checked,
        "broken_entry_id": report.broken_entry_id,
        "reason": report.reason,
    }
