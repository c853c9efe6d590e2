"""The staff navigation: each entry names the action that shows it."""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from wenming.core.permissions import can


@dataclass(frozen=True)
class MenuItem:
    """One link in the staff navigation, shown to whoever holds `action` anywhere."""

    label: str
    url_name: str
    action: str
    icon: str = ""

    @property
    def url(self) -> str:
        return reverse(self.url_name)


MENU = [
    MenuItem(_("Home"), "dashboard:home", "core.use_staff_site"),
    MenuItem(_("Regions"), "regions:region_list", "regions.view_region"),
    MenuItem(_("Units"), "regions:unit_list", "regions.view_unit"),
    MenuItem(_("People"), "regions:people_list", "regions.view_people"),
    MenuItem(_("Framework"), "framework:framework_list", "framework.view_framework"),
    MenuItem(_("Tasks"), "framework:task_list", "framework.follow_tasks"),
    MenuItem(_("My tasks"), "framework:my_tasks", "framework.submit_evidence"),
    MenuItem(_("Completion"), "framework:completion", "framework.follow_tasks"),
    MenuItem(_("Audit log"), "core:audit_list", "core.view_auditentry"),
]


def menu_for(user) -> list[MenuItem]:
    """The entries this user's roles give; a superuser sees them all."""
    return [item for item in MENU if can(user, item.action)]


def is_staff_member(user) -> bool:
    """Whether the user may use the staff pages (office, unit, inspector, leader)."""
    return can(user, "core.use_staff_site")


__all__ = ["MENU", "MenuItem", "is_staff_member", "menu_for"]
