"""The generated API test base: an endpoint declares its rows and rules, the base tests them.

A test module subclasses `EndpointTests` and declares the endpoint's paths, the rows it
makes (`make_objects`: one in the east district or unit, one in the west, and every other
row the list could show), which persona sees which rows (`visible`), who may create,
change, delete and run each custom action, and the pinned query counts. The base then
runs, for every persona in `tests.conftest.PERSONAS`: list (the exact set), detail of the
own and the other row, create, update, delete and every action, each with the one status
code the rules give (`expected`), and checks that the list's query count does not grow
with its rows. See docs/architecture.md, "Testing an endpoint".
"""

import json
from dataclasses import dataclass, field
from typing import Any, ClassVar

import pytest
from django.db import connection
from django.forms.models import model_to_dict
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.conftest import PERSONAS, build_city, build_people, build_personas, kept_for_a_while

NOT_STAFF = frozenset({"resident", "volunteer"})
EVERYONE_SIGNED_IN = frozenset(PERSONAS) - {"anonymous"}
OFFICES = frozenset({"superuser", "city_admin", "east_staff", "west_staff"})
UNIT_STAFF = frozenset({"east_unit_staff", "west_unit_staff"})


@dataclass
class World:
    """The fixture city, its personas by name, and the rows the endpoint made."""

    city: Any
    people: dict
    objects: dict
    extra: dict = field(default_factory=dict)  # anything else make_objects keeps, e.g. keys


@dataclass(frozen=True)
class Action:
    """A custom action (acknowledge, review …) and who may run it on a row they can see."""

    name: str
    allowed: frozenset
    status: int = 200
    method: str = "post"
    detail: bool = True
    # Stored values the row must have after a successful call, e.g. {"status": "passed"}.
    changes: dict = field(default_factory=dict)

    def payload(self, world: World, persona: str) -> dict:
        return {}


def client_as(user) -> Client:
    """A test client signed in by session as `user`, or anonymous for None."""
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def snapshot(row) -> dict | None:
    """A row's stored values, to show that a refused call changed nothing."""
    fresh = type(row).objects.filter(pk=row.pk).first()
    return None if fresh is None else model_to_dict(fresh)


def sql(queries) -> str:
    """The captured statements, one a line and shortened, for a failing count."""
    return "\n".join(query["sql"][:160] for query in queries.captured_queries)


class EndpointTests:
    """Subclass as `Test<Endpoint>`, declare the endpoint, inherit the matrix."""

    # Paths, not URL names, so the tests pin what clients call. `detail_path` has {pk}.
    list_path: ClassVar[str]
    detail_path: ClassVar[str | None] = None
    has_list_route: ClassVar[bool] = True
    has_detail_route: ClassVar[bool] = True
    # The router's basename, to compare the declared actions with the view's; None for
    # plain views such as /api/me/.
    basename: ClassVar[str | None] = None
    model: ClassVar[Any]

    # Who gets past the endpoint's permission class.
    open_to_anonymous: ClassVar[bool] = False
    refused: ClassVar[frozenset] = NOT_STAFF

    # persona -> names of the rows from `make_objects` that persona sees.
    visible: ClassVar[dict[str, set[str]]] = {}
    own: ClassVar[str] = "east"
    other: ClassVar[str] = "west"

    # None: the method does not exist (405). Else the personas it succeeds for on a row
    # they can see; other staff who see the row get 403.
    can_create: ClassVar[frozenset | None] = None
    can_update: ClassVar[frozenset | None] = None
    can_delete: ClassVar[frozenset | None] = None
    can_list: ClassVar[bool] = True  # False: the list path answers only POST
    create_status: ClassVar[int] = 201
    create_adds_row: ClassVar[bool] = True
    actions: ClassVar[tuple[Action, ...]] = ()

    # Queries of one list page as `query_persona`, the same with 2 rows and with 6.
    list_queries: ClassVar[int | None] = None
    detail_queries: ClassVar[int | None] = None
    query_persona: ClassVar[str] = "city_admin"
    detail_query_row: ClassVar[str | None] = None  # `own` unless told

    # --- what an endpoint declares ------------------------------------------------------

    def make_objects(self, world: World) -> dict:
        """Every row the endpoint can list, by name; at least `own` and `other`."""
        raise NotImplementedError

    def make_more(self, world: World, count: int) -> int:
        """Add rows `query_persona` sees; return how many more rows the list now shows."""
        raise NotImplementedError

    def create_payload(self, world: World, persona: str) -> dict:
        return {}

    def update_payload(self, world: World, persona: str) -> dict:
        return {}

    def client(self, world: World, persona: str) -> Client:
        """How the persona calls the endpoint: by session unless the endpoint needs more."""
        return client_as(world.people[persona])

    def rows(self, response) -> list[dict]:
        """The rows of a list response."""
        return response.json()["results"]

    def row_count(self, response) -> int:
        """What `make_more` adds to: the list's rows unless the endpoint says otherwise."""
        return len(self.rows(response))

    def ids(self, world: World, names) -> set:
        """The ids the list shows for these row names."""
        return {world.objects[name].pk for name in names}

    # --- the rules ----------------------------------------------------------------------

    def expected(
        self,
        persona,
        *,
        operation=None,
        route=True,
        method=True,
        target=None,
        allowed=None,
        success=200,
    ) -> int:
        """The one status code a call must answer, in the order DRF decides it."""
        if not route:
            return 404
        if persona == "anonymous" and not self.open_to_anonymous:
            return 401
        if persona in self.refused:
            return 403
        if not method:
            return 405
        if target is not None and target not in self.visible.get(persona, set()):
            return 404
        if allowed is not None and persona not in allowed:
            return 403
        return success

    # --- fixtures -----------------------------------------------------------------------

    @pytest.fixture(scope="class")
    @classmethod
    def world(cls, django_db_setup, django_db_blocker):
        """The city, its personas and the endpoint's rows, built once for the class.

        Each test runs in a savepoint inside the class's transaction (`_isolated`), so
        what a test writes is gone before the next one.
        """
        with kept_for_a_while(django_db_blocker):
            city = build_city()
            world = World(city=city, people=build_personas(build_people(city), city), objects={})
            world.objects = cls().make_objects(world)
            yield world

    @pytest.fixture(autouse=True)
    def _isolated(self, db):
        return db

    def pytest_generate_tests(self, metafunc):
        if "persona" in metafunc.fixturenames:
            metafunc.parametrize("persona", PERSONAS)
        if "action" in metafunc.fixturenames:
            actions = self.actions or [None]
            metafunc.parametrize("action", actions, ids=[a.name if a else "none" for a in actions])

    # --- helpers ------------------------------------------------------------------------

    def path(self, world, name=None, action=None) -> str:
        if name is None:
            base = self.list_path
        else:
            base = (self.detail_path or self.list_path + "{pk}/").format(pk=world.objects[name].pk)
        return base + (f"{action.name.replace('_', '-')}/" if action else "")

    def call(self, client, method, path, payload=None):
        if method in ("put", "patch"):
            return getattr(client, method)(
                path, data=json.dumps(payload or {}), content_type="application/json"
            )
        if method == "post":
            return client.post(path, payload or {})
        return getattr(client, method)(path)

    def rows_are_all_named(self, world):
        named = {row.pk for row in world.objects.values() if isinstance(row, self.model)}
        assert set(self.model.objects.values_list("pk", flat=True)) == named

    # --- the generated tests ------------------------------------------------------------

    def test_list_shows_exactly_the_scope(self, world, persona):
        response = self.client(world, persona).get(self.list_path + "?page_size=500")
        status = self.expected(persona, route=self.has_list_route, method=self.can_list)
        assert response.status_code == status
        if status == 200:
            self.rows_are_all_named(world)
            ids = {row["id"] for row in self.rows(response)}
            assert ids == self.ids(world, self.visible[persona])

    def test_detail_answers_own_and_404_for_the_other(self, world, persona):
        client = self.client(world, persona)
        for name in (self.own, self.other):
            response = client.get(self.path(world, name))
            status = self.expected(persona, route=self.has_detail_route, target=name)
            assert (name, response.status_code) == (name, status)
            if status == 200:
                assert response.json()["id"] == world.objects[name].pk

    def test_create(self, world, persona):
        before = self.model.objects.count()
        payload = self.create_payload(world, persona)
        response = self.client(world, persona).post(self.list_path, payload)
        status = self.expected(
            persona,
            operation="create",
            route=self.has_list_route,
            method=self.can_create is not None,
            allowed=self.can_create,
            success=self.create_status,
        )
        assert response.status_code == status
        assert self.model.objects.count() == before + (status < 300 and self.create_adds_row)

    def test_update(self, world, persona):
        client = self.client(world, persona)
        for method in ("put", "patch"):
            for name in (self.own, self.other):
                before = snapshot(world.objects[name])
                response = self.call(
                    client, method, self.path(world, name), self.update_payload(world, persona)
                )
                status = self.expected(
                    persona,
                    route=self.has_detail_route,
                    method=self.can_update is not None,
                    target=name,
                    allowed=self.can_update,
                )
                assert (method, name, response.status_code) == (method, name, status)
                if status != 200:
                    assert snapshot(world.objects[name]) == before

    def test_delete(self, world, persona):
        client = self.client(world, persona)
        for name in (self.own, self.other):
            response = client.delete(self.path(world, name))
            status = self.expected(
                persona,
                route=self.has_detail_route,
                method=self.can_delete is not None,
                target=name,
                allowed=self.can_delete,
                success=204,
            )
            assert (name, response.status_code) == (name, status)
            assert (snapshot(world.objects[name]) is None) == (status == 204)

    def test_action(self, world, persona, action):
        if action is None:
            assert self.view_actions() == set()
            return
        client = self.client(world, persona)
        for name in (self.own, self.other) if action.detail else (None,):
            row = world.objects[name] if name else None
            before = snapshot(row) if row is not None else None
            response = self.call(
                client,
                action.method,
                self.path(world, name, action),
                action.payload(world, persona),
            )
            status = self.expected(
                persona, target=name, allowed=action.allowed, success=action.status
            )
            assert (name, response.status_code) == (name, status), response.content
            if row is not None and status >= 400:
                assert snapshot(row) == before
            elif row is not None:
                after = snapshot(row)
                assert {key: after[key] for key in action.changes} == action.changes

    def test_declared_actions_are_the_views_actions(self):
        assert {action.name for action in self.actions} == self.view_actions()

    def view_actions(self) -> set[str]:
        if self.basename is None:
            return set()
        from wenming.api.urls import router

        (viewset,) = [view for _p, view, name in router.registry if name == self.basename]
        return {action.__name__ for action in viewset.get_extra_actions()}

    def test_list_query_count_is_pinned_and_does_not_grow(self, world):
        if not (self.has_list_route and self.can_list):
            assert self.list_queries is None
            return
        client = self.client(world, self.query_persona)
        path = self.list_path + "?page_size=500"
        client.get(path)  # the first request of a session writes it; later ones do not
        with CaptureQueriesContext(connection) as few:
            first = client.get(path)
        added = self.make_more(world, 4)
        with CaptureQueriesContext(connection) as many:
            second = client.get(path)
        assert self.row_count(second) == self.row_count(first) + added
        assert added >= 4
        assert (len(few), len(many)) == (self.list_queries, self.list_queries), sql(many)

    def test_detail_query_count_is_pinned(self, world):
        if self.detail_queries is None:
            assert not self.has_detail_route
            return
        client = self.client(world, self.query_persona)
        path = self.path(world, self.detail_query_row or self.own)
        client.get(path)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(path).status_code == 200
        assert len(queries) == self.detail_queries, sql(queries)
