"""The region list as a tree: top regions of the scope, children loaded on demand with
counts from SQL, pinned query counts, and the flat list and its export one search away."""

import io

import pytest
from openpyxl import load_workbook

from tests.conftest import client_for
from tests.factories import RegionFactory
from wenming.regions import views


def nodes(response, key="roots"):
    return [(node.code, node.child_count, node.unit_count) for node in response.context[key]]


@pytest.mark.parametrize(
    ("persona", "roots"),
    [
        # the city: two districts beneath, all four units in its subtree
        ("superuser", [("990100000000", 2, 4)]),
        ("city_admin", [("990100000000", 2, 4)]),
        ("east_staff", [("990101000000", 1, 2)]),
        ("west_staff", [("990102000000", 1, 1)]),
        ("leader", [("990101000000", 1, 2)]),
        # unit staff read through their unit's region
        ("east_unit_staff", [("990101000000", 1, 2)]),
    ],
)
def test_the_tree_starts_at_the_top_of_each_scope(people, persona, roots):
    response = client_for(getattr(people, persona)).get("/staff/regions/")
    assert response.status_code == 200
    assert response.context["tree"] is True
    assert nodes(response) == roots
    assert "object_list" not in response.context


def test_a_node_opens_to_its_children_with_their_counts(people, city):
    client = client_for(people.city_admin)
    response = client.get(f"/staff/regions/{city.city.pk}/children/")
    assert response.status_code == 200
    assert nodes(response, "nodes") == [("990101000000", 1, 2), ("990102000000", 1, 1)]
    body = response.content.decode()
    # A node with children opens through htmx once; a leaf has no button.
    assert f'hx-get="/staff/regions/{city.east.pk}/children/"' in body
    assert 'hx-trigger="click once"' in body
    assert 'aria-expanded="false"' in body
    assert "下级区域 1 个" in body and "单位 2 个" in body
    leaves = client.get(f"/staff/regions/{city.east_street.pk}/children/")
    assert nodes(leaves, "nodes") == [("990101001001", 0, 0)]
    assert "data-tree-toggle" not in leaves.content.decode()


def test_children_outside_the_scope_answer_404(people, city):
    client = client_for(people.east_staff)
    assert client.get(f"/staff/regions/{city.city.pk}/children/").status_code == 404
    assert client.get(f"/staff/regions/{city.west.pk}/children/").status_code == 404
    assert client.get("/staff/regions/999999/children/").status_code == 404
    assert client.get(f"/staff/regions/{city.east.pk}/children/").status_code == 200


def test_the_tree_is_for_staff_only(people, city, client):
    url = f"/staff/regions/{city.city.pk}/children/"
    assert client_for(people.resident).get(url).status_code == 403
    assert client_for(people.resident).get("/staff/regions/").status_code == 403
    anonymous = client.get(url)
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/accounts/login/")


def test_a_search_shows_the_flat_list_and_the_tree_is_one_link_away(people, city):
    client = client_for(people.city_admin)
    response = client.get("/staff/regions/?q=东门")
    assert "tree" not in response.context
    assert {region.code for region in response.context["object_list"]} == {
        "990101001000",
        "990101001001",
    }
    assert '<a href="/staff/regions/" id="show-tree">' in response.content.decode()
    flat = client.get("/staff/regions/?view=list")
    assert len(flat.context["object_list"]) == 6
    tree_page = client.get("/staff/regions/").content.decode()
    assert 'href="?view=list"' in tree_page
    assert 'href="?export=xlsx"' in tree_page


def test_the_export_from_the_tree_page_holds_every_region_in_scope(people):
    response = client_for(people.east_staff).get("/staff/regions/?export=xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)} == {
        "990101000000",
        "990101001000",
        "990101001001",
    }


def test_the_tree_page_counts_regions_per_level_with_links(people):
    response = client_for(people.city_admin).get("/staff/regions/")
    assert [(value, count) for value, _label, count in response.context["level_rows"]] == [
        (1, 1),
        (2, 2),
        (3, 2),
        (4, 1),
        (5, 0),
    ]
    assert 'href="?level=3"' in response.content.decode()


def test_a_long_list_of_children_ends_with_a_link_to_the_flat_list(people, city, monkeypatch):
    monkeypatch.setattr(views, "TREE_CHILDREN_LIMIT", 3)
    for number in range(4):
        RegionFactory(code=f"99010100100{number + 2}", parent=city.east_street, level=4)
    response = client_for(people.city_admin).get(f"/staff/regions/{city.east_street.pk}/children/")
    assert [code for code, _c, _u in nodes(response, "nodes")] == [
        "990101001001",
        "990101001002",
        "990101001003",
    ]
    assert response.context["more"] is True
    assert f'href="/staff/regions/?parent={city.east_street.pk}"' in response.content.decode()


@pytest.mark.parametrize("extra", [0, 30])
def test_tree_query_counts_do_not_grow_with_regions(people, city, extra, django_assert_num_queries):
    for number in range(extra):
        RegionFactory(code=f"9901010099{number:02d}", parent=city.east, level=3)
    client = client_for(people.city_admin)
    client.get("/staff/regions/")
    # session, user, memberships, roots with their counts, level counts, session save (3)
    with django_assert_num_queries(8):
        client.get("/staff/regions/")
    # session, user, memberships, the parent, its children with counts, session save (3)
    with django_assert_num_queries(8):
        response = client.get(f"/staff/regions/{city.east.pk}/children/")
    assert len(response.context["nodes"]) == extra + 1
