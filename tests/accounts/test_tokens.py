"""API tokens: hashed, named, expiring, renewable, and ended whenever access changes."""

from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.hashers import make_password
from django.test import Client
from django.utils import timezone

from tests.conftest import client_for
from tests.factories import PASSWORD, UserFactory, member
from wenming.accounts import services
from wenming.accounts.models import ApiToken, User, token_digest
from wenming.core.models import AuditEntry
from wenming.regions import services as region_services
from wenming.regions.models import Membership

Role = Membership.Role


def token_for(username, password=PASSWORD, **extra):
    response = Client().post("/api/token/", {"username": username, "password": password, **extra})
    assert response.status_code == 200, response.content
    return response.json()


def me(key):
    return Client().get("/api/me/", HTTP_AUTHORIZATION=f"Token {key}")


@pytest.fixture
def person(city):
    return member(Role.OFFICE_STAFF, region=city.east, username="zhangwei", mobile="13800001111")


@pytest.fixture
def east_admin(city):
    return member(Role.OFFICE_ADMIN, region=city.east, username="east_admin")


def test_a_token_is_named_expires_in_thirty_days_and_its_key_is_not_stored(person):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        issued = token_for("zhangwei", name="巡查手机")
    token = ApiToken.objects.get(user=person)
    assert (token.name, token.pk) == ("巡查手机", issued["id"])
    assert token.expires_at == start + timedelta(days=30)
    assert token.digest == token_digest(issued["token"])
    assert token.prefix == issued["token"][:8]
    # The key itself is in no column of the token and in no audit entry.
    stored = [str(value) for value in ApiToken.objects.values().get()]
    assert issued["token"] not in stored
    assert not [e for e in AuditEntry.objects.all() if issued["token"] in str(e.after)]
    assert me(issued["token"]).json()["username"] == "zhangwei"


def test_each_sign_in_makes_a_new_token_and_the_oldest_end_beyond_the_limit(person, settings):
    settings.API_TOKEN_MAX_PER_PERSON = 2
    first, second, third = (token_for("zhangwei")["token"] for _ in range(3))
    assert len({first, second, third}) == 3
    assert ApiToken.objects.filter(user=person).count() == 2
    assert me(first).status_code == 401
    assert me(second).status_code == 200
    assert me(third).status_code == 200


def test_an_expired_token_answers_401_and_renewal_extends_it(person):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        key = token_for("zhangwei")["token"]
    with time_machine.travel(start + timedelta(days=29), tick=False):
        response = Client().post("/api/token/renew/", HTTP_AUTHORIZATION=f"Token {key}")
        assert response.status_code == 200
        assert response.json()["expires_at"] == (
            timezone.localtime(start + timedelta(days=59)).isoformat()
        )
    with time_machine.travel(start + timedelta(days=58), tick=False):
        assert me(key).status_code == 200
    with time_machine.travel(start + timedelta(days=59, seconds=1), tick=False):
        response = me(key)
        assert response.status_code == 401
        assert response.json() == {"detail": "令牌已过期。"}
        assert response["WWW-Authenticate"] == "Token"
        # An expired token cannot renew itself; signing in again gives a new one.
        assert (
            Client().post("/api/token/renew/", HTTP_AUTHORIZATION=f"Token {key}").status_code == 401
        )
        fresh = token_for("zhangwei")["token"]
        assert me(fresh).status_code == 200


def test_renewal_needs_the_token_itself(person):
    response = client_for(person).post("/api/token/renew/")
    assert response.status_code == 400


def test_last_use_is_recorded_at_most_once_a_minute(person):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        key = token_for("zhangwei")["token"]
        me(key)
    token = ApiToken.objects.get()
    assert token.last_used_at == start
    with time_machine.travel(start + timedelta(seconds=30), tick=False):
        me(key)
    token.refresh_from_db()
    assert token.last_used_at == start
    with time_machine.travel(start + timedelta(seconds=61), tick=False):
        me(key)
    token.refresh_from_db()
    assert token.last_used_at == start + timedelta(seconds=61)


def test_a_password_reset_in_the_admin_ends_the_token(person, people):
    key = token_for("zhangwei")["token"]
    admin = client_for(people.superuser)
    response = admin.post(
        f"/admin/accounts/user/{person.pk}/password/",
        {"password1": "Reset#2027pw", "password2": "Reset#2027pw", "usable_password": "true"},
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.check_password("Reset#2027pw")
    assert me(key).status_code == 401
    assert ApiToken.objects.filter(user=person).count() == 0
    entry = AuditEntry.objects.filter(object_type="accounts.apitoken", action="delete").get()
    assert (entry.actor_id, entry.message) == (
        people.superuser.pk,
        "1 api tokens ended: password change",
    )


def test_set_password_and_save_end_tokens_on_every_path(person):
    key = token_for("zhangwei")["token"]
    person.set_password("Another#Pass9")
    person.save()
    assert me(key).status_code == 401
    key = token_for("zhangwei", password="Another#Pass9")["token"]
    # A hash written directly (a repair) ends them too.
    fresh = User.objects.get(pk=person.pk)
    fresh.password = make_password("Third#Pass99")
    fresh.save(update_fields=["password"])
    assert me(key).status_code == 401


def test_the_password_page_ends_tokens(person):
    key = token_for("zhangwei")["token"]
    client = client_for(person)
    response = client.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password1": "Chang#2027x", "new_password2": "Chang#2027x"},
    )
    assert response.status_code == 302
    assert me(key).status_code == 401


def test_a_hash_upgrade_at_sign_in_is_not_a_password_change(person, settings):
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]
    person.password = make_password(PASSWORD, hasher="pbkdf2_sha256")
    person.save(update_fields=["password"])
    key = token_for("zhangwei")["token"]
    old_hash = person.password
    # Signing in again upgrades the hash to the first hasher; the token stays valid.
    token_for("zhangwei")
    person.refresh_from_db()
    assert person.password != old_hash
    assert person.password.startswith("md5$")
    assert me(key).status_code == 200


def test_deactivation_ends_tokens(person):
    key = token_for("zhangwei")["token"]
    person.is_active = False
    person.save(update_fields=["is_active"])
    person.is_active = True
    person.save(update_fields=["is_active"])
    assert me(key).status_code == 401
    assert ApiToken.objects.count() == 0


def test_ending_a_role_ends_tokens_through_the_service_and_the_admin(person, people, city):
    key = token_for("zhangwei")["token"]
    membership = Membership.objects.get(user=person)
    region_services.revoke_membership(people.city_admin, membership)
    assert me(key).status_code == 401
    # Given the role again, then ended by a direct save (the admin's change page).
    region_services.grant_membership(people.city_admin, person, Role.OFFICE_STAFF, region=city.east)
    key = token_for("zhangwei")["token"]
    membership.refresh_from_db()
    membership.is_active = False
    membership.save()
    assert me(key).status_code == 401


def test_deleting_an_active_role_ends_tokens_but_editing_an_ended_one_does_not(person, city):
    key = token_for("zhangwei")["token"]
    ended = Membership.objects.create(
        user=person, role=Role.LEADER, region=city.east, is_active=False
    )
    ended.title = "副主任"
    ended.save()
    assert me(key).status_code == 200
    ended.delete()
    assert me(key).status_code == 200
    Membership.objects.get(user=person, role=Role.OFFICE_STAFF).delete()
    assert me(key).status_code == 401


def test_the_api_lists_creates_and_revokes_only_ones_own_tokens(person, east_admin):
    own = token_for("zhangwei", name="phone")
    others = token_for("east_admin", name="laptop")
    auth = {"HTTP_AUTHORIZATION": f"Token {own['token']}"}
    client = Client()
    listed = client.get("/api/tokens/", **auth).json()["results"]
    assert [(row["name"], row["prefix"]) for row in listed] == [("phone", own["token"][:8])]
    assert "token" not in listed[0]
    made = client.post("/api/tokens/", {"name": "同步脚本"}, **auth)
    assert made.status_code == 201
    assert me(made.json()["token"]).json()["username"] == "zhangwei"
    assert client.post("/api/tokens/", {"name": ""}, **auth).status_code == 400
    assert client.delete(f"/api/tokens/{others['id']}/", **auth).status_code == 404
    assert me(others["token"]).status_code == 200
    assert client.delete(f"/api/tokens/{made.json()['id']}/", **auth).status_code == 204
    assert me(made.json()["token"]).status_code == 401
    renewed = client.post(f"/api/tokens/{own['id']}/renew/", **auth)
    assert renewed.status_code == 200
    assert client.post(f"/api/tokens/{others['id']}/renew/", **auth).status_code == 404


def test_my_tokens_page_shows_a_new_key_once_and_revokes(person):
    client = client_for(person)
    response = client.post("/accounts/tokens/", {"name": "巡查手机"})
    assert response.status_code == 200
    key = response.context["new_key"]
    body = response.content.decode()
    assert key in body
    assert "它只显示这一次" in body
    assert me(key).json()["username"] == "zhangwei"
    page = client.get("/accounts/tokens/").content.decode()
    assert key not in page
    assert "巡查手机" in page
    assert key[:8] in page
    token = ApiToken.objects.get(user=person)
    assert client.post(f"/accounts/tokens/{token.pk}/renew/").status_code == 302
    response = client.post(f"/accounts/tokens/{token.pk}/revoke/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/tokens/"
    assert me(key).status_code == 401


def test_a_token_needs_a_name_on_the_page(person):
    response = client_for(person).post("/accounts/tokens/", {"name": ""})
    assert response.status_code == 200
    assert response.context["new_key"] is None
    assert ApiToken.objects.count() == 0


def test_an_office_admin_revokes_tokens_of_people_in_their_region(person, east_admin, people):
    key = token_for("zhangwei")["token"]
    token = ApiToken.objects.get(user=person)
    admin = client_for(east_admin)
    page = admin.get(f"/accounts/people/{person.pk}/tokens/")
    assert page.status_code == 200
    assert token.prefix in page.content.decode()
    response = admin.post(
        f"/accounts/tokens/{token.pk}/revoke/",
        {"next": f"/accounts/people/{person.pk}/tokens/"},
    )
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/people/{person.pk}/tokens/"
    assert me(key).status_code == 401
    entry = AuditEntry.objects.get(action="delete", object_type="accounts.apitoken")
    assert (entry.actor_id, entry.message) == (east_admin.pk, "api token revoked")


@pytest.mark.parametrize("who", ["west_admin", "east_staff", "resident", "outsider"])
def test_no_one_else_sees_or_revokes_a_persons_tokens(person, city, people, who):
    actors = {
        "west_admin": lambda: member(Role.OFFICE_ADMIN, region=city.west, username="west_admin"),
        "east_staff": lambda: people.east_staff,
        "resident": lambda: people.resident,
        "outsider": lambda: UserFactory(username="outsider"),
    }
    key = token_for("zhangwei")["token"]
    token = ApiToken.objects.get(user=person)
    client = client_for(actors[who]())
    assert client.get(f"/accounts/people/{person.pk}/tokens/").status_code == 404
    assert client.post(f"/accounts/tokens/{token.pk}/revoke/").status_code == 404
    assert client.post(f"/accounts/tokens/{token.pk}/renew/").status_code == 404
    assert me(key).status_code == 200


def test_the_service_refuses_an_admin_outside_the_owners_region(person, city):
    from django.core.exceptions import PermissionDenied

    token_for("zhangwei")
    west_admin = member(Role.OFFICE_ADMIN, region=city.west, username="west_admin")
    with pytest.raises(PermissionDenied):
        services.revoke_api_token(west_admin, ApiToken.objects.get())
    assert ApiToken.objects.count() == 1


def test_a_superuser_revokes_anyones_tokens(person, people):
    key = token_for("zhangwei")["token"]
    token = ApiToken.objects.get()
    assert (
        client_for(people.superuser).post(f"/accounts/tokens/{token.pk}/revoke/").status_code == 302
    )
    assert me(key).status_code == 401


def test_token_pages_need_sign_in(person):
    response = Client().get("/accounts/tokens/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_a_resident_has_a_tokens_page_too(people):
    client = client_for(people.resident)
    assert client.get("/accounts/tokens/").status_code == 200
    response = client.post("/accounts/tokens/", {"name": "随手拍"})
    assert me(response.context["new_key"]).json()["username"] == "resident"


def test_a_unit_role_without_a_region_is_placed_by_its_unit(city, east_admin):
    person = UserFactory(username="unit_only")
    Membership.objects.create(user=person, role=Role.UNIT_STAFF, unit=city.west_unit)
    key = token_for("unit_only")["token"]
    token = ApiToken.objects.get(user=person)
    # The west unit lies outside the east admin's region: not "anywhere".
    assert client_for(east_admin).post(f"/accounts/tokens/{token.pk}/revoke/").status_code == 404
    assert me(key).status_code == 200
