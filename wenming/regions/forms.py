"""Forms of the regions app."""

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from wenming.core.forms import StyledFormMixin
from wenming.regions.models import Membership, Region, Unit
from wenming.regions.pickers import PickerInput


class PersonForm(StyledFormMixin, forms.Form):
    """A new person and their first role, placed by region code or unit code."""

    username = forms.RegexField(
        label=_("Username"),
        max_length=150,
        regex=r"^[A-Za-z0-9_.@+-]+$",
        error_messages={"invalid": _("Use letters, digits and @ . + - _ only.")},
    )
    full_name = forms.CharField(label=pgettext_lazy("person", "Name"), max_length=50)
    # The model's own field: one mobile rule (accounts.models.mobile_validator).
    mobile = (
        get_user_model()
        ._meta.get_field("mobile")
        .formfield(label=_("Mobile number"), required=False)
    )
    email = forms.EmailField(label=_("E-mail"), required=False)
    password = forms.CharField(label=_("Initial password"), widget=forms.PasswordInput, strip=False)
    role = forms.ChoiceField(label=_("Role"), choices=[])
    place_code = forms.CharField(
        label=_("Region or unit code"),
        max_length=32,
        widget=PickerInput("places"),
        help_text=_(
            "A region code for office, inspector, leader, volunteer and resident "
            "roles; a unit code for unit staff."
        ),
    )
    title = forms.CharField(label=_("Title"), max_length=50, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        # No role is chosen for the admin, and the least powerful comes first: a slip of the
        # hand must not make someone an office admin.
        self.fields["role"].choices = [("", _("Choose a role")), *reversed(Membership.Role.choices)]

    def clean_username(self):
        username = self.cleaned_data["username"]
        if get_user_model().objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(_("This username is taken."))
        return username

    def clean_mobile(self):
        mobile = self.cleaned_data["mobile"]
        if mobile and get_user_model().objects.filter(mobile=mobile).exists():
            raise forms.ValidationError(_("This mobile number belongs to another account."))
        return mobile

    def clean(self):
        data = super().clean()
        code = data.get("place_code", "")
        role = data.get("role")
        if not code or not role:
            return data
        # Only places the user can see are found: another district's code is unknown here.
        if role == Membership.Role.UNIT_STAFF:
            data["unit"] = Unit.objects.restrict(self.user).filter(code=code).first()
            data["region"] = None
            if data["unit"] is None:
                self.add_error("place_code", _("No unit with this code in your scope."))
        else:
            data["region"] = Region.objects.restrict(self.user).filter(code=code).first()
            data["unit"] = None
            if data["region"] is None:
                self.add_error("place_code", _("No region with this code in your scope."))
        password = data.get("password")
        if password:
            from django.contrib.auth import get_user_model, password_validation

            candidate = get_user_model()(username=data.get("username", ""))
            try:
                password_validation.validate_password(password, candidate)
            except forms.ValidationError as error:
                self.add_error("password", error)
        return data
