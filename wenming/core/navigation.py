"""The staff navigation, by role: each entry names the roles that see it."""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from wenming.core.permissions import can_read_whole_audit_log, memberships

ALL_STAFF = ("office_admin", "office_staff", "leader", "inspector", "unit_staff")


@dataclass(frozen=True)
class MenuItem:
    """One link in the staff navigation."""

    label: str
    url_name: str
    roles: tuple[str, ...]
    icon: str = ""

    @property
    def url(self) -> str:
        return reverse(self.url_name)


MENU = [
    MenuItem(_("Home"), "dashboard:home", ALL_STAFF),
    MenuItem(
        _("Regions"),
        "regions:region_list",
        ("office_admin", "office_staff", "leader", "inspector", "unit_staff"),
    ),
    MenuItem(_("Units"), "regions:unit_list", ALL_STAFF),
    MenuItem(_("People"), "regions:people_list", ("office_admin", "office_staff", "leader")),
    MenuItem(_("Framework"), "framework:framework_list", ALL_STAFF),
    MenuItem(_("Tasks"), "framework:task_list", ("office_admin", "office_staff", "leader")),
    MenuItem(_("My tasks"), "framework:my_tasks", ("unit_staff",)),
    MenuItem(_("Completion"), "framework:completion", ("office_admin", "office_staff", "leader")),
    MenuItem(_("Audit log"), "core:audit_list", ALL_STAFF),
]


def menu_for(user) -> list[MenuItem]:
    """The entries this user's roles give; a superuser sees them all."""
    if not getattr(user, "is_authenticated", False):
        return []
    if user.is_superuser:
        return list(MENU)
    roles = {m.role for m in memberships(user)}
    return [item for item in MENU if roles.intersection(item.roles)]


def is_staff_member(user) -> bool:
    """Whether the user holds any staff role (office, unit, inspector, leader)."""
    if not getattr(user, "is_authenticated", False):
        return False
    return user.is_superuser or any(m.role in ALL_STAFF for m in memberships(user))


__all__ = ["MENU", "MenuItem", "can_read_whole_audit_log", "is_staff_member", "menu_for"]
