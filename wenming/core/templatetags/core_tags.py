"""Template helpers: decisions from the permission table, masking, query strings."""

from django import template

from wenming.core import permissions
from wenming.core.masking import can_see_personal_data, mask_id_number, mask_mobile

register = template.Library()


@register.simple_tag(takes_context=True)
def query_with(context, **changes):
    """The current query string with some parameters replaced (for paging links)."""
    query = context["request"].GET.copy()
    for key, value in changes.items():
        query[key] = value
    return query.urlencode()


@register.simple_tag(takes_context=True)
def mobile(context, value):
    """A mobile number, whole only for roles that need it."""
    user = context["request"].user
    return (value or "") if can_see_personal_data(user) else mask_mobile(value)


@register.simple_tag(takes_context=True)
def id_number(context, value):
    """An ID number, whole only for roles that need it."""
    user = context["request"].user
    return (value or "") if can_see_personal_data(user) else mask_id_number(value)


@register.simple_tag
def completion_label(row, prefix):
    """'code name' of a completion row grouped by unit or indicator ('—' for none)."""
    code = row.get(f"{prefix}__code") or ""
    name = row.get(f"{prefix}__name") or ""
    return f"{code} {name}".strip() or "—"


@register.simple_tag(takes_context=True)
def can(context, action, obj=None):
    """`{% can "framework.review" entry as may_review %}`: a decision from the table."""
    return permissions.can(context["request"].user, action, obj)
