"""The permission table and the one scoping mechanism: `restrict`, `can` and `require`.

Every decision about who may do what reads one table of actions × roles. Each app declares
the actions it adds, next to its models, in its own `permissions.py`:

    declare("framework.review", _("Review ledger evidence"), {
        Role.OFFICE_ADMIN: Grant(Reach.SUBTREE),
        Role.OFFICE_STAFF: Grant(Reach.SUBTREE),
    })

A grant says how far the role reaches from the place (region or unit) it is held in; the
model says where its rows sit through `scope_*_lookup` attributes. Reads go through
`Model.objects.restrict(user, action)`, single decisions through `can(user, action, obj)`
and `require(...)`; a row outside the user's reach answers 404 on every page and endpoint.

This module is generic: it knows neither roles nor memberships. The app that owns
memberships (regions) registers the *scoper* that turns a person's roles and a grant into a
filter, so core imports nothing from the domain apps.
"""

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.db import models
from django.db.models import Q
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

VIEW, ADD, CHANGE, DELETE = "view", "add", "change", "delete"
MODEL_VERBS = (VIEW, ADD, CHANGE, DELETE)


class Reach(StrEnum):
    """How far a grant reaches from the place its role is held in."""

    #: Rows placed in the holder's region or unit, or anywhere beneath it.
    SUBTREE = "subtree"
    #: Rows placed in the holder's region or in a region above it (a city's framework).
    ABOVE = "above"
    #: Rows the holder made themselves (the model's `scope_actor_lookup`).
    OWN = "own"
    #: Rows made by anyone holding a role in the holder's region or beneath it.
    PEOPLE = "people"


@dataclass(frozen=True)
class Grant:
    """One role's right to an action: its reach, and whether it needs a top-level place."""

    reach: Reach = Reach.SUBTREE
    #: Only when the role is held in a top-level region (the city itself).
    at_top: bool = False


@dataclass(frozen=True)
class Action:
    """A declared action: its name (`app.verb` or `app.verb_model`), label and grants."""

    name: str
    label: str
    #: Role → the grants it holds (usually one; e.g. "all at the top, own elsewhere").
    grants: Mapping[str, tuple[Grant, ...]] = field(default_factory=dict)


class PermissionTable:
    """Every declared action; each app adds its own in its `permissions.py`."""

    def __init__(self):
        self._actions: dict[str, Action] = {}

    def declare(self, name: str, label, grants: Mapping[str, Grant | tuple[Grant, ...]]) -> Action:
        """Add an action; declaring the same name twice is a programming error."""
        if "." not in name:
            raise ImproperlyConfigured(f"action {name!r} needs an app prefix: 'app.verb'")
        if name in self._actions:
            raise ImproperlyConfigured(f"action {name!r} is declared twice")
        action = Action(
            name,
            label,
            {
                str(role): grant if isinstance(grant, tuple) else (grant,)
                for role, grant in grants.items()
            },
        )
        self._actions[name] = action
        return action

    def declare_model(self, model, label_plural, grants_by_verb: Mapping[str, Mapping]) -> None:
        """Declare a model's `view`/`add`/`change`/`delete` actions in one statement."""
        labels = {
            VIEW: _("View %(things)s"),
            ADD: _("Add %(things)s"),
            CHANGE: _("Change %(things)s"),
            DELETE: _("Delete %(things)s"),
        }
        for verb, grants in grants_by_verb.items():
            self.declare(
                model_action(model, verb), _lazy_format(labels[verb], label_plural), grants
            )

    def get(self, name: str) -> Action:
        try:
            return self._actions[name]
        except KeyError:
            raise ImproperlyConfigured(f"action {name!r} is not declared") from None

    def __iter__(self) -> Iterator[Action]:
        return iter(sorted(self._actions.values(), key=lambda action: action.name))

    def __contains__(self, name: str) -> bool:
        return name in self._actions


def _lazy_format(template, things):
    """A label that is translated when shown, not when declared."""
    return lazy(lambda: str(template) % {"things": things}, str)()


def each(roles, grant: Grant | tuple[Grant, ...] = Grant()) -> dict:
    """The same grant for several roles: `{**each(OFFICE), Role.LEADER: Grant(...)}`."""
    return dict.fromkeys(roles, grant)


TABLE = PermissionTable()
declare = TABLE.declare
declare_model = TABLE.declare_model


def model_action(model, verb: str) -> str:
    """The declared name of a model's verb: `view` on Region is `regions.view_region`."""
    return f"{model._meta.app_label}.{verb}_{model._meta.model_name}"


def action_name(model, action: str) -> str:
    """A bare verb is the model's own action; a dotted name is used as it is."""
    return action if "." in action else model_action(model, action)


class Scoper(Protocol):
    """What the app owning roles provides: a person's grants turned into decisions."""

    def holds(self, user, action: Action) -> bool:
        """Whether any of the user's roles is granted the action anywhere."""

    def scope_q(self, model, user, action: Action) -> Q | None:
        """The filter for the model's rows within the user's reach; None for none."""


_scoper: Scoper | None = None


def use_scoper(scoper: Scoper) -> None:
    """Register the scoper; the regions app does this when Django starts."""
    global _scoper
    _scoper = scoper


def _get_scoper() -> Scoper:
    if _scoper is None:
        raise ImproperlyConfigured("no scoper registered: is wenming.regions installed?")
    return _scoper


def _is_active(user) -> bool:
    return getattr(user, "is_authenticated", False) and user.is_active


def scope_q(model, user, action: str) -> Q | None:
    """The filter for rows of `model` the user may perform `action` on; None means none."""
    declared = TABLE.get(action_name(model, action))
    if not _is_active(user):
        return None
    if user.is_superuser:
        return Q()
    return _get_scoper().scope_q(model, user, declared)


class RestrictedQuerySet(models.QuerySet):
    """A queryset that can narrow itself to what a user may see or change."""

    def restrict(self, user, action: str = VIEW):
        """Rows the user may perform `action` on (a model verb or a declared action)."""
        q = scope_q(self.model, user, action)
        if q is None:
            return self.none()
        return self.filter(q) if q else self


class ScopedModel(models.Model):
    """Base for models read through `restrict`; subclasses name where their rows sit.

    - `scope_region_lookup`: the path of the region a row belongs to ("region__path");
    - `scope_unit_lookup`: the path of the unit a row belongs to ("unit__path");
    - `scope_unit_region_lookup`: for rows with no unit, the region path a unit-held role
      is compared with (a unit's staff see their unit's region and what lies beneath);
    - `scope_actor_lookup`: the person who made the row, for the OWN and PEOPLE reaches.
    """

    scope_region_lookup: str | None = None
    scope_unit_lookup: str | None = None
    scope_unit_region_lookup: str | None = None
    scope_actor_lookup: str | None = None

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        abstract = True


def can(user, action: str, obj=None) -> bool:
    """Whether the user may perform `action`: on `obj`, or (without one) anywhere at all."""
    if obj is None:
        declared = TABLE.get(action)
        if not _is_active(user):
            return False
        return user.is_superuser or _get_scoper().holds(user, declared)
    if obj.pk is None:
        raise ValueError("can() takes a saved object")
    return type(obj)._default_manager.restrict(user, action).filter(pk=obj.pk).exists()


def require(user, action: str, obj=None, message=None) -> None:
    """Raise PermissionDenied unless `can(user, action, obj)`; services call this first."""
    if not can(user, action, obj):
        raise PermissionDenied(message or _("You may not do this."))
