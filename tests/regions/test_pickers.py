"""Pickers offer only what the user may reach, searched by code or name; the person form."""

import re

import pytest
from django.test import Client

from tests.conftest import client_for
from tests.factories import UnitFactory
from wenming.regions.forms import PersonForm
from wenming.regions.models import Membership
from wenming.regions.pickers import PickerInput

OPTION = re.compile(r'<option value="([^"]*)">([^<]*)</option>')


def options(user, url):
    response = client_for(user).get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    return OPTION.findall(response.content.decode())


def test_units_an_office_may_hand_work_to_by_code_or_name(people, city):
    url = "/staff/pick/units/?action=framework.assign&q="
    assert options(people.east_staff, url) == [
        ("DH-ZJ", "DH-ZJ 东湖区住建局"),
        ("DH-ZJ-1", "DH-ZJ-1 东湖区住建局一科"),
    ]
    assert options(people.east_staff, url + "一科") == [("DH-ZJ-1", "DH-ZJ-1 东湖区住建局一科")]
    assert options(people.east_staff, url + "dh-zj-") == [("DH-ZJ-1", "DH-ZJ-1 东湖区住建局一科")]
    # Another district's unit is not found, by code nor by name.
    assert options(people.east_staff, url + "XS") == []
    assert options(people.east_staff, url + "西山") == []
    assert [value for value, _label in options(people.city_admin, url)] == [
        "CGJ",
        "DH-ZJ",
        "DH-ZJ-1",
        "XS-ZJ",
    ]


def test_the_term_comes_from_the_inputs_own_name_as_htmx_sends_it(people, city):
    url = "/staff/pick/units/?field=unit&action=framework.assign&unit=CG"
    assert options(people.city_admin, url) == [("CGJ", "CGJ 示范市城管局")]


def test_a_list_of_codes_keeps_the_codes_before_the_last(people, city):
    url = "/staff/pick/units/?field=other_units&multiple=1&other_units=CGJ,%20XS-ZJ%20dh"
    assert options(people.city_admin, url) == [
        ("CGJ, XS-ZJ, DH-ZJ", "DH-ZJ 东湖区住建局"),
        ("CGJ, XS-ZJ, DH-ZJ-1", "DH-ZJ-1 东湖区住建局一科"),
    ]


def test_unit_staff_hand_no_work_and_see_only_their_unit(people, city):
    assert options(people.east_unit_staff, "/staff/pick/units/?action=framework.assign") == []
    assert [value for value, _label in options(people.east_unit_staff, "/staff/pick/units/")] == [
        "DH-ZJ",
        "DH-ZJ-1",
    ]


def test_regions_and_places(people, city):
    assert options(people.east_staff, "/staff/pick/regions/?q=东门") == [
        ("990101001000", "990101001000 东门街道"),
        ("990101001001", "990101001001 东门社区"),
    ]
    assert options(people.east_staff, "/staff/pick/regions/?q=9901020") == []
    assert options(people.east_staff, "/staff/pick/places/?q=东湖") == [
        ("990101000000", "990101000000 东湖区"),
        ("DH-ZJ", "DH-ZJ 东湖区住建局（单位）"),
        ("DH-ZJ-1", "DH-ZJ-1 东湖区住建局一科（单位）"),
    ]


def test_people_are_offered_where_the_user_may_list_people(people, city):
    assert [value for value, _label in options(people.west_staff, "/staff/pick/people/")] == [
        "west_staff"
    ]
    found = options(people.east_staff, "/staff/pick/people/?q=east_")
    assert [value for value, _label in found] == [
        "east_inspector",
        "east_leader",
        "east_staff",
        "east_unit",
    ]
    # Inspectors may not list people: the picker gives them nobody.
    assert options(people.inspector, "/staff/pick/people/") == []


def test_option_text_is_escaped(people, city):
    UnitFactory(code="DH-X", name='<b onmouseover="x">坏名</b>', region=city.east)
    body = client_for(people.east_staff).get("/staff/pick/units/?q=DH-X").content.decode()
    assert body == (
        '<option value="DH-X">DH-X &lt;b onmouseover=&quot;x&quot;&gt;坏名&lt;/b&gt;</option>'
    )


def test_at_most_twenty_options(people, city):
    for number in range(25):
        UnitFactory(code=f"DH-N{number:02}", name=f"东湖区第{number}单位", region=city.east)
    assert len(options(people.east_staff, "/staff/pick/units/?q=DH-N")) == 20


@pytest.mark.parametrize(
    "url",
    [
        "/staff/pick/sites/",
        "/staff/pick/units/?action=regions.manage_people",
        "/staff/pick/people/?action=view",
    ],
)
def test_unknown_pickers_and_actions_answer_404(people, url):
    assert client_for(people.city_admin).get(url).status_code == 404


def test_residents_and_anonymous_get_no_options(people, city):
    assert client_for(people.resident).get("/staff/pick/units/").status_code == 403
    anonymous = Client().get("/staff/pick/units/")
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/accounts/login/")


def test_the_person_form_has_no_role_chosen_and_a_place_picker(people):
    form = PersonForm(user=people.city_admin)
    choices = [value for value, _label in form.fields["role"].choices]
    assert choices == [
        "",
        "resident",
        "volunteer",
        "leader",
        "inspector",
        "unit_staff",
        "office_staff",
        "office_admin",
    ]
    body = client_for(people.city_admin).get("/staff/people/new/").content.decode()
    assert '<option value="" selected>请选择角色</option>' in body
    assert 'list="id_place_code_options"' in body
    assert 'hx-get="/staff/pick/places/?field=place_code"' in body
    refused = client_for(people.city_admin).post(
        "/staff/people/new/",
        {
            "username": "new_person",
            "full_name": "新人",
            "password": "a-Long-pass-phrase-9",
            "role": "",
            "place_code": "990101000000",
        },
    )
    assert refused.context["form"].errors["role"] == ["该字段是必填项。"]


def test_a_pasted_option_label_still_means_its_code(people, city):
    widget = PickerInput("places")
    assert widget.value_from_datadict({"place": "DH-ZJ 东湖区住建局"}, {}, "place") == "DH-ZJ"
    several = PickerInput("units", multiple=True)
    assert several.value_from_datadict({"u": "CGJ，XS-ZJ、 DH-ZJ"}, {}, "u") == [
        "CGJ",
        "XS-ZJ",
        "DH-ZJ",
    ]
    assert several.format_value(["CGJ", "XS-ZJ"]) == "CGJ, XS-ZJ"


def test_a_unit_staff_person_placed_by_a_picked_unit_code(people, city):
    response = client_for(people.city_admin).post(
        "/staff/people/new/",
        {
            "username": "picked_unit",
            "full_name": "新人",
            "password": "a-Long-pass-phrase-9",
            "role": "unit_staff",
            "place_code": "DH-ZJ-1 东湖区住建局一科",
        },
    )
    assert response.status_code == 302
    assert Membership.objects.get(user__username="picked_unit").unit == city.east_sub_unit
