"""Filters shared by every app, and the audit log's FilterSet."""

from datetime import datetime, time

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wenming.core import audit
from wenming.core.forms import DateInput, StyledFormMixin
from wenming.core.models import AuditEntry


class AuditFilterFormBase(StyledFormMixin, forms.Form):
    """The audit search form, styled like every other form."""


class AuditFilterSet(django_filters.FilterSet):
    """Who, what, when: each field narrows the entries; an invalid field is ignored."""

    q = django_filters.CharFilter(label=_("Search"), method="search", max_length=100)
    action = django_filters.ChoiceFilter(
        label=_("Action"), choices=AuditEntry.Action.choices, empty_label=_("All actions")
    )
    actor = django_filters.CharFilter(
        label=_("Actor"), field_name="actor_name", lookup_expr="iexact", max_length=150
    )
    date_from = django_filters.DateFilter(label=_("From"), method="filter_from", widget=DateInput())
    date_to = django_filters.DateFilter(label=_("To"), method="filter_to", widget=DateInput())

    class Meta:
        model = AuditEntry
        fields = ["q", "action", "actor", "date_from", "date_to"]
        form = AuditFilterFormBase

    def search(self, queryset, name, value):
        match = (
            Q(object_repr__icontains=value)
            | Q(message__icontains=value)
            | Q(object_type__icontains=value)
            | Q(request_id=value)
            | audit.search_events(value)
        )
        if _looks_like_ip(value):
            match |= Q(ip=value)
        return queryset.filter(match)

    def filter_from(self, queryset, name, value):
        zone = timezone.get_current_timezone()
        return queryset.filter(time__gte=datetime.combine(value, time.min, tzinfo=zone))

    def filter_to(self, queryset, name, value):
        zone = timezone.get_current_timezone()
        return queryset.filter(time__lte=datetime.combine(value, time.max, tzinfo=zone))


def _looks_like_ip(text: str) -> bool:
    from ipaddress import ip_address

    try:
        ip_address(text)
    except ValueError:
        return False
    return True


MAX_ID = 2**63 - 1


class IdFilter(django_filters.NumberFilter):
    """An object id: a whole number that fits the database, else the filter is invalid.

    Ids arrive from links (a region's "units" link, the API), never typed, so the shared
    filter template carries them as hidden fields.
    """

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        kwargs.setdefault("widget", forms.HiddenInput)
        super().__init__(*args, **kwargs)


class YesNoSelect(forms.NullBooleanSelect):
    """Either / yes / no; reads true, false, 1 and 0, so `?overdue=1` links keep working."""

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.choices = [("", _("Either")), ("true", _("Yes")), ("false", _("No"))]

    def format_value(self, value):
        return {True: "true", False: "false", "true": "true", "false": "false"}.get(value, "")

    def value_from_datadict(self, data, files, name):
        value = data.get(name)
        return {"true": True, "1": True, "false": False, "0": False}.get(str(value).lower())
