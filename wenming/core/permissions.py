"""The one scoping mechanism: `Model.objects.restrict(user, action)`.

A person's memberships give them roles within a region (and its subtree) or a unit (and
its sub-units). A model says how its rows relate to regions and units through two class
attributes, and every page, API endpoint, export and dashboard reads through `restrict`,
so nobody sees a row outside their slice; a row outside it answers 404.
"""

from django.db import models
from django.db.models import Q

VIEW, ADD, CHANGE, DELETE = "view", "add", "change", "delete"
ACTIONS = (VIEW, ADD, CHANGE, DELETE)

# What each role may do within its scope. Later domains refine this per model by
# overriding `scope_q` on the model.
ROLE_ACTIONS = {
    "office_admin": {VIEW, ADD, CHANGE, DELETE},
    "office_staff": {VIEW, ADD, CHANGE, DELETE},
    "leader": {VIEW},
    "inspector": {VIEW},
    "unit_staff": {VIEW},
    "volunteer": set(),
    "resident": set(),
}
STAFF_ROLES = ("office_admin", "office_staff", "leader", "inspector", "unit_staff")


def memberships(user) -> list:
    """The user's active memberships with region and unit loaded; cached on the user."""
    if not getattr(user, "is_authenticated", False):
        return []
    cached = getattr(user, "_wenming_memberships", None)
    if cached is None:
        from wenming.regions.models import Membership

        cached = list(
            Membership.objects.filter(user=user, is_active=True).select_related(
                "region", "unit", "unit__region"
            )
        )
        user._wenming_memberships = cached
    return cached


def forget_memberships(user) -> None:
    """Drop the cached memberships, after they changed."""
    if hasattr(user, "_wenming_memberships"):
        del user._wenming_memberships


def has_role(user, *roles) -> bool:
    """Whether the user holds any of the roles anywhere."""
    return any(m.role in roles for m in memberships(user))


def scope_q(model, user, action: str) -> Q | None:
    """The filter for rows of `model` the user may act on; None means no rows at all."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    if user.is_superuser:
        return Q()
    region_lookup = getattr(model, "scope_region_lookup", None)
    unit_lookup = getattr(model, "scope_unit_lookup", None)
    unit_region_lookup = getattr(model, "scope_unit_region_lookup", None)
    clauses = []
    for membership in memberships(user):
        if action not in ROLE_ACTIONS.get(membership.role, set()):
            continue
        if membership.role == "unit_staff" and membership.unit_id:
            if unit_lookup:
                clauses.append(Q(**{f"{unit_lookup}__within": membership.unit.path}))
            elif unit_region_lookup:
                clauses.append(Q(**{f"{unit_region_lookup}__within": membership.unit.region.path}))
        elif membership.region_id and region_lookup:
            clauses.append(Q(**{f"{region_lookup}__within": membership.region.path}))
    if not clauses:
        return None
    combined = clauses[0]
    for clause in clauses[1:]:
        combined |= clause
    return combined


def framework_scope_q(user, action: str, region_lookup: str) -> Q | None:
    """A city's framework is read by every staff member in the city and kept by its office.

    Viewing needs a staff role in the framework's region or beneath it (district staff,
    units and inspectors work to the city's framework); changing needs an office role held
    in the framework's region or above it.
    """
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    if user.is_superuser:
        return Q()
    clauses = []
    for membership in memberships(user):
        if action not in ROLE_ACTIONS.get(membership.role, set()):
            continue
        region = membership.unit.region if membership.unit_id else membership.region
        if region is None:
            continue
        if action == VIEW:
            # The framework's region is this region or one of its ancestors.
            ancestors = [
                f"/{'/'.join(region.path.strip('/').split('/')[:depth])}/"
                for depth in range(1, region.depth + 1)
            ]
            clauses.append(Q(**{f"{region_lookup}__path__in": ancestors}))
        elif membership.role in ("office_admin", "office_staff"):
            clauses.append(Q(**{f"{region_lookup}__path__within": region.path}))
    if not clauses:
        return None
    combined = clauses[0]
    for clause in clauses[1:]:
        combined |= clause
    return combined


def audit_scope_q(user) -> Q | None:
    """Audit entries a user may read: all for a root-region office admin, else their own."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    if user.is_superuser:
        return Q()
    if can_read_whole_audit_log(user):
        from wenming.regions.models import Membership, Region

        if Region.objects.filter(parent__isnull=True).count() <= 1:
            return Q()
        # Several cities on one platform: a city's admin reads what its own people did.
        cities = [
            m.region.path
            for m in memberships(user)
            if m.role == "office_admin" and m.region_id and m.region.parent_id is None
        ]
        people = Q()
        for path in cities:
            people |= Q(region__path__within=path)
        return Q(actor_id=user.pk) | Q(
            actor_id__in=Membership.objects.filter(people).values("user_id")
        )
    return Q(actor_id=user.pk)


def can_read_whole_audit_log(user) -> bool:
    """The city office admin (an office admin of a region with no parent) reads everything."""
    if getattr(user, "is_superuser", False):
        return True
    return any(
        m.role == "office_admin" and m.region_id and m.region.parent_id is None
        for m in memberships(user)
    )


def can_manage_people(user, region=None) -> bool:
    """Whether the user may create people and give roles, in `region` if one is named.

    Only an office admin does this, within their region's subtree; other office staff
    work with the data but do not hand out access.
    """
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    for membership in memberships(user):
        if membership.role != "office_admin" or not membership.region_id:
            continue
        if region is None or region.path.startswith(membership.region.path):
            return True
    return False


class RestrictedQuerySet(models.QuerySet):
    """A queryset that can narrow itself to what a user may see or change."""

    def restrict(self, user, action: str = VIEW):
        """Rows the user may perform `action` on."""
        if action not in ACTIONS:
            raise ValueError(f"unknown action {action!r}")
        q = self.model.scope_q(user, action)
        if q is None:
            return self.none()
        return self.filter(q) if q else self


class ScopedModel(models.Model):
    """Base for models read through `restrict`; subclasses name their scope lookups."""

    scope_region_lookup: str | None = None
    scope_unit_lookup: str | None = None
    scope_unit_region_lookup: str | None = None

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        abstract = True

    @classmethod
    def scope_q(cls, user, action: str) -> Q | None:
        """The filter for rows the user may act on; override for special rules."""
        return scope_q(cls, user, action)


def can(user, action: str, instance) -> bool:
    """Whether the user may perform `action` on this saved object."""
    return type(instance).objects.restrict(user, action).filter(pk=instance.pk).exists()
