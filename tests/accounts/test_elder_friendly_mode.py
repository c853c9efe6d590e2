"""The 适老化 switch: remembered per person and per browser, honoured by every page."""

import pytest
from django.test import Client

from tests.conftest import client_for
from tests.factories import PASSWORD
from wenming.accounts.preferences import ELDER_FRIENDLY_COOKIE, ELDER_FRIENDLY_COOKIE_AGE

pytestmark = pytest.mark.django_db

URL = "/accounts/elder-friendly/"
ELDER_HTML = '<html lang="zh-hans" class="elder-friendly">'
PLAIN_HTML = '<html lang="zh-hans">'


def test_a_signed_in_person_switches_it_on_for_themselves_and_the_browser(people):
    client = client_for(people.east_staff)
    response = client.post(URL, {"enabled": "1", "next": "/staff/"})
    assert response.status_code == 302
    assert response["Location"] == "/staff/"
    people.east_staff.refresh_from_db()
    assert people.east_staff.elder_friendly_mode is True
    cookie = response.cookies[ELDER_FRIENDLY_COOKIE]
    assert cookie.value == "1"
    assert cookie["max-age"] == ELDER_FRIENDLY_COOKIE_AGE
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert ELDER_HTML in client.get("/staff/").content.decode()


def test_the_choice_follows_the_person_to_another_browser(people):
    client_for(people.east_staff).post(URL, {"enabled": "1"})
    other_browser = client_for(people.east_staff)
    assert ELDER_HTML in other_browser.get("/staff/").content.decode()
    other_browser.post(URL, {"enabled": "0"})
    people.east_staff.refresh_from_db()
    assert people.east_staff.elder_friendly_mode is False
    assert PLAIN_HTML in other_browser.get("/staff/").content.decode()


def test_an_anonymous_visitor_keeps_it_in_the_browser_only(people):
    client = Client()
    response = client.post(URL, {"enabled": "1", "next": "/accounts/login/"})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    assert response.cookies[ELDER_FRIENDLY_COOKIE].value == "1"
    assert ELDER_HTML in client.get("/").content.decode()
    assert ELDER_HTML in client.get("/accounts/login/").content.decode()
    assert Client().get("/").content.decode().count(PLAIN_HTML) == 1


def test_signing_in_with_it_on_keeps_it_for_the_person(people):
    client = Client()
    client.post(URL, {"enabled": "1"})
    response = client.post("/accounts/login/", {"username": "east_staff", "password": PASSWORD})
    assert response.status_code == 302
    people.east_staff.refresh_from_db()
    assert people.east_staff.elder_friendly_mode is True


def test_a_browser_switched_off_does_not_switch_off_a_person_who_needs_it(people):
    people.east_staff.elder_friendly_mode = True
    people.east_staff.save()
    client = Client()
    client.post(URL, {"enabled": "0"})
    client.post("/accounts/login/", {"username": "east_staff", "password": PASSWORD})
    people.east_staff.refresh_from_db()
    assert people.east_staff.elder_friendly_mode is True
    assert ELDER_HTML in client.get("/staff/").content.decode()


def test_the_person_choice_wins_over_the_browser_cookie_when_signed_in(people):
    client = client_for(people.east_staff)
    client.cookies[ELDER_FRIENDLY_COOKIE] = "1"
    assert PLAIN_HTML in client.get("/staff/").content.decode()


def test_a_value_other_than_1_means_off(people):
    client = client_for(people.east_staff)
    client.post(URL, {"enabled": "1"})
    response = client.post(URL, {"enabled": "yes"})
    assert response.cookies[ELDER_FRIENDLY_COOKIE].value == "0"
    people.east_staff.refresh_from_db()
    assert people.east_staff.elder_friendly_mode is False


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "javascript:x"])
def test_it_never_sends_the_visitor_to_another_site(people, target):
    response = Client().post(URL, {"enabled": "1", "next": target})
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_it_only_answers_a_post_with_a_valid_csrf_token(people):
    assert Client().get(URL).status_code == 405
    strict = Client(enforce_csrf_checks=True)
    response = strict.post(URL, {"enabled": "1"})
    assert response.status_code == 403
    assert ELDER_FRIENDLY_COOKIE not in response.cookies


def test_every_header_carries_the_switch(people):
    switch = f'action="{URL}"'
    assert switch in Client().get("/").content.decode()
    assert switch in Client().get("/accounts/login/").content.decode()
    assert switch in client_for(people.east_staff).get("/staff/").content.decode()
    page = client_for(people.east_staff).get("/staff/").content.decode()
    assert 'aria-pressed="false"' in page
    assert '<input name="enabled" type="hidden" value="1">' in page
