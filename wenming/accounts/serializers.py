"""The current user, token sign-in and API tokens as the API shows them."""

from rest_framework import serializers

from wenming.accounts.models import ApiToken, User
from wenming.core.masking import mask_id_number, mask_mobile
from wenming.regions.scoping import memberships
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
        # A person may have no e-mail address; the schema says "" may come.
        extra_kwargs = {"email": {"allow_blank": True}}

    def get_mobile(self, user) -> str:
        return mask_mobile(user.mobile)

    def get_id_number(self, user) -> str:
        return mask_id_number(user.id_number)

    def get_memberships(self, user) -> list[dict]:
        return MembershipSerializer(memberships(user), many=True).data


class TokenRequestSerializer(serializers.Serializer):
    """What a client sends to sign in for a token."""

    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=4096, trim_whitespace=False, write_only=True)
    name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")


class IssuedTokenSerializer(serializers.Serializer):
    """A new token: the key, shown this once, and when it expires."""

    token = serializers.CharField()
    id = serializers.IntegerField()
    name = serializers.CharField()
    expires_at = serializers.DateTimeField()


class ApiTokenSerializer(serializers.ModelSerializer):
    """One of the caller's tokens, without its key (only its first characters)."""

    is_expired = serializers.BooleanField(read_only=True)

    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "created_at", "last_used_at", "expires_at", "is_expired"]
        read_only_fields = ["id", "prefix", "created_at", "last_used_at", "expires_at"]


class LockedSerializer(serializers.Serializer):
    """Sign-in refused because the account or the client's address is locked."""

    detail = serializers.CharField()
    code = serializers.ChoiceField(choices=["account_locked", "address_locked"])
    locked_until = serializers.DateTimeField()
