from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardConfig(AppConfig):
    """The staff home and, later, leaders' dashboards."""

    name = "wenming.dashboard"
    label = "dashboard"
    verbose_name = _("Dashboard")
