"""The assessment framework, its indicator tree, tasks handed to units, and their ledgers."""

import hashlib
import os
import uuid
from decimal import Decimal

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.fields.files import FieldFile
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from wenming.core.models import TimeStampedModel
from wenming.core.permissions import RestrictedQuerySet, ScopedModel
from wenming.core.uploads import (
    CONTENT_TYPES,
    EXTENSIONS,
    INLINE_KINDS,
    PHOTO_KINDS,
    download_name,
    strip_photo_metadata,
)
from wenming.regions.models import Region, Unit

POINTS = {"max_digits": 7, "decimal_places": 2, "validators": [MinValueValidator(Decimal(0))]}


class Method(models.TextChoices):
    """How a level-3 indicator is assessed (测评方法)."""

    FIELD_CHECK = "field_check", _("Field check")
    DOCUMENT_REVIEW = "document_review", _("Document review")
    SURVEY = "survey", _("Survey")
    ONLINE_REPORT = "online_report", _("Online report")
    STATISTIC = "statistic", _("Statistic")


class ScoringRule(models.TextChoices):
    """How a level-3 indicator's points are computed."""

    SITE_PASS_RATE = "site_pass_rate", _("Share of passing sites")
    DEDUCTION_PER_FINDING = "deduction_per_finding", _("Fixed deduction per finding")
    GRADE = "grade", _("A/B/C grade")
    STATISTIC_TARGET = "statistic_target", _("Statistic against a target")
    SURVEY_RATE = "survey_rate", _("Survey rate")


class Framework(ScopedModel, TimeStampedModel):
    """One version of a city's assessment framework (测评体系), e.g. the 2021 edition."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ACTIVE = "active", _("Active")
        ARCHIVED = "archived", _("Archived")

    region = models.ForeignKey(
        Region, verbose_name=_("city"), on_delete=models.PROTECT, related_name="frameworks"
    )
    name = models.CharField(_("name"), max_length=100)
    edition_year = models.PositiveSmallIntegerField(_("edition year"))
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    is_sample = models.BooleanField(_("sample"), default=False)
    copied_from = models.ForeignKey(
        "self",
        verbose_name=_("copied from"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="copies",
    )
    # The national annual test: online submission and document review, field assessment,
    # survey; and the three-year cycle's weights. Kept here for the scoring issue.
    points_document_review = models.DecimalField(
        _("points for online submission and document review"), default=Decimal(40), **POINTS
    )
    points_field_check = models.DecimalField(
        _("points for field assessment"), default=Decimal(40), **POINTS
    )
    points_survey = models.DecimalField(_("points for survey"), default=Decimal(20), **POINTS)
    cycle_weight_year1 = models.DecimalField(
        _("cycle weight, first year (%)"), default=Decimal(15), **POINTS
    )
    cycle_weight_year2 = models.DecimalField(
        _("cycle weight, second year (%)"), default=Decimal(25), **POINTS
    )
    cycle_weight_year3 = models.DecimalField(
        _("cycle weight, third year (%)"), default=Decimal(60), **POINTS
    )

    scope_region_lookup = "region__path"

    class Meta:
        verbose_name = _("framework")
        verbose_name_plural = _("frameworks")
        ordering = ["-edition_year", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["region"],
                condition=Q(status="active"),
                name="framework_one_active_per_city",
            ),
            models.UniqueConstraint(
                fields=["region", "edition_year", "version"], name="framework_unique_version"
            ),
        ]

    def __str__(self):
        # One way to write a version everywhere, in words, so no CSS can recase it.
        return _("%(name)s (%(year)s, version %(version)s)") % {
            "name": self.name,
            "year": self.edition_year,
            "version": self.version,
        }

    def get_absolute_url(self):
        return reverse("framework:framework_detail", args=[self.pk])

    @property
    def is_editable(self) -> bool:
        """Only a draft's tree may change; an active framework is what units work to."""
        return self.status == self.Status.DRAFT


class Indicator(ScopedModel, TimeStampedModel):
    """A node of the framework tree: Ⅰ 测评项目, Ⅱ 测评指标 or Ⅲ 测评内容."""

    class Level(models.IntegerChoices):
        ITEM = 1, _("Assessment item")
        INDICATOR = 2, _("Assessment indicator")
        CONTENT = 3, _("Assessment content")

    class VetoEffect(models.TextChoices):
        NONE = "", _("Not a veto item")
        DEDUCTION = "deduction", _("Deduction")
        CAP = "cap", _("Cap on the score")
        DISQUALIFY = "disqualify", _("Disqualification")

    framework = models.ForeignKey(
        Framework,
        verbose_name=_("framework"),
        on_delete=models.CASCADE,
        related_name="indicators",
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="children",
    )
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices)
    code = models.CharField(_("code"), max_length=40)
    local_code = models.CharField(_("local code"), max_length=40, blank=True)
    name = models.CharField(_("name"), max_length=300)
    standard = models.TextField(_("assessment standard"), blank=True)
    points = models.DecimalField(_("points"), default=Decimal(0), **POINTS)
    methods = models.JSONField(_("methods"), default=list, blank=True)
    scoring_rule = models.CharField(
        _("scoring rule"), max_length=30, choices=ScoringRule.choices, blank=True
    )
    rule_parameters = models.JSONField(_("rule parameters"), default=dict, blank=True)
    # Site types arrive with the inspections issue; until then their names are kept here
    # so the link can be made without re-importing the framework.
    site_type_names = models.JSONField(_("site types"), default=list, blank=True)
    veto_effect = models.CharField(
        _("veto effect"), max_length=12, choices=VetoEffect.choices, blank=True, default=""
    )
    veto_value = models.DecimalField(_("veto value"), null=True, blank=True, **POINTS)
    lead_unit = models.ForeignKey(
        Unit,
        verbose_name=_("lead unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="led_indicators",
    )
    responsible_units = models.ManyToManyField(
        Unit,
        verbose_name=_("responsible units"),
        blank=True,
        related_name="responsible_indicators",
    )
    position = models.PositiveIntegerField(_("position"), default=0)

    scope_region_lookup = "framework__region__path"

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["framework", "position"]
        constraints = [
            models.UniqueConstraint(fields=["framework", "code"], name="indicator_unique_code"),
        ]
        indexes = [models.Index(fields=["framework", "level"], name="indicator_level_idx")]

    def __str__(self):
        return f"{self.code} {self.name}"

    @property
    def method_labels(self) -> list[str]:
        """The methods as the user's language names them."""
        labels = dict(Method.choices)
        return [str(labels.get(method, method)) for method in self.methods]


class Task(ScopedModel, TimeStampedModel):
    """Work handed to one unit (交办), from a level-3 indicator or written by hand."""

    class Frequency(models.TextChoices):
        ONCE = "once", _("Once")
        MONTHLY = "monthly", _("Monthly")
        QUARTERLY = "quarterly", _("Quarterly")
        YEARLY = "yearly", _("Yearly")

    framework = models.ForeignKey(
        Framework, verbose_name=_("framework"), on_delete=models.PROTECT, related_name="tasks"
    )
    indicator = models.ForeignKey(
        Indicator,
        verbose_name=_("indicator"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tasks",
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="tasks"
    )
    is_lead = models.BooleanField(_("lead unit"), default=False)
    # "title" of a person is a job title (职务); of a task, its name (任务名称).
    title = models.CharField(pgettext_lazy("task", "title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    frequency = models.CharField(
        _("frequency"), max_length=10, choices=Frequency.choices, default=Frequency.ONCE
    )
    first_period_start = models.DateField(_("first period starts"))
    due_days = models.PositiveSmallIntegerField(
        _("days after the period ends to submit"),
        default=0,
        help_text=_("For recurring tasks: the deadline is this many days after each period."),
    )
    deadline = models.DateField(
        _("deadline"), null=True, blank=True, help_text=_("For one-off tasks.")
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    scope_region_lookup = "unit__region__path"
    scope_unit_lookup = "unit__path"

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "unit"],
                condition=Q(indicator__isnull=False),
                name="task_one_per_indicator_and_unit",
            ),
        ]
        indexes = [models.Index(fields=["unit", "is_active"], name="task_unit_active_idx")]

    def __str__(self):
        return self.title


class LedgerEntryQuerySet(RestrictedQuerySet):
    """Reads of ledger entries."""

    def overdue(self, today=None):
        """Instances past their deadline whose ledger is not yet passed (nor cancelled)."""
        today = today or timezone.localdate()
        return self.filter(deadline__lt=today).exclude(status__in=LedgerEntry.CLOSED_STATUSES)


class LedgerEntry(ScopedModel, TimeStampedModel):
    """One period of a task: what the unit must evidence by a deadline (its 台账 entry)."""

    class Status(models.TextChoices):
        ASSIGNED = "assigned", _("Assigned")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        SUBMITTED = "submitted", _("Submitted")
        RETURNED = "returned", _("Returned")
        PASSED = "passed", _("Passed")
        FAILED = "failed", _("Failed")
        # The office cancelled the task while this period was still open.
        CANCELLED = "cancelled", _("Cancelled")

    #: The statuses a task change or cancellation still reaches (not passed, failed or
    #: cancelled).
    OPEN_STATUSES = (
        Status.ASSIGNED,
        Status.ACKNOWLEDGED,
        Status.SUBMITTED,
        Status.RETURNED,
    )
    #: The statuses no deadline applies to any more.
    CLOSED_STATUSES = (Status.PASSED, Status.CANCELLED)

    task = models.ForeignKey(
        Task, verbose_name=_("task"), on_delete=models.CASCADE, related_name="entries"
    )
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    deadline = models.DateField(_("deadline"), db_index=True)
    status = models.CharField(
        _("status"),
        max_length=14,
        choices=Status.choices,
        default=Status.ASSIGNED,
        db_index=True,
    )
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("acknowledged by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = LedgerEntryQuerySet.as_manager()

    scope_region_lookup = "task__unit__region__path"
    scope_unit_lookup = "task__unit__path"

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        ordering = ["deadline", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["task", "period_start"], name="ledger_entry_unique_period"
            ),
        ]

    def __str__(self):
        return f"{self.task.title}（{self.period_start:%Y-%m-%d}）"

    def get_absolute_url(self):
        return reverse("framework:entry_detail", args=[self.pk])

    @property
    def is_overdue(self) -> bool:
        return self.deadline < timezone.localdate() and self.status not in self.CLOSED_STATUSES


class Submission(TimeStampedModel):
    """One version of the evidence a unit submitted for a ledger entry."""

    class Outcome(models.TextChoices):
        PENDING = "pending", _("Awaiting review")
        PASSED = "passed", _("Passed")
        RETURNED = "returned", _("Returned")
        FAILED = "failed", _("Failed")

    entry = models.ForeignKey(
        LedgerEntry,
        verbose_name=_("ledger entry"),
        on_delete=models.CASCADE,
        related_name="submissions",
    )
    version = models.PositiveSmallIntegerField(_("version"))
    note = models.TextField(_("note"), blank=True)
    links = models.JSONField(_("links"), default=list, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    outcome = models.CharField(
        _("outcome"), max_length=10, choices=Outcome.choices, default=Outcome.PENDING
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    review_reason = models.TextField(_("review reason"), blank=True)

    class Meta:
        verbose_name = _("evidence submission")
        verbose_name_plural = _("evidence submissions")
        ordering = ["entry", "version"]
        constraints = [
            models.UniqueConstraint(fields=["entry", "version"], name="submission_unique_version"),
        ]

    def __str__(self):
        return _("%(entry)s, version %(version)s") % {"entry": self.entry, "version": self.version}


def evidence_path(evidence, filename):
    """Files are stored under a random name with the extension of their detected kind."""
    # The kind comes from check_upload; the name given only matters for rows without one.
    extension = EXTENSIONS.get(evidence.kind) or os.path.splitext(filename)[1].lower()[:6]
    return f"evidence/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{extension}"


def original_photo_path(evidence, filename):
    """A kept original photo lies beside the copy that is served: `<name>.original.jpg`."""
    stem, extension = os.path.splitext(evidence.file.name)
    return f"{stem}.original{extension}"


class EvidenceFieldFile(FieldFile):
    """An evidence file in storage; a photo goes there without its metadata (GPS, EXIF).

    Whoever saves the file (the submit service, a form, a repair script), a photo is
    re-encoded first and the row's size and SHA-256 then describe the stored copy, which
    is the one downloaded and packed. The original is kept beside it only when
    EVIDENCE_KEEP_ORIGINAL_PHOTOS is on, and nothing serves it.
    """

    def save(self, name, content, save=True):
        evidence = self.instance
        if evidence.kind not in PHOTO_KINDS:
            super().save(name, content, save)
            return
        stripped = strip_photo_metadata(content, evidence.kind, name=evidence.original_name)
        evidence.size = len(stripped)
        evidence.sha256 = hashlib.sha256(stripped).hexdigest()
        super().save(name, ContentFile(stripped), save=False)
        if getattr(settings, "EVIDENCE_KEEP_ORIGINAL_PHOTOS", False):
            content.seek(0)
            evidence.original_file.save(name, content, save=False)
        if save:
            evidence.save()


class EvidenceFileField(models.FileField):
    """The file field of evidence: stores photos without their metadata."""

    attr_class = EvidenceFieldFile


class EvidenceFile(models.Model):
    """A file attached to a submission, its type checked by content."""

    submission = models.ForeignKey(
        Submission,
        verbose_name=_("submission"),
        on_delete=models.CASCADE,
        related_name="files",
    )
    file = EvidenceFileField(_("file"), upload_to=evidence_path, max_length=200)
    # Only with EVIDENCE_KEEP_ORIGINAL_PHOTOS, for photos; never served.
    original_file = models.FileField(
        _("original photo"),
        upload_to=original_photo_path,
        max_length=200,
        blank=True,
        editable=False,
    )
    original_name = models.CharField(_("file name"), max_length=200)
    kind = models.CharField(_("file type"), max_length=10)
    size = models.PositiveIntegerField(_("size"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)

    class Meta:
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")

    def __str__(self):
        return self.original_name

    @property
    def content_type(self) -> str:
        """The content type of what the file is, whatever its name said."""
        return CONTENT_TYPES[self.kind]

    @property
    def download_name(self) -> str:
        """The original name's stem with the extension of the detected kind."""
        return download_name(self.original_name, self.kind)

    @property
    def is_shown_inline(self) -> bool:
        """Whether a browser shows the file (PDF, photos) rather than saving it."""
        return self.kind in INLINE_KINDS


class TaskEvent(models.Model):
    """One step in a ledger entry's history: assigned, acknowledged, submitted, reviewed."""

    class Action(models.TextChoices):
        ASSIGN = "assign", _("Assigned")
        ACKNOWLEDGE = "acknowledge", _("Acknowledged receipt")
        SUBMIT = "submit", _("Submitted evidence")
        PASS = "pass", _("Passed")
        RETURN = "return", _("Returned")
        FAIL = "fail", _("Failed")
        CHANGE = "change", _("Task changed")
        CANCEL = "cancel", _("Task cancelled")

    entry = models.ForeignKey(
        LedgerEntry,
        verbose_name=_("ledger entry"),
        on_delete=models.CASCADE,
        related_name="events",
    )
    submission = models.ForeignKey(
        Submission,
        verbose_name=_("submission"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="events",
    )
    action = models.CharField(_("action"), max_length=12, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    time = models.DateTimeField(_("time"), default=timezone.now)
    from_status = models.CharField(_("from"), max_length=14, blank=True)
    to_status = models.CharField(_("to"), max_length=14, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("task event")
        verbose_name_plural = _("task events")
        ordering = ["time", "id"]

    def __str__(self):
        return f"{self.entry} {self.action}"


def ledger_package_path(package, filename):
    """Where a built ledger package is stored: one name per package, so a re-run overwrites."""
    return f"exports/ledger/{package.uuid.hex}.zip"


class LedgerPackage(ScopedModel, TimeStampedModel):
    """A ledger zip built in the background for its requester, kept for a retention time.

    Big packages are written to storage by a Celery task with progress (files done of
    files total); the requester downloads the finished file while it is kept.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Being built")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Build failed")
        EXPIRED = "expired", _("Removed")

    uuid = models.UUIDField(_("UUID"), default=uuid.uuid4, unique=True, editable=False)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="+"
    )
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    # The entries packed, fixed when the package is requested: whoever downloads it must
    # still see every one of them.
    entry_ids = models.JSONField(_("ledger entries"), default=list)
    files_total = models.PositiveIntegerField(_("files in total"), default=0)
    files_done = models.PositiveIntegerField(_("files packed"), default=0)
    bytes_total = models.PositiveBigIntegerField(_("evidence size"), default=0)
    file = models.FileField(_("file"), upload_to=ledger_package_path, max_length=200, blank=True)
    size = models.PositiveBigIntegerField(_("size"), default=0)
    error = models.CharField(_("error"), max_length=500, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    scope_actor_lookup = "requested_by"

    class Meta:
        verbose_name = _("ledger package")
        verbose_name_plural = _("ledger packages")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.unit} {self.period_start:%Y-%m-%d}—{self.period_end:%Y-%m-%d}"

    def get_absolute_url(self):
        return reverse("framework:ledger_package", args=[self.uuid])

    @property
    def is_pending(self) -> bool:
        """Still queued or being built: its page keeps polling."""
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)

    @property
    def percent_done(self) -> int:
        """Files packed as a whole percentage (100 once ready, even for no files)."""
        if self.status == self.Status.READY or not self.files_total:
            return 100 if self.status == self.Status.READY else 0
        return min(100, self.files_done * 100 // self.files_total)

    @property
    def download_filename(self) -> str:
        """The name the zip is downloaded under."""
        return f"ledger-{self.unit.code}-{self.period_start:%Y%m%d}-{self.period_end:%Y%m%d}.zip"


__all__ = [
    "EvidenceFile",
    "Framework",
    "Indicator",
    "LedgerEntry",
    "LedgerPackage",
    "Method",
    "ScoringRule",
    "Submission",
    "Task",
    "TaskEvent",
]
