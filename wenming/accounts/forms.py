"""Sign-in form that explains a lockout in the user's language."""

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.core.exceptions import ValidationError
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wenming.accounts import security
from wenming.core.forms import StyledFormMixin
from wenming.core.middleware import client_ip


class LoginForm(AuthenticationForm):
    """Username or mobile number, password; refused with the unlock time while locked."""

    username = forms.CharField(
        label=gettext_lazy("Username or mobile number"),
        max_length=150,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )

    def _lockout_error(self):
        username = self.data.get("username", "")
        lockout = security.active_lockout(username, client_ip(self.request))
        if lockout is None:
            return None
        until = formats.time_format(timezone.localtime(lockout.until), "H:i")
        if lockout.by_address:
            message = _("Too many failed sign-ins from this address. Try again after %(time)s.")
        else:
            message = _(
                "This account is locked after too many failed sign-ins. Try again after %(time)s."
            )
        return ValidationError(message, code="locked", params={"time": until})

    def clean(self):
        error = self._lockout_error()
        if error is not None:
            raise error
        try:
            return super().clean()
        except ValidationError:
            raise self._lockout_error() or ValidationError(
                _(
                    "Wrong username or password. The account is locked for %(minutes)d "
                    "minutes after %(count)d failed attempts."
                ),
                code="invalid_login",
                params={
                    "minutes": security.lockout_minutes(),
                    "count": security.lockout_threshold(),
                },
            ) from None


class StyledPasswordChangeForm(StyledFormMixin, PasswordChangeForm):
    """Django's password change form with Tabler styling."""
