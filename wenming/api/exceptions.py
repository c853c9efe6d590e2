"""API errors as JSON in the caller's language; Django validation errors become 400s."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(error, context):
    """Let service-layer ValidationError and PermissionDenied reach clients as 400 and 403."""
    if isinstance(error, DjangoValidationError):
        detail = error.message_dict if hasattr(error, "error_dict") else error.messages
        error = exceptions.ValidationError(detail)
    elif isinstance(error, DjangoPermissionDenied):
        error = exceptions.PermissionDenied(str(error) or None)
    return drf_exception_handler(error, context)


# Nothing is changed here, so there is nothing for a forged request to do.
@csrf_exempt
def not_found(request, unmatched=""):
    """Any /api/ address no route matches: a JSON 404 like every other API refusal.

    Without it Django's HTML page would answer, e.g. for `/api/regions/1.5/`, which the
    router's id pattern does not match, and a client would get a body it cannot read.
    """
    return JsonResponse({"detail": str(exceptions.NotFound.default_detail)}, status=404)
