"""Endpoints about the signed-in person, token sign-in and the person's API tokens."""

import math

from django.contrib.auth import authenticate
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from wenming.accounts import security, services
from wenming.accounts.models import ApiToken
from wenming.accounts.serializers import (
    ApiTokenSerializer,
    CurrentUserSerializer,
    IssuedTokenSerializer,
    LockedSerializer,
    TokenRequestSerializer,
)
from wenming.api.permissions import IsSignedIn
from wenming.core.middleware import client_ip


def issued(token, key) -> dict:
    return {"token": key, "id": token.pk, "name": token.name, "expires_at": token.expires_at}


def locked_response(lockout) -> Response:
    """429 naming what is locked and until when, with Retry-After in seconds."""
    seconds = max(1, math.ceil((lockout.until - timezone.now()).total_seconds()))
    body = LockedSerializer(
        {
            "detail": security.describe_lockout(lockout),
            "code": "address_locked" if lockout.by_address else "account_locked",
            "locked_until": lockout.until,
        }
    ).data
    return Response(
        body, status=status.HTTP_429_TOO_MANY_REQUESTS, headers={"Retry-After": str(seconds)}
    )


class CurrentUserView(APIView):
    """GET /api/me/: the caller, their roles and their places."""

    permission_classes = [IsSignedIn]

    @extend_schema(responses=CurrentUserSerializer)
    def get(self, request):
        return Response(CurrentUserSerializer(request.user, context={"request": request}).data)


class TokenView(APIView):
    """POST username (or mobile), password and an optional name for a new API token.

    Wrong credentials answer 400; a locked account or address answers 429 saying which.
    """

    # A stale token in the header must not stop a client from signing in again.
    authentication_classes = []
    permission_classes = []

    @extend_schema(
        request=TokenRequestSerializer,
        responses={200: IssuedTokenSerializer, 429: LockedSerializer},
    )
    def post(self, request):
        serializer = TokenRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        django_request = request._request
        user = authenticate(django_request, username=data["username"], password=data["password"])
        if user is None:
            lockout = security.active_lockout(data["username"], client_ip(django_request))
            if lockout is not None:
                return locked_response(lockout)
            raise ValidationError(
                {"non_field_errors": [_("Unable to sign in with the username and password.")]},
                code="authorization",
            )
        token, key = services.issue_api_token(user, data["name"])
        return Response(IssuedTokenSerializer(issued(token, key)).data)


class TokenRenewView(APIView):
    """POST with a token: its expiry moves to a full lifetime from now."""

    permission_classes = [IsSignedIn]

    @extend_schema(request=None, responses=ApiTokenSerializer)
    def post(self, request):
        if not isinstance(request.auth, ApiToken):
            raise ValidationError(_("Send the token to renew in the Authorization header."))
        token = services.renew_api_token(request.user, request.auth)
        return Response(ApiTokenSerializer(token).data)


class ApiTokenViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """The caller's own API tokens: list, make a named one (key shown once), revoke."""

    serializer_class = ApiTokenSerializer
    permission_classes = [IsSignedIn]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            # The schema generator asks without a person; it only needs the model.
            return ApiToken.objects.none()
        # Tokens belong to one person; nobody reads another's through the API.
        return ApiToken.objects.filter(user=self.request.user)

    @extend_schema(request=ApiTokenSerializer, responses={201: IssuedTokenSerializer})
    def create(self, request):
        serializer = ApiTokenSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        token, key = services.create_api_token(request.user, name=serializer.validated_data["name"])
        return Response(IssuedTokenSerializer(issued(token, key)).data, status=201)

    def perform_destroy(self, instance):
        services.revoke_api_token(self.request.user, instance)

    @extend_schema(request=None, responses=ApiTokenSerializer)
    @action(detail=True, methods=["post"])
    def renew(self, request, pk=None):
        token = services.renew_api_token(request.user, self.get_object())
        return Response(ApiTokenSerializer(token).data)
