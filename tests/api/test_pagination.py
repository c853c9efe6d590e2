"""Page sizes: whole numbers from 1 up, larger ones cut to 500, anything else a 400."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.conftest import client_for


@pytest.mark.parametrize(
    "page_size", ["-1.4e-151", "0", "-5", "1.5", "abc", "1e3", " 5", "５", "10;", "00"]
)
def test_a_malformed_page_size_answers_400(people, page_size):
    response = client_for(people.city_admin).get("/api/regions/", {"page_size": page_size})
    assert response.status_code == 400
    assert response.json() == {"page_size": ["请输入 1 到 500 之间的整数行数。"]}


@pytest.mark.parametrize(
    ("page_size", "rows"), [("2", 2), ("02", 2), ("501", 6), ("99999999999999999999", 6), ("", 6)]
)
def test_a_whole_page_size_is_used_and_capped(people, city, page_size, rows, settings):
    response = client_for(people.city_admin).get("/api/regions/", {"page_size": page_size})
    assert response.status_code == 200
    assert len(response.json()["results"]) == rows


def test_the_cap_is_500(people):
    from wenming.api.pagination import Pagination

    assert Pagination.max_page_size == 500


def _get_counting(people, params):
    """The response and how many COUNT and region page statements it sent."""
    client = client_for(people.city_admin)
    client.get("/api/regions/", params)  # the session is written on the first request only
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/api/regions/", params)
    statements = [query["sql"] for query in queries]
    counts = sum("COUNT(" in sql for sql in statements)
    pages = sum(sql.startswith('SELECT "regions_region"."id"') for sql in statements)
    return response, counts, pages


@pytest.mark.parametrize(
    ("params", "count", "rows", "counts", "has_next"),
    [
        ({}, 6, 6, 0, False),  # room to spare: the page is every row, no COUNT
        ({"page_size": "7"}, 6, 6, 0, False),
        ({"page_size": "6"}, 6, 6, 1, False),  # exactly full: there may be more, so COUNT
        ({"page_size": "2"}, 6, 2, 1, True),
        ({"page_size": "2", "page": "1"}, 6, 2, 1, True),
        ({"page_size": "2", "page": "2"}, 6, 2, 1, True),
        ({"page_size": "2", "page": "last"}, 6, 2, 1, False),
        ({"level": "4"}, 1, 1, 0, False),
        ({"level": "5"}, 0, 0, 0, False),
    ],
)
def test_the_count_is_exact_and_asked_only_when_the_first_page_is_full(
    people, params, count, rows, counts, has_next
):
    response, sent_counts, sent_pages = _get_counting(people, params)
    assert response.status_code == 200
    body = response.json()
    assert (body["count"], len(body["results"]), body["next"] is not None) == (
        count,
        rows,
        has_next,
    )
    assert (sent_counts, sent_pages) == (counts, 1)


def test_a_page_past_the_end_still_answers_404(people):
    response, _counts, _pages = _get_counting(people, {"page_size": "2", "page": "4"})
    assert response.status_code == 404


def test_page_one_in_another_spelling_reads_the_same_rows(people):
    first, _counts, _pages = _get_counting(people, {"page_size": "2", "page": "1"})
    spelled, _counts, _pages = _get_counting(people, {"page_size": "2", "page": "01"})
    assert spelled.json()["results"] == first.json()["results"]
    assert spelled.json()["count"] == 6
