"""Endpoints about the signed-in person, and token sign-in for mobile clients."""

from drf_spectacular.utils import extend_schema
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.response import Response
from rest_framework.views import APIView

from wenming.accounts import services
from wenming.accounts.serializers import CurrentUserSerializer
from wenming.api.permissions import IsSignedIn


class CurrentUserView(APIView):
    """GET /api/me/: the caller, their roles and their places."""

    permission_classes = [IsSignedIn]

    @extend_schema(responses=CurrentUserSerializer)
    def get(self, request):
        return Response(CurrentUserSerializer(request.user, context={"request": request}).data)


class TokenView(ObtainAuthToken):
    """POST username (or mobile) and password for an API token; lockout applies."""

    permission_classes = []

    def post(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        token = services.issue_api_token(serializer.validated_data["user"])
        return Response({"token": token.key})
