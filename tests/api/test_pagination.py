"""Page sizes: whole numbers from 1 up, larger ones cut to 500, anything else a 400."""

import pytest

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
