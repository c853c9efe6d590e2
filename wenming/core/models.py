"""Shared base models and the append-only audit log."""

import uuid

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wenming.core.permissions import RestrictedQuerySet


class TimeStampedModel(models.Model):
    """Adds creation and modification times to a model."""

    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class PublicIdModel(models.Model):
    """Adds a UUID that clients may generate themselves, so a retried submission is one row."""

    uuid = models.UUIDField(_("UUID"), default=uuid.uuid4, unique=True, editable=False)

    class Meta:
        abstract = True


class AuditQuerySet(RestrictedQuerySet):
    """Audit entries are appended only: bulk updates and deletes are refused."""

    def update(self, **kwargs):
        raise TypeError("audit entries cannot be changed")

    def delete(self):
        raise TypeError("audit entries cannot be deleted")


class UnicodeJSONEncoder(DjangoJSONEncoder):
    """Stores Chinese as itself, not as \\u escapes, so a text search finds it on SQLite too."""

    def __init__(self, *args, **kwargs):
        kwargs["ensure_ascii"] = False
        super().__init__(*args, **kwargs)


class AuditEntry(models.Model):
    """One change made through a service, or one login event; chained by hash."""

    class Action(models.TextChoices):
        CREATE = "create", _("Created")
        UPDATE = "update", _("Updated")
        DELETE = "delete", _("Deleted")
        IMPORT = "import", _("Imported")
        LOGIN = "login", _("Signed in")
        LOGIN_FAILED = "login_failed", _("Failed sign-in")
        LOGOUT = "logout", _("Signed out")
        PASSWORD_CHANGE = "password_change", _("Password changed")

    time = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        # An entry outlives its actor: no constraint, no cascade, the id stays as written.
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor_name = models.CharField(_("actor name"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=20, choices=Action.choices, db_index=True)
    object_type = models.CharField(_("object type"), max_length=100, blank=True, db_index=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    message = models.CharField(_("message"), max_length=500, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True, db_index=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    origin = models.CharField(_("origin"), max_length=20, blank=True)
    # What happened, machine-readable: a code from `audit.EVENTS` and its values, shown in
    # the reader's language. Empty on entries written before codes existed.
    event = models.CharField(_("event"), max_length=50, blank=True, db_index=True)
    params = models.JSONField(_("parameters"), null=True, blank=True, encoder=UnicodeJSONEncoder)
    previous_hash = models.CharField(_("previous hash"), max_length=64)
    hash = models.CharField(_("hash"), max_length=64, unique=True)

    # Who may read an entry is declared as `core.view_auditentry` (by the regions app,
    # which owns roles): a city's office admin reads what its people did, others their own.
    scope_actor_lookup = "actor"

    objects = AuditQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["object_type", "object_id"], name="audit_object_idx"),
            models.Index(fields=["actor", "time"], name="audit_actor_time_idx"),
            models.Index(fields=["ip"], name="audit_ip_idx"),
        ]

    def __str__(self):
        return f"#{self.pk} {self.action} {self.object_repr}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise TypeError("audit entries cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("audit entries cannot be deleted")
