"""People who sign in, and the record of failed sign-ins that drives lockout."""

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

mobile_validator = RegexValidator(
    r"^1[3-9][0-9]{9}$", _("Enter an 11-digit mainland mobile number.")
)
id_number_validator = RegexValidator(
    r"^[0-9]{17}[0-9Xx]$", _("Enter an 18-character resident ID number.")
)


class User(AbstractUser):
    """A person: office staff, inspector, unit staff, leader, volunteer or resident."""

    # Chinese names are not split into first and last; one field holds the whole name.
    first_name = None
    last_name = None
    full_name = models.CharField(_("name"), max_length=50, blank=True)
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

    objects = UserManager()

    REQUIRED_FIELDS = ["email"]

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")

    def __str__(self):
        return self.full_name or self.username

    def get_full_name(self):
        return self.full_name or self.username

    def get_short_name(self):
        return self.full_name or self.username


class LoginFailure(models.Model):
    """One failed sign-in; recent ones per account and per address decide lockout."""

    username = models.CharField(_("username"), max_length=150, db_index=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    time = models.DateTimeField(_("time"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("failed sign-in")
        verbose_name_plural = _("failed sign-ins")
        indexes = [
            models.Index(fields=["username", "time"], name="loginfailure_user_time_idx"),
            models.Index(fields=["ip", "time"], name="loginfailure_ip_time_idx"),
        ]

    def __str__(self):
        return f"{self.username} {self.ip} {self.time:%Y-%m-%d %H:%M}"
