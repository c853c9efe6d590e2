"""Login events into the audit log and the lockout counts; role ends into token ends.

Django announces sign-in, failure and sign-out through signals from every entry point
(our form, the admin, the API token view), so receivers are the one place that sees them
all; they only record, they decide nothing. A role ending is the one further case
(decisions/0009): memberships end through the regions services and the admin alike, and
each path must end the person's API tokens.
"""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from wenming.accounts import security, services
from wenming.core import audit
from wenming.core.middleware import client_ip
from wenming.regions.models import Membership


@receiver(user_logged_in, dispatch_uid="wenming_login_audit")
def record_login(sender, request, user, **kwargs):
    security.clear_failures(user)
    audit.record("login", user, actor=user, message="")


@receiver(user_login_failed, dispatch_uid="wenming_login_failed_audit")
def record_login_failure(sender, credentials, request=None, **kwargs):
    username = str(credentials.get("username", ""))[:150]
    locked = getattr(request, "wenming_login_locked", False)
    if not locked:
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


@receiver(pre_save, sender=Membership, dispatch_uid="wenming_role_was_active")
def note_whether_the_role_was_active(sender, instance, **kwargs):
    instance._wenming_was_active = (
        instance.pk is not None
        and Membership.objects.filter(pk=instance.pk, is_active=True).exists()
    )


@receiver(post_save, sender=Membership, dispatch_uid="wenming_role_end_tokens")
def end_tokens_with_an_ended_role(sender, instance, **kwargs):
    if getattr(instance, "_wenming_was_active", False) and not instance.is_active:
        services.end_api_tokens(instance.user_id, reason="role removal")


@receiver(post_delete, sender=Membership, dispatch_uid="wenming_role_delete_tokens")
def end_tokens_with_a_deleted_role(sender, instance, **kwargs):
    if instance.is_active:
        services.end_api_tokens(instance.user_id, reason="role removal")
