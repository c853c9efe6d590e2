"""The accounts app's rows of the permission table."""

from django.utils.translation import gettext_lazy as _

from wenming.core.permissions import Grant, Reach, declare
from wenming.regions.roles import Role

declare(
    "accounts.revoke_token",
    _("See and end other people's API tokens"),
    # Checked on each region the person holds a role in: the office admin over it.
    {Role.OFFICE_ADMIN: Grant(Reach.SUBTREE)},
)
