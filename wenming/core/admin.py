"""The admin's audit trail, and the audit log itself, read-only, for superusers.

The admin is for raw data repair and bypasses the services, so every model admin mixes in
`AuditedAdminMixin`: each save and delete writes an audit entry through the same
construct the services use, with the admin as actor and origin `admin`.
"""

import contextlib
import dataclasses

from django.contrib import admin
from django.db import router
from django.db.models.deletion import Collector

from wenming.core import audit, context
from wenming.core.models import AuditEntry

ADMIN_ORIGIN = "admin"


@contextlib.contextmanager
def acting_in_admin(request):
    """Run a block as the signed-in admin, keeping the request's id and address."""
    admin_context = dataclasses.replace(
        context.current(), user=request.user, origin=ADMIN_ORIGIN, request=request
    )
    token = context.push(admin_context)
    try:
        yield admin_context
    finally:
        context.pop(token)


def admin_snapshot(instance) -> dict:
    """The audit snapshot plus many-to-many links (the admin edits those too)."""
    data = audit.snapshot(instance)
    for field in instance._meta.many_to_many:
        if instance.pk is None:
            data[field.name] = []
        else:
            data[field.name] = sorted(getattr(instance, field.name).values_list("pk", flat=True))
    return data


def _cascade(instance) -> dict:
    """Params naming how many rows of other models deleting `instance` takes with it."""
    collector = Collector(using=router.db_for_write(type(instance)), origin=instance)
    collector.collect([instance])
    counts = {}
    for model, instances in collector.data.items():
        if model is not type(instance):
            counts[model._meta.label_lower] = counts.get(model._meta.label_lower, 0) + len(
                instances
            )
    for queryset in collector.fast_deletes:
        label = queryset.model._meta.label_lower
        if number := queryset.count():
            counts[label] = counts.get(label, 0) + number
    return {"cascade": counts} if counts else {}


class AuditedAdminMixin:
    """Every add, change and delete in this admin writes an audit entry."""

    def changeform_view(self, request, *args, **kwargs):
        with acting_in_admin(request):
            return super().changeform_view(request, *args, **kwargs)

    def changelist_view(self, request, *args, **kwargs):
        # List actions (delete selected) and list-editable saves run from here.
        with acting_in_admin(request):
            return super().changelist_view(request, *args, **kwargs)

    def delete_view(self, request, *args, **kwargs):
        with acting_in_admin(request):
            return super().delete_view(request, *args, **kwargs)

    def save_model(self, request, obj, form, change):
        # The form has already written its values onto `obj`: the before state is the row.
        before = {}
        if change:
            stored = type(obj)._base_manager.get(pk=obj.pk)
            before = {"before": admin_snapshot(stored)}
        form.audit_change = audit.change(obj, actor=request.user, snapshot=admin_snapshot, **before)
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        pending = getattr(form, "audit_change", None)
        if pending is not None and not pending.is_recorded:
            pending.record()

    def delete_model(self, request, obj):
        audit.deleted(obj, actor=request.user, snapshot=admin_snapshot, **_cascade(obj))
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            audit.deleted(obj, actor=request.user, snapshot=admin_snapshot, **_cascade(obj))
        super().delete_queryset(request, queryset)


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "time",
        "actor_name",
        "action",
        "event",
        "object_type",
        "object_repr",
        "ip",
    ]
    list_filter = ["action", "event", "object_type"]
    search_fields = ["object_repr", "actor_name", "request_id"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
