"""State changes of frameworks, tasks and ledgers: checked, transactional, audited."""

from datetime import timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wenming.core import audit
from wenming.core.permissions import CHANGE, VIEW, require
from wenming.core.uploads import check_upload
from wenming.framework.models import (
    EvidenceFile,
    Framework,
    Indicator,
    LedgerEntry,
    Submission,
    Task,
    TaskEvent,
)
from wenming.framework.periods import periods_between
from wenming.regions.models import Region, Unit

INDICATOR_FIELDS = (
    "name",
    "level",
    "parent",
    "standard",
    "points",
    "methods",
    "scoring_rule",
    "rule_parameters",
    "site_type_names",
    "veto_effect",
    "veto_value",
    "lead_unit",
    "local_code",
    "position",
)
MAX_FILES_PER_SUBMISSION = 20
MAX_LINKS = 20


def _require_editable(framework: Framework) -> None:
    if not framework.is_editable:
        raise ValidationError(
            _("Only a draft framework can be changed; copy it into a new draft version first.")
        )


# Frameworks ---------------------------------------------------------------------------


@transaction.atomic
def create_framework(
    user, *, region: Region, name: str, edition_year: int, is_sample: bool = False
) -> Framework:
    """Start a draft framework for a city."""
    require(user, "framework.add_framework", region, _("You may not keep frameworks."))
    if region.parent_id is not None:
        raise ValidationError({"region": _("A framework belongs to a city, not to a district.")})
    framework = Framework(region=region, name=name, edition_year=edition_year, is_sample=is_sample)
    framework.version = 1 + (
        Framework.objects.filter(region=region, edition_year=edition_year)
        .order_by("-version")
        .values_list("version", flat=True)
        .first()
        or 0
    )
    framework.full_clean()
    framework.save()
    audit.created(framework, actor=user)
    return framework


@transaction.atomic
def copy_framework(user, framework: Framework) -> Framework:
    """A new draft version with the same tree, weights and units, to be edited."""
    require(user, CHANGE, framework, _("You may not keep this framework."))
    copy = Framework.objects.get(pk=framework.pk)
    copy.pk = None
    copy.status = Framework.Status.DRAFT
    copy.copied_from = framework
    copy.is_sample = False  # the copy is the city's own version to edit
    copy.version = 1 + (
        Framework.objects.filter(region=framework.region, edition_year=framework.edition_year)
        .order_by("-version")
        .values_list("version", flat=True)
        .first()
    )
    copy.created_at = timezone.now()
    copy.save()
    new_ids = {}
    for node in framework.indicators.order_by("level", "position").prefetch_related(
        "responsible_units"
    ):
        units = list(node.responsible_units.all())
        old_id = node.pk
        node._prefetched_objects_cache = {}  # else set() compares against the old node's
        node.pk = None
        node.framework = copy
        node.parent_id = new_ids.get(node.parent_id)
        node.save()
        node.responsible_units.set(units)
        new_ids[old_id] = node.pk
    audit.created(
        copy, actor=user, event="framework_copied", source=str(framework), source_id=framework.pk
    )
    return copy


@transaction.atomic
def activate_framework(user, framework: Framework) -> Framework:
    """Make this the city's one active framework; the previous one is archived."""
    framework = Framework.objects.select_for_update().get(pk=framework.pk)
    require(user, CHANGE, framework, _("You may not keep this framework."))
    if not framework.indicators.filter(level=3).exists():
        raise ValidationError(_("A framework without level-3 contents cannot be activated."))
    for current in (
        Framework.objects.select_for_update()
        .filter(region=framework.region, status=Framework.Status.ACTIVE)
        .exclude(pk=framework.pk)
    ):
        change = audit.change(current, actor=user, event="framework_archived")
        current.status = Framework.Status.ARCHIVED
        current.save(update_fields=["status", "updated_at"])
        # The archived version's recurring tasks stop making new periods; their ledgers stay.
        stopped = Task.objects.filter(framework=current, is_active=True).update(is_active=False)
        change.record(tasks_stopped=stopped)
    change = audit.change(framework, actor=user, event="framework_activated")
    framework.status = Framework.Status.ACTIVE
    framework.save(update_fields=["status", "updated_at"])
    change.record()
    return framework


WEIGHT_FIELDS = (
    "points_document_review",
    "points_field_check",
    "points_survey",
    "cycle_weight_year1",
    "cycle_weight_year2",
    "cycle_weight_year3",
)


@transaction.atomic
def update_weights(user, framework: Framework, **weights) -> Framework:
    """Change a draft's assessment weights; each group must add up to 100."""
    framework = Framework.objects.select_for_update().get(pk=framework.pk)
    require(user, CHANGE, framework, _("You may not keep this framework."))
    _require_editable(framework)
    change = audit.change(framework, actor=user)
    for name, value in weights.items():
        if name not in WEIGHT_FIELDS:
            raise ValueError(f"unknown weight {name}")
        setattr(framework, name, value)
    test_total = (
        framework.points_document_review + framework.points_field_check + framework.points_survey
    )
    cycle_total = (
        framework.cycle_weight_year1 + framework.cycle_weight_year2 + framework.cycle_weight_year3
    )
    errors = {}
    if test_total != 100:
        errors["points_survey"] = _("The three parts add up to %(total)s, not 100.") % {
            "total": test_total
        }
    if cycle_total != 100:
        errors["cycle_weight_year3"] = _("The three years add up to %(total)s, not 100.") % {
            "total": cycle_total
        }
    if errors:
        raise ValidationError(errors)
    framework.full_clean()
    framework.save()
    change.record()
    return framework


def _indicator_snapshot(node: Indicator) -> dict:
    data = audit.snapshot(node)
    data["responsible_units"] = sorted(node.responsible_units.values_list("code", flat=True))
    return data


@transaction.atomic
def save_indicator(
    user,
    framework: Framework,
    code: str,
    values: dict,
    responsible_units=None,
    existing: Indicator | None = None,
) -> Indicator:
    """Create or change one node of a draft framework's tree."""
    require(user, CHANGE, framework, _("You may not keep this framework."))
    _require_editable(framework)
    node = existing or Indicator(framework=framework, code=code)
    change = audit.change(node, actor=user, snapshot=_indicator_snapshot)
    for name, value in values.items():
        if name not in INDICATOR_FIELDS:
            raise ValueError(f"unknown indicator field {name}")
        setattr(node, name, value)
    node.full_clean(exclude=["framework"])
    node.save()
    if responsible_units is not None:
        node.responsible_units.set(responsible_units)
    change.record()
    return node


@transaction.atomic
def delete_indicator(user, node: Indicator) -> None:
    """Remove a node and its subtree from a draft; refused while tasks point to it."""
    require(user, CHANGE, node.framework, _("You may not keep this framework."))
    _require_editable(node.framework)
    if Task.objects.filter(
        indicator__in=[node.pk, *node.children.values_list("pk", flat=True)]
    ).exists():
        raise ValidationError(_("%(code)s has tasks and cannot be removed.") % {"code": node.code})
    audit.deleted(node, actor=user, snapshot=_indicator_snapshot)
    node.delete()


def points_warnings(framework: Framework) -> list[str]:
    """Nodes whose children's points do not add up to their own (a warning, not an error)."""
    from django.db.models import Sum

    # SQLite sums decimals as floats; quantising gives back the exact two-place total.
    sums = {
        parent: Decimal(str(total)).quantize(Decimal("0.01"))
        for parent, total in Indicator.objects.filter(framework=framework, parent__isnull=False)
        .values("parent")
        .annotate(total=Sum("points"))
        .values_list("parent", "total")
    }
    warnings = []
    for node in Indicator.objects.filter(framework=framework, level__lt=3).order_by("position"):
        total = sums.get(node.pk)
        if total is not None and total != node.points:
            warnings.append(
                _("%(code)s has %(points)s points but its children add up to %(total)s.")
                % {"code": node.code, "points": node.points, "total": total}
            )
    return warnings


# Tasks --------------------------------------------------------------------------------


def _event(entry, action, actor, *, from_status="", to_status="", note="", submission=None):
    return TaskEvent.objects.create(
        entry=entry,
        action=action,
        actor=actor,
        from_status=from_status,
        to_status=to_status,
        note=note,
        submission=submission,
    )


def _move(entry, to_status, action, actor, *, extra_fields=(), note="", submission=None):
    """Put a ledger entry in a new status and write the history event, in one step."""
    from_status = entry.status
    entry.status = to_status
    entry.save(update_fields=["status", *extra_fields, "updated_at"])
    return _event(
        entry,
        action,
        actor,
        from_status=from_status,
        to_status=to_status,
        note=note,
        submission=submission,
    )


def _first_entry(task: Task, actor, today=None) -> None:
    if task.frequency == Task.Frequency.ONCE:
        entry = LedgerEntry.objects.create(
            task=task,
            period_start=task.first_period_start,
            period_end=task.deadline,
            deadline=task.deadline,
        )
        _event(entry, TaskEvent.Action.ASSIGN, actor, to_status=entry.status)
    else:
        ensure_entries(task, today=today, actor=actor)


def _validate_schedule(frequency, first_period_start, deadline, due_days, today=None):
    today = today or timezone.localdate()
    # A start years back would create hundreds of overdue periods in one request.
    earliest = today.replace(year=today.year - 1, month=1, day=1)
    latest = today.replace(year=today.year + 2, month=12, day=31)
    if not earliest <= first_period_start <= latest:
        raise ValidationError(
            {
                "first_period_start": _("Start between %(earliest)s and %(latest)s.")
                % {"earliest": earliest.isoformat(), "latest": latest.isoformat()}
            }
        )
    if deadline is not None and deadline > latest:
        raise ValidationError({"deadline": _("The deadline is too far ahead.")})
    if frequency == Task.Frequency.ONCE:
        if deadline is None:
            raise ValidationError({"deadline": _("A one-off task needs a deadline.")})
        if deadline < first_period_start:
            raise ValidationError({"deadline": _("The deadline is before the start.")})
    elif frequency not in Task.Frequency.values:
        raise ValidationError({"frequency": _("Unknown frequency.")})
    if due_days is not None and not 0 <= due_days <= 365:
        raise ValidationError({"due_days": _("Between 0 and 365 days.")})


@transaction.atomic
def create_task(
    user,
    *,
    framework: Framework,
    unit: Unit,
    title: str,
    frequency: str,
    first_period_start,
    deadline=None,
    due_days: int = 0,
    description: str = "",
    indicator: Indicator | None = None,
    is_lead: bool = False,
    today=None,
) -> Task:
    """Hand work to a unit (交办); the first entry is created with it."""
    require(
        user, "framework.assign", unit, _("You may not hand work to %(unit)s.") % {"unit": unit}
    )
    require(user, VIEW, framework, _("You may not use this framework."))
    if framework.status != Framework.Status.ACTIVE:
        raise ValidationError(_("Tasks are handed out from the active framework."))
    if indicator is not None and (indicator.framework_id != framework.pk or indicator.level != 3):
        raise ValidationError({"indicator": _("Choose a level-3 content of this framework.")})
    _validate_schedule(frequency, first_period_start, deadline, due_days, today=today)
    task = Task(
        framework=framework,
        indicator=indicator,
        unit=unit,
        is_lead=is_lead,
        title=title[:300],
        description=description,
        frequency=frequency,
        first_period_start=first_period_start,
        deadline=deadline if frequency == Task.Frequency.ONCE else None,
        due_days=due_days or 0,
        created_by=user,
    )
    duplicate = ValidationError(
        _("%(unit)s already has a task for %(code)s.")
        % {"unit": unit, "code": indicator.code if indicator else ""}
    )
    # Checked before full_clean, whose own message for the constraint names only the
    # constraint; the IntegrityError below catches a task saved in between.
    if indicator is not None and Task.objects.filter(indicator=indicator, unit=unit).exists():
        raise duplicate
    task.full_clean()
    try:
        with transaction.atomic():
            task.save()
    except IntegrityError:
        raise duplicate from None
    audit.created(task, actor=user)
    _first_entry(task, user, today=today)
    return task


@transaction.atomic
def create_tasks(
    user,
    *,
    framework: Framework,
    lead_unit: Unit,
    other_units=(),
    title: str,
    frequency: str,
    first_period_start,
    deadline=None,
    due_days: int = 0,
    description: str = "",
    indicator: Indicator | None = None,
    today=None,
) -> list[Task]:
    """Hand one task to a lead unit and any number of others at once: all or nothing.

    A unit that already has it (the same level-3 indicator, or for a task written by hand
    an active task of the same title in this framework) is named in the refusal, and
    nothing is written.
    """
    units = [lead_unit, *(unit for unit in other_units if unit.pk != lead_unit.pk)]
    units = list({unit.pk: unit for unit in units}.values())
    holders = Task.objects.filter(unit__in=units)
    if indicator is not None:
        holders = holders.filter(indicator=indicator)
    else:
        holders = holders.filter(
            framework=framework, indicator__isnull=True, title=title[:300], is_active=True
        )
    taken = list(holders.select_related("unit").order_by("unit__path"))
    if taken:
        if indicator is not None:
            refusals = [
                _("%(unit)s already has a task for %(code)s.")
                % {"unit": task.unit, "code": indicator.code}
                for task in taken
            ]
        else:
            refusals = [
                _("%(unit)s already has an active task named “%(title)s”.")
                % {"unit": task.unit, "title": task.title}
                for task in taken
            ]
        raise ValidationError([*refusals, _("Nothing was handed out.")])
    return [
        create_task(
            user,
            framework=framework,
            unit=unit,
            is_lead=unit.pk == lead_unit.pk,
            title=title,
            description=description,
            indicator=indicator,
            frequency=frequency,
            first_period_start=first_period_start,
            deadline=deadline,
            due_days=due_days,
            today=today,
        )
        for unit in units
    ]


def _locked_task(user, task: Task) -> tuple[Task, list[LedgerEntry]]:
    """The task and its open entries, locked, once the user may hand work to its unit."""
    task = Task.objects.select_for_update().select_related("unit").get(pk=task.pk)
    require(
        user,
        "framework.assign",
        task.unit,
        _("You may not change the tasks of %(unit)s.") % {"unit": task.unit},
    )
    if not task.is_active:
        raise ValidationError(_("This task was cancelled or stopped; it cannot be changed."))
    entries = list(
        LedgerEntry.objects.select_for_update()
        .filter(task=task, status__in=LedgerEntry.OPEN_STATUSES)
        .order_by("period_start")
    )
    return task, entries


@transaction.atomic
def update_task(
    user,
    task: Task,
    *,
    title: str,
    description: str = "",
    deadline=None,
    due_days: int | None = None,
    today=None,
) -> Task:
    """Change a task's title, requirement and deadline; its open entries follow.

    A one-off task's open entry takes the new deadline; a recurring task's open entries
    move to `due_days` after their period. Passed, failed and cancelled entries keep what
    they had. Frequency, start and unit are not changed here: cancel and hand out anew.
    """
    task, entries = _locked_task(user, task)
    title = title.strip()[:300]
    if not title:
        raise ValidationError({"title": _("A task needs a title.")})
    change = audit.change(task, actor=user, event="task_changed")
    before = {"title": task.title, "deadline": task.deadline, "due_days": task.due_days}
    task.title = title
    task.description = description
    # The start stays, so only the parts of `_validate_schedule` about the end apply: a
    # task started long ago can still get a new deadline.
    today = today or timezone.localdate()
    if task.frequency == Task.Frequency.ONCE:
        if deadline is None:
            raise ValidationError({"deadline": _("A one-off task needs a deadline.")})
        if deadline < task.first_period_start:
            raise ValidationError({"deadline": _("The deadline is before the start.")})
        if deadline > today.replace(year=today.year + 2, month=12, day=31):
            raise ValidationError({"deadline": _("The deadline is too far ahead.")})
        task.deadline = deadline
    else:
        due_days = task.due_days if due_days is None else due_days
        if not 0 <= due_days <= 365:
            raise ValidationError({"due_days": _("Between 0 and 365 days.")})
        task.due_days = due_days
    task.full_clean()
    task.save()
    notes = []
    if before["title"] != task.title:
        notes.append(_("Title: %(old)s → %(new)s") % {"old": before["title"], "new": task.title})
    if before["deadline"] != task.deadline:
        notes.append(
            _("Deadline: %(old)s → %(new)s")
            % {"old": before["deadline"] or "—", "new": task.deadline or "—"}
        )
    if before["due_days"] != task.due_days:
        notes.append(
            _("Days to submit: %(old)s → %(new)s")
            % {"old": before["due_days"], "new": task.due_days}
        )
    for entry in entries:
        if task.frequency == Task.Frequency.ONCE:
            entry.deadline = task.deadline
            entry.period_end = task.deadline
        else:
            entry.deadline = entry.period_end + timedelta(days=task.due_days)
        entry.save(update_fields=["deadline", "period_end", "updated_at"])
        _event(
            entry,
            TaskEvent.Action.CHANGE,
            user,
            from_status=entry.status,
            to_status=entry.status,
            note="；".join(notes) or _("Requirement changed"),
        )
    change.record(entries=len(entries))
    return task


@transaction.atomic
def cancel_task(user, task: Task, *, reason: str) -> Task:
    """Withdraw a task: it makes no new periods and its open entries are cancelled.

    Entries already passed or failed stay as they are, with their evidence.
    """
    task, entries = _locked_task(user, task)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the task is cancelled.")})
    change = audit.change(task, actor=user, event="task_cancelled", reason=reason[:500])
    task.is_active = False
    task.save(update_fields=["is_active", "updated_at"])
    for entry in entries:
        _move(
            entry, LedgerEntry.Status.CANCELLED, TaskEvent.Action.CANCEL, user, note=reason[:1000]
        )
    change.record(entries=len(entries))
    return task


@transaction.atomic
def assign_indicators(
    user,
    *,
    framework: Framework,
    indicators,
    units=None,
    frequency: str,
    first_period_start,
    deadline=None,
    due_days: int = 0,
    today=None,
) -> list[Task]:
    """Bulk assignment: one task per level-3 indicator and unit, lead unit marked.

    Without `units`, each indicator goes to its own lead and responsible units. A unit that
    already has the indicator's task is skipped, so running it twice adds nothing.
    """
    created = []
    for indicator in indicators:
        if units is None:
            targets = [(indicator.lead_unit, True)] if indicator.lead_unit_id else []
            targets += [
                (unit, False)
                for unit in indicator.responsible_units.all()
                if unit.pk != indicator.lead_unit_id
            ]
        else:
            targets = [(unit, unit.pk == indicator.lead_unit_id) for unit in units]
        existing = set(Task.objects.filter(indicator=indicator).values_list("unit_id", flat=True))
        for unit, is_lead in targets:
            if unit.pk in existing:
                continue
            created.append(
                create_task(
                    user,
                    framework=framework,
                    unit=unit,
                    indicator=indicator,
                    is_lead=is_lead,
                    title=f"{indicator.code} {indicator.name}",
                    description=indicator.standard,
                    frequency=frequency,
                    first_period_start=first_period_start,
                    deadline=deadline,
                    due_days=due_days,
                    today=today,
                )
            )
    return created


def ensure_entries(task: Task, *, today=None, actor=None) -> int:
    """Create the recurring task's entries up to the period holding today; idempotent."""
    if task.frequency == Task.Frequency.ONCE or not task.is_active:
        return 0
    today = today or timezone.localdate()
    existing = set(task.entries.values_list("period_start", flat=True))
    count = 0
    for start, end in periods_between(task.first_period_start, today, task.frequency):
        if start in existing:
            continue
        entry, created = LedgerEntry.objects.get_or_create(
            task=task,
            period_start=start,
            defaults={"period_end": end, "deadline": end + timedelta(days=task.due_days)},
        )
        if created:
            _event(entry, TaskEvent.Action.ASSIGN, actor, to_status=entry.status)
            count += 1
    return count


def create_due_entries(today=None) -> int:
    """The periodic task's work: new periods of every active recurring task."""
    total = 0
    tasks = Task.objects.filter(is_active=True).exclude(frequency=Task.Frequency.ONCE)
    for task in tasks.iterator():
        with transaction.atomic():
            total += ensure_entries(task, today=today)
    return total


@transaction.atomic
def acknowledge(user, entry: LedgerEntry) -> LedgerEntry:
    """The unit confirms it has received the task (交办确认)."""
    entry = LedgerEntry.objects.select_for_update().get(pk=entry.pk)
    require(user, "framework.acknowledge", entry, _("Only the unit's staff confirm receipt."))
    if entry.status != LedgerEntry.Status.ASSIGNED:
        raise ValidationError(_("Receipt was already confirmed."))
    change = audit.change(entry, actor=user, event="acknowledge")
    entry.acknowledged_at = timezone.now()
    entry.acknowledged_by = user
    _move(
        entry,
        LedgerEntry.Status.ACKNOWLEDGED,
        TaskEvent.Action.ACKNOWLEDGE,
        user,
        extra_fields=("acknowledged_at", "acknowledged_by"),
    )
    change.record()
    return entry


# Ledger -------------------------------------------------------------------------------


@transaction.atomic
def submit_evidence(
    user, entry: LedgerEntry, *, files=(), note: str = "", links=(), kept_files=None
) -> Submission:
    """A new version of the unit's evidence; files are checked by content first.

    `kept_files` are files of the latest version that the new one keeps (all of them when
    None): the new version's rows point at the same stored files, no bytes are copied, so
    the version reviewed and packed holds every file the unit means to send.
    """
    entry = LedgerEntry.objects.select_for_update().get(pk=entry.pk)
    require(
        user, "framework.submit_evidence", entry, _("Only the unit's staff submit its evidence.")
    )
    if entry.status in (
        LedgerEntry.Status.SUBMITTED,
        LedgerEntry.Status.PASSED,
        LedgerEntry.Status.FAILED,
        LedgerEntry.Status.CANCELLED,
    ):
        raise ValidationError(
            _("This ledger entry is %(status)s; nothing can be submitted now.")
            % {"status": entry.get_status_display()}
        )
    files = list(files)
    links = [link.strip() for link in links if link and link.strip()]
    latest = entry.submissions.order_by("-version").first()
    earlier = list(latest.files.order_by("id")) if latest else []
    if kept_files is None:
        kept = earlier
    else:
        wanted = {getattr(kept, "pk", kept) for kept in kept_files}
        kept = [evidence for evidence in earlier if evidence.pk in wanted]
        if len(kept) != len(wanted):
            raise ValidationError(_("Only files of the latest version can be kept."))
    if not files and not kept and not note.strip() and not links:
        raise ValidationError(_("Attach at least one file, a note or a link."))
    if len(files) + len(kept) > MAX_FILES_PER_SUBMISSION:
        raise ValidationError(
            _("At most %(count)d files per submission.") % {"count": MAX_FILES_PER_SUBMISSION}
        )
    if len(links) > MAX_LINKS:
        raise ValidationError(_("At most %(count)d links.") % {"count": MAX_LINKS})
    for link in links:
        if not link.startswith(("http://", "https://")) or len(link) > 500:
            raise ValidationError(_("“%(link)s” is not a web link.") % {"link": link[:100]})
    checked = [(upload, check_upload(upload)) for upload in files]
    version = 1 + (
        entry.submissions.order_by("-version").values_list("version", flat=True).first() or 0
    )
    submission = Submission.objects.create(
        entry=entry, version=version, note=note, links=links, submitted_by=user
    )
    for upload, info in checked:
        evidence = EvidenceFile(
            submission=submission,
            original_name=info.original_name,
            kind=info.kind,
            size=info.size,
            sha256=info.sha256,
        )
        upload.seek(0)
        evidence.file.save(f"evidence{info.extension}", upload, save=False)
        evidence.save()
    EvidenceFile.objects.bulk_create(
        EvidenceFile(
            submission=submission,
            file=evidence.file.name,
            original_file=evidence.original_file.name,
            original_name=evidence.original_name,
            kind=evidence.kind,
            size=evidence.size,
            sha256=evidence.sha256,
        )
        for evidence in kept
    )
    _move(
        entry,
        LedgerEntry.Status.SUBMITTED,
        TaskEvent.Action.SUBMIT,
        user,
        note=note[:1000],
        submission=submission,
    )
    audit.created(
        submission,
        actor=user,
        event="evidence_submitted",
        version=version,
        files=[info.original_name for _u, info in checked],
        # Named only when a version keeps earlier files, so a first version reads as before.
        **({"kept_files": [evidence.original_name for evidence in kept]} if kept else {}),
    )
    return submission


# A review outcome → the entry's new status and the history event it writes; an outcome
# not listed here is refused.
REVIEW_TRANSITIONS = {
    Submission.Outcome.PASSED: (LedgerEntry.Status.PASSED, TaskEvent.Action.PASS),
    Submission.Outcome.RETURNED: (LedgerEntry.Status.RETURNED, TaskEvent.Action.RETURN),
    Submission.Outcome.FAILED: (LedgerEntry.Status.FAILED, TaskEvent.Action.FAIL),
}


@transaction.atomic
def review(user, submission: Submission, outcome: str, reason: str = "") -> Submission:
    """The office passes, returns (with a reason) or fails the latest submission."""
    # Every ledger step locks the entry first, then what hangs from it: no lock-order cycle.
    entry = LedgerEntry.objects.select_for_update().get(pk=submission.entry_id)
    submission = Submission.objects.select_for_update().get(pk=submission.pk)
    require(user, "framework.review", entry, _("Only the office reviews ledgers."))
    if entry.status == LedgerEntry.Status.CANCELLED:
        raise ValidationError(_("The task was cancelled; its evidence is no longer reviewed."))
    if submission.outcome != Submission.Outcome.PENDING:
        raise ValidationError(_("This submission was already reviewed."))
    reason = reason.strip()
    if outcome not in REVIEW_TRANSITIONS:
        raise ValidationError(_("Unknown review outcome."))
    if outcome != Submission.Outcome.PASSED and not reason:
        raise ValidationError({"reason": _("Say why the evidence is returned or failed.")})
    change = audit.change(submission, actor=user, event=f"review_{outcome}", reason=reason)
    submission.outcome = outcome
    submission.reviewed_by = user
    submission.reviewed_at = timezone.now()
    submission.review_reason = reason
    submission.save(
        update_fields=["outcome", "reviewed_by", "reviewed_at", "review_reason", "updated_at"]
    )
    to_status, action = REVIEW_TRANSITIONS[outcome]
    _move(entry, to_status, action, user, note=reason, submission=submission)
    change.record()
    return submission
