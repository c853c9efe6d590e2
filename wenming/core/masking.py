"""Masking personal data (个人信息保护法): whole values only for roles that need them."""

from wenming.core.permissions import can


def mask_mobile(value: str | None) -> str:
    """'13812341234' → '138****1234'; other phone numbers keep only their last four digits."""
    if not value:
        return ""
    value = str(value)
    if len(value) == 11 and value.isdigit():
        return f"{value[:3]}****{value[-4:]}"
    if len(value) <= 4:
        return "*" * len(value)
    return "*" * (len(value) - 4) + value[-4:]


def mask_id_number(value: str | None) -> str:
    """'110101199001011234' → '110101********1234'."""
    if not value:
        return ""
    value = str(value)
    if len(value) <= 10:
        return "*" * len(value)
    return f"{value[:6]}{'*' * (len(value) - 10)}{value[-4:]}"


def can_see_personal_data(user) -> bool:
    """Whether the user's role needs mobile and ID numbers whole (PERSONAL_DATA_ROLES)."""
    return can(user, "core.see_personal_data")
