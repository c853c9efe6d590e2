from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    """REST API wiring and the OpenAPI schema."""

    name = "wenming.api"
    label = "api"
    verbose_name = _("API")
