"""Filters of the framework lists, shared by the API."""

import django_filters
from django.utils.translation import gettext_lazy as _

from wenming.core.filters import IdFilter
from wenming.framework.models import Indicator, LedgerEntry


class IndicatorFilterSet(django_filters.FilterSet):
    framework = IdFilter(label=_("Framework"), field_name="framework_id")
    level = django_filters.ChoiceFilter(label=_("Level"), choices=Indicator.Level.choices)

    class Meta:
        model = Indicator
        fields = ["framework", "level"]


class LedgerEntryFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(label=_("Status"), choices=LedgerEntry.Status.choices)
    unit = IdFilter(label=_("Unit"), field_name="task__unit_id")
    deadline_from = django_filters.DateFilter(
        label=_("Deadline from"), field_name="deadline", lookup_expr="gte"
    )
    deadline_to = django_filters.DateFilter(
        label=_("Deadline to"), field_name="deadline", lookup_expr="lte"
    )
    overdue = django_filters.BooleanFilter(label=_("Overdue"), method="filter_overdue")

    class Meta:
        model = LedgerEntry
        fields = ["status", "unit", "deadline_from", "deadline_to", "overdue"]

    def filter_overdue(self, queryset, name, value):
        overdue = queryset.overdue()
        return overdue if value else queryset.exclude(pk__in=overdue.values("pk"))
