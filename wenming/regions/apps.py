from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegionsConfig(AppConfig):
    """The region tree, units, and the memberships that give people their roles."""

    name = "wenming.regions"
    label = "regions"
    verbose_name = _("Regions and units")
