from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    """People: login, passwords, lockout and the login audit trail."""

    name = "wenming.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        from wenming.accounts import permissions, signals  # noqa: F401  (declares actions, connects receivers)
        from wenming.accounts.security import prune_failures
        from wenming.core.tasks import register_cleanup

        register_cleanup("login_failures", prune_failures)
