"""Turning a person's memberships into decisions: the scoper the permission table uses.

A membership is held in a region, or in a unit (whose region is stored with it). A grant's
reach is measured from that place along the materialised paths of the two trees, so every
decision is one indexed `__within` range or an `IN` over a handful of ancestor paths.
"""

from django.db.models import Q

from wenming.core.permissions import Action, Reach
from wenming.regions.models import PATH_SEPARATOR, Membership, Region


def memberships(user) -> list[Membership]:
    """The user's active memberships with region and unit loaded; cached on the user."""
    if not getattr(user, "is_authenticated", False):
        return []
    cached = getattr(user, "_wenming_memberships", None)
    if cached is None:
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


def _home_region(membership: Membership) -> Region | None:
    return membership.unit.region if membership.unit_id else membership.region


def _is_at_top(membership: Membership) -> bool:
    region = _home_region(membership)
    return region is not None and region.parent_id is None and not membership.unit_id


def _ancestor_paths(region: Region) -> list[str]:
    codes = region.ancestor_codes()
    return [
        PATH_SEPARATOR + PATH_SEPARATOR.join(codes[:depth]) + PATH_SEPARATOR
        for depth in range(1, len(codes) + 1)
    ]


def _only_one_city() -> bool:
    return Region.objects.filter(parent__isnull=True).count() <= 1


class MembershipScoper:
    """Decisions from memberships; registered with core when the regions app starts."""

    def _grants(self, user, action: Action):
        for membership in memberships(user):
            for grant in action.grants.get(membership.role, ()):
                if grant.at_top and not _is_at_top(membership):
                    continue
                yield membership, grant

    def holds(self, user, action: Action) -> bool:
        return any(True for _pair in self._grants(user, action))

    def scope_q(self, model, user, action: Action) -> Q | None:
        clauses = []
        for membership, grant in self._grants(user, action):
            clause = self.clause(model, user, membership, grant.reach)
            if clause is None:
                continue
            if not clause:
                return Q()  # everything; OR-ing an empty Q would silently drop it
            clauses.append(clause)
        if not clauses:
            return None
        combined = clauses[0]
        for clause in clauses[1:]:
            combined |= clause
        return combined

    def clause(self, model, user, membership: Membership, reach: Reach) -> Q | None:
        """The rows one membership reaches, or None if the model has no such place."""
        region_lookup = getattr(model, "scope_region_lookup", None)
        unit_lookup = getattr(model, "scope_unit_lookup", None)
        unit_region_lookup = getattr(model, "scope_unit_region_lookup", None)
        actor_lookup = getattr(model, "scope_actor_lookup", None)
        region = _home_region(membership)
        if reach == Reach.SUBTREE:
            # A role held in a unit reaches the unit's rows (and its sub-units'); rows that
            # belong to no unit are reached through the unit's region where the model says.
            if membership.unit_id:
                if unit_lookup:
                    return Q(**{f"{unit_lookup}__within": membership.unit.path})
                if unit_region_lookup:
                    return Q(**{f"{unit_region_lookup}__within": region.path})
                return None
            if region_lookup:
                return Q(**{f"{region_lookup}__within": region.path})
            return None
        if reach == Reach.ABOVE:
            if region_lookup and region is not None:
                return Q(**{f"{region_lookup}__in": _ancestor_paths(region)})
            return None
        if reach == Reach.OWN:
            return Q(**{actor_lookup: user.pk}) if actor_lookup else None
        if reach == Reach.PEOPLE:
            if not actor_lookup or region is None:
                return None
            if region.parent_id is None and _only_one_city():
                return Q()  # one city on the platform: its people are everybody
            people = Membership.objects.filter(region__path__within=region.path).values("user_id")
            return Q(**{f"{actor_lookup}__in": people}) | Q(**{actor_lookup: user.pk})
        raise ValueError(f"unknown reach {reach!r}")
