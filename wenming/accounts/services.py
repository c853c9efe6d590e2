"""State changes of people: passwords and accounts, audited."""

from django.contrib.auth import get_user_model, password_validation
from django.db import transaction
from rest_framework.authtoken.models import Token

from wenming.accounts import security
from wenming.core import audit


@transaction.atomic
def change_password(user, new_password: str) -> None:
    """Set a new password after the validators accepted it; the entry never holds it."""
    password_validation.validate_password(new_password, user)
    user.set_password(new_password)
    user.save(update_fields=["password"])
    # API tokens were issued against the old password: they end with it.
    Token.objects.filter(user=user).delete()
    audit.record("password_change", user, actor=user)


@transaction.atomic
def issue_api_token(user) -> Token:
    """Give a signed-in client its token; counts as a sign-in for lockout and the audit log."""
    token, _created = Token.objects.get_or_create(user=user)
    security.clear_failures(user.get_username())
    audit.record("login", user, actor=user, message="api token")
    return token


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
    """Create an account after validating its fields and password."""
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
    audit.record("create", person, actor=actor, after=audit.snapshot(person))
    return person
