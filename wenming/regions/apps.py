from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegionsConfig(AppConfig):
    """The region tree, units, and the memberships that give people their roles."""

    name = "wenming.regions"
    label = "regions"
    verbose_name = _("Regions and units")

    def ready(self):
        # The regions app owns roles and memberships: it gives core the scoper that turns
        # them into decisions, and declares its rows of the permission table.
        from wenming.core.permissions import use_scoper
        from wenming.regions import permissions  # noqa: F401  (declares the actions)
        from wenming.regions.scoping import MembershipScoper

        use_scoper(MembershipScoper())
