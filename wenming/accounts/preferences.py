"""The 适老化 (elder-friendly) display mode: read for each page, kept per person and browser."""

from django.conf import settings

ELDER_FRIENDLY_COOKIE = "elder_friendly_mode"
# A year: the choice is a lasting need, not a session's.
ELDER_FRIENDLY_COOKIE_AGE = 365 * 24 * 60 * 60


def browser_wants_elder_friendly(request) -> bool:
    """Whether this browser's cookie asks for the elder-friendly mode."""
    return request.COOKIES.get(ELDER_FRIENDLY_COOKIE) == "1"


def elder_friendly_mode(request) -> bool:
    """The mode for this page: a signed-in person's own choice, else the browser's."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return user.elder_friendly_mode
    return browser_wants_elder_friendly(request)


def remember_in_browser(response, enabled: bool) -> None:
    """Keep the choice in the browser too, so it holds after signing out and on the portal."""
    response.set_cookie(
        ELDER_FRIENDLY_COOKIE,
        "1" if enabled else "0",
        max_age=ELDER_FRIENDLY_COOKIE_AGE,
        samesite="Lax",
        httponly=True,
        secure=settings.SESSION_COOKIE_SECURE,
    )


def display_preferences(request) -> dict:
    """Template context: `elder_friendly_mode` for the <html> class and the header switch."""
    return {"elder_friendly_mode": elder_friendly_mode(request)}
