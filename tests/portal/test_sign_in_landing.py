"""Residents and volunteers sign in to the portal, see who they are and can sign out."""

import pytest

from tests.conftest import client_for
from tests.factories import PASSWORD


def sign_in(client, username):
    return client.post("/accounts/login/", {"username": username, "password": PASSWORD})


@pytest.mark.parametrize("persona", ["resident", "volunteer"])
def test_residents_and_volunteers_land_on_the_portal(client, people, persona):
    response = sign_in(client, getattr(people, persona).username)
    assert (response.status_code, response["Location"]) == (302, "/")


def test_staff_land_on_the_workbench(client, people):
    response = sign_in(client, people.east_unit_staff.username)
    assert (response.status_code, response["Location"]) == (302, "/staff/")


def test_a_safe_next_address_still_wins(client, people):
    response = client.post(
        "/accounts/login/?next=/staff/tasks/",
        {"username": "east_staff", "password": PASSWORD},
    )
    assert response["Location"] == "/staff/tasks/"


def test_portal_header_shows_who_is_signed_in_and_a_sign_out_button(people):
    people.resident.full_name = "王小明"
    people.resident.save()
    body = client_for(people.resident).get("/").content.decode()
    assert "已登录：王小明" in body
    assert '<form method="post" action="/accounts/logout/" class="nav-item">' in body
    # No workbench button for someone without one; no sign-in button for the signed in.
    assert "工作台" not in body
    assert 'href="/accounts/login/"' not in body


def test_portal_header_offers_staff_their_workbench(people):
    body = client_for(people.east_staff).get("/").content.decode()
    assert 'href="/staff/">工作台</a>' in body


def test_the_403_page_links_a_resident_to_the_portal(people):
    response = client_for(people.resident).get("/staff/")
    assert response.status_code == 403
    body = response.content.decode()
    assert '<a class="btn btn-primary" href="/">返回首页</a>' in body


def test_the_404_page_links_staff_to_their_workbench(people):
    response = client_for(people.east_staff).get("/staff/tasks/999999/")
    assert response.status_code == 404
    assert '<a class="btn btn-primary" href="/staff/">返回首页</a>' in response.content.decode()


def test_sign_out_from_the_portal_ends_the_session(people):
    client = client_for(people.resident)
    response = client.post("/accounts/logout/")
    assert (response.status_code, response["Location"]) == (302, "/")
    assert 'href="/accounts/login/"' in client.get("/").content.decode()
    assert "_auth_user_id" not in client.session
