"""Pages in Chinese by default and in English on request; query counts pinned."""

import pytest
from django.test import Client

from tests.conftest import client_for
from tests.factories import RegionFactory, UnitFactory

PAGES = [
    ("/", "共建文明城市", "Building a civilized city together"),
    ("/accounts/login/", "登录平台", "Sign in to the platform"),
]
STAFF_PAGES = [
    ("/staff/", "我的角色与管理范围", "My roles and scope"),
    ("/staff/regions/", "从Excel导入", "Import from Excel"),
    ("/staff/units/", "导出Excel", "Export to Excel"),
    ("/staff/audit/", "审计日志", "Audit log"),
    ("/accounts/password/", "修改密码", "Change password"),
    ("/staff/import/regions/", "检查文件", "Check the file"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("url", "chinese", "english"), PAGES)
def test_public_pages_default_to_chinese_and_switch_to_english(url, chinese, english):
    chinese_page = Client().get(url).content.decode()
    assert chinese in chinese_page
    assert english not in chinese_page
    english_page = Client(HTTP_ACCEPT_LANGUAGE="en").get(url).content.decode()
    assert english in english_page
    assert chinese not in english_page


@pytest.mark.parametrize(("url", "chinese", "english"), STAFF_PAGES)
def test_staff_pages_in_both_languages(people, url, chinese, english):
    client = client_for(people.city_admin)
    assert chinese in client.get(url).content.decode()
    client.cookies["django_language"] = "en"
    english_page = client.get(url).content.decode()
    assert english in english_page
    assert chinese not in english_page


def test_language_switch_is_remembered(people):
    client = client_for(people.east_staff)
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/staff/"})
    assert response.status_code == 302
    assert "Hello," in client.get("/staff/").content.decode()


def test_region_list_query_count_does_not_grow_with_rows(people, city, django_assert_num_queries):
    client = client_for(people.city_admin)
    client.get("/staff/regions/?view=list")  # warm the session
    with django_assert_num_queries(8):
        client.get("/staff/regions/?view=list")
    for number in range(30):
        RegionFactory(code=f"9901010099{number:02d}", parent=city.east, level=3)
    with django_assert_num_queries(8):
        response = client.get("/staff/regions/?view=list")
    assert len(response.context["object_list"]) == 36


def test_api_lists_query_count_does_not_grow_with_rows(people, city, django_assert_num_queries):
    client = client_for(people.city_admin)
    client.get("/api/units/")
    # session, user, memberships, page, and the session's sliding expiry (3): a first
    # page with room to spare is every row, so no COUNT
    with django_assert_num_queries(7):
        client.get("/api/units/")
    for number in range(30):
        UnitFactory(code=f"BULK{number}", region=city.west, parent=city.west_unit)
    with django_assert_num_queries(7):
        response = client.get("/api/units/?page_size=100")
    assert response.json()["count"] == 34
    with django_assert_num_queries(7):
        client.get("/api/regions/?page_size=100")
    # A full first page asks for the count as well.
    with django_assert_num_queries(8):
        response = client.get("/api/units/?page_size=10")
    assert response.json()["count"] == 34


def test_staff_home_query_count(people, django_assert_num_queries):
    client = client_for(people.east_staff)
    client.get("/staff/")
    with django_assert_num_queries(8):
        client.get("/staff/")


def test_openapi_schema_generates_without_warnings(tmp_path):
    from django.core.management import call_command

    target = tmp_path / "schema.yml"
    call_command("spectacular", "--file", str(target), "--fail-on-warn", "--validate")
    text = target.read_text()
    assert "/api/ledger-entries/{id}/submissions/:" in text
    assert "/api/regions/{id}/:" in text
