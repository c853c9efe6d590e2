"""The current user as the API shows it."""

from rest_framework import serializers

from wenming.accounts.models import User
from wenming.core.masking import mask_id_number, mask_mobile
from wenming.core.permissions import memberships
from wenming.regions.serializers import MembershipSerializer


class CurrentUserSerializer(serializers.ModelSerializer):
    """Who is calling: name, roles and places; personal numbers masked even to oneself."""

    mobile = serializers.SerializerMethodField()
    id_number = serializers.SerializerMethodField()
    memberships = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "full_name",
            "email",
            "mobile",
            "id_number",
            "is_superuser",
            "memberships",
        ]
        read_only_fields = fields

    def get_mobile(self, user) -> str:
        return mask_mobile(user.mobile)

    def get_id_number(self, user) -> str:
        return mask_id_number(user.id_number)

    def get_memberships(self, user) -> list[dict]:
        return MembershipSerializer(memberships(user), many=True).data
