"""Top-level URL map."""

from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from wenming.core import health

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("favicon.ico", RedirectView.as_view(url=static("wenming/favicon.svg"), permanent=True)),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("wenming.accounts.urls")),
    path("staff/", include("wenming.dashboard.urls")),
    path("staff/", include("wenming.regions.urls")),
    path("staff/", include("wenming.framework.urls")),
    path("staff/", include("wenming.core.urls")),
    path("api/", include("wenming.api.urls")),
    path("admin/", admin.site.urls),
    path("", include("wenming.portal.urls")),
]

# The platform's own error pages; 403 and 404 use Django's handlers with our templates.
handler500 = "wenming.core.views.server_error"

# Media is never served as such: evidence files go out only through scoped views.
