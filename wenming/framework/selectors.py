"""Reads of the framework domain: completion and lost points (the ledger package: exports.py).

Everything here aggregates in SQL and reads through `restrict`, so a page, the API and
an export of the same thing show the same rows.
"""

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import Case, Count, F, Q, Sum, Value, When
from django.db.models.functions import LPad, StrIndex, Substr
from django.db.models.lookups import GreaterThan
from django.utils import timezone

from wenming.framework.models import Indicator, LedgerEntry

CODE_NUMBER_WIDTH = 12
# Numbered parts after the prefix that are compared as numbers (Ⅲ-2-10: two); any
# further part is compared as text.
CODE_NUMBER_PARTS = 2


def _split_at_hyphen(text):
    """(what is before the first hyphen, what is after it) as SQL; no hyphen: (text, '')."""
    hyphen = StrIndex(text, Value("-"))
    has_hyphen = GreaterThan(hyphen, 0)
    head = Case(When(has_hyphen, then=Substr(text, 1, hyphen - 1)), default=text)
    tail = Case(When(has_hyphen, then=Substr(text, hyphen + 1)), default=Value(""))
    return head, tail


def natural_code_order(lookup: str = "code", *, descending: bool = False) -> list:
    """ORDER BY terms that sort indicator codes as people read them: Ⅲ-2 before Ⅲ-10.

    A code is split in SQL at its hyphens into the prefix (Ⅲ) and numbered parts (2, 10),
    and each part is left-padded with zeros, so text order is number order. Done as an
    annotation rather than a stored sort key: the code is written by the import, the
    services and the admin, and a second column would have to be kept in step by each of
    them, while these lists are narrowed by framework and scope before they are sorted.
    StrIndex, Substr and LPad exist on SQLite and PostgreSQL alike; no cast, so a part
    with letters in it sorts as text instead of failing.
    """
    prefix, rest = _split_at_hyphen(F(lookup))
    terms = [prefix]
    for _part in range(CODE_NUMBER_PARTS):
        number, rest = _split_at_hyphen(rest)
        terms.append(LPad(number, CODE_NUMBER_WIDTH, Value("0")))
    terms.append(rest)
    # Rows without a code (tasks written by hand) come last on both databases.
    return [
        term.desc(nulls_last=True) if descending else term.asc(nulls_last=True) for term in terms
    ]


def entries_for(user, action: str = "view"):
    """Ledger entries the user may see (or act on), with what their lists need."""
    return LedgerEntry.objects.restrict(user, action).select_related(
        "task", "task__unit", "task__indicator"
    )


def _is_overdue() -> Q:
    """Overdue as `LedgerEntry.objects.overdue()` decides it, usable inside an aggregate."""
    return Q(pk__in=LedgerEntry.objects.overdue().values("pk"))


#: The statuses in which the unit still has to submit evidence.
AWAITING_UNIT = (
    LedgerEntry.Status.ASSIGNED,
    LedgerEntry.Status.ACKNOWLEDGED,
    LedgerEntry.Status.RETURNED,
)


def is_due_soon(today=None) -> Q:
    """Due soon: the deadline is today or within `DUE_SOON_DAYS` days, and the unit has
    not submitted yet (assigned, acknowledged or returned)."""
    today = today or timezone.localdate()
    return Q(
        deadline__gte=today,
        deadline__lte=today + timedelta(days=settings.DUE_SOON_DAYS),
        status__in=AWAITING_UNIT,
    )


def _is_due(today) -> Q:
    """Due for the completion rate: the deadline has come, or the entry already passed."""
    return (Q(deadline__lte=today) | Q(status=LedgerEntry.Status.PASSED)) & ~Q(
        status=LedgerEntry.Status.CANCELLED
    )


def completion_by(entries, field: str, *, today=None):
    """Per unit (`task__unit`) or per indicator (`task__indicator`): counts by status.

    `entries` is a ledger entry queryset already read through `restrict` and filtered
    (the completion page's FilterSet); indicators come in natural code order. `due` is
    the denominator of the completion rate (architecture §16): entries whose deadline is
    today or earlier, plus those passed ahead of it, never cancelled ones.
    """
    today = today or timezone.localdate()
    order = (
        natural_code_order(f"{field}__code")
        if field == "task__indicator"
        else [F(f"{field}__code").asc()]
    )
    return (
        entries.order_by()
        .values(f"{field}__id", f"{field}__code", f"{field}__name")
        .annotate(
            total=Count("id"),
            due=Count("id", filter=_is_due(today)),
            passed=Count("id", filter=Q(status=LedgerEntry.Status.PASSED)),
            submitted=Count("id", filter=Q(status=LedgerEntry.Status.SUBMITTED)),
            returned=Count("id", filter=Q(status=LedgerEntry.Status.RETURNED)),
            failed=Count("id", filter=Q(status=LedgerEntry.Status.FAILED)),
            overdue=Count("id", filter=_is_overdue()),
        )
        .order_by(*order, f"{field}__id")
    )


def _divide_half_up(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded half-up to a whole number, exactly (both ≥ 0)."""
    return (2 * numerator + denominator) // (2 * denominator)


def completion_rate(passed: int, due: int) -> Decimal | None:
    """passed / due as a percentage with one decimal, rounded half-up; None when none is due.

    Integer arithmetic, so 2/3 is 66.7 and 1/8 (12.5) stays 12.5 with no float error.
    """
    if not due:
        return None
    return Decimal(_divide_half_up(passed * 1000, due)).scaleb(-1)


RANKING_SIZE = 5


@dataclass
class RankedUnit:
    """One unit's place in the completion ranking (红黑榜)."""

    unit_id: int
    code: str
    name: str
    due: int
    passed: int
    rate: Decimal | None
    rank: int | None = None


@dataclass
class Ranking:
    """Units ranked by completion rate, the top (红榜) and bottom (黑榜), and the unrated."""

    ranked: list[RankedUnit]
    unrated: list[RankedUnit]
    red: list[RankedUnit]
    black: list[RankedUnit]


def unit_ranking(by_unit, size: int = RANKING_SIZE) -> Ranking:
    """Rank the rows of `completion_by(..., "task__unit")` by completion rate.

    Highest rate first; equal rates share a rank and the next rank skips (1, 2, 2, 4);
    among equal rates the unit with more due entries comes first, then by code. Units with
    nothing due have no rate and no rank. The red list is the first `size` ranked units,
    the black list the last `size` not already on the red list, lowest first.
    """
    ranked, unrated = [], []
    for row in by_unit:
        unit = RankedUnit(
            row["task__unit__id"],
            row["task__unit__code"],
            row["task__unit__name"],
            row["due"],
            row["passed"],
            completion_rate(row["passed"], row["due"]),
        )
        (ranked if unit.rate is not None else unrated).append(unit)
    ranked.sort(key=lambda unit: (-unit.rate, -unit.due, unit.code))
    for position, unit in enumerate(ranked, start=1):
        previous = ranked[position - 2] if position > 1 else None
        unit.rank = previous.rank if previous and previous.rate == unit.rate else position
    red = ranked[:size]
    black = list(reversed(ranked[len(red) :]))[:size]
    return Ranking(ranked, unrated, red, black)


@dataclass
class LostPoint:
    """A level-3 indicator that lost points in a period, and the units that lost them."""

    indicator_id: int
    code: str
    name: str
    points: Decimal
    units: list[str]
    entries: int = 0
    failed: int = 0
    overdue: int = 0

    @property
    def lost(self) -> int:
        """Entries that lost their share: failed, or overdue without a pass."""
        return self.failed + self.overdue

    @property
    def lost_points(self) -> Decimal:
        """points × lost / entries, rounded half-up to two decimals (architecture §16)."""
        hundredths = int(self.points * 100)
        return Decimal(_divide_half_up(hundredths * self.lost, self.entries)).scaleb(-2)


def lost_points(user, framework, *, period_start, period_end) -> list[LostPoint]:
    """Document-review losses per level-3 indicator, in points, in one SQL query.

    An indicator's points are shared equally among its ledger entries the user sees whose
    deadline falls in the period (cancelled ones left out); each entry that failed review,
    or is past its deadline without a pass, loses its share. Field checks and surveys add
    their losses in their own issues.
    """
    failed = Q(status=LedgerEntry.Status.FAILED)
    rows = (
        LedgerEntry.objects.restrict(user)
        .filter(
            task__framework=framework,
            task__indicator__isnull=False,
            deadline__gte=period_start,
            deadline__lte=period_end,
        )
        .exclude(status=LedgerEntry.Status.CANCELLED)
        .values(
            "task__indicator",
            "task__indicator__code",
            "task__indicator__name",
            "task__indicator__points",
            "task__unit__name",
        )
        .annotate(
            entries=Count("id"),
            failed=Count("id", filter=failed),
            overdue=Count("id", filter=_is_overdue() & ~failed),
        )
        .order_by(
            *natural_code_order("task__indicator__code"), "task__indicator", "task__unit__name"
        )
    )
    result: dict[int, LostPoint] = {}
    for row in rows:
        key = row["task__indicator"]
        entry = result.setdefault(
            key,
            LostPoint(
                key,
                row["task__indicator__code"],
                row["task__indicator__name"],
                row["task__indicator__points"],
                [],
            ),
        )
        entry.entries += row["entries"]
        entry.failed += row["failed"]
        entry.overdue += row["overdue"]
        if row["failed"] or row["overdue"]:
            entry.units.append(row["task__unit__name"])
    return [entry for entry in result.values() if entry.lost]


def framework_totals(framework):
    """Points per level and per method of a framework (for its page)."""
    return (
        Indicator.objects.filter(framework=framework)
        .values("level")
        .annotate(count=Count("id"), points=Sum("points"))
        .order_by("level")
    )
