"""Schemathesis over the whole API: every response must match the published schema.

The schema comes from drf-spectacular at /api/schema/, the calls go in-process to the
Django WSGI application, as a city office admin and as a district unit's staff member,
each with a real token, over a city with a framework, tasks, ledger entries, submissions
and evidence. Any server error, undeclared status code, wrong content type, undeclared
header or body that does not match its declared shape fails the test. Examples are
bounded and derandomised, so a run is fast and repeatable (docs/api.md, "How the schema
is checked").
"""

from dataclasses import dataclass
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.conftest import build_city, build_people, kept_for_a_while
from tests.factories import EvidenceFileFactory, ledger_entry
from wenming.accounts import services as account_services
from wenming.framework.models import LedgerEntry

pytestmark = pytest.mark.slow

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
EXAMPLES_PER_OPERATION = 20
# A persona's name in the test id, and who in the fixture city plays it.
PERSONAS = {"city_office_admin": "city_admin", "district_unit_staff": "east_unit_staff"}

application = get_wsgi_application()


@dataclass
class World:
    """The fixture city and people, an acknowledged entry of the east unit, the tokens."""

    city: Any
    people: Any
    acknowledged: LedgerEntry
    tokens: dict[str, str]


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """The fixture city and people, a framework's tasks and ledgers, and one token each.

    Built once for the module; each test runs in its own savepoint inside it, so what
    the calls of one operation write is gone before the next operation's.
    """
    with kept_for_a_while(django_db_blocker):
        city = build_city()
        people = build_people(city)
        # Entries of units on both sides of the district line in every state, so lists
        # and details carry nulls, blanks, submissions, files and events.
        entries = {}
        for unit in (city.east_unit, city.east_sub_unit, city.west_unit, city.city_unit):
            for status in LedgerEntry.Status.values:
                entries[unit.code, status] = ledger_entry(unit, status=status)
        EvidenceFileFactory(
            submission=entries["DH-ZJ", LedgerEntry.Status.SUBMITTED].submissions.get()
        )
        tokens = {}
        for persona, person in PERSONAS.items():
            _token, key = account_services.issue_api_token(getattr(people, person), persona)
            tokens[persona] = key
        yield World(city, people, entries["DH-ZJ", LedgerEntry.Status.ACKNOWLEDGED], tokens)


# The schema is read once, at collection, as any client would read it; it needs no rows.
schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)


@pytest.fixture(scope="module", autouse=True)
def connection_kept_across_requests():
    """Keep the test's database connection open between the calls, as the test client does.

    A real request ends by closing a connection that is not in autocommit; inside the
    test's transaction that is every request, so on PostgreSQL the next query would find
    the connection closed (SQLite's in-memory test database ignores the close).
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture(params=list(PERSONAS))
def token(request, world, db):
    return world.tokens[request.param]


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    derandomize=True,
    deadline=None,
    database=None,
    # The rows are built once for the module on purpose (see `world`); a call through
    # the whole middleware stack is slower than Hypothesis expects of a plain function.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_every_response_matches_the_schema(case, token):
    case.call_and_validate(headers={"Authorization": f"Token {token}"}, checks=CHECKS)


# Refusals the generated calls may or may not reach, each once on purpose: the status
# code is exact, and the body and headers must match what the schema declares for it.


def called(operation: str, method: str, token: str | None = None, **case_fields):
    """One call of an operation with given values, validated against the schema."""
    case = schema[operation][method].Case(**case_fields)
    headers = {"Authorization": f"Token {token}"} if token else {}
    return case.call_and_validate(headers=headers, checks=CHECKS)


def test_acknowledging_twice_is_a_declared_400(world, db):
    response = called(
        "/api/ledger-entries/{id}/acknowledge/",
        "POST",
        world.tokens["district_unit_staff"],
        path_parameters={"id": world.acknowledged.pk},
    )
    assert response.status_code == 400
    assert response.json() == ["已签收，无需重复确认。"]


def test_an_office_acknowledging_is_a_declared_403(world, db):
    response = called(
        "/api/ledger-entries/{id}/acknowledge/",
        "POST",
        world.tokens["city_office_admin"],
        path_parameters={"id": world.acknowledged.pk},
    )
    assert response.status_code == 403
    assert response.json() == {"detail": "只有本单位工作人员可以签收。"}


def test_no_token_is_a_declared_401_naming_the_scheme(world, db):
    response = called("/api/regions/", "GET")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == ["Token"]


def test_a_page_past_the_last_is_a_declared_404(world, db):
    response = called("/api/regions/", "GET", world.tokens["city_office_admin"], query={"page": 99})
    assert response.status_code == 404
    assert set(response.json()) == {"detail"}


def test_a_page_size_of_zero_is_a_declared_400(world, db):
    response = called(
        "/api/units/", "GET", world.tokens["city_office_admin"], query={"page_size": 0}
    )
    assert response.status_code == 400
    assert list(response.json()) == ["page_size"]


def test_page_parameters_are_declared_from_one_up():
    parameters = {
        parameter["name"]: parameter["schema"]
        for parameter in schema.raw_schema["paths"]["/api/units/"]["get"]["parameters"]
    }
    assert parameters["page"] == {"type": "integer", "minimum": 1}
    assert parameters["page_size"] == {"type": "integer", "minimum": 1}


@pytest.mark.parametrize("path", ["/api/regions/1.5/", "/api/no-such-list/", "/api/units/1/x/"])
def test_an_address_no_route_matches_answers_a_json_404(path, world, db):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.people.city_admin)
    for response in (client.get(path), client.post(path, {"name": "x"})):
        assert response.status_code == 404
        assert response["Content-Type"] == "application/json"
        assert response.json() == {"detail": "未找到。"}
