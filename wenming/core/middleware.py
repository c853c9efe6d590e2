"""Request-wide middleware: request id and client address, and the security headers."""

import re

from django.conf import settings

from wenming.core import context

REQUEST_ID_PATTERN = re.compile(r"^[A-Za-z0-9\-]{8,64}$")


def client_ip(request) -> str | None:
    """Return the client address; X-Forwarded-For is trusted only behind a known proxy.

    The last address in the header is the one our own proxy appended; earlier ones come
    from the client and may be forged, so they are never used for lockout or the audit log.
    """
    if settings.TRUST_X_FORWARDED_FOR:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[-1].strip() or None
    return request.META.get("REMOTE_ADDR") or None


class RequestContextMiddleware:
    """Give each request an id (kept from a sane X-Request-ID) and record who acts."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        action_context = context.ActionContext(ip=client_ip(request), origin="web")
        if REQUEST_ID_PATTERN.match(incoming):
            action_context.request_id = incoming
        action_context.request = request  # request.user is read when an entry is written
        request.request_id = action_context.request_id
        token = context.push(action_context)
        try:
            response = self.get_response(request)
        finally:
            context.pop(token)
        response["X-Request-ID"] = action_context.request_id
        return response


class ContentSecurityPolicyMiddleware:
    """Send the Content-Security-Policy from settings on every response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        response.setdefault(
            "Permissions-Policy", "camera=(self), geolocation=(self), microphone=()"
        )
        return response
