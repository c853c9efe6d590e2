"""Lockout after repeated failed sign-ins: per account, and (much higher) per client address.

A typed identifier (username or mobile number, in any case or look-alike spelling) is
normalised once by `login_key` and resolved to one account by `resolve_account`; failures
are then counted against that account, whatever spelling reached it, or against the
identifier itself when it names nobody. The address limit is separate and far higher, so
one person's typos do not lock an office that shares one NAT address.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Count, Max
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from wenming.accounts.models import LOGIN_KEY_MAX_LENGTH, LoginFailure, login_key


@dataclass
class Lockout:
    """Why sign-in is refused and until when."""

    until: datetime
    by_address: bool


def normalise_username(username: str) -> str:
    """The key failures of an unknown identifier are counted under."""
    return login_key(username)[:LOGIN_KEY_MAX_LENGTH]


def resolve_account(identifier: str):
    """The account a typed username or mobile number signs in to, or None.

    A mobile number wins over a username: usernames shaped like someone else's number
    are refused (`User.clean`), and should one exist anyway it cannot take the number's
    owner's sign-in.
    """
    key = normalise_username(identifier)
    if not key:
        return None
    manager = get_user_model()._default_manager
    return manager.filter(mobile=key).first() or manager.filter(login_key=key).first()


def _failures_of(identifier: str, user):
    if user is not None:
        return LoginFailure.objects.filter(user=user)
    return LoginFailure.objects.filter(user__isnull=True, username=normalise_username(identifier))


def _lockout(failures, threshold: int, minutes: int, by_address: bool) -> Lockout | None:
    since = timezone.now() - timedelta(minutes=minutes)
    stats = failures.filter(time__gte=since).aggregate(count=Count("id"), last=Max("time"))
    if stats["count"] >= threshold:
        return Lockout(until=stats["last"] + timedelta(minutes=minutes), by_address=by_address)
    return None


def active_lockout(identifier: str, ip: str | None, user=None) -> Lockout | None:
    """The lockout in force for this account (or unknown identifier) or address, if any.

    `user` saves a second lookup when the caller has already resolved the identifier.
    """
    if user is None:
        user = resolve_account(identifier)
    if user is not None or normalise_username(identifier):
        lockout = _lockout(
            _failures_of(identifier, user),
            settings.LOGIN_LOCKOUT_THRESHOLD,
            settings.LOGIN_LOCKOUT_MINUTES,
            by_address=False,
        )
        if lockout is not None:
            return lockout
    if ip:
        return _lockout(
            LoginFailure.objects.filter(ip=ip),
            settings.LOGIN_ADDRESS_LOCKOUT_THRESHOLD,
            settings.LOGIN_ADDRESS_LOCKOUT_MINUTES,
            by_address=True,
        )
    return None


def describe_lockout(lockout: Lockout) -> str:
    """The refusal in the user's language, naming what is locked and the unlock time."""
    until = formats.time_format(timezone.localtime(lockout.until), "H:i")
    if lockout.by_address:
        message = _("Too many failed sign-ins from this address. Try again after %(time)s.")
    else:
        message = _(
            "This account is locked after too many failed sign-ins. Try again after %(time)s."
        )
    return message % {"time": until}


def record_failure(identifier: str, ip: str | None, user=None) -> None:
    """Count one failed sign-in against the account it resolves to (or the identifier)."""
    if user is None:
        user = resolve_account(identifier)
    LoginFailure.objects.create(username=normalise_username(identifier), user=user, ip=ip)


def clear_failures(user) -> None:
    """A successful sign-in forgives the account's earlier failures (not the address's)."""
    LoginFailure.objects.filter(user=user).delete()


def lockout_minutes() -> int:
    """How long an account lockout lasts."""
    return settings.LOGIN_LOCKOUT_MINUTES


def lockout_threshold() -> int:
    """How many failures within the window lock an account."""
    return settings.LOGIN_LOCKOUT_THRESHOLD


def prune_failures(older_than_hours: int = 24) -> int:
    """Delete failures too old to matter for lockout; returns how many went."""
    cutoff = timezone.now() - timedelta(hours=older_than_hours)
    deleted, _by_model = LoginFailure.objects.filter(time__lt=cutoff).delete()
    return deleted
