"""What drf-spectacular cannot see in the views: the error responses every endpoint gives.

DRF answers refusals from its permission classes, authentication, `get_object` and the
paginator, none of which a view declares. `declare_error_responses` (a postprocessing
hook in SPECTACULAR_SETTINGS) adds them once for the whole API, so generated clients know
the shape of a 400, 401, 403 and 404 as well as of a success.
"""

DETAIL = "Error"
VALIDATION = "ValidationError"

COMPONENTS = {
    DETAIL: {
        "type": "object",
        "description": "A refusal: why, in the caller's language.",
        "properties": {"detail": {"type": "string"}, "code": {"type": "string"}},
        "required": ["detail"],
    },
    VALIDATION: {
        "description": (
            "Invalid input: the messages by field (`non_field_errors` for the whole "
            "request; a list's errors by position), or a list of messages that name no "
            "field; a body that cannot be read: `detail`."
        ),
        "anyOf": [
            {"$ref": f"#/components/schemas/{DETAIL}"},
            {
                "type": "object",
                "additionalProperties": {
                    "oneOf": [
                        {"type": "array", "items": {"type": "string"}},
                        {"type": "object"},
                    ]
                },
            },
            {"type": "array", "items": {"type": "string"}},
        ],
    },
}

DESCRIPTIONS = {
    "400": "Invalid input.",
    "401": "No credentials, a bad or expired token, or an inactive account.",
    "403": "Signed in, but not allowed to do this.",
    "404": "Not found, or outside the caller's scope; for a list, a page past the last.",
}


def _response(status: str, component: str) -> dict:
    return {
        "description": DESCRIPTIONS[status],
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{component}"}}},
    }


def _can_be_refused_as_invalid(method: str, operation: dict) -> bool:
    """Whether a 400 can come: input to validate, or a change a service may refuse.

    A body or a query parameter can be malformed; a POST or DELETE without either can
    still meet a service's ValidationError (acknowledging an entry twice, renewing an
    expired token).
    """
    return (
        method != "get"
        or "requestBody" in operation
        or any(parameter.get("in") == "query" for parameter in operation.get("parameters", []))
    )


def _finds_something(path: str, operation: dict) -> bool:
    """Whether the call looks something up: an object by id, or a page of a list."""
    return "{" in path or any(
        parameter.get("name") == "page" for parameter in operation.get("parameters", [])
    )


def _is_signed_in(operation: dict) -> bool:
    """Whether the operation needs credentials (an empty requirement means it does not)."""
    return any(requirement for requirement in operation.get("security", [{}]))


def declare_error_responses(result, generator, request, public):
    """Add the error responses DRF gives to every operation that can give them."""
    result.setdefault("components", {}).setdefault("schemas", {}).update(COMPONENTS)
    for path, methods in result.get("paths", {}).items():
        for method, operation in methods.items():
            responses = operation.setdefault("responses", {})
            wanted = []
            if _can_be_refused_as_invalid(method, operation):
                wanted.append(("400", VALIDATION))
            if _is_signed_in(operation):
                wanted += [("401", DETAIL), ("403", DETAIL)]
            if _finds_something(path, operation):
                wanted.append(("404", DETAIL))
            for status, component in wanted:
                responses.setdefault(status, _response(status, component))
            if "401" in responses:
                responses["401"].setdefault("headers", {})["WWW-Authenticate"] = {
                    "description": "How to authenticate: `Token`.",
                    "schema": {"type": "string"},
                }
            if "429" in responses:
                responses["429"].setdefault("headers", {})["Retry-After"] = {
                    "description": "Seconds until the lock ends.",
                    "schema": {"type": "integer", "minimum": 1},
                }
    return result
