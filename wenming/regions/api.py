"""Region and unit endpoints: read-only, scoped, filterable."""

from rest_framework import viewsets

from wenming.api.serializers import read_columns
from wenming.regions.filters import RegionFilterSet, UnitFilterSet
from wenming.regions.models import Region, Unit
from wenming.regions.serializers import RegionDetailSerializer, RegionSerializer, UnitSerializer

# What a list row shows and nothing more: no boundary, path or timestamps, for the rows
# nor their parents (each would be read, and the timestamps parsed, for every row).
REGION_LIST_COLUMNS = read_columns(RegionSerializer)
UNIT_LIST_COLUMNS = read_columns(UnitSerializer, reads={"contact_mobile": ["contact_mobile"]})


class RegionViewSet(viewsets.ReadOnlyModelViewSet):
    """Regions in the caller's scope; another region answers 404."""

    filterset_class = RegionFilterSet
    ordering_fields = ["code", "name", "level", "path"]
    ordering = ["path"]

    def get_queryset(self):
        queryset = Region.objects.restrict(self.request.user, "view").select_related("parent")
        if self.action == "retrieve":
            return queryset
        return queryset.only(*REGION_LIST_COLUMNS)

    def get_serializer_class(self):
        return RegionDetailSerializer if self.action == "retrieve" else RegionSerializer


class UnitViewSet(viewsets.ReadOnlyModelViewSet):
    """Units in the caller's scope; another unit answers 404."""

    serializer_class = UnitSerializer
    filterset_class = UnitFilterSet
    ordering_fields = ["code", "name", "type", "path"]
    ordering = ["path"]

    def get_queryset(self):
        return (
            Unit.objects.restrict(self.request.user, "view")
            .select_related("region")
            .only(*UNIT_LIST_COLUMNS)
        )
