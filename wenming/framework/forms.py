"""Forms of the framework pages."""

import re

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from wenming.core.forms import DateInput, StyledFormMixin
from wenming.framework.models import EvidenceFile, Indicator, Submission, Task
from wenming.regions.pickers import UnitCodeField, UnitCodesField

# Codes in a list may be separated by spaces, commas, 、 or semicolons, half- or full-width.
CODE_SEPARATORS = re.compile(r"[\s,，、;；]+")


class FrameworkForm(StyledFormMixin, forms.Form):
    """A new draft framework."""

    name = forms.CharField(label=_("Name"), max_length=100)
    edition_year = forms.IntegerField(label=_("Edition year"), min_value=2000, max_value=2100)


class AssignForm(StyledFormMixin, forms.Form):
    """Hand level-3 indicators to units: their own lead and responsible units by default."""

    indicator_codes = forms.CharField(
        label=_("Indicator codes"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Level-3 codes separated by commas or spaces; empty means every level-3 "
            "content that names units."
        ),
    )
    frequency = forms.ChoiceField(label=_("Frequency"), choices=Task.Frequency.choices)
    first_period_start = forms.DateField(label=_("Starts on"), widget=DateInput())
    deadline = forms.DateField(
        label=_("Deadline (one-off tasks)"),
        required=False,
        widget=DateInput(),
    )
    due_days = forms.IntegerField(
        label=_("Days after each period to submit (recurring tasks)"),
        min_value=0,
        max_value=365,
        initial=10,
        required=False,
    )

    def __init__(self, *args, framework=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.framework = framework

    def clean_indicator_codes(self):
        """The level-3 indicators named (all of the framework's when none is named)."""
        indicators = self.framework.indicators.filter(level=Indicator.Level.CONTENT)
        codes = [
            code for code in CODE_SEPARATORS.split(self.cleaned_data["indicator_codes"]) if code
        ]
        if codes:
            indicators = indicators.filter(code__in=codes)
            missing = set(codes) - set(indicators.values_list("code", flat=True))
            if missing:
                raise forms.ValidationError(
                    _("Unknown level-3 codes: %(codes)s") % {"codes": "、".join(sorted(missing))}
                )
        return indicators.prefetch_related("responsible_units").order_by("position")


def file_limit_hint() -> str:
    """The upload limit in the reader's language, from settings.EVIDENCE_MAX_BYTES."""
    return _("At most %(size)s per file.") % {"size": filesizeformat(settings.EVIDENCE_MAX_BYTES)}


class MultipleFileInput(forms.ClearableFileInput):
    """A file input that accepts several files."""

    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several uploaded files; each is checked by content in the service."""

    widget = MultipleFileInput

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(item, initial) for item in data]
        return [super().clean(data, initial)] if data else []


class KeptFilesInput(forms.CheckboxSelectMultiple):
    """One ticked box per earlier file, in Tabler's check markup."""

    template_name = "framework/widgets/kept_files.html"


class SubmissionForm(StyledFormMixin, forms.Form):
    """Evidence for one ledger entry: files, a note and links."""

    files = MultipleFileField(
        label=_("Files (PDF, Word, Excel, JPEG, PNG)"),
        required=False,
        help_text=lazy(file_limit_hint, str)(),
    )
    note = forms.CharField(
        label=_("Note"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
    links = forms.CharField(
        label=_("Links, one per line"),
        required=False,
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    kept_files = forms.ModelMultipleChoiceField(
        label=_("Files already sent"),
        queryset=EvidenceFile.objects.none(),
        required=False,
        widget=KeptFilesInput,
        help_text=_("Kept in the new version unless you untick them; add new files below."),
    )
    field_order = ["kept_files", "files", "note", "links"]

    def __init__(self, *args, previous: Submission | None = None, **kwargs):
        """`previous` is the latest version: its files are offered to keep, all ticked."""
        super().__init__(*args, **kwargs)
        earlier = previous.files.order_by("id") if previous else EvidenceFile.objects.none()
        field = self.fields["kept_files"]
        field.queryset = earlier
        field.initial = list(earlier)
        field.label_from_instance = lambda evidence: evidence.original_name
        if previous is None or not field.initial:
            del self.fields["kept_files"]

    def clean_links(self):
        return [line.strip() for line in self.cleaned_data["links"].splitlines() if line.strip()]


class ReviewForm(StyledFormMixin, forms.Form):
    """The office's verdict on a submission."""

    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=[
            (Submission.Outcome.PASSED, _("Pass")),
            (Submission.Outcome.RETURNED, _("Return for more evidence")),
            (Submission.Outcome.FAILED, _("Fail")),
        ],
    )
    reason = forms.CharField(
        label=_("Reason"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    submission = forms.ModelChoiceField(
        queryset=Submission.objects.none(),
        widget=forms.HiddenInput,
        error_messages={
            "required": _("Choose the submission to review."),
            "invalid_choice": _("Choose the submission to review."),
        },
    )

    def __init__(self, *args, entry=None, **kwargs):
        super().__init__(*args, **kwargs)
        if entry is not None:
            self.fields["submission"].queryset = entry.submissions.all()


class PeriodForm(StyledFormMixin, forms.Form):
    """A span of deadlines."""

    start = forms.DateField(label=_("From"), widget=DateInput())
    end = forms.DateField(label=_("To"), widget=DateInput())

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            raise forms.ValidationError(_("The end is before the start."))
        return data


class LedgerExportForm(StyledFormMixin, forms.Form):
    """A unit in the user's scope and a span of periods: the ledger package's request."""

    unit = forms.ModelChoiceField(
        label=_("Unit"),
        queryset=None,
        error_messages={"invalid_choice": _("Choose a unit and a period to export.")},
    )
    start = forms.DateField(label=_("Periods from"), widget=DateInput())
    end = forms.DateField(label=_("Periods to"), widget=DateInput())

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            # On the field, so the page says which date to change.
            self.add_error("end", _("The end is before the start."))
        return data


class TaskForm(StyledFormMixin, forms.Form):
    """A task written by hand for a lead unit and any others, optionally from an indicator."""

    unit = UnitCodeField(
        label=_("Lead unit"),
        action="framework.assign",
        help_text=_("Type a unit's code or name and choose it from the list."),
    )
    other_units = UnitCodesField(
        label=_("Other units"),
        action="framework.assign",
        required=False,
        help_text=_("Codes separated by commas or spaces; each unit gets its own task."),
    )
    title = forms.CharField(label=pgettext_lazy("task", "Title"), max_length=300)
    description = forms.CharField(
        label=_("Requirement"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    indicator_code = forms.CharField(
        label=_("Level-3 indicator code"), required=False, max_length=40
    )
    frequency = forms.ChoiceField(label=_("Frequency"), choices=Task.Frequency.choices)
    first_period_start = forms.DateField(label=_("Starts on"), widget=DateInput())
    deadline = forms.DateField(
        label=_("Deadline (one-off tasks)"), required=False, widget=DateInput()
    )
    due_days = forms.IntegerField(
        label=_("Days after each period to submit (recurring tasks)"),
        min_value=0,
        max_value=365,
        initial=10,
        required=False,
    )

    def __init__(self, *args, units, framework=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        self.fields["other_units"].queryset = units
        self.framework = framework

    def clean_indicator_code(self):
        """The level-3 indicator of the active framework with this code, or None."""
        code = self.cleaned_data["indicator_code"]
        if not code or self.framework is None:
            return None
        indicator = self.framework.indicators.filter(
            code=code, level=Indicator.Level.CONTENT
        ).first()
        if indicator is None:
            raise forms.ValidationError(
                _("No level-3 indicator with this code in the active framework.")
            )
        return indicator

    def clean(self):
        data = super().clean()
        if self.framework is None:
            raise forms.ValidationError(_("There is no active framework yet."))
        return data


class WeightsForm(StyledFormMixin, forms.Form):
    """The framework's assessment weights: the annual test's parts and the cycle's years."""

    points_document_review = forms.DecimalField(
        label=_("Online submission and document review"),
        min_value=0,
        max_value=100,
        decimal_places=2,
    )
    points_field_check = forms.DecimalField(
        label=_("Field assessment"), min_value=0, max_value=100, decimal_places=2
    )
    points_survey = forms.DecimalField(
        label=_("Survey"), min_value=0, max_value=100, decimal_places=2
    )
    cycle_weight_year1 = forms.DecimalField(
        label=_("First year (%)"), min_value=0, max_value=100, decimal_places=2
    )
    cycle_weight_year2 = forms.DecimalField(
        label=_("Second year (%)"), min_value=0, max_value=100, decimal_places=2
    )
    cycle_weight_year3 = forms.DecimalField(
        label=_("Third year (%)"), min_value=0, max_value=100, decimal_places=2
    )


class TaskEditForm(StyledFormMixin, forms.Form):
    """What may change in a task handed out: its title, requirement and deadline."""

    title = forms.CharField(label=_("Task name"), max_length=300)
    description = forms.CharField(
        label=_("Requirement"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    deadline = forms.DateField(label=_("Deadline"), required=False, widget=DateInput())
    due_days = forms.IntegerField(
        label=_("Days after each period to submit"), min_value=0, max_value=365, required=False
    )

    def __init__(self, *args, task, **kwargs):
        super().__init__(*args, **kwargs)
        # A one-off task has a deadline, a recurring one a number of days after each period.
        if task.frequency == Task.Frequency.ONCE:
            del self.fields["due_days"]
            self.fields["deadline"].required = True
        else:
            del self.fields["deadline"]
            self.fields["due_days"].required = True


class TaskCancelForm(StyledFormMixin, forms.Form):
    """Why a task is withdrawn; the reason goes into every open entry's history."""

    reason = forms.CharField(
        label=_("Reason"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )
