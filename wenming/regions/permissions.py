"""The regions app's rows of the permission table, and the core actions that need roles.

Core declares no roles, so the app that owns roles grants core's own actions here too
(the staff site, the audit log, whole personal data).
"""

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from wenming.core.permissions import (
    ADD,
    CHANGE,
    DELETE,
    VIEW,
    Grant,
    Reach,
    declare,
    declare_model,
    each,
)
from wenming.regions.models import Membership, Region, Unit
from wenming.regions.roles import OFFICE, STAFF, Role

SUBTREE = Grant(Reach.SUBTREE)


declare("core.use_staff_site", _("Use the staff pages"), each(STAFF))
declare(
    "core.view_auditentry",
    _("Read the audit log"),
    {
        # The city's office admin reads what the city's people did; everyone their own.
        **each(STAFF, Grant(Reach.OWN)),
        Role.OFFICE_ADMIN: (Grant(Reach.PEOPLE, at_top=True), Grant(Reach.OWN)),
    },
)
declare(
    "core.see_personal_data",
    _("See mobile and ID numbers whole"),
    # PERSONAL_DATA_ROLES overrides the default (the office admin) for a whole install.
    each(settings.PERSONAL_DATA_ROLES or (Role.OFFICE_ADMIN,)),
)

for _model, _things in ((Region, _("regions")), (Unit, _("units"))):
    declare_model(
        _model,
        _things,
        {VIEW: each(STAFF), ADD: each(OFFICE), CHANGE: each(OFFICE), DELETE: each(OFFICE)},
    )
declare_model(Membership, _("roles"), {VIEW: each(STAFF)})
declare(
    "regions.view_people",
    _("List people and their roles"),
    each((Role.OFFICE_ADMIN, Role.OFFICE_STAFF, Role.LEADER)),
)
declare(
    "regions.manage_people",
    _("Add people and give or end roles"),
    # Office staff work with the data; only an office admin hands out access.
    {Role.OFFICE_ADMIN: SUBTREE},
)
