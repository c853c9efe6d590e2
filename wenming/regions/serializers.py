"""API representations of regions and units."""

from rest_framework import serializers

from wenming.api.serializers import FastRepresentation
from wenming.core.masking import can_see_personal_data, mask_mobile
from wenming.regions.models import Membership, Region, Unit


class RegionSerializer(FastRepresentation, serializers.ModelSerializer):
    """A region with its parent's id and code."""

    parent_code = serializers.CharField(
        source="parent.code", read_only=True, default=None, allow_null=True
    )
    level_display = serializers.CharField(source="get_level_display", read_only=True)

    class Meta:
        model = Region
        fields = [
            "id",
            "code",
            "name",
            "level",
            "level_display",
            "parent",
            "parent_code",
            "depth",
            "center_longitude",
            "center_latitude",
            "is_active",
        ]
        read_only_fields = fields


class RegionDetailSerializer(RegionSerializer):
    """A region with its boundary, which lists leave out for size."""

    class Meta(RegionSerializer.Meta):
        fields = [*RegionSerializer.Meta.fields, "boundary"]
        read_only_fields = fields


class UnitSerializer(FastRepresentation, serializers.ModelSerializer):
    """A unit; the contact mobile is masked unless the caller's role needs it whole."""

    region_code = serializers.CharField(source="region.code", read_only=True)
    type_display = serializers.CharField(source="get_type_display", read_only=True)
    contact_mobile = serializers.SerializerMethodField()

    class Meta:
        model = Unit
        fields = [
            "id",
            "code",
            "name",
            "short_name",
            "type",
            "type_display",
            "region",
            "region_code",
            "parent",
            "contact_name",
            "contact_mobile",
            "contact_phone",
            "contact_email",
            "address",
            "is_active",
        ]
        read_only_fields = fields
        # Optional in the model: the schema says "" may come (format-checked otherwise).
        extra_kwargs = {"contact_email": {"allow_blank": True}}

    def get_contact_mobile(self, unit) -> str:
        if self._sees_personal_data():
            return unit.contact_mobile
        return mask_mobile(unit.contact_mobile)

    def _sees_personal_data(self) -> bool:
        """The caller's right, decided once per serializer (a list shares one child)."""
        decision = getattr(self, "_personal_data_decision", None)
        if decision is None:
            request = self.context.get("request")
            decision = request is not None and can_see_personal_data(request.user)
            self._personal_data_decision = decision
        return decision


class MembershipSerializer(serializers.ModelSerializer):
    """A role the current user holds, and where."""

    role_display = serializers.CharField(source="get_role_display", read_only=True)
    region_name = serializers.CharField(
        source="region.name", read_only=True, default=None, allow_null=True
    )
    unit_name = serializers.CharField(
        source="unit.name", read_only=True, default=None, allow_null=True
    )

    class Meta:
        model = Membership
        fields = [
            "id",
            "role",
            "role_display",
            "region",
            "region_name",
            "unit",
            "unit_name",
            "title",
        ]
        read_only_fields = fields
