"""Background work of the framework: new periods of recurring tasks, ledger packages."""

from celery import shared_task

from wenming.core.context import acting_as
from wenming.framework import exports, services
from wenming.framework.models import LedgerPackage


@shared_task(name="wenming.framework.tasks.create_due_entries")
def create_due_entries() -> int:
    """Create every recurring task's entry for the period that has begun.

    Idempotent: an entry is created only for a period that has none (one entry per task
    and period is a database constraint), each task's periods commit on their own, so a
    run cut short, repeated or running beside another only fills the missing periods.
    """
    with acting_as(None, origin="task"):
        return services.create_due_entries()


@shared_task(name="wenming.framework.tasks.build_ledger_package")
def build_ledger_package(package_id: int) -> str:
    """Build one requested ledger package into storage (see `exports.build_package`).

    Idempotent: a package already built, failed or removed is skipped; one whose worker
    died is built again under the same name.
    """
    package = LedgerPackage.objects.select_related("requested_by").filter(pk=package_id).first()
    with acting_as(package.requested_by if package else None, origin="task"):
        return exports.build_package(package_id)


@shared_task(name="wenming.framework.tasks.remove_expired_ledger_packages")
def remove_expired_ledger_packages() -> int:
    """Delete ledger packages past their retention time (beat, hourly); idempotent."""
    with acting_as(None, origin="task"):
        return exports.remove_expired_packages()
