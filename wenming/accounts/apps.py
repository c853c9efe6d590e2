from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    """People: login, passwords, lockout and the login audit trail."""

    name = "wenming.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        from wenming.accounts import permissions, signals  # noqa: F401  (declares actions, connects receivers)
