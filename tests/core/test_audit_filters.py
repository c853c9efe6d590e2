"""The audit log's FilterSet: the page and its export narrow the same way, field by field."""

import io

from openpyxl import load_workbook

from tests.conftest import client_for
from wenming.core.context import acting_as
from wenming.regions import services

URL = "/staff/audit/"


def _changes(people, city):
    with acting_as(people.city_admin, ip="10.1.0.1"):
        services.update_region(people.city_admin, city.east, name="东湖新区")
    with acting_as(people.east_staff, ip="10.1.0.2"):
        services.update_unit(people.east_staff, city.east_unit, contact_name="张三")


def test_an_invalid_field_is_ignored_and_the_valid_ones_still_apply(people, city):
    _changes(people, city)
    client = client_for(people.city_admin)
    rows = client.get(URL + "?action=update&date_from=not-a-date").context["object_list"]
    assert [entry.actor_name for entry in rows] == ["east_staff", "city_admin"]
    rows = client.get(URL + "?action=nonsense&actor=EAST_STAFF").context["object_list"]
    assert [(entry.actor_name, entry.action) for entry in rows] == [("east_staff", "update")]


def test_export_is_exactly_what_the_filter_shows(people, city):
    _changes(people, city)
    client = client_for(people.city_admin)
    shown = [e.pk for e in client.get(URL + "?action=update&q=10.1.0.2").context["object_list"]]
    response = client.get(URL + "?action=update&q=10.1.0.2&export=xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == shown
    assert len(shown) == 1
