"""Sign-in and password forms that explain a lockout in the user's language."""

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wenming.accounts import security
from wenming.core import audit
from wenming.core.forms import StyledFormMixin
from wenming.core.middleware import client_ip


def _locked_error(lockout) -> ValidationError:
    return ValidationError(security.describe_lockout(lockout), code="locked")


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
        return None if lockout is None else _locked_error(lockout)

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
    """Django's password change form; wrong old passwords count towards the lockout.

    Without the count, a session left open would allow unlimited guesses at the password.
    """

    def __init__(self, user, *args, request=None, **kwargs):
        self.request = request
        super().__init__(user, *args, **kwargs)

    def clean_old_password(self):
        ip = client_ip(self.request) if self.request is not None else None
        lockout = security.active_lockout("", ip, user=self.user)
        if lockout is not None:
            raise _locked_error(lockout)
        old_password = self.cleaned_data["old_password"]
        if self.user.check_password(old_password):
            return old_password
        security.record_failure(self.user.get_username(), ip, user=self.user)
        audit.record(
            "login_failed",
            self.user,
            actor=self.user,
            object_repr=self.user.get_username(),
            message="wrong old password",
        )
        lockout = security.active_lockout("", ip, user=self.user)
        if lockout is not None:
            raise _locked_error(lockout)
        raise ValidationError(self.error_messages["password_incorrect"], code="password_incorrect")


class ApiTokenForm(StyledFormMixin, forms.Form):
    """A name for a new API token, so its owner knows later which client holds it."""

    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=100,
        help_text=gettext_lazy("Which client or device will use it, e.g. the inspection phone."),
    )
