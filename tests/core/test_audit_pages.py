"""The audit log page: scoped, searchable, exportable to Excel."""

import io

from django.urls import reverse
from openpyxl import load_workbook

from tests.conftest import client_for
from wenming.core import audit
from wenming.core.context import acting_as
from wenming.regions import services

URL = "/staff/audit/"


def _make_entries(people, city):
    with acting_as(people.city_admin, ip="10.1.0.1"):
        services.update_region(people.city_admin, city.east, name="东湖新区")
    with acting_as(people.east_staff, ip="10.1.0.2"):
        services.update_unit(people.east_staff, city.east_unit, contact_name="=HYPERLINK(1)")


def test_city_admin_reads_every_entry_and_others_only_their_own(people, city):
    _make_entries(people, city)
    changes = URL + "?action=update"
    admin_rows = client_for(people.city_admin).get(changes).context["object_list"]
    assert [entry.actor_name for entry in admin_rows] == ["east_staff", "city_admin"]
    own_rows = client_for(people.east_staff).get(URL).context["object_list"]
    # Their own change and their own sign-in by the test client, nobody else's.
    assert [(e.actor_name, e.action) for e in own_rows] == [
        ("east_staff", "login"),
        ("east_staff", "update"),
    ]
    assert [e.action for e in client_for(people.leader).get(URL).context["object_list"]] == [
        "login"
    ]


def test_filters_by_action_actor_text_and_ip(people, city):
    _make_entries(people, city)
    with acting_as(None):
        audit.record("login_failed", object_type="accounts.user", object_repr="ghost")
    client = client_for(people.city_admin)

    def names(query):
        return [e.object_repr for e in client.get(URL + query).context["object_list"]]

    assert names("?action=login_failed") == ["ghost"]
    assert names("?actor=east_staff") == ["东湖区住建局"]
    assert names("?q=东湖新区") == ["东湖新区"]
    assert names("?q=不存在的对象") == []
    assert names("?q=10.1.0.1") == ["东湖新区"]
    assert names("?q=regions.unit") == ["东湖区住建局"]
    assert names("?date_from=2000-01-01&date_to=2000-01-02") == []
    # An invalid date is ignored rather than failing the page.
    assert client.get(URL + "?date_from=not-a-date").status_code == 200


def test_export_lists_entries_with_formulas_neutralised(people, city):
    _make_entries(people, city)
    response = client_for(people.city_admin).get(URL + "?action=update&export=xlsx")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert [row[2] for row in rows] == ["east_staff", "city_admin"]
    after_cell = rows[0][11]
    assert '"contact_name": "=HYPERLINK(1)"' in after_cell
    assert all(not str(cell).startswith("=") for row in rows for cell in row if cell)


def test_residents_cannot_open_the_audit_log(people):
    assert client_for(people.resident).get(URL).status_code == 403
    assert reverse("core:audit_list") == URL


def test_with_two_cities_each_city_admin_reads_only_its_own_peoples_entries(people, city):
    from tests.factories import RegionFactory, member

    other_city = RegionFactory(code="990200000000", name="乙市", level=1)
    other_admin = member("office_admin", region=other_city, username="other_admin")
    _make_entries(people, city)
    rows = client_for(other_admin).get(URL + "?action=update").context["object_list"]
    assert list(rows) == []
    rows = client_for(people.city_admin).get(URL + "?action=update").context["object_list"]
    assert [entry.actor_name for entry in rows] == ["east_staff", "city_admin"]
