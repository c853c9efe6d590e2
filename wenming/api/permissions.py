"""API access: signed-in staff only; rows are then narrowed by `restrict`."""

from rest_framework.permissions import BasePermission

from wenming.core.navigation import is_staff_member


class IsStaffMember(BasePermission):
    """The person holds a staff role somewhere (or is a superuser)."""

    def has_permission(self, request, view):
        return is_staff_member(request.user)


class IsSignedIn(BasePermission):
    """Any signed-in person, for endpoints about themselves."""

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated)
