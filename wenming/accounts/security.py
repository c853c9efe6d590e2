"""Lockout after repeated failed sign-ins, per account and per client address."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, Max
from django.utils import timezone

from wenming.accounts.models import LoginFailure


@dataclass
class Lockout:
    """Why sign-in is refused and until when."""

    until: datetime
    by_address: bool


def _window_start(now):
    return now - timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)


def normalise_username(username: str) -> str:
    """Lockout counts one account whatever case or spacing was typed."""
    return (username or "").strip().lower()[:150]


def active_lockout(username: str, ip: str | None) -> Lockout | None:
    """The lockout in force for this account or address, if any."""
    now = timezone.now()
    threshold = settings.LOGIN_LOCKOUT_THRESHOLD
    recent = LoginFailure.objects.filter(time__gte=_window_start(now))
    checks = [("username", normalise_username(username), False)]
    if ip:
        checks.append(("ip", ip, True))
    for field, value, by_address in checks:
        if not value:
            continue
        stats = recent.filter(**{field: value}).aggregate(count=Count("id"), last=Max("time"))
        if stats["count"] >= threshold:
            return Lockout(
                until=stats["last"] + timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES),
                by_address=by_address,
            )
    return None


def record_failure(username: str, ip: str | None) -> None:
    """Count one failed sign-in."""
    LoginFailure.objects.create(username=normalise_username(username), ip=ip)


def clear_failures(username: str) -> None:
    """A successful sign-in forgives the account's earlier failures (not the address's)."""
    LoginFailure.objects.filter(username=normalise_username(username)).delete()


def lockout_minutes() -> int:
    """How long a lockout lasts."""
    return settings.LOGIN_LOCKOUT_MINUTES


def lockout_threshold() -> int:
    """How many failures within the window lock an account or address."""
    return settings.LOGIN_LOCKOUT_THRESHOLD


def prune_failures(older_than_hours: int = 24) -> int:
    """Delete failures too old to matter for lockout; returns how many went."""
    cutoff = timezone.now() - timedelta(hours=older_than_hours)
    deleted, _by_model = LoginFailure.objects.filter(time__lt=cutoff).delete()
    return deleted
