"""/api/me/, token sign-in, renewal and the caller's own tokens."""

from django.test import Client

from tests.api.base import EVERYONE_SIGNED_IN, Action, EndpointTests, client_as
from tests.factories import PASSWORD, RegionFactory
from wenming.accounts import services
from wenming.accounts.models import ApiToken, User
from wenming.regions.models import Membership

SIGNED_IN = sorted(EVERYONE_SIGNED_IN)


class TestCurrentUser(EndpointTests):
    """Every signed-in person, staff or not, reads themselves and nobody else."""

    list_path = "/api/me/"
    has_detail_route = False
    model = User
    refused = frozenset()
    own = "east_staff"
    other = "west_staff"
    visible = {persona: {persona} for persona in SIGNED_IN}
    # session, user, memberships, session save (3)
    list_queries = 6

    def make_objects(self, world):
        return {name: user for name, user in world.people.items() if user is not None}

    def rows(self, response):
        return [response.json()]

    def row_count(self, response):
        return len(response.json()["memberships"])

    def make_more(self, world, count):
        user = world.people[self.query_persona]
        for _number in range(count):
            Membership.objects.create(
                user=user, role=Membership.Role.LEADER, region=RegionFactory(parent=world.city.west)
            )
        return count


class TestTokenSignIn(EndpointTests):
    """POST a username and password for a token; anyone may try, GET does not exist."""

    list_path = "/api/token/"
    has_detail_route = False
    model = ApiToken
    open_to_anonymous = True
    refused = frozenset()
    can_list = False
    can_create = EVERYONE_SIGNED_IN
    create_status = 200
    own = "east_staff"
    other = "west_staff"
    visible = {}

    def make_objects(self, world):
        return {name: user for name, user in world.people.items() if user is not None}

    def create_payload(self, world, persona):
        user = world.people[persona]
        if user is None:
            return {"username": "east_staff", "password": "Wrong#2026"}
        return {"username": user.username, "password": PASSWORD, "name": "手机"}

    def expected(self, persona, *, operation=None, **rules):
        if operation == "create" and persona == "anonymous":
            return 400  # the anonymous caller sends a wrong password
        return super().expected(persona, operation=operation, **rules)

    def test_the_issued_key_signs_in_as_its_person(self, world):
        response = Client().post(self.list_path, self.create_payload(world, "east_unit_staff"))
        key = response.json()["token"]
        me = Client(HTTP_AUTHORIZATION=f"Token {key}").get("/api/me/")
        assert (me.status_code, me.json()["username"]) == (200, "east_unit")


class TestTokenRenewal(EndpointTests):
    """POST with a token pushes its expiry; only through the token, not a session."""

    list_path = "/api/token/renew/"
    has_detail_route = False
    model = ApiToken
    refused = frozenset()
    can_list = False
    can_create = EVERYONE_SIGNED_IN
    create_status = 200
    create_adds_row = False
    own = "east_staff"
    other = "west_staff"
    visible = {}

    def make_objects(self, world):
        tokens = {}
        for name, user in world.people.items():
            if user is not None:
                tokens[name], world.extra[name] = services.issue_api_token(user, "手机")
        return tokens

    def client(self, world, persona):
        if world.people[persona] is None:
            return Client()
        return Client(HTTP_AUTHORIZATION=f"Token {world.extra[persona]}")

    def test_a_session_alone_cannot_renew(self, world):
        response = client_as(world.people["east_staff"]).post(self.list_path)
        assert response.status_code == 400


class TestApiTokens(EndpointTests):
    """The caller's own tokens: anyone signed in lists, makes, renews and revokes theirs;
    another person's token is unknown (404), whoever asks."""

    list_path = "/api/tokens/"
    basename = "token"
    model = ApiToken
    refused = frozenset()
    own = "east_staff"
    other = "west_staff"
    visible = {persona: {persona} for persona in SIGNED_IN}
    can_create = EVERYONE_SIGNED_IN
    can_delete = EVERYONE_SIGNED_IN
    actions = (Action("renew", allowed=EVERYONE_SIGNED_IN),)
    # session, user, page (not full, so no COUNT), session save (3): tokens are not scoped
    # by roles
    list_queries = 6
    detail_queries = 6
    detail_query_row = "city_admin"

    def make_objects(self, world):
        return {
            name: services.create_api_token(user, name=f"{name} 的手机")[0]
            for name, user in world.people.items()
            if user is not None
        }

    def create_payload(self, world, persona):
        return {"name": "平板"}

    def make_more(self, world, count):
        user = world.people[self.query_persona]
        for number in range(count):
            services.create_api_token(user, name=f"设备{number}")
        return count
