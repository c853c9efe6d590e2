"""The list serializers' fast representation gives exactly DRF's own, row for row."""

import pytest
from django.utils import timezone, translation
from drf_spectacular.plumbing import get_doc
from rest_framework import serializers
from rest_framework.test import APIRequestFactory

from tests.factories import ledger_entry
from wenming.accounts.models import User
from wenming.api.serializers import FastRepresentation, read_columns
from wenming.framework.models import Framework, Indicator, LedgerEntry
from wenming.framework.serializers import (
    FrameworkSerializer,
    IndicatorSerializer,
    LedgerEntryDetailSerializer,
    LedgerEntrySerializer,
)
from wenming.regions.models import Region, Unit
from wenming.regions.serializers import RegionDetailSerializer, RegionSerializer, UnitSerializer

LISTS = [
    (RegionSerializer, lambda: Region.objects.select_related("parent")),
    (RegionDetailSerializer, lambda: Region.objects.select_related("parent")),
    (UnitSerializer, lambda: Unit.objects.select_related("region")),
    (FrameworkSerializer, lambda: Framework.objects.all()),
    (
        IndicatorSerializer,
        lambda: Indicator.objects.select_related("parent", "lead_unit").prefetch_related(
            "responsible_units"
        ),
    ),
    (
        LedgerEntrySerializer,
        lambda: LedgerEntry.objects.select_related("task", "task__unit", "task__indicator"),
    ),
    (LedgerEntryDetailSerializer, lambda: LedgerEntry.objects.all()),
]


def drf_representation(serializer, row):
    """What DRF's stock Serializer.to_representation makes of the row."""
    return serializers.Serializer.to_representation(serializer, row)


@pytest.mark.usefixtures("shared_load_demo")
@pytest.mark.django_db
class TestSameAsDrf:
    @pytest.fixture(autouse=True)
    def odd_rows(self):
        """Rows with the empty and missing values a fast path could get wrong."""
        unit = Unit.objects.order_by("path").first()
        acknowledged = ledger_entry(unit, status=LedgerEntry.Status.ACKNOWLEDGED)
        without_indicator = ledger_entry(unit)
        without_indicator.task.indicator = None
        without_indicator.task.save(update_fields=["indicator"])
        Unit.objects.filter(pk=unit.pk).update(contact_mobile="", contact_email="")
        return acknowledged, without_indicator

    @pytest.mark.parametrize("language", ["zh-hans", "en"])
    @pytest.mark.parametrize("username", ["admin", "city_staff", "unit_cgj"])
    @pytest.mark.parametrize(("serializer_class", "rows"), LISTS)
    def test_every_row(self, serializer_class, rows, username, language):
        request = APIRequestFactory().get("/api/")
        request.user = User.objects.get(username=username)
        with translation.override(language), timezone.override("Asia/Shanghai"):
            listed = list(rows())
            assert listed, "the demo city has rows of every list"
            many = serializer_class(listed, many=True, context={"request": request})
            fast = many.data
            child = serializer_class(context={"request": request})
            expected = [drf_representation(child, row) for row in listed]
        assert [dict(row) for row in fast] == [dict(row) for row in expected]
        assert [list(row) for row in fast] == [list(row) for row in expected]

    def test_the_odd_rows_are_listed(self, odd_rows):
        acknowledged, without_indicator = odd_rows
        data = {
            row["id"]: row
            for row in LedgerEntrySerializer(
                LedgerEntry.objects.filter(pk__in=[acknowledged.pk, without_indicator.pk]),
                many=True,
            ).data
        }
        assert data[without_indicator.pk]["indicator_code"] is None
        assert data[acknowledged.pk]["acknowledged_at"].endswith("+08:00")
        city = Region.objects.get(parent=None)
        assert RegionSerializer(city).data["parent_code"] is None
        assert RegionSerializer(city).data["parent"] is None

    def test_a_masked_mobile_follows_the_callers_right(self):
        unit = Unit.objects.exclude(contact_mobile="").order_by("path").first()
        request = APIRequestFactory().get("/api/")
        request.user = User.objects.get(username="unit_cgj")
        shown = UnitSerializer(unit, context={"request": request}).data["contact_mobile"]
        assert shown != unit.contact_mobile
        assert shown == UnitSerializer(unit).data["contact_mobile"]


def test_the_mixin_lends_no_description_to_the_schema():
    """drf-spectacular describes a serializer by the first docstring in its MRO."""
    assert FastRepresentation.__doc__ is None
    assert get_doc(FrameworkSerializer) == ""
    assert get_doc(LedgerEntryDetailSerializer) == ""


def test_read_columns_names_what_a_list_row_shows():
    assert read_columns(RegionSerializer) == [
        "center_latitude",
        "center_longitude",
        "code",
        "depth",
        "id",
        "is_active",
        "level",
        "name",
        "parent",
        "parent__code",
    ]
    assert "task__indicator__code" in read_columns(
        LedgerEntrySerializer, reads={"is_overdue": ["deadline", "status"]}
    )


@pytest.mark.parametrize(
    ("serializer_class", "field", "reads"),
    [
        (UnitSerializer, "contact_mobile", {}),  # a method field
        (LedgerEntrySerializer, "is_overdue", {}),  # a property
        (LedgerEntryDetailSerializer, "submissions", {"is_overdue": []}),  # nested
    ],
)
def test_read_columns_refuses_a_field_whose_reads_it_cannot_know(serializer_class, field, reads):
    with pytest.raises(ValueError, match=f"{serializer_class.__name__}.{field}: name its reads"):
        read_columns(serializer_class, reads=reads)
