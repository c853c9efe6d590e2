"""People who sign in, their API tokens, and the failed sign-ins that drive lockout."""

import hashlib
import re
import unicodedata

from django.contrib.auth.hashers import acheck_password, check_password
from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from wenming.core import audit

MOBILE_PATTERN = re.compile(r"^1[3-9][0-9]{9}$")
LOGIN_KEY_MAX_LENGTH = 255

mobile_validator = RegexValidator(
    r"^1[3-9][0-9]{9}$", _("Enter an 11-digit mainland mobile number.")
)
id_number_validator = RegexValidator(
    r"^[0-9]{17}[0-9Xx]$", _("Enter an 18-character resident ID number.")
)


def login_key(identifier: str) -> str:
    """The one form of a typed username or mobile number used to find and count an account.

    NFKC folds full-width and compatibility letters (ſ → s, ｄ → d); the upper-case pass
    before casefolding folds what only upper-casing joins (ı → I → i), so every spelling
    PostgreSQL's case-insensitive comparison treated as the same account is one key here,
    on every database.
    """
    text = unicodedata.normalize("NFKC", (identifier or "").strip())
    text = unicodedata.normalize("NFKC", text.upper()).casefold()
    return unicodedata.normalize("NFKC", text).strip()


class PersonManager(UserManager):
    """Django's user manager; bulk-created people get their sign-in key too."""

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        for person in objs:
            person.login_key = login_key(person.username) or None
        return super().bulk_create(objs, *args, **kwargs)


class User(AbstractUser):
    """A person: office staff, inspector, unit staff, leader, volunteer or resident."""

    # Chinese names are not split into first and last; one field holds the whole name.
    first_name = None
    last_name = None
    full_name = models.CharField(pgettext_lazy("person", "name"), max_length=50, blank=True)
    mobile = models.CharField(
        _("mobile number"),
        max_length=11,
        unique=True,
        null=True,
        blank=True,
        validators=[mobile_validator],
    )
    id_number = models.CharField(
        _("ID number"), max_length=18, blank=True, validators=[id_number_validator]
    )
    # Kept in step with `username` by save(); sign-in and lockout look accounts up by it.
    # Null only for an account whose key collided with an older one's when the column was
    # added (it signs in by mobile number until renamed).
    login_key = models.CharField(  # noqa: DJ001 (NULL, unlike "", may repeat under UNIQUE)
        _("sign-in key"),
        max_length=LOGIN_KEY_MAX_LENGTH,
        unique=True,
        null=True,
        editable=False,
    )

    # 适老化: larger type and high contrast on every page, kept with the person so it
    # follows them to any browser; anonymous visitors keep it in a cookie instead.
    elder_friendly_mode = models.BooleanField(_("elder-friendly mode"), default=False)

    objects = PersonManager()

    REQUIRED_FIELDS = ["email"]

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")

    def clean(self):
        """Refuse a username or mobile number that would make a sign-in name ambiguous."""
        super().clean()
        errors = {}
        key = login_key(self.username)
        others = type(self)._default_manager.exclude(pk=self.pk)
        if len(key) > LOGIN_KEY_MAX_LENGTH:
            errors["username"] = _("This username is too long.")
        elif key and others.filter(login_key=key).exists():
            errors["username"] = _(
                "A person with this username, written in other letters, already exists."
            )
        elif MOBILE_PATTERN.match(key) and key != (self.mobile or ""):
            # Sign-in accepts a mobile number in the username box: a username shaped like
            # one could take over another person's number, now or after a change.
            errors["username"] = _(
                "A username cannot be a mobile number other than the person's own."
            )
        if self.mobile and others.filter(login_key=self.mobile).exists():
            errors["mobile"] = _("This mobile number is another person's username.")
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs):
        """Keep the sign-in key in step; end API tokens when the password or access ends.

        Every path that changes a password (the admin's reset, the password page,
        set_password, services) or deactivates an account saves through here.
        """
        update_fields = kwargs.get("update_fields")
        if update_fields is None or "username" in update_fields:
            self.login_key = login_key(self.username) or None
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "login_key"}
        watched = update_fields is None or {"password", "is_active"} & set(update_fields)
        previous = None
        if self.pk and watched and not self._state.adding:
            previous = (
                type(self)
                ._default_manager.filter(pk=self.pk)
                .values("password", "is_active")
                .first()
            )
        rehashed = getattr(self, "_password_rehashed", False)
        self._password_rehashed = False
        super().save(*args, **kwargs)
        if previous is None:
            return
        password_changed = previous["password"] != self.password and not rehashed
        deactivated = previous["is_active"] and not self.is_active
        if password_changed or deactivated:
            reason = "password change" if password_changed else "deactivation"
            ApiToken.objects.end_for(self, reason=reason)

    def check_password(self, raw_password):
        """Django's check, marking a hash upgrade so it is not taken for a password change."""

        def setter(raw_password):
            self.set_password(raw_password)
            self._password = None
            self._password_rehashed = True
            self.save(update_fields=["password"])

        return check_password(raw_password, self.password, setter)

    async def acheck_password(self, raw_password):
        """See check_password()."""

        async def setter(raw_password):
            self.set_password(raw_password)
            self._password = None
            self._password_rehashed = True
            await self.asave(update_fields=["password"])

        return await acheck_password(raw_password, self.password, setter)

    def __str__(self):
        return self.full_name or self.username

    def get_full_name(self):
        return self.full_name or self.username

    def get_short_name(self):
        return self.full_name or self.username


class LoginFailure(models.Model):
    """One failed sign-in; recent ones per account and per address decide lockout.

    `user` is the account the typed identifier resolved to; failures for an identifier
    that names nobody keep `user` empty and are counted by `username` (its sign-in key).
    """

    username = models.CharField(_("username"), max_length=LOGIN_KEY_MAX_LENGTH, db_index=True)
    user = models.ForeignKey(
        "accounts.User",
        verbose_name=_("person"),
        null=True,
        blank=True,
        # A deleted person's failures still count against the name that was typed.
        on_delete=models.SET_NULL,
        related_name="+",
    )
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    time = models.DateTimeField(_("time"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("failed sign-in")
        verbose_name_plural = _("failed sign-ins")
        indexes = [
            models.Index(fields=["username", "time"], name="loginfailure_user_time_idx"),
            models.Index(fields=["ip", "time"], name="loginfailure_ip_time_idx"),
            models.Index(fields=["user", "time"], name="loginfailure_person_time_idx"),
        ]

    def __str__(self):
        return f"{self.username} {self.ip} {self.time:%Y-%m-%d %H:%M}"


def token_digest(key: str) -> str:
    """The SHA-256 of a token key: what the database keeps instead of the key."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    """Tokens, and the one way they end together."""

    def end_for(self, person, *, reason: str) -> int:
        """End every token of a person (or person id), auditing it once; how many ended."""
        person_id = getattr(person, "pk", person)
        with transaction.atomic():
            ended, _by_model = self.filter(user_id=person_id).delete()
            if ended:
                audit.record(
                    "delete",
                    object_type="accounts.apitoken",
                    object_id=str(person_id),
                    object_repr=str(person),
                    message=f"{ended} api tokens ended: {reason}",
                )
        return ended


class ApiToken(models.Model):
    """A named API credential of one person, ending on its expiry or when access changes.

    Only the key's SHA-256 is stored: the key is shown once, when the token is made.
    """

    user = models.ForeignKey(
        "accounts.User",
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="api_tokens",
    )
    name = models.CharField(_("name"), max_length=100)
    digest = models.CharField(_("key digest"), max_length=64, unique=True, editable=False)
    prefix = models.CharField(_("key begins with"), max_length=8, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"), db_index=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()
