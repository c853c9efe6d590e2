"""Schemathesis over the whole API: every response must match the published schema.

The schema comes from drf-spectacular at /api/schema/, the calls go in-process to the
Django WSGI application, as a city office admin and as a district unit's staff member,
each with a real token, over a city with a framework, tasks, ledger entries, submissions
and evidence. Any server error, undeclared status code, wrong content type, undeclared
header or body that does not match its declared shape fails the test. Examples are
bounded and derandomised, so a run is fast and repeatable (docs/api.md, "How the schema
is checked").
"""

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
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
EXAMPLES_PER_OPERATION = 25
# A persona's name in the test id, and who in the fixture city plays it.
PERSONAS = {"city_office_admin": "city_admin", "district_unit_staff": "east_unit_staff"}

application = get_wsgi_application()


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """The fixture city and people, a framework's tasks and ledgers, and one token each.

    Built once for the module; each test runs in its own savepoint inside it, so what
    the calls of one operation write is gone before the next operation's.
    """
    with kept_for_a_while(django_db_blocker):
        city = build_city()
        people = build_people(city)
        # Entries of the east unit (the unit staff's) and the west unit in every state,
        # so lists and details carry nulls, blanks, submissions, files and events.
        for unit in (city.east_unit, city.east_sub_unit, city.west_unit, city.city_unit):
            for status in LedgerEntry.Status.values:
                ledger_entry(unit, status=status)
        EvidenceFileFactory(
            submission=ledger_entry(
                city.east_unit, status=LedgerEntry.Status.SUBMITTED
            ).submissions.get()
        )
        tokens = {}
        for persona, person in PERSONAS.items():
            _token, key = account_services.issue_api_token(getattr(people, person), persona)
            tokens[persona] = key
        yield tokens


# The schema is read once, at collection, as any client would read it; it needs no rows.
schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)


@pytest.fixture(params=list(PERSONAS))
def token(request, world, db):
    return world[request.param]


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_response_matches_the_schema(case, token):
    case.call_and_validate(headers={"Authorization": f"Token {token}"}, checks=CHECKS)
