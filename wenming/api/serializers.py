"""A faster `to_representation` for read-only model serializers, with DRF's exact output.

DRF spends most of a list request in per-field machinery: `Field.get_attribute` with its
`is_simple_callable` check (an `inspect.signature` per field and row for sources such as
`get_level_display`), `SkipField` handling and a `to_representation` call even where the
value is already what JSON needs. `FastRepresentation` plans each field once per serializer
instance (a list serializer shares one child across its rows) and then reads each row with
plain attribute access. Anything the plan does not recognise goes through DRF's own code.
"""

import re

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.encoding import force_str
from django.utils.translation import get_language
from rest_framework import fields as drf_fields
from rest_framework import relations
from rest_framework.fields import SkipField

# Field classes whose `to_representation` returns a model value of the matching type as it
# is (str for CharField, int for IntegerField, bool for BooleanField, the value for
# JSONField and ReadOnlyField); subclasses may convert, so the match is exact.
AS_STORED = (
    drf_fields.CharField,
    drf_fields.IntegerField,
    drf_fields.BooleanField,
    drf_fields.ReadOnlyField,
    drf_fields.EmailField,
)
PASS_THROUGH_TYPES = {
    drf_fields.CharField: str,
    drf_fields.EmailField: str,
    drf_fields.IntegerField: int,
    drf_fields.BooleanField: bool,
}
SKIP = object()
_display_labels: dict[tuple, dict] = {}


def _labels(model_field) -> dict:
    """Choice value → label as `get_FOO_display` gives it, in the active language."""
    key = (model_field.model, model_field.name, get_language())
    labels = _display_labels.get(key)
    if labels is None:
        labels = {
            value: force_str(label, strings_only=True) for value, label in model_field.flatchoices
        }
        _display_labels[key] = labels
    return labels


def _model_field(model, name):
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:  # a property or method, not a model field
        return None


def _drf_reader(field):
    """DRF's own path for one field: get_attribute, the None check, to_representation."""

    def read(instance):
        try:
            attribute = field.get_attribute(instance)
        except SkipField:
            return SKIP
        check_for_none = (
            attribute.pk if isinstance(attribute, relations.PKOnlyObject) else attribute
        )
        return None if check_for_none is None else field.to_representation(attribute)

    return read


def _plain_reader(model, field):
    """A reader walking the field's source with getattr, or None when DRF must do it."""
    if type(field) is drf_fields.SerializerMethodField:
        method = getattr(field.parent, field.method_name)
        return method
    attrs = field.source_attrs
    if not attrs:
        return None
    if isinstance(field, relations.PrimaryKeyRelatedField) and len(attrs) == 1:
        model_field = _model_field(model, attrs[0])
        if model_field is None or not model_field.is_relation or field.pk_field is not None:
            return None
        attname = model_field.attname
        return lambda instance: getattr(instance, attname)
    # Walk the relations at plan time to find the model the last name belongs to.
    owner = model
    for name in attrs[:-1]:
        model_field = _model_field(owner, name) if owner else None
        # Forward relations only: a reverse one-to-one may raise DoesNotExist.
        forward = model_field is not None and model_field.concrete
        if not forward or not (model_field.many_to_one or model_field.one_to_one):
            return None
        owner = model_field.related_model
    last = attrs[-1]
    display = re.fullmatch(r"get_(\w+)_display", last) if owner else None
    if display and type(field) in AS_STORED:
        choice_field = _model_field(owner, display.group(1))
        if choice_field is None or not choice_field.choices:
            return None

        def convert(instance, choice_field=choice_field):
            value = getattr(instance, choice_field.attname)
            return _labels(choice_field).get(value, value)

    else:
        model_field = _model_field(owner, last) if owner else None
        descriptor = getattr(owner, last, None) if owner else None
        if model_field is None and not isinstance(descriptor, property):
            return None
        if model_field is not None and (model_field.is_relation or model_field.many_to_many):
            return None
        kind = type(field)
        if kind in PASS_THROUGH_TYPES:
            wanted = PASS_THROUGH_TYPES[kind]
            representation = field.to_representation

            def convert(instance, last=last, wanted=wanted, representation=representation):
                value = getattr(instance, last)
                if value is None or type(value) is wanted:
                    return value
                return representation(value)

        elif kind is drf_fields.JSONField and not field.binary:

            def convert(instance, last=last):
                return getattr(instance, last)

        elif kind is drf_fields.ChoiceField:
            mapping = field.choice_strings_to_values

            def convert(instance, last=last, mapping=mapping):
                value = getattr(instance, last)
                if value in ("", None):
                    return value
                return mapping.get(str(value), value)

        else:
            representation = field.to_representation

            def convert(instance, last=last, representation=representation):
                value = getattr(instance, last)
                return None if value is None else representation(value)

    if len(attrs) == 1:
        return convert
    path = attrs[:-1]
    # What DRF's Field.get_attribute gives when a relation on the way is None.
    if field.default is None or (field.default is drf_fields.empty and field.allow_null):
        missing = None
    elif field.default is drf_fields.empty and not field.required:
        missing = SKIP
    else:
        return None

    def through(instance, path=path, convert=convert, missing=missing):
        for name in path:
            instance = getattr(instance, name)
            if instance is None:
                return missing
        return convert(instance)

    return through


# Mixin for read-only `ModelSerializer`s: the same dict as DRF's, built faster. It has no
# docstring on purpose: drf-spectacular describes a serializer by the first docstring in its
# MRO, so a docstring here would become the schema description of every serializer that
# has none of its own.
class FastRepresentation:
    def _representation_plan(self):
        plan = getattr(self, "_plan", None)
        if plan is None or plan[0] != get_language():
            model = self.Meta.model
            readers = []
            for field in self._readable_fields:
                reader = _plain_reader(model, field) or _drf_reader(field)
                readers.append((field.field_name, reader))
            plan = (get_language(), readers)
            self._plan = plan
        return plan[1]

    def to_representation(self, instance):
        if not isinstance(instance, models.Model):
            return super().to_representation(instance)
        representation = {}
        for name, read in self._representation_plan():
            value = read(instance)
            if value is not SKIP:
                representation[name] = value
        return representation


def read_columns(serializer_class, *, reads=None) -> list[str]:
    """The model field paths a flat serializer reads, for `QuerySet.only()` on a list.

    `reads` maps each method field or property to the field paths it reads; any other
    field whose reads cannot be known (a method field, a property, a nested serializer) is
    an error, so a new field never becomes a query per row unnoticed.
    """
    reads = reads or {}
    model = serializer_class.Meta.model
    columns = {model._meta.pk.name}
    for field in serializer_class().fields.values():
        if field.field_name in reads:
            columns.update(reads[field.field_name])
            continue
        owner, path = model, []
        for name in field.source_attrs[:-1]:
            model_field = _model_field(owner, name) if owner else None
            if model_field is None or not model_field.concrete or not model_field.is_relation:
                raise ValueError(f"{serializer_class.__name__}.{field.field_name}: name its reads")
            path.append(name)
            columns.add("__".join(path))
            owner = model_field.related_model
        last = field.source_attrs[-1] if field.source_attrs else ""
        display = re.fullmatch(r"get_(\w+)_display", last)
        model_field = _model_field(owner, display.group(1) if display else last)
        if model_field is None or not model_field.concrete or model_field.many_to_many:
            raise ValueError(f"{serializer_class.__name__}.{field.field_name}: name its reads")
        columns.add("__".join([*path, model_field.name]))
    return sorted(columns)
