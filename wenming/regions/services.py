"""State changes of regions, units and memberships: checked, transactional, audited."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr
from django.utils.translation import gettext as _

from wenming.accounts.services import create_person
from wenming.core import audit
from wenming.core.permissions import ADD, CHANGE, can, require
from wenming.regions.models import Membership, Region, TreeNode, Unit
from wenming.regions.scoping import forget_memberships

MANAGE_PEOPLE = "regions.manage_people"
REGION_FIELDS = (
    "code",
    "name",
    "level",
    "parent",
    "boundary",
    "center_longitude",
    "center_latitude",
    "is_active",
)
UNIT_FIELDS = (
    "code",
    "name",
    "short_name",
    "type",
    "region",
    "parent",
    "contact_name",
    "contact_mobile",
    "contact_phone",
    "contact_email",
    "address",
    "is_active",
)


def _require_parent_scope(user, parent, model_label):
    """Creating a root needs a superuser; creating a child needs `add` on the parent."""
    if parent is None:
        if not user.is_superuser:
            raise PermissionDenied(
                _("Only a superuser may create a top-level %(kind)s.") % {"kind": model_label}
            )
        return
    require(user, ADD, parent, _("You may not add beneath %(name)s.") % {"name": parent})


def _move_subtree(model, old_path: str, new_path: str, depth_change: int) -> None:
    """Rewrite the paths (and depths) of a node's descendants in one UPDATE."""
    model.objects.filter(path__within=old_path).exclude(path=old_path).update(
        path=Concat(Value(new_path), Substr("path", len(old_path) + 1)),
        depth=F("depth") + depth_change,
    )


def _place_in_tree(node: TreeNode) -> tuple[str, str, int]:
    """Set path and depth from parent and code; return old path, new path, depth change."""
    old_path, old_depth = node.path, node.depth
    parent = node.parent
    if parent is not None and node.pk and parent.is_within(node):
        raise ValidationError({"parent": _("A node cannot be moved beneath itself.")})
    node.place_under(parent)
    return old_path, node.path, node.depth - old_depth


def _validate_region_level(region: Region) -> None:
    if region.parent is not None and region.level <= region.parent.level:
        raise ValidationError(
            {
                "level": _("A %(child)s cannot sit beneath a %(parent)s.")
                % {
                    "child": region.get_level_display(),
                    "parent": region.parent.get_level_display(),
                }
            }
        )


@transaction.atomic
def create_region(user, **fields) -> Region:
    """Add a region beneath a parent the user may change."""
    region = Region(**fields)
    _require_parent_scope(user, region.parent, _("region"))
    _validate_region_level(region)
    _place_in_tree(region)
    region.full_clean()
    region.save()
    audit.created(region, actor=user)
    return region


def _update_node(user, node: TreeNode, fields, changes: dict, check_place) -> TreeNode:
    """Change a region or unit: lock, check, apply, re-place, move its subtree, audit.

    `check_place(node, changes)` checks the node's new place (parent, region) before it is
    saved; a new code or parent moves every descendant's path with it in one UPDATE.
    """
    model = type(node)
    node = model.objects.select_for_update().get(pk=node.pk)
    require(
        user,
        CHANGE,
        node,
        _("You may not change this %(kind)s.") % {"kind": model._meta.verbose_name},
    )
    change = audit.change(node, actor=user)
    for name, value in changes.items():
        if name not in fields:
            raise ValueError(f"unknown {model._meta.model_name} field {name}")
        setattr(node, name, value)
    check_place(node, changes)
    old_path, new_path, depth_change = _place_in_tree(node)
    node.full_clean()
    node.save()
    if old_path != new_path:
        _move_subtree(model, old_path, new_path, depth_change)
    change.record()
    return node


@transaction.atomic
def update_region(user, region: Region, **changes) -> Region:
    """Change a region; a new code or parent moves its whole subtree with it."""

    def check_place(region, changes):
        if "parent" in changes:
            if region.parent is None and not user.is_superuser:
                raise PermissionDenied(_("Only a superuser may create a top-level region."))
            if region.parent is not None:
                require(user, ADD, region.parent, _("You may not move a region there."))
        _validate_region_level(region)

    return _update_node(user, region, REGION_FIELDS, changes, check_place)


@transaction.atomic
def create_unit(user, **fields) -> Unit:
    """Add a unit in a region the user may change."""
    unit = Unit(**fields)
    region = unit.region if unit.region_id else None
    if region is None:
        raise ValidationError({"region": _("A unit must belong to a region.")})
    require(user, ADD, region, _("You may not add units in %(name)s.") % {"name": region})
    if unit.parent is not None:
        _require_unit_parent(user, unit.parent)
    _place_in_tree(unit)
    unit.full_clean()
    unit.save()
    audit.created(unit, actor=user)
    return unit


@transaction.atomic
def update_unit(user, unit: Unit, **changes) -> Unit:
    """Change a unit; a new code or parent unit moves its sub-units with it."""

    def check_place(unit, changes):
        if "region" in changes:
            require(user, ADD, unit.region, _("You may not move a unit there."))
        if "parent" in changes and unit.parent is not None:
            _require_unit_parent(user, unit.parent)

    return _update_node(user, unit, UNIT_FIELDS, changes, check_place)


def _require_unit_parent(user, parent: Unit) -> None:
    require(user, CHANGE, parent, _("You may not place units under %(name)s.") % {"name": parent})


@transaction.atomic
def grant_membership(user, person, role, *, region=None, unit=None, title="") -> Membership:
    """Give a person a role in a region or a unit within the office admin's region."""
    if unit is not None:
        region = unit.region
    elif region is None:
        raise ValidationError(_("A role is held in a region or a unit."))
    require(
        user,
        MANAGE_PEOPLE,
        region,
        _("You may not give roles in %(place)s.") % {"place": unit or region},
    )
    if role not in Membership.Role.values:
        raise ValidationError({"role": _("Unknown role.")})
    if role == Membership.Role.UNIT_STAFF and unit is None:
        raise ValidationError({"unit": _("Unit staff must belong to a unit.")})
    membership, created = Membership.objects.get_or_create(
        user=person,
        role=role,
        region=region,
        unit=unit,
        defaults={"title": title, "is_active": True},
    )
    if not created and not membership.is_active:
        change = audit.change(membership, actor=user, event="role_restored")
        membership.is_active = True
        membership.save(update_fields=["is_active", "updated_at"])
        change.record()
    elif created:
        audit.created(membership, actor=user)
    forget_memberships(person)
    return membership


@transaction.atomic
def revoke_membership(user, membership: Membership) -> None:
    """End a role; the row stays so the audit trail keeps its meaning."""
    require(user, MANAGE_PEOPLE, membership.region, _("You may not remove roles here."))
    if not membership.is_active:
        raise ValidationError(_("This role has already ended."))
    change = audit.change(membership, actor=user, event="role_ended")
    membership.is_active = False
    membership.save(update_fields=["is_active", "updated_at"])
    change.record()
    forget_memberships(membership.user)


@transaction.atomic
def add_person(user, *, role, region=None, unit=None, title="", **person_fields):
    """Create an account and give it its first role, as one audited change."""
    place_region = unit.region if unit is not None else region
    if place_region is None or not can(user, MANAGE_PEOPLE, place_region):
        raise PermissionDenied(_("You may not add people there."))
    person = create_person(user, **person_fields)
    grant_membership(user, person, role, region=region, unit=unit, title=title)
    return person
