"""Shared fixtures: a small city with two districts, and one person per role."""

from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from django.test import Client

from tests.factories import RegionFactory, UnitFactory, member
from wenming.regions.models import Membership, Region, Unit


@dataclass
class City:
    """Two districts (east, west), a street and community each, units in both."""

    city: Region
    east: Region
    west: Region
    east_street: Region
    west_street: Region
    east_community: Region
    city_unit: Unit
    east_unit: Unit
    east_sub_unit: Unit
    west_unit: Unit


@pytest.fixture
def city(db) -> City:
    return build_city()


def build_city() -> City:
    """The fixture city's rows; `city` makes them per test, the API tests once per class."""
    root = RegionFactory(code="990100000000", name="示范市", level=1)
    east = RegionFactory(code="990101000000", name="东湖区", parent=root, level=2)
    west = RegionFactory(code="990102000000", name="西山区", parent=root, level=2)
    east_street = RegionFactory(code="990101001000", name="东门街道", parent=east, level=3)
    west_street = RegionFactory(code="990102001000", name="西门街道", parent=west, level=3)
    east_community = RegionFactory(
        code="990101001001", name="东门社区", parent=east_street, level=4
    )
    city_unit = UnitFactory(code="CGJ", name="示范市城管局", region=root)
    east_unit = UnitFactory(code="DH-ZJ", name="东湖区住建局", region=east)
    east_sub_unit = UnitFactory(
        code="DH-ZJ-1", name="东湖区住建局一科", region=east, parent=east_unit
    )
    west_unit = UnitFactory(
        code="XS-ZJ", name="西山区住建局", region=west, contact_mobile="13912345678"
    )
    return City(
        root,
        east,
        west,
        east_street,
        west_street,
        east_community,
        city_unit,
        east_unit,
        east_sub_unit,
        west_unit,
    )


@dataclass
class People:
    """One person per role, placed in the fixture city."""

    city_admin: object
    east_staff: object
    west_staff: object
    leader: object
    inspector: object
    east_unit_staff: object
    resident: object
    volunteer: object
    superuser: object


@pytest.fixture
def people(city) -> People:
    return build_people(city)


def build_people(city) -> People:
    """One person per role in `city`."""
    from tests.factories import UserFactory

    return People(
        city_admin=member("office_admin", region=city.city, username="city_admin"),
        east_staff=member("office_staff", region=city.east, username="east_staff"),
        west_staff=member("office_staff", region=city.west, username="west_staff"),
        leader=member("leader", region=city.east, username="east_leader"),
        inspector=member("inspector", region=city.east, username="east_inspector"),
        east_unit_staff=member("unit_staff", unit=city.east_unit, username="east_unit"),
        resident=member("resident", region=city.east_community, username="resident"),
        volunteer=member("volunteer", region=city.east_community, username="volunteer"),
        superuser=UserFactory(username="root", is_superuser=True, is_staff=True),
    )


@pytest.fixture(autouse=True, scope="session")
def media_in_a_temporary_directory(tmp_path_factory):
    """Evidence written by tests goes to a directory of the run, not to var/media."""
    from django.test import override_settings

    with override_settings(MEDIA_ROOT=str(tmp_path_factory.mktemp("media"))):
        yield


@contextmanager
def kept_for_a_while(django_db_blocker):
    """Rows written inside stay for every test until the block ends, then roll back.

    Each test still runs in its own savepoint inside this transaction, so what one test
    writes is gone before the next; what the block wrote is built once, not per test.
    """
    from django.db import transaction

    with django_db_blocker.unblock(), transaction.atomic():
        yield
        transaction.set_rollback(True)


@pytest.fixture(scope="class")
def shared_demo_city(django_db_setup, django_db_blocker):
    """The demo city (regions, units, accounts) built once for all tests of a class."""
    from wenming.regions import demo

    with kept_for_a_while(django_db_blocker):
        yield demo.build_demo_city()


@pytest.fixture(scope="class")
def shared_load_demo(django_db_setup, django_db_blocker):
    """`manage.py load_demo` (city and sample framework) run once for a class; its output."""
    from io import StringIO

    from django.core.management import call_command
    from django.test import override_settings

    output = StringIO()
    with kept_for_a_while(django_db_blocker), override_settings(DEBUG=True):
        call_command("load_demo", stdout=output)
        yield output.getvalue()


# Who the API and pages are tested as: every role, on both sides of the district line.
PERSONAS = (
    "anonymous",
    "superuser",
    "city_admin",
    "east_staff",
    "west_staff",
    "leader",
    "inspector",
    "east_unit_staff",
    "west_unit_staff",
    "volunteer",
    "resident",
)


@pytest.fixture
def personas(people, city) -> dict:
    return build_personas(people, city)


def build_personas(people, city) -> dict:
    """`people` plus unit staff of the west district's unit, by name; anonymous is None."""
    west_unit_staff = member(Membership.Role.UNIT_STAFF, unit=city.west_unit, username="west_unit")
    found = {name: getattr(people, name, None) for name in PERSONAS}
    return found | {"anonymous": None, "west_unit_staff": west_unit_staff}


def client_for(user) -> Client:
    """A test client signed in as `user` (in Chinese unless told otherwise)."""
    client = Client()
    client.force_login(user)
    return client


def require_service(name: str, available: bool, how: str) -> None:
    """Skip when a local service is missing on a developer's machine; fail in CI."""
    import os

    if available:
        return
    message = f"{name} is not available here ({how})"
    if os.environ.get("CI"):
        pytest.fail(message + "; CI must provide it")
    pytest.skip(message)
