from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FrameworkConfig(AppConfig):
    """The assessment framework (测评体系), tasks for units (任务清单) and ledgers (台账)."""

    name = "wenming.framework"
    label = "framework"
    verbose_name = _("Assessment framework")

    def ready(self):
        from wenming.framework import permissions  # noqa: F401  (declares the actions)
