"""Login events into the audit log and the lockout counts.

Django announces sign-in, failure and sign-out through signals from every entry point
(our form, the admin, the API token view), so receivers are the one place that sees them
all; they only record, they decide nothing.
"""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from wenming.accounts import security
from wenming.core import audit


@receiver(user_logged_in, dispatch_uid="wenming_login_audit")
def record_login(sender, request, user, **kwargs):
    security.clear_failures(user.get_username())
    audit.record("login", user, actor=user, message="")


@receiver(user_login_failed, dispatch_uid="wenming_login_failed_audit")
def record_login_failure(sender, credentials, request=None, **kwargs):
    username = str(credentials.get("username", ""))[:150]
    locked = getattr(request, "wenming_login_locked", False)
    if not locked:
        from wenming.core.middleware import client_ip

        security.record_failure(username, client_ip(request) if request is not None else None)
    audit.record(
        "login_failed",
        object_type="accounts.user",
        object_repr=username,
        message="locked" if locked else "wrong credentials",
    )


@receiver(user_logged_out, dispatch_uid="wenming_logout_audit")
def record_logout(sender, request, user, **kwargs):
    if user is not None:
        audit.record("logout", user, actor=user)
