"""Filter forms for the audit log search."""

from datetime import datetime, time

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wenming.core import audit
from wenming.core.forms import DateInput, StyledFormMixin
from wenming.core.models import AuditEntry


class AuditFilterForm(StyledFormMixin, forms.Form):
    """Who, what, when: each field narrows the entries; an invalid field is ignored."""

    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    action = forms.ChoiceField(
        label=_("Action"),
        required=False,
        choices=[("", _("All actions")), *AuditEntry.Action.choices],
    )
    actor = forms.CharField(label=_("Actor"), required=False, max_length=150)
    date_from = forms.DateField(
        label=_("From"),
        required=False,
        widget=DateInput(),
    )
    date_to = forms.DateField(
        label=_("To"),
        required=False,
        widget=DateInput(),
    )

    def apply(self, queryset):
        """The entries that match the valid fields."""
        if not self.is_bound or not self.is_valid():
            return queryset
        data = self.cleaned_data
        if data["q"]:
            text = data["q"]
            match = (
                Q(object_repr__icontains=text)
                | Q(message__icontains=text)
                | Q(object_type__icontains=text)
                | Q(request_id=text)
                | audit.search_events(text)
            )
            if _looks_like_ip(text):
                match |= Q(ip=text)
            queryset = queryset.filter(match)
        if data["action"]:
            queryset = queryset.filter(action=data["action"])
        if data["actor"]:
            queryset = queryset.filter(actor_name__iexact=data["actor"])
        zone = timezone.get_current_timezone()
        if data["date_from"]:
            queryset = queryset.filter(
                time__gte=datetime.combine(data["date_from"], time.min, tzinfo=zone)
            )
        if data["date_to"]:
            queryset = queryset.filter(
                time__lte=datetime.combine(data["date_to"], time.max, tzinfo=zone)
            )
        return queryset


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
