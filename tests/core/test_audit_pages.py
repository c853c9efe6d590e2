"""The audit log page: scoped, searchable, exportable to Excel."""

import io

from django.db import connection
from django.test.utils import CaptureQueriesContext
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
    after_cell = rows[0][13]
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


def test_entries_read_in_the_readers_language_with_the_objects_name_and_link(people, city):
    with acting_as(people.city_admin):
        services.update_region(people.city_admin, city.east, name="东湖新区")
        services.revoke_membership(people.city_admin, people.leader.memberships.get())
    audit.record(
        "update",
        city.west,
        actor=people.city_admin,
        event="review_returned",
        params={"reason": "缺照片"},
    )
    client = client_for(people.city_admin)
    rows = client.get(URL + "?action=update").context["object_list"]
    described = [(e.description, e.type_label, e.object_url) for e in rows]
    assert described == [
        ("退回：缺照片", "区域", f"/staff/regions/{city.west.pk}/"),
        ("终止角色", "角色任职", "/staff/people/"),
        ("修改了：名称", "区域", f"/staff/regions/{city.east.pk}/"),
    ]
    page = client.get(URL + "?action=update").content.decode()
    assert f'<a href="/staff/regions/{city.east.pk}/">东湖新区</a>' in page
    assert "regions.region" not in page
    client.cookies["django_language"] = "en"
    rows = client.get(URL + "?action=update").context["object_list"]
    assert [(e.description, e.type_label) for e in rows] == [
        ("Returned: 缺照片", "region"),
        ("Role ended", "membership"),
        ("Changed: name", "region"),
    ]


def test_no_link_to_an_object_the_reader_cannot_see(people, city):
    # east_staff reads their own entries; one names the other district, which they cannot open.
    audit.record("update", city.west, actor=people.east_staff, event="acknowledge")
    audit.record("update", city.east, actor=people.east_staff, event="acknowledge")
    rows = client_for(people.east_staff).get(URL + "?action=update").context["object_list"]
    assert [(e.object_repr, e.object_url) for e in rows] == [
        ("东湖区", f"/staff/regions/{city.east.pk}/"),
        ("西山区", None),
    ]


def test_objects_without_a_page_and_removed_models_show_their_name_only(people, city):
    audit.record("login", people.leader, actor=people.leader)
    audit.record("import", actor=people.city_admin, object_type="gone.model", object_id="3")
    rows = client_for(people.superuser).get(URL).context["object_list"]
    by_type = {e.object_type: (e.type_label, e.object_url) for e in rows}
    assert by_type["accounts.user"] == ("人员", None)
    assert by_type["gone.model"] == ("gone.model", None)


def test_links_cost_one_query_per_object_type_not_per_entry(people, city):
    client = client_for(people.city_admin)
    for _number in range(3):
        audit.record("update", city.east, actor=people.city_admin, event="acknowledge")
        audit.record("update", city.east_unit, actor=people.city_admin, event="acknowledge")
    client.get(URL)

    with CaptureQueriesContext(connection) as few:
        client.get(URL)
    for _number in range(20):
        audit.record("update", city.west, actor=people.city_admin, event="acknowledge")
        audit.record("update", city.west_unit, actor=people.city_admin, event="acknowledge")
    with CaptureQueriesContext(connection) as many:
        client.get(URL)
    assert len(many) == len(few)


def test_export_shows_descriptions_and_keeps_the_codes(people, city):
    audit.record(
        "update", city.west, actor=people.city_admin, event="review_passed", params={"reason": "好"}
    )
    response = client_for(people.city_admin).get(URL + "?action=update&export=xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    header = [cell.value for cell in sheet[1]]
    row = [cell.value for cell in sheet[2]]
    record = dict(zip(header, row, strict=True))
    assert (record["对象类型"], record["对象"], record["说明"], record["事件"]) == (
        "区域",
        "西山区",
        "审核通过：好",
        "review_passed",
    )
    assert record["参数"] == '{"reason": "好"}'


def test_search_finds_events_by_their_words_and_params_in_any_database(people, city):
    returned = audit.record(
        "update",
        city.west,
        actor=people.city_admin,
        event="review_returned",
        params={"reason": "缺少签字页"},
    )
    acknowledged = audit.record("update", city.east, actor=people.city_admin, event="acknowledge")
    legacy = audit.record("update", city.east, actor=people.city_admin, message="passed: 齐全")
    client = client_for(people.city_admin)

    def found(query):
        return [e.pk for e in client.get(URL + query).context["object_list"]]

    assert found("?q=缺少签字页") == [returned.pk]
    assert found("?q=签收") == [acknowledged.pk]
    assert found("?q=退回") == [returned.pk]
    assert found("?q=审核通过") == [legacy.pk]
    assert found("?q=review_returned") == [returned.pk]
    client.cookies["django_language"] = "en"
    assert found("?q=receipt") == [acknowledged.pk]
