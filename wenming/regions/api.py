"""Region and unit endpoints: read-only, scoped, filterable."""

from rest_framework import viewsets

from wenming.regions.filters import RegionFilterSet, UnitFilterSet
from wenming.regions.models import Region, Unit
from wenming.regions.serializers import RegionDetailSerializer, RegionSerializer, UnitSerializer


class RegionViewSet(viewsets.ReadOnlyModelViewSet):
    """Regions in the caller's scope; another region answers 404."""

    filterset_class = RegionFilterSet
    ordering_fields = ["code", "name", "level", "path"]
    ordering = ["path"]

    def get_queryset(self):
        queryset = Region.objects.restrict(self.request.user, "view").select_related("parent")
        if self.action == "retrieve":
            return queryset
        # A list shows no boundary: do not read one for every row and its parent.
        return queryset.defer("boundary", "parent__boundary")

    def get_serializer_class(self):
        return RegionDetailSerializer if self.action == "retrieve" else RegionSerializer


class UnitViewSet(viewsets.ReadOnlyModelViewSet):
    """Units in the caller's scope; another unit answers 404."""

    serializer_class = UnitSerializer
    filterset_class = UnitFilterSet
    ordering_fields = ["code", "name", "type", "path"]
    ordering = ["path"]

    def get_queryset(self):
        # The unit's region is read for its code only: never its boundary.
        return (
            Unit.objects.restrict(self.request.user, "view")
            .select_related("region")
            .defer("region__boundary")
        )
