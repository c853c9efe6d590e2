"""Filters for region and unit lists, shared by the pages and the API."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from wenming.core.filters import IdFilter
from wenming.regions.models import Region, Unit


class RegionFilterSet(django_filters.FilterSet):
    """Level, parent, subtree and a text search on name or code."""

    q = django_filters.CharFilter(label=_("Search"), method="search")
    level = django_filters.ChoiceFilter(
        label=_("Level"), choices=Region.Level.choices, empty_label=_("All levels")
    )
    parent = IdFilter(label=_("Parent"), field_name="parent_id")
    within = IdFilter(label=_("Within region"), method="filter_within")

    class Meta:
        model = Region
        fields = ["q", "level", "parent", "within"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(code__startswith=value))

    def filter_within(self, queryset, name, value):
        ancestor = Region.objects.filter(pk=value).values_list("path", flat=True).first()
        return queryset.filter(path__within=ancestor) if ancestor else queryset.none()


class UnitFilterSet(django_filters.FilterSet):
    """Type, region subtree, parent unit and a text search on name or code."""

    q = django_filters.CharFilter(label=_("Search"), method="search")
    type = django_filters.ChoiceFilter(
        label=_("Type"), choices=Unit.Type.choices, empty_label=_("All types")
    )
    region = IdFilter(label=_("Region"), method="filter_region")
    parent = IdFilter(label=_("Parent unit"), field_name="parent_id")

    class Meta:
        model = Unit
        fields = ["q", "type", "region", "parent"]

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(name__icontains=value) | Q(short_name__icontains=value) | Q(code__iexact=value)
        )

    def filter_region(self, queryset, name, value):
        path = Region.objects.filter(pk=value).values_list("path", flat=True).first()
        return queryset.filter(region__path__within=path) if path else queryset.none()
