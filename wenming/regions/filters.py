"""Filters for the region, unit and people lists, shared by the pages and the API."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from wenming.core.filters import IdFilter
from wenming.core.masking import can_see_personal_data
from wenming.regions.models import Membership, Region, Unit


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


class MembershipFilterSet(django_filters.FilterSet):
    """The People page: role, a text search, and whether ended roles are listed too.

    Ended roles are left out unless `inactive` is ticked, also when nothing is filtered.
    """

    q = django_filters.CharFilter(
        label=_("Search"),
        method="search",
        max_length=50,
        widget=forms.TextInput(attrs={"placeholder": _("Name, username or mobile")}),
    )
    role = django_filters.ChoiceFilter(
        label=_("Role"), choices=Membership.Role.choices, empty_label=_("All roles")
    )
    inactive = django_filters.BooleanFilter(
        label=_("Include ended roles"), method="filter_inactive", widget=forms.CheckboxInput
    )

    class Meta:
        model = Membership
        fields = ["q", "role", "inactive"]

    def __init__(self, data=None, *args, **kwargs):
        # Bound even without a query, so the default (active roles only) always applies.
        super().__init__(data if data is not None else {}, *args, **kwargs)

    def search(self, queryset, name, value):
        match = Q(user__username__icontains=value) | Q(user__full_name__icontains=value)
        # Searching by whole number would confirm numbers the user only sees masked.
        if self.request is not None and can_see_personal_data(self.request.user):
            match |= Q(user__mobile=value)
        return queryset.filter(match)

    def filter_inactive(self, queryset, name, value):
        return queryset if value else queryset.filter(is_active=True)
