"""The work lists of the staff home: one aggregate query per panel, through `restrict`."""

from django.db.models import Count, Q
from django.utils import timezone

from wenming.framework import selectors as framework_selectors
from wenming.framework.models import LedgerEntry

REVIEW = "framework.review"
SUBMIT_EVIDENCE = "framework.submit_evidence"
FOLLOW_TASKS = "framework.follow_tasks"
Status = LedgerEntry.Status


def _overdue(today) -> Q:
    """Overdue as `LedgerEntry.objects.overdue()` decides it, as a filter of one aggregate."""
    return Q(deadline__lt=today) & ~Q(status__in=LedgerEntry.CLOSED_STATUSES)


def office_work(user, today=None) -> dict:
    """What the office has to do in its scope: entries to review, overdue, due soon."""
    today = today or timezone.localdate()
    return LedgerEntry.objects.restrict(user, REVIEW).aggregate(
        waiting_for_review=Count("id", filter=Q(status=Status.SUBMITTED)),
        overdue=Count("id", filter=_overdue(today)),
        due_soon=Count("id", filter=framework_selectors.is_due_soon(today)),
    )


def unit_work(user, today=None) -> dict:
    """What a unit has to do: entries to sign for, to submit, returned; overdue, due soon."""
    today = today or timezone.localdate()
    return LedgerEntry.objects.restrict(user, SUBMIT_EVIDENCE).aggregate(
        to_acknowledge=Count("id", filter=Q(status=Status.ASSIGNED)),
        to_submit=Count("id", filter=Q(status=Status.ACKNOWLEDGED)),
        returned=Count("id", filter=Q(status=Status.RETURNED)),
        overdue=Count("id", filter=_overdue(today)),
        due_soon=Count("id", filter=framework_selectors.is_due_soon(today)),
    )


def completion_ranking(user):
    """Completion by unit in the user's scope, ranked by rate (one query)."""
    rows = framework_selectors.completion_by(LedgerEntry.objects.restrict(user), "task__unit")
    return framework_selectors.unit_ranking(rows)
