"""Periodic work of the framework: new periods of recurring tasks."""

from celery import shared_task

from wenming.core.context import acting_as
from wenming.framework import services


@shared_task(name="wenming.framework.tasks.create_due_entries")
def create_due_entries() -> int:
    """Create every recurring task's entry for the period that has begun.

    Idempotent: an entry is created only for a period that has none (one entry per task
    and period is a database constraint), each task's periods commit on their own, so a
    run cut short, repeated or running beside another only fills the missing periods.
    """
    with acting_as(None, origin="task"):
        return services.create_due_entries()
