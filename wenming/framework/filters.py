"""Filters of the framework lists, shared by the pages and the API."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from wenming.core.filters import IdFilter, YesNoSelect
from wenming.core.forms import DateInput
from wenming.framework.models import Framework, Indicator, LedgerEntry
from wenming.framework.selectors import is_due_soon, natural_code_order


class CodeOrderingFilter(django_filters.OrderingFilter):
    """`sort=`: plain fields, plus one choice that orders indicator codes naturally.

    `code_lookup` is the path to the code (Ⅲ-2 before Ⅲ-10, in SQL); `tie_break` ends every
    ordering so that it is total and paging is stable.
    """

    descending_fmt = _("%s (descending)")

    def __init__(self, *args, code_lookup, tie_break, **kwargs):
        self.code_lookup = code_lookup
        self.tie_break = tie_break
        super().__init__(*args, **kwargs)

    def filter(self, queryset, value):
        if not value:
            return queryset
        terms = []
        for name in value:
            descending = name.startswith("-")
            if self.param_map.get(name.lstrip("-")) == self.code_lookup:
                terms += natural_code_order(self.code_lookup, descending=descending)
            else:
                terms.append(self.get_ordering_value(name))
        return queryset.order_by(*terms, *self.tie_break)


class IndicatorFilterSet(django_filters.FilterSet):
    """The indicator API: framework, level, and `sort=code` for codes in natural order."""

    framework = IdFilter(label=_("Framework"), field_name="framework_id")
    level = django_filters.ChoiceFilter(label=_("Level"), choices=Indicator.Level.choices)
    sort = CodeOrderingFilter(
        label=_("Sort by"),
        fields={"code": "code", "position": "position"},
        field_labels={"code": _("Code"), "position": _("Position")},
        code_lookup="code",
        tie_break=["framework", "position", "id"],
    )

    class Meta:
        model = Indicator
        fields = ["framework", "level", "sort"]


class FrameworkFilterSet(django_filters.FilterSet):
    """The framework list and API: status and edition year."""

    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=Framework.Status.choices, empty_label=_("All statuses")
    )
    edition_year = django_filters.NumberFilter(
        label=_("Edition year"), min_value=2000, max_value=2100
    )

    class Meta:
        model = Framework
        fields = ["status", "edition_year"]


class LedgerEntryFilterSet(django_filters.FilterSet):
    """The task list and the ledger entry API: status, unit, deadlines, overdue, text, sort."""

    q = django_filters.CharFilter(
        label=_("Search"),
        method="search",
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": _("Task, indicator code or unit")}),
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=LedgerEntry.Status.choices, empty_label=_("All statuses")
    )
    unit = IdFilter(label=_("Unit"), field_name="task__unit_id")
    deadline_from = django_filters.DateFilter(
        label=_("Deadline from"),
        field_name="deadline",
        lookup_expr="gte",
        widget=DateInput(),
    )
    deadline_to = django_filters.DateFilter(
        label=_("Deadline to"),
        field_name="deadline",
        lookup_expr="lte",
        widget=DateInput(),
    )
    overdue = django_filters.BooleanFilter(
        label=_("Overdue"), method="filter_overdue", widget=YesNoSelect
    )
    due_soon = django_filters.BooleanFilter(
        label=_("Due soon"), method="filter_due_soon", widget=YesNoSelect
    )
    sort = CodeOrderingFilter(
        label=_("Sort by"),
        empty_label=_("Newest deadline first"),
        fields={"deadline": "deadline", "task__indicator__code": "indicator"},
        field_labels={"deadline": _("Deadline"), "task__indicator__code": _("Indicator code")},
        code_lookup="task__indicator__code",
        # Newest first among equals, as the list is by default.
        tie_break=["-deadline", "-id"],
    )

    class Meta:
        model = LedgerEntry
        fields = [
            "q",
            "status",
            "unit",
            "deadline_from",
            "deadline_to",
            "overdue",
            "due_soon",
            "sort",
        ]

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(task__title__icontains=value)
            | Q(task__indicator__code=value)
            | Q(task__unit__name__icontains=value)
        )

    def filter_overdue(self, queryset, name, value):
        overdue = queryset.overdue()
        return overdue if value else queryset.exclude(pk__in=overdue.values("pk"))

    def filter_due_soon(self, queryset, name, value):
        due_soon = is_due_soon()
        return queryset.filter(due_soon) if value else queryset.exclude(due_soon)


class PeriodFilterForm(forms.Form):
    """The completion page's span of deadlines; an end before the start is refused."""

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            raise forms.ValidationError(_("The end is before the start."))
        return data


class CompletionFilterSet(django_filters.FilterSet):
    """The completion page: ledger entries whose deadline falls in a span (`start`, `end`)."""

    start = django_filters.DateFilter(
        label=_("From"), field_name="deadline", lookup_expr="gte", widget=DateInput()
    )
    end = django_filters.DateFilter(
        label=_("To"), field_name="deadline", lookup_expr="lte", widget=DateInput()
    )

    class Meta:
        model = LedgerEntry
        fields = ["start", "end"]
        form = PeriodFilterForm
