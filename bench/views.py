"""The two comparison views `bench.api_lists` serves beside each list endpoint.

- bare DRF: a `ListAPIView` over the same rows in the same order, with the endpoint's own
  serializer (but DRF's stock per-field `to_representation`), DRF's `PageNumberPagination`
  at the same page size, the same authentication classes, `IsAuthenticated`, no filter
  backends and no scoping;
- the values() floor: the same first page read with `values()` and returned by Django's
  `JsonResponse`, through the same middleware, without DRF, authentication or a count.

Mounted only by bench/urls.py (the bench settings' URLconf), never by the product.
"""

from django.http import JsonResponse
from rest_framework import generics, serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import IsAuthenticated

from wenming.accounts.models import ApiToken
from wenming.accounts.serializers import ApiTokenSerializer
from wenming.framework.models import Framework, Indicator, LedgerEntry
from wenming.framework.serializers import (
    FrameworkSerializer,
    IndicatorSerializer,
    LedgerEntrySerializer,
)
from wenming.regions.models import Region, Unit
from wenming.regions.serializers import RegionSerializer, UnitSerializer

PAGE_SIZE = 50
#: The account the benchmark calls as; the values() floor reads its tokens without a sign-in.
BENCH_USERNAME = "city_staff"


def stock(serializer_class):
    """The same serializer with DRF's own per-field `to_representation`, for comparison."""
    return type(
        f"Stock{serializer_class.__name__}",
        (serializer_class,),
        {"to_representation": serializers.Serializer.to_representation},
    )


class BarePagination(PageNumberPagination):
    page_size = PAGE_SIZE


def every_region():
    return Region.objects.select_related("parent").order_by("path")


def every_unit():
    return Unit.objects.select_related("region").order_by("path")


def every_framework():
    return Framework.objects.order_by(*Framework._meta.ordering)


def every_indicator():
    return (
        Indicator.objects.select_related("parent", "lead_unit")
        .prefetch_related("responsible_units")
        .order_by("framework", "position")
    )


def every_entry():
    return LedgerEntry.objects.select_related("task", "task__unit", "task__indicator").order_by(
        "-deadline", "-id"
    )


def own_tokens(user):
    """The person's tokens; the floor, which signs nobody in, reads the bench account's."""
    mine = (
        ApiToken.objects.filter(user=user)
        if user
        else ApiToken.objects.filter(user__username=BENCH_USERNAME)
    )
    return mine.order_by(*ApiToken._meta.ordering)


# name: (rows for a signed-in person, the endpoint's serializer, the columns of the floor)
LISTS = {
    "regions": (
        lambda user: every_region(),
        RegionSerializer,
        [
            "id",
            "code",
            "name",
            "level",
            "parent_id",
            "parent__code",
            "depth",
            "center_longitude",
            "center_latitude",
            "is_active",
        ],
    ),
    "units": (
        lambda user: every_unit(),
        UnitSerializer,
        [
            "id",
            "code",
            "name",
            "short_name",
            "type",
            "region_id",
            "region__code",
            "parent_id",
            "contact_name",
            "contact_mobile",
            "contact_phone",
            "contact_email",
            "address",
            "is_active",
        ],
    ),
    "frameworks": (
        lambda user: every_framework(),
        FrameworkSerializer,
        [
            "id",
            "name",
            "edition_year",
            "version",
            "status",
            "is_sample",
            "region_id",
            "points_document_review",
            "points_field_check",
            "points_survey",
            "cycle_weight_year1",
            "cycle_weight_year2",
            "cycle_weight_year3",
        ],
    ),
    "indicators": (
        lambda user: every_indicator(),
        IndicatorSerializer,
        [
            "id",
            "framework_id",
            "code",
            "local_code",
            "level",
            "parent_id",
            "parent__code",
            "name",
            "standard",
            "points",
            "methods",
            "scoring_rule",
            "rule_parameters",
            "site_type_names",
            "veto_effect",
            "veto_value",
            "lead_unit__code",
            "position",
        ],
    ),
    "ledger-entries": (
        lambda user: every_entry(),
        LedgerEntrySerializer,
        [
            "id",
            "task__title",
            "task__unit_id",
            "task__unit__code",
            "task__indicator__code",
            "task__is_lead",
            "task__frequency",
            "period_start",
            "period_end",
            "deadline",
            "status",
            "acknowledged_at",
        ],
    ),
    "tokens": (
        own_tokens,
        ApiTokenSerializer,
        ["id", "name", "prefix", "created_at", "last_used_at", "expires_at"],
    ),
}


def bare_drf_view(rows, serializer_class):
    class BareList(generics.ListAPIView):
        permission_classes = [IsAuthenticated]
        pagination_class = BarePagination
        filter_backends = []

        def get_queryset(self):
            return rows(self.request.user)

    BareList.serializer_class = stock(serializer_class)
    return BareList.as_view()


def values_view(rows, columns):
    def floor(request):
        return JsonResponse({"results": list(rows(None).values(*columns)[:PAGE_SIZE])})

    return floor


BARE_DRF_VIEWS = {name: bare_drf_view(rows, cls) for name, (rows, cls, _) in LISTS.items()}
VALUES_VIEWS = {name: values_view(rows, columns) for name, (rows, _, columns) in LISTS.items()}
