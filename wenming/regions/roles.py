"""The roles a membership gives; what each may do is declared in the permission table."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """A person's role within a region (and its subtree) or a unit (and its sub-units)."""

    OFFICE_ADMIN = "office_admin", _("Office admin")
    OFFICE_STAFF = "office_staff", _("Office staff")
    UNIT_STAFF = "unit_staff", _("Unit staff")
    INSPECTOR = "inspector", _("Inspector")
    LEADER = "leader", _("Leader")
    VOLUNTEER = "volunteer", _("Volunteer")
    RESIDENT = "resident", _("Resident")


#: The roles that work in the staff pages.
STAFF = (Role.OFFICE_ADMIN, Role.OFFICE_STAFF, Role.LEADER, Role.INSPECTOR, Role.UNIT_STAFF)
#: The civilization office (文明办), city or district.
OFFICE = (Role.OFFICE_ADMIN, Role.OFFICE_STAFF)
