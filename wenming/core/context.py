"""Who is acting, from where, in which request: read by the audit log.

The middleware fills this for web and API requests; management commands and tasks fill
it with `acting_as`, so every audit entry names a real actor and origin.
"""

import contextlib
import uuid
from contextvars import ContextVar
from dataclasses import dataclass, field


@dataclass
class ActionContext:
    """The origin of the changes made while it is current."""

    request_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    ip: str | None = None
    user: object | None = None
    origin: str = "system"
    request: object | None = None

    @property
    def actor(self):
        """The signed-in person acting, or None for the system and anonymous visitors."""
        user = self.user
        if user is None and self.request is not None:
            user = getattr(self.request, "user", None)
        if user is None or not getattr(user, "is_authenticated", False):
            return None
        return user


_current: ContextVar[ActionContext | None] = ContextVar("wenming_action_context", default=None)


def current() -> ActionContext:
    """Return the context in force, or a fresh system context outside any request."""
    context = _current.get()
    return context if context is not None else ActionContext()


@contextlib.contextmanager
def acting_as(user=None, *, origin="system", ip=None, request_id=None):
    """Run a block as `user` (None for the system), e.g. in a command or a task."""
    context = ActionContext(ip=ip, user=user, origin=origin)
    if request_id:
        context.request_id = request_id
    token = _current.set(context)
    try:
        yield context
    finally:
        _current.reset(token)


def push(context: ActionContext):
    """Make `context` current; returns the token to pass to `pop`."""
    return _current.set(context)


def pop(token) -> None:
    """Restore the context that was current before `push`."""
    _current.reset(token)
