"""Password rules of 等保 2.0 level 3: length, character classes, not the username."""

import string

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext


class StrongPasswordValidator:
    """At least `min_length` characters, 3 of 4 character classes, no username inside."""

    def __init__(self, min_length=8, min_classes=3):
        self.min_length = min_length
        self.min_classes = min_classes

    def validate(self, password, user=None):
        errors = []
        if len(password) < self.min_length:
            errors.append(
                ValidationError(
                    ngettext(
                        "The password must be at least %(min_length)d character long.",
                        "The password must be at least %(min_length)d characters long.",
                        self.min_length,
                    ),
                    code="password_too_short",
                    params={"min_length": self.min_length},
                )
            )
        classes = sum(
            [
                any(c in string.ascii_lowercase for c in password),
                any(c in string.ascii_uppercase for c in password),
                any(c in string.digits for c in password),
                any(not c.isalnum() for c in password),
            ]
        )
        if classes < self.min_classes:
            errors.append(
                ValidationError(
                    _(
                        "The password must mix at least %(min_classes)d of: lowercase "
                        "letters, uppercase letters, digits and symbols."
                    ),
                    code="password_too_simple",
                    params={"min_classes": self.min_classes},
                )
            )
        username = getattr(user, "username", "") or ""
        if username and username.lower() in password.lower():
            errors.append(
                ValidationError(
                    _("The password must not contain the username."),
                    code="password_contains_username",
                )
            )
        if errors:
            raise ValidationError(errors)

    def get_help_text(self):
        return _(
            "At least %(min_length)d characters, mixing %(min_classes)d of lowercase, "
            "uppercase, digits and symbols, and not containing your username."
        ) % {"min_length": self.min_length, "min_classes": self.min_classes}
