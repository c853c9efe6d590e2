"""People and roles: only an office admin adds people and ends roles, within their region."""

import pytest
from django.contrib.auth import authenticate

from tests.conftest import client_for
from wenming.accounts.models import User
from wenming.core.models import AuditEntry
from wenming.regions.models import Membership

NEW_PERSON = {
    "username": "wangfang",
    "full_name": "王芳",
    "mobile": "13612345678",
    "email": "",
    "password": "Wang#2026fang",
    "role": "office_staff",
    "place_code": "990101000000",
    "title": "科员",
}


@pytest.fixture
def east_admin(city):
    from tests.factories import member

    return member("office_admin", region=city.east, username="east_admin")


def test_office_admin_adds_a_person_with_a_role(east_admin, city):
    response = client_for(east_admin).post("/staff/people/new/", NEW_PERSON)
    assert response.status_code == 302
    person = User.objects.get(username="wangfang")
    assert authenticate(username="13612345678", password="Wang#2026fang") == person
    membership = Membership.objects.get(user=person)
    assert (membership.role, membership.region, membership.title) == (
        "office_staff",
        city.east,
        "科员",
    )
    assert list(
        AuditEntry.objects.filter(actor=east_admin)
        .exclude(action="login")
        .order_by("id")
        .values_list("action", "object_type")
    ) == [("create", "accounts.user"), ("create", "regions.membership")]


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"place_code": "990102000000"}, "place_code", "您的范围内没有此编码的区域。"),
        (
            {"role": "unit_staff", "place_code": "XS-ZJ"},
            "place_code",
            "您的范围内没有此编码的单位。",
        ),
        ({"password": "short"}, "password", "密码长度至少为 8 位。"),
        ({"username": "EAST_ADMIN"}, "username", "该用户名已被使用。"),
        ({"mobile": "1361234"}, "mobile", "请输入11位中国大陆手机号。"),
        ({"mobile": "12912345678"}, "mobile", "请输入11位中国大陆手机号。"),
    ],
)
def test_bad_input_is_refused_in_chinese_and_writes_nothing(
    east_admin, city, changes, field, message
):
    users_before = User.objects.count()
    response = client_for(east_admin).post("/staff/people/new/", NEW_PERSON | changes)
    assert response.status_code == 200
    assert message in response.context["form"].errors[field]
    assert User.objects.count() == users_before


@pytest.mark.parametrize("persona", ["east_staff", "leader", "east_unit_staff"])
def test_only_office_admins_add_people(people, persona):
    client = client_for(getattr(people, persona))
    assert client.get("/staff/people/new/").status_code == 403
    assert client.post("/staff/people/new/", NEW_PERSON).status_code == 403
    assert not User.objects.filter(username="wangfang").exists()


def test_people_list_is_scoped_and_masks_mobiles(people, east_admin):
    rows = client_for(east_admin).get("/staff/people/").context["object_list"]
    assert {m.user.username for m in rows} == {
        "east_staff",
        "east_leader",
        "east_inspector",
        "east_unit",
        "resident",
        "volunteer",
        "east_admin",
    }
    body = client_for(people.east_staff).get("/staff/people/").content.decode()
    assert people.leader.mobile not in body
    assert people.leader.mobile[:3] + "****" + people.leader.mobile[-4:] in body


def test_ending_a_role_takes_access_away(people, east_admin, city):
    membership = Membership.objects.get(user=people.east_staff)
    assert client_for(people.east_staff).get("/staff/regions/").status_code == 200
    response = client_for(east_admin).post(f"/staff/people/roles/{membership.pk}/end/")
    assert response.status_code == 302
    assert client_for(people.east_staff).get("/staff/regions/").status_code == 403
    membership.refresh_from_db()
    assert membership.is_active is False


def test_roles_in_another_district_cannot_be_ended(people, east_admin):
    west = Membership.objects.get(user=people.west_staff)
    assert client_for(east_admin).post(f"/staff/people/roles/{west.pk}/end/").status_code == 404
    assert (
        client_for(people.east_staff)
        .post(f"/staff/people/roles/{Membership.objects.get(user=people.leader).pk}/end/")
        .status_code
        == 403
    )
    west.refresh_from_db()
    assert west.is_active is True


def usernames(response):
    return [membership.user.username for membership in response.context["object_list"]]


def test_people_list_filters_through_its_filterset(people, east_admin):
    client = client_for(east_admin)
    assert usernames(client.get("/staff/people/?role=leader")) == ["east_leader"]
    assert usernames(client.get("/staff/people/?q=east_insp")) == ["east_inspector"]
    # A role that does not exist is ignored, not an error.
    assert len(usernames(client.get("/staff/people/?role=king"))) == 7
    # The form is the shared filter template's.
    body = client.get("/staff/people/").content.decode()
    assert 'name="inactive"' in body and 'name="role"' in body


def test_ended_roles_are_listed_only_when_asked(people, east_admin):
    Membership.objects.filter(user=people.leader).update(is_active=False)
    client = client_for(east_admin)
    assert "east_leader" not in usernames(client.get("/staff/people/"))
    assert "east_leader" not in usernames(client.get("/staff/people/?q=east"))
    assert "east_leader" in usernames(client.get("/staff/people/?inactive=1"))


def test_searching_by_whole_mobile_needs_the_right_to_see_it(people, east_admin):
    mobile = people.leader.mobile
    assert usernames(client_for(east_admin).get(f"/staff/people/?q={mobile}")) == ["east_leader"]
    # Office staff see numbers masked: a whole number must not confirm whose it is.
    assert usernames(client_for(people.east_staff).get(f"/staff/people/?q={mobile}")) == []


def export_rows(client, query=""):
    import io

    from openpyxl import load_workbook

    response = client.get(f"/staff/people/?export=xlsx{query}")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_people_export_is_the_filtered_list_with_mobiles_masked_for_staff(people, east_admin):
    rows = export_rows(client_for(people.east_staff), "&role=leader")
    mobile = people.leader.mobile
    assert rows[0] == ["名称", "用户名", "手机号", "角色", "职务", "所在区域或单位", "启用中"]
    assert [(row[1], row[2], row[5], row[6]) for row in rows[1:]] == [
        ("east_leader", f"{mobile[:3]}****{mobile[-4:]}", "东湖区", "是")
    ]
    whole = export_rows(client_for(east_admin), "&role=leader")
    assert [row[2] for row in whole[1:]] == [mobile]


@pytest.mark.parametrize("count", [2, 10])
def test_people_list_query_count_is_pinned(city, east_admin, count, django_assert_num_queries):
    from tests.factories import member

    for number in range(count):
        member("inspector", region=city.east_street, username=f"patrol{number}")
    client = client_for(east_admin)
    client.get("/staff/people/")
    # session, user, memberships, count, page (users, regions and units joined),
    # session save (3)
    with django_assert_num_queries(8):
        response = client.get("/staff/people/?role=inspector")
    assert len(response.context["object_list"]) == count
