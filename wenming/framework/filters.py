"""Filters of the framework lists, shared by the pages and the API."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from wenming.core.filters import IdFilter, YesNoSelect
from wenming.core.forms import DateInput
from wenming.framework.models import Indicator, LedgerEntry
from wenming.framework.selectors import natural_code_order


class IndicatorFilterSet(django_filters.FilterSet):
    framework = IdFilter(label=_("Framework"), field_name="framework_id")
    level = django_filters.ChoiceFilter(label=_("Level"), choices=Indicator.Level.choices)

    class Meta:
        model = Indicator
        fields = ["framework", "level"]


class LedgerEntrySortFilter(django_filters.OrderingFilter):
    """Sort by deadline or by indicator code; codes sort naturally (Ⅲ-2 before Ⅲ-10)."""

    descending_fmt = _("%s (descending)")

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("empty_label", _("Newest deadline first"))
        kwargs.setdefault("fields", {"deadline": "deadline", "task__indicator__code": "indicator"})
        kwargs.setdefault(
            "field_labels",
            {"deadline": _("Deadline"), "task__indicator__code": _("Indicator code")},
        )
        super().__init__(*args, **kwargs)

    def filter(self, queryset, value):
        if not value:
            return queryset
        terms = []
        for name in value:
            descending = name.startswith("-")
            if name.lstrip("-") == "indicator":
                terms += natural_code_order("task__indicator__code", descending=descending)
            else:
                terms.append(self.get_ordering_value(name))
        # Newest first among equals, so every sort is total and paging is stable.
        return queryset.order_by(*terms, "-deadline", "-id")


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
    sort = LedgerEntrySortFilter(label=_("Sort by"))

    class Meta:
        model = LedgerEntry
        fields = ["q", "status", "unit", "deadline_from", "deadline_to", "overdue", "sort"]

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(task__title__icontains=value)
            | Q(task__indicator__code=value)
            | Q(task__unit__name__icontains=value)
        )

    def filter_overdue(self, queryset, name, value):
        overdue = queryset.overdue()
        return overdue if value else queryset.exclude(pk__in=overdue.values("pk"))


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
