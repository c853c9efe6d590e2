from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """Shared foundations: audit log, request context, scoping, Excel helpers."""

    name = "wenming.core"
    label = "core"
    verbose_name = _("Core")
