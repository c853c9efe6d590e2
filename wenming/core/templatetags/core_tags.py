"""Template helpers: decisions from the permission table, masking, query strings."""

from django import template
from django.utils.html import format_html

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


# Each status a ledger entry or framework can be in, with its own solid colour; white
# text on every one of them has at least 4.5:1 contrast (tests/core/test_status_badges.py
# computes it), and no two states share a colour, so 已退回 never looks like 已通过.
STATUS_COLOURS = {
    # ledger entries
    "assigned": "#475569",
    "acknowledged": "#1d4ed8",
    "submitted": "#6d28d9",
    "returned": "#b45309",
    "passed": "#166534",
    "failed": "#b91c1c",
    "cancelled": "#3f3f46",
    # a submission's outcome: pending review reads like a submitted entry
    "pending": "#6d28d9",
    # frameworks
    "draft": "#0e7490",
    "active": "#15803d",
    "archived": "#57534e",
    # a flag shown beside a status
    "overdue": "#9f1239",
}
STATUS_TEXT_COLOUR = "#ffffff"


@register.simple_tag
def status_badge(obj_or_status, label=None):
    """`{% status_badge entry %}`: the object's status (a submission's outcome) as a badge
    in that status's colour.

    Also `{% status_badge "overdue" _("Overdue") %}` for a flag with its own label.
    """
    if isinstance(obj_or_status, str):
        status, text = obj_or_status, label or obj_or_status
    elif hasattr(obj_or_status, "get_status_display"):
        status, text = obj_or_status.status, label or obj_or_status.get_status_display()
    else:
        # A submission's review outcome (pending, passed, returned, failed).
        status, text = obj_or_status.outcome, label or obj_or_status.get_outcome_display()
    colour = STATUS_COLOURS.get(status, STATUS_COLOURS["assigned"])
    # Inline style (the CSP allows styles): the colours stay with the tag wherever it is
    # used; the class names let a stylesheet (high contrast) override them.
    return format_html(
        '<span class="badge status-badge status-{}" style="background-color:{};color:{}">{}</span>',
        status,
        colour,
        STATUS_TEXT_COLOUR,
        text,
    )
