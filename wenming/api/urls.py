"""API routes: each app's endpoints on one router, plus the OpenAPI schema and its docs."""

from django.urls import include, path, re_path
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)
from rest_framework.routers import DefaultRouter

from wenming.accounts.api import ApiTokenViewSet, CurrentUserView, TokenRenewView, TokenView
from wenming.api.exceptions import not_found
from wenming.framework.api import (
    FrameworkViewSet,
    IndicatorViewSet,
    LedgerEntryViewSet,
    SubmissionViewSet,
)
from wenming.regions.api import RegionViewSet, UnitViewSet

app_name = "api"

router = DefaultRouter()
router.register("regions", RegionViewSet, basename="region")
router.register("units", UnitViewSet, basename="unit")
router.register("frameworks", FrameworkViewSet, basename="framework")
router.register("indicators", IndicatorViewSet, basename="indicator")
router.register("ledger-entries", LedgerEntryViewSet, basename="ledger-entry")
router.register("submissions", SubmissionViewSet, basename="submission")
router.register("tokens", ApiTokenViewSet, basename="token")

urlpatterns = [
    path("me/", CurrentUserView.as_view(), name="me"),
    path("token/", TokenView.as_view(), name="token"),
    path("token/renew/", TokenRenewView.as_view(), name="token_renew"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    path(
        "redoc/",
        SpectacularRedocView.as_view(url_name="api:schema", template_name="api/redoc.html"),
        name="redoc",
    ),
    path("", include(router.urls)),
    # Last: whatever no route above matches answers a JSON 404, not Django's HTML page.
    re_path(r"^(?P<unmatched>.*)$", not_found),
]
