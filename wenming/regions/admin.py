"""Raw data repair for superusers; everyday work happens in the staff pages."""

from django.contrib import admin

from wenming.regions.models import Membership, Region, Unit


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "parent", "is_active"]
    list_filter = ["level", "is_active"]
    search_fields = ["code", "name"]
    raw_id_fields = ["parent"]
    readonly_fields = ["path", "depth"]


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "type", "region", "is_active"]
    list_filter = ["type", "is_active"]
    search_fields = ["code", "name"]
    raw_id_fields = ["region", "parent"]
    readonly_fields = ["path", "depth"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "region", "unit", "is_active"]
    list_filter = ["role", "is_active"]
    raw_id_fields = ["user", "region", "unit"]
