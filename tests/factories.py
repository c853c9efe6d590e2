"""Factories for tests: regions placed in the tree, units, people and memberships, and the
framework domain (frameworks, indicators, tasks, ledger entries and their evidence)."""

import hashlib
from datetime import date
from decimal import Decimal

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from wenming.accounts.models import User
from wenming.framework.models import (
    EvidenceFile,
    Framework,
    Indicator,
    LedgerEntry,
    Method,
    ScoringRule,
    Submission,
    Task,
    TaskEvent,
)
from wenming.regions.models import Membership, Region, Unit

PASSWORD = "Sample#2026"


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"测试用户{n}")
    mobile = factory.Sequence(lambda n: f"139{n:08d}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def save_password(self, create, extracted, **kwargs):
        if create:
            self.save(update_fields=["password"])


class RegionFactory(DjangoModelFactory):
    class Meta:
        model = Region

    code = factory.Sequence(lambda n: f"9901{n:08d}")
    name = factory.Sequence(lambda n: f"区域{n}")
    level = factory.LazyAttribute(lambda o: o.parent.level + 1 if o.parent else 1)
    parent = None

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        node = model_class(*args, **kwargs)
        node.place_under(node.parent)
        node.save()
        return node


class UnitFactory(DjangoModelFactory):
    class Meta:
        model = Unit

    code = factory.Sequence(lambda n: f"U{n:04d}")
    name = factory.Sequence(lambda n: f"单位{n}")
    type = Unit.Type.GOVERNMENT
    region = factory.SubFactory(RegionFactory)
    parent = None
    contact_name = "张伟"
    contact_mobile = factory.Sequence(lambda n: f"138{n:08d}")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        node = model_class(*args, **kwargs)
        node.place_under(node.parent)
        node.save()
        return node


def member(role, *, region=None, unit=None, **user_fields) -> User:
    """A new person holding one role in a region or unit."""
    user = UserFactory(**user_fields)
    Membership.objects.create(
        user=user, role=role, region=region or (unit.region if unit else None), unit=unit
    )
    return user


def workbook(header, rows, merges=()) -> bytes:
    """An .xlsx with a header row, data rows and merged ranges, as an office would send."""
    import io

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    for cell_range in merges:
        sheet.merge_cells(cell_range)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# The framework domain ------------------------------------------------------------------
# Rows are written directly, as the importer and services would leave them, so a test can
# put a ledger in any state without reading a workbook; state changes under test still go
# through the services.

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


class FrameworkFactory(DjangoModelFactory):
    """A framework version of a city; active unless told otherwise."""

    class Meta:
        model = Framework

    region = factory.SubFactory(RegionFactory, level=1)
    name = "测评体系"
    edition_year = 2026
    version = factory.Sequence(lambda n: n + 1)
    status = Framework.Status.ACTIVE


class IndicatorFactory(DjangoModelFactory):
    """A node of a framework's tree; its level follows its parent's."""

    class Meta:
        model = Indicator
        skip_postgeneration_save = True

    framework = factory.LazyAttribute(
        lambda o: o.parent.framework if o.parent else FrameworkFactory()
    )
    parent = None
    level = factory.LazyAttribute(lambda o: o.parent.level + 1 if o.parent else 1)
    code = factory.Sequence(lambda n: f"C{n:04d}")
    name = factory.Sequence(lambda n: f"测评节点{n}")
    points = Decimal(2)
    position = factory.Sequence(lambda n: n)

    @factory.post_generation
    def responsible_units(self, create, extracted, **kwargs):
        if create and extracted:
            self.responsible_units.set(extracted)


class ContentFactory(IndicatorFactory):
    """A level-3 content (测评内容) under a new level-2 and level-1 node of one framework."""

    framework = factory.SubFactory(FrameworkFactory)
    parent = factory.SubFactory(
        IndicatorFactory,
        level=2,
        framework=factory.SelfAttribute("..framework"),
        parent=factory.SubFactory(
            IndicatorFactory, level=1, framework=factory.SelfAttribute("..framework")
        ),
    )
    level = 3
    standard = "按要求建立台账。"
    methods = factory.LazyFunction(lambda: [Method.DOCUMENT_REVIEW.value])
    scoring_rule = ScoringRule.GRADE
    rule_parameters = factory.LazyFunction(lambda: {"grades": {"A": "100", "B": "80", "C": "60"}})


class TaskFactory(DjangoModelFactory):
    """A one-off task for a unit from a level-3 content of the unit's city's framework."""

    class Meta:
        model = Task

    unit = factory.SubFactory(UnitFactory)
    indicator = factory.SubFactory(ContentFactory)
    framework = factory.LazyAttribute(lambda o: o.indicator.framework)
    title = factory.LazyAttribute(lambda o: f"{o.indicator.code} {o.indicator.name}")
    description = factory.LazyAttribute(lambda o: o.indicator.standard)
    frequency = Task.Frequency.ONCE
    first_period_start = date(2026, 11, 1)
    deadline = date(2026, 11, 30)


class LedgerEntryFactory(DjangoModelFactory):
    """One period of a task; `status` says where in the workflow it stands."""

    class Meta:
        model = LedgerEntry

    task = factory.SubFactory(TaskFactory)
    period_start = factory.LazyAttribute(lambda o: o.task.first_period_start)
    period_end = factory.LazyAttribute(lambda o: o.task.deadline or o.task.first_period_start)
    deadline = factory.LazyAttribute(lambda o: o.period_end)
    status = LedgerEntry.Status.ASSIGNED


class SubmissionFactory(DjangoModelFactory):
    """The next version of evidence for an entry, awaiting review unless told otherwise."""

    class Meta:
        model = Submission

    entry = factory.SubFactory(LedgerEntryFactory, status=LedgerEntry.Status.SUBMITTED)
    version = factory.LazyAttribute(lambda o: o.entry.submissions.count() + 1)
    note = "台账材料"
    submitted_by = factory.SubFactory(UserFactory)
    outcome = Submission.Outcome.PENDING


class EvidenceFileFactory(DjangoModelFactory):
    """A small PDF attached to a submission."""

    class Meta:
        model = EvidenceFile

    submission = factory.SubFactory(SubmissionFactory)
    file = factory.django.FileField(filename="evidence.pdf", data=PDF_BYTES)
    original_name = "报告.pdf"
    kind = "pdf"
    size = len(PDF_BYTES)
    sha256 = hashlib.sha256(PDF_BYTES).hexdigest()


class TaskEventFactory(DjangoModelFactory):
    """A step in an entry's history; `assign` by default."""

    class Meta:
        model = TaskEvent

    entry = factory.SubFactory(LedgerEntryFactory)
    action = TaskEvent.Action.ASSIGN
    actor = None
    to_status = factory.LazyAttribute(lambda o: o.entry.status)


def ledger_entry(unit, *, status=LedgerEntry.Status.ASSIGNED, submitted_by=None, **task_fields):
    """An entry of `unit` in `status`, with the event history and submission that state implies.

    The framework is the active one of the unit's city (made if missing). A `submitted`,
    `returned`, `passed` or `failed` entry gets one submission by `submitted_by` (a new
    person when not given) with the matching outcome.
    """
    city = unit.region
    while city.parent_id:
        city = city.parent
    framework = Framework.objects.filter(
        region=city, status=Framework.Status.ACTIVE
    ).first() or FrameworkFactory(region=city)
    task = TaskFactory(
        unit=unit, indicator=ContentFactory(framework=framework), framework=framework, **task_fields
    )
    entry = LedgerEntryFactory(task=task, status=status)
    TaskEventFactory(entry=entry, to_status=LedgerEntry.Status.ASSIGNED)
    if status == LedgerEntry.Status.ACKNOWLEDGED:
        entry.acknowledged_at = timezone.now()
        entry.save(update_fields=["acknowledged_at"])
        TaskEventFactory(
            entry=entry,
            action=TaskEvent.Action.ACKNOWLEDGE,
            from_status=LedgerEntry.Status.ASSIGNED,
            to_status=status,
        )
    if status in REVIEW_STEPS or status == LedgerEntry.Status.SUBMITTED:
        submission = SubmissionFactory(
            entry=entry,
            outcome=REVIEW_STEPS[status][0] if status in REVIEW_STEPS else "pending",
            reviewed_at=timezone.now() if status in REVIEW_STEPS else None,
            review_reason="材料不全" if status in REVIEW_STEPS else "",
            submitted_by=submitted_by or UserFactory(),
        )
        TaskEventFactory(
            entry=entry,
            action=TaskEvent.Action.SUBMIT,
            actor=submission.submitted_by,
            from_status=LedgerEntry.Status.ASSIGNED,
            to_status=LedgerEntry.Status.SUBMITTED,
            submission=submission,
        )
        if status in REVIEW_STEPS:
            TaskEventFactory(
                entry=entry,
                action=REVIEW_STEPS[status][1],
                from_status=LedgerEntry.Status.SUBMITTED,
                to_status=status,
                submission=submission,
            )
    return entry


# A reviewed entry's status, the outcome of its submission and the event that recorded it.
REVIEW_STEPS = {
    LedgerEntry.Status.PASSED: (Submission.Outcome.PASSED, TaskEvent.Action.PASS),
    LedgerEntry.Status.RETURNED: (Submission.Outcome.RETURNED, TaskEvent.Action.RETURN),
    LedgerEntry.Status.FAILED: (Submission.Outcome.FAILED, TaskEvent.Action.FAIL),
}
