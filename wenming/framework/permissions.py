"""The framework app's rows of the permission table: frameworks, tasks and ledgers."""

from django.utils.translation import gettext_lazy as _

from wenming.core.permissions import CHANGE, VIEW, Grant, Reach, declare, declare_model, each
from wenming.framework.models import Framework, Indicator, LedgerEntry, LedgerPackage, Task
from wenming.regions.roles import OFFICE, STAFF, Role

SUBTREE = Grant(Reach.SUBTREE)
# A city's framework is read by every staff member of the city, district and unit below it.
ABOVE = Grant(Reach.ABOVE)


declare_model(Framework, _("frameworks"), {VIEW: each(STAFF, ABOVE), CHANGE: each(OFFICE)})
declare_model(Indicator, _("indicators"), {VIEW: each(STAFF, ABOVE), CHANGE: each(OFFICE)})
declare(
    "framework.add_framework",
    _("Start a framework version"),
    # Frameworks belong to a city: its office (a role held at the top region) starts them.
    each(OFFICE, Grant(Reach.SUBTREE, at_top=True)),
)
declare_model(Task, _("tasks"), {VIEW: each(STAFF)})
declare_model(LedgerEntry, _("ledger entries"), {VIEW: each(STAFF)})
declare(
    "framework.assign",
    _("Hand tasks to units"),
    # Checked on the unit: a district office cannot hand work to the city's units.
    each(OFFICE),
)
declare(
    "framework.follow_tasks",
    _("Follow tasks and completion"),
    each((Role.OFFICE_ADMIN, Role.OFFICE_STAFF, Role.LEADER)),
)
declare(
    "framework.acknowledge",
    _("Confirm receipt of a task"),
    {Role.UNIT_STAFF: SUBTREE},
)
declare(
    "framework.submit_evidence",
    _("Submit ledger evidence"),
    {Role.UNIT_STAFF: SUBTREE},
)
declare("framework.review", _("Review ledger evidence"), each(OFFICE))
# A ledger package is its requester's; downloading it also needs every packed entry in view.
declare_model(LedgerPackage, _("ledger packages"), {VIEW: each(STAFF, Grant(Reach.OWN))})
