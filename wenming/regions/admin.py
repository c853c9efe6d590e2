"""Raw data repair for superusers; everyday work happens in the staff pages."""

from django.contrib import admin

from wenming.core.admin import AuditedAdminMixin
from wenming.regions import services
from wenming.regions.models import Membership, Region, Unit


class ServiceAdminMixin:
    """Saves go through the services, so the tree's paths and the audit log stay right.

    Placed before `AuditedAdminMixin`, its `save_model` replaces the mixin's: the service
    writes the entry, and the mixin only marks it as coming from the admin.
    """

    create_service = None
    update_service = None
    service_fields = ()

    def save_model(self, request, obj, form, change):
        fields = {
            name: form.cleaned_data[name]
            for name in form.changed_data
            if name in self.service_fields
        }
        if change:
            saved = self.update_service(request.user, obj, **fields)
        else:
            fields = {
                name: form.cleaned_data[name]
                for name in form.cleaned_data
                if name in self.service_fields
            }
            saved = self.create_service(request.user, **fields)
        obj.pk = saved.pk
        obj.path, obj.depth = saved.path, saved.depth

    def has_delete_permission(self, request, obj=None):
        # Deleting a node would orphan its subtree's paths; deactivate it instead.
        return False


@admin.register(Region)
class RegionAdmin(ServiceAdminMixin, AuditedAdminMixin, admin.ModelAdmin):
    create_service = staticmethod(services.create_region)
    update_service = staticmethod(services.update_region)
    service_fields = services.REGION_FIELDS
    list_display = ["code", "name", "level", "parent", "is_active"]
    list_filter = ["level", "is_active"]
    search_fields = ["code", "name"]
    raw_id_fields = ["parent"]
    readonly_fields = ["path", "depth"]


@admin.register(Unit)
class UnitAdmin(ServiceAdminMixin, AuditedAdminMixin, admin.ModelAdmin):
    create_service = staticmethod(services.create_unit)
    update_service = staticmethod(services.update_unit)
    service_fields = services.UNIT_FIELDS
    list_display = ["code", "name", "type", "region", "is_active"]
    list_filter = ["type", "is_active"]
    search_fields = ["code", "name"]
    raw_id_fields = ["region", "parent"]
    readonly_fields = ["path", "depth"]


@admin.register(Membership)
class MembershipAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["user", "role", "region", "unit", "is_active"]
    list_filter = ["role", "is_active"]
    raw_id_fields = ["user", "region", "unit"]
