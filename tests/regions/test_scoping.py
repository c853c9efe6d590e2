"""The scoping matrix: each role against its own region and another, in pages and API."""

import pytest
from django.urls import reverse

from tests.conftest import client_for

ALL_REGIONS = {
    "990100000000",
    "990101000000",
    "990102000000",
    "990101001000",
    "990102001000",
    "990101001001",
}
EAST_REGIONS = {"990101000000", "990101001000", "990101001001"}
WEST_REGIONS = {"990102000000", "990102001000"}
ALL_UNITS = {"CGJ", "DH-ZJ", "DH-ZJ-1", "XS-ZJ"}
EAST_UNITS = {"DH-ZJ", "DH-ZJ-1"}

VISIBLE = {
    "superuser": (ALL_REGIONS, ALL_UNITS),
    "city_admin": (ALL_REGIONS, ALL_UNITS),
    "east_staff": (EAST_REGIONS, EAST_UNITS),
    "west_staff": (WEST_REGIONS, {"XS-ZJ"}),
    "leader": (EAST_REGIONS, EAST_UNITS),
    "inspector": (EAST_REGIONS, EAST_UNITS),
    "east_unit_staff": (EAST_REGIONS, EAST_UNITS),
}


@pytest.mark.parametrize("persona", sorted(VISIBLE))
def test_region_and_unit_lists_in_api_show_exactly_the_scope(people, persona):
    regions, units = VISIBLE[persona]
    client = client_for(getattr(people, persona))
    region_codes = {
        row["code"] for row in client.get("/api/regions/?page_size=100").json()["results"]
    }
    unit_codes = {row["code"] for row in client.get("/api/units/?page_size=100").json()["results"]}
    assert region_codes == regions
    assert unit_codes == units


@pytest.mark.parametrize("persona", sorted(VISIBLE))
def test_region_and_unit_pages_show_exactly_the_scope(people, city, persona):
    regions, units = VISIBLE[persona]
    client = client_for(getattr(people, persona))
    region_page = client.get(reverse("regions:region_list") + "?view=list")
    unit_page = client.get(reverse("regions:unit_list"))
    assert region_page.status_code == 200
    assert {region.code for region in region_page.context["object_list"]} == regions
    assert {unit.code for unit in unit_page.context["object_list"]} == units


@pytest.mark.parametrize(
    ("persona", "own_region", "other_region", "own_unit", "other_unit"),
    [
        ("east_staff", "east", "west", "east_unit", "west_unit"),
        ("west_staff", "west", "east", "west_unit", "east_unit"),
        ("leader", "east_street", "west_street", "east_sub_unit", "city_unit"),
        ("inspector", "east_community", "city", "east_unit", "west_unit"),
        ("east_unit_staff", "east", "west", "east_sub_unit", "city_unit"),
    ],
)
def test_object_outside_scope_answers_404_in_pages_and_api(
    people, city, persona, own_region, other_region, own_unit, other_unit
):
    client = client_for(getattr(people, persona))
    own_r, other_r = getattr(city, own_region), getattr(city, other_region)
    own_u, other_u = getattr(city, own_unit), getattr(city, other_unit)
    assert client.get(reverse("regions:region_detail", args=[own_r.pk])).status_code == 200
    assert client.get(reverse("regions:region_detail", args=[other_r.pk])).status_code == 404
    assert client.get(reverse("regions:unit_detail", args=[own_u.pk])).status_code == 200
    assert client.get(reverse("regions:unit_detail", args=[other_u.pk])).status_code == 404
    assert client.get(f"/api/regions/{own_r.pk}/").status_code == 200
    assert client.get(f"/api/regions/{other_r.pk}/").status_code == 404
    assert client.get(f"/api/units/{own_u.pk}/").status_code == 200
    assert client.get(f"/api/units/{other_u.pk}/").status_code == 404


@pytest.mark.parametrize("persona", ["resident", "volunteer"])
def test_residents_and_volunteers_are_refused_staff_pages_and_api(people, city, persona):
    client = client_for(getattr(people, persona))
    assert client.get(reverse("dashboard:home")).status_code == 403
    assert client.get(reverse("regions:region_list")).status_code == 403
    assert client.get(reverse("regions:unit_detail", args=[city.east_unit.pk])).status_code == 403
    assert client.get("/api/regions/").status_code == 403
    assert client.get("/api/units/").status_code == 403
    assert client.get("/api/me/").status_code == 200


def test_anonymous_is_sent_to_login_and_refused_by_api(city):
    from django.test import Client

    client = Client()
    response = client.get(reverse("regions:region_list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    assert client.get("/api/regions/").status_code == 401
    assert client.get(f"/api/units/{city.east_unit.pk}/").status_code == 401


def test_excel_export_holds_only_the_scope(people):
    import io

    from openpyxl import load_workbook

    client = client_for(people.east_staff)
    response = client.get(reverse("regions:unit_list") + "?export=xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)} == EAST_UNITS


def test_region_tree_counts_only_the_scope(people):
    response = client_for(people.east_staff).get(reverse("regions:region_list"))
    assert response.status_code == 200
    assert [count for _value, _label, count in response.context["level_rows"]] == [0, 1, 1, 1, 0]
    assert [(root.code, root.unit_count) for root in response.context["roots"]] == [
        ("990101000000", 2)
    ]


def test_filters_narrow_within_scope(people, city):
    client = client_for(people.city_admin)
    rows = client.get(f"/api/regions/?within={city.east.pk}&page_size=100").json()["results"]
    assert {row["code"] for row in rows} == EAST_REGIONS
    rows = client.get("/api/regions/?level=3").json()["results"]
    assert {row["code"] for row in rows} == {"990101001000", "990102001000"}
    rows = client.get(f"/api/units/?region={city.west.pk}").json()["results"]
    assert [row["code"] for row in rows] == ["XS-ZJ"]
    # Filtering east staff by a west region gives nothing, never the west's rows.
    east = client_for(people.east_staff)
    assert east.get(f"/api/units/?region={city.west.pk}").json()["results"] == []
