"""Pickers: a text input that offers matching units, regions or people as you type.

The input is a native `<input list>` tied to a `<datalist>` (a combobox to assistive
technology, no script of its own); htmx fills the datalist from `PickerView`, which reads
only through `restrict`. The value sent is a code (or a username), so a form can also be
filled in by typing it.
"""

import re
from urllib.parse import urlencode

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from wenming.core.permissions import VIEW
from wenming.core.views import StaffRequiredMixin
from wenming.regions.models import Membership, Region, Unit

# Several codes in one input may be separated by spaces, commas, 、 or semicolons.
SEPARATORS = re.compile(r"[\s,，、;；]+")
MAX_OPTIONS = 20
MAX_TERM = 50


def _units(user, action, term):
    rows = Unit.objects.restrict(user, action).filter(is_active=True)
    if term:
        rows = rows.filter(Q(code__istartswith=term) | Q(name__icontains=term))
    return [(unit.code, f"{unit.code} {unit.name}") for unit in rows.order_by("path")[:MAX_OPTIONS]]


def _regions(user, action, term):
    rows = Region.objects.restrict(user, action).filter(is_active=True)
    if term:
        rows = rows.filter(Q(code__startswith=term) | Q(name__icontains=term))
    return [
        (region.code, f"{region.code} {region.name}")
        for region in rows.order_by("path")[:MAX_OPTIONS]
    ]


def _places(user, action, term):
    """Regions first, then units: the person form's place takes either code."""
    regions = _regions(user, action, term)
    units = [(code, f"{label}（{_('unit')}）") for code, label in _units(user, action, term)]
    return (regions + units)[:MAX_OPTIONS]


def _people(user, action, term):
    """People holding an active role where the user may list people."""
    memberships = Membership.objects.restrict(user, action).filter(is_active=True)
    rows = get_user_model().objects.filter(pk__in=memberships.values("user"), is_active=True)
    if term:
        rows = rows.filter(Q(username__istartswith=term) | Q(full_name__icontains=term))
    return [
        (person.username, f"{person.full_name or person.username}（{person.username}）")
        for person in rows.order_by("username")[:MAX_OPTIONS]
    ]


#: kind → (options function, the actions a caller may ask for; the first is the default).
PICKERS = {
    "units": (_units, (VIEW, "framework.assign")),
    "regions": (_regions, (VIEW,)),
    "places": (_places, (VIEW,)),
    "people": (_people, ("regions.view_people",)),
}


def picker_options(user, kind: str, term: str, action: str | None = None):
    """The (value, label) pairs a picker offers the user for `term`."""
    options, actions = PICKERS[kind]
    action = action or actions[0]
    if action not in actions:
        raise Http404
    return options(user, action, term.strip()[:MAX_TERM])


class PickerView(StaffRequiredMixin, View):
    """The `<option>`s of a picker's datalist, for what was typed so far.

    The term is `q`, or the parameter named by `field` (htmx sends the input under its own
    name). With `multiple=1` the term is the last of several codes, and each option's value
    keeps the codes before it, so the browser's own list filtering still matches.
    """

    def get(self, request, kind):
        if kind not in PICKERS:
            raise Http404
        field = request.GET.get("field", "q")
        text = request.GET.get("q", request.GET.get(field, ""))
        prefix = ""
        if request.GET.get("multiple"):
            codes = SEPARATORS.split(text)
            text = codes[-1]
            prefix = "".join(f"{code}, " for code in codes[:-1] if code)
        options = picker_options(request.user, kind, text, request.GET.get("action"))
        body = format_html_join(
            "",
            '<option value="{}{}">{}</option>',
            ((prefix, value, label) for value, label in options),
        )
        return HttpResponse(body, content_type="text/html; charset=utf-8")


class PickerInput(forms.TextInput):
    """A text input whose datalist htmx fills from `PickerView` as the user types."""

    def __init__(self, kind, *, action=None, multiple=False, attrs=None):
        if kind not in PICKERS:
            raise ValueError(f"unknown picker {kind}")
        super().__init__(attrs)
        self.kind = kind
        self.action = action
        self.multiple = multiple

    def format_value(self, value):
        if isinstance(value, list | tuple):
            return ", ".join(str(item) for item in value if item)
        return super().format_value(value)

    def value_from_datadict(self, data, files, name):
        text = (data.get(name) or "").strip()
        if self.multiple:
            return [code for code in SEPARATORS.split(text) if code]
        # A pasted option label ("CGJ 示范市城管局") still means its code.
        return text.split()[0] if text else ""

    def render(self, name, value, attrs=None, renderer=None):
        attrs = dict(attrs or {})
        list_id = f"{attrs.get('id') or 'id_' + name}_options"
        query = {"field": name}
        if self.action:
            query["action"] = self.action
        if self.multiple:
            query["multiple"] = "1"
        url = reverse("regions:picker", args=[self.kind])
        url += "?" + urlencode(query)
        attrs.update(
            {
                "list": list_id,
                "autocomplete": "off",
                "hx-get": url,
                "hx-trigger": "input changed delay:250ms, focus once",
                "hx-target": f"#{list_id}",
                "hx-swap": "innerHTML",
                "hx-sync": "this:replace",
            }
        )
        html = super().render(name, value, attrs, renderer)
        return format_html('{}<datalist id="{}"></datalist>', html, list_id)


class UnitCodeField(forms.ModelChoiceField):
    """One unit of `queryset`, chosen by its code with a picker."""

    default_error_messages = {
        "invalid_choice": gettext_lazy("No unit with the code %(value)s in your scope."),
    }

    def __init__(self, queryset=None, *, action=None, **kwargs):
        kwargs.setdefault("widget", PickerInput("units", action=action))
        super().__init__(queryset, to_field_name="code", **kwargs)


class UnitCodesField(forms.ModelMultipleChoiceField):
    """Any number of units of `queryset`, by code; unknown codes are named together."""

    default_error_messages = {
        "invalid_choice": gettext_lazy("No unit with the code %(value)s in your scope."),
    }

    def __init__(self, queryset=None, *, action=None, **kwargs):
        kwargs.setdefault("widget", PickerInput("units", action=action, multiple=True))
        super().__init__(queryset, to_field_name="code", **kwargs)

    def clean(self, value):
        codes = list(dict.fromkeys(value or []))
        if not codes:
            if self.required:
                raise forms.ValidationError(self.error_messages["required"], code="required")
            return self.queryset.none()
        found = {unit.code: unit for unit in self.queryset.filter(code__in=codes)}
        unknown = [code for code in codes if code not in found]
        if unknown:
            raise forms.ValidationError(
                self.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": "、".join(unknown)},
            )
        return [found[code] for code in codes]


__all__ = ["PICKERS", "PickerInput", "PickerView", "UnitCodeField", "UnitCodesField"]
