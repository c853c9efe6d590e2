"""People in the admin, for superusers repairing accounts; every change is audited."""

from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from wenming.accounts.models import LoginFailure, User
from wenming.core import audit
from wenming.core.admin import AuditedAdminMixin, acting_in_admin


class AuditedPasswordChangeForm(AdminPasswordChangeForm):
    """The admin's password form: setting or disabling a password writes an audit entry."""

    def save(self, commit=True):
        user = super().save(commit=commit)
        event = (
            "password_set_by_admin"
            if user.has_usable_password()
            else ("password_disabled_by_admin")
        )
        # The actor is the admin signed in to this request (acting_in_admin).
        audit.record("password_change", user, event=event)
        return user


@admin.register(User)
class UserAdmin(AuditedAdminMixin, DjangoUserAdmin):
    change_password_form = AuditedPasswordChangeForm
    list_display = ["username", "full_name", "mobile", "is_active", "is_superuser"]
    search_fields = ["username", "full_name", "mobile"]
    ordering = ["username"]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        (_("Personal info"), {"fields": ["full_name", "mobile", "id_number", "email"]}),
        (_("Permissions"), {"fields": ["is_active", "is_staff", "is_superuser"]}),
        (_("Important dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["username", "full_name", "password1", "password2"]})
    ]

    def user_change_password(self, request, id, form_url=""):
        # The new password and its audit entry are one change.
        with acting_in_admin(request), transaction.atomic():
            return super().user_change_password(request, id, form_url)


@admin.register(LoginFailure)
class LoginFailureAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["username", "ip", "time"]
    search_fields = ["username", "ip"]


# Groups carry Django permissions, which the admin honours: changing one is audited too.
admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(AuditedAdminMixin, DjangoGroupAdmin):
    pass
