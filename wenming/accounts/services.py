"""State changes of people: passwords, accounts and API tokens, audited."""

import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from wenming.accounts import security
from wenming.accounts.models import ApiToken, token_digest
from wenming.core import audit
from wenming.core.permissions import can, require
from wenming.regions.models import Membership

# The permission an office admin needs over a person's region to end their tokens.
REVOKE_TOKEN = "accounts.revoke_token"  # noqa: S105 (an action name, not a secret)


@transaction.atomic
def change_password(user, new_password: str) -> None:
    """Set a new password after the validators accepted it; the entry never holds it.

    Saving the new hash ends the person's API tokens (`User.save`).
    """
    password_validation.validate_password(new_password, user)
    user.set_password(new_password)
    user.save(update_fields=["password"])
    audit.record("password_change", user, actor=user)


def _token_snapshot(token: ApiToken) -> dict:
    snapshot = audit.snapshot(token)
    snapshot.pop("digest", None)
    return snapshot


def _new_token(user, name: str) -> tuple[ApiToken, str]:
    """Make a token for `user`; the key is returned once and never stored."""
    name = (name or "").strip()[:100] or _("API sign-in")
    key = secrets.token_hex(20)
    token = ApiToken.objects.create(
        user=user,
        name=name,
        digest=token_digest(key),
        prefix=key[:8],
        expires_at=timezone.now() + timedelta(days=settings.API_TOKEN_LIFETIME_DAYS),
    )
    # A person keeps a bounded number of tokens: the least recently used ones end first.
    recency = Coalesce("last_used_at", "created_at")
    surplus = ApiToken.objects.filter(user=user).order_by(recency.desc(), "-id")
    surplus_ids = list(surplus.values_list("id", flat=True)[settings.API_TOKEN_MAX_PER_PERSON :])
    if surplus_ids:
        ApiToken.objects.filter(id__in=surplus_ids).delete()
    audit.record("create", token, actor=user, after=_token_snapshot(token))
    return token, key


@transaction.atomic
def issue_api_token(user, name: str = "") -> tuple[ApiToken, str]:
    """Give a client that signed in with a password a new token and its key.

    Counts as a sign-in for lockout and the audit log.
    """
    token, key = _new_token(user, name)
    security.clear_failures(user)
    audit.record("login", user, actor=user, message="api token")
    return token, key


@transaction.atomic
def create_api_token(actor, *, name: str) -> tuple[ApiToken, str]:
    """A signed-in person makes a named token for themselves; the key is shown once."""
    if not name or not name.strip():
        raise ValidationError({"name": _("Give the token a name.")})
    return _new_token(actor, name)


@transaction.atomic
def renew_api_token(actor, token: ApiToken) -> ApiToken:
    """Push an unexpired token's expiry to a full lifetime from now; only its owner may."""
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.user_id != actor.pk:
        raise PermissionDenied(_("Only the token's owner may renew it."))
    if token.is_expired:
        raise ValidationError(_("This token has expired; sign in again for a new one."))
    before = _token_snapshot(token)
    token.expires_at = timezone.now() + timedelta(days=settings.API_TOKEN_LIFETIME_DAYS)
    token.save(update_fields=["expires_at"])
    audit.record("update", token, actor=actor, before=before, after=_token_snapshot(token))
    return token


def _role_regions(person) -> list:
    """The regions of the person's active roles (a unit's region for a unit role)."""
    memberships = Membership.objects.filter(user=person, is_active=True).select_related(
        "region", "unit__region"
    )
    # Never None: can() without an object would mean "anywhere".
    return [m.region or m.unit.region for m in memberships.order_by("id")]


def may_revoke_tokens_of(actor, person) -> bool:
    """Whether `actor` may see and end `person`'s tokens: their own, or as office admin."""
    if actor.pk == person.pk:
        return True
    regions = _role_regions(person)
    if not regions:
        # A person without a role lies in no office's region.
        return bool(actor.is_superuser)
    return any(can(actor, REVOKE_TOKEN, region) for region in regions)


def _require_revoke(actor, person) -> None:
    if actor.pk == person.pk:
        return
    message = _("You may not end this person's API tokens.")
    regions = _role_regions(person)
    if not regions:
        if actor.is_superuser:
            return
        raise PermissionDenied(message)
    for region in regions[:-1]:
        if can(actor, REVOKE_TOKEN, region):
            return
    require(actor, REVOKE_TOKEN, regions[-1], message=message)


@transaction.atomic
def revoke_api_token(actor, token: ApiToken) -> None:
    """End one token: its owner, or an office admin over a region the owner has a role in."""
    token = ApiToken.objects.select_for_update().select_related("user").get(pk=token.pk)
    _require_revoke(actor, token.user)
    before = _token_snapshot(token)
    token_id, token_repr = token.pk, str(token)
    token.delete()
    audit.record(
        "delete",
        object_type="accounts.apitoken",
        object_id=token_id,
        object_repr=token_repr,
        before=before,
        actor=actor,
        message="api token revoked",
    )


def end_api_tokens(person, *, reason: str) -> int:
    """End every API token of a person (or person id); returns how many ended.

    Called on a password change or reset and a deactivation (`User.save`) and on a role's
    end (`accounts.signals`), whichever path caused it; one audit entry when any ended.
    """
    return ApiToken.objects.end_for(person, reason=reason)


@transaction.atomic
def create_person(
    actor=None,
    *,
    username: str,
    password: str,
    full_name: str = "",
    mobile: str | None = None,
    email: str = "",
    id_number: str = "",
    is_superuser: bool = False,
):
    """Create an account after validating its fields and password.

    `full_clean` refuses a username that another person's already is in other letters
    and a username or mobile number that would collide with another person's sign-in.
    """
    user_model = get_user_model()
    person = user_model(
        username=username,
        full_name=full_name,
        mobile=mobile or None,
        email=email,
        id_number=id_number,
        is_superuser=is_superuser,
        is_staff=is_superuser,
    )
    password_validation.validate_password(password, person)
    person.set_password(password)
    person.full_clean()
    person.save()
    audit.created(person, actor=actor)
    return person


def set_elder_friendly_mode(user, enabled: bool) -> None:
    """Remember a person's 适老化 choice (large text, high contrast) for every browser.

    A display preference of one's own, like the interface language: not audited.
    """
    user.elder_friendly_mode = enabled
    user.save(update_fields=["elder_friendly_mode"])
