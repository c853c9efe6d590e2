"""Sign-in by username or mobile number, refused while a lockout is in force."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied

from wenming.accounts import security
from wenming.core.middleware import client_ip


class UsernameOrMobileBackend(ModelBackend):
    """Find the account by its sign-in key (username in any spelling) or mobile number."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(get_user_model().USERNAME_FIELD)
        if not username or password is None:
            return None
        user = security.resolve_account(username)
        ip = client_ip(request) if request is not None else None
        if security.active_lockout(username, ip, user=user) is not None:
            if request is not None:
                # The failure signal that follows must not count this refusal again.
                request.wenming_login_locked = True
            raise PermissionDenied
        if user is None:
            # Hash anyway so response time does not reveal whether the account exists.
            get_user_model()().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
