"""Labels that said the wrong thing in Chinese: one word, one meaning, one way to write it."""

from tests.conftest import client_for
from tests.framework.conftest import active as active  # the fixtures, reused
from tests.framework.conftest import draft as draft
from wenming.accounts.models import User
from wenming.framework.models import Task
from wenming.regions.models import Membership


def test_a_task_title_is_its_name_and_a_persons_title_is_a_job_title(people, active):
    assert str(Task._meta.get_field("title").verbose_name) == "任务名称"
    assert str(Membership._meta.get_field("title").verbose_name) == "职务"
    form = client_for(people.east_staff).get("/staff/tasks/new/").context["form"]
    assert str(form["title"].label) == "任务名称"


def test_a_persons_name_is_called_xingming(people):
    assert str(User._meta.get_field("full_name").verbose_name) == "姓名"
    body = client_for(people.city_admin).get("/staff/people/").content.decode()
    assert "<th>姓名</th><th>用户名</th>" in body


def test_the_password_change_page_says_nin(people):
    response = client_for(people.east_staff).post(
        "/accounts/password/",
        {"old_password": "Wrong#Pass99", "new_password1": "123", "new_password2": "123"},
    )
    body = response.content.decode()
    assert "您的旧密码不正确，请重新输入。" in body
    assert "你" not in body


def test_a_framework_version_is_written_one_way(people, active):
    assert str(active) == f"{active.name}（{active.edition_year} 第 {active.version} 版）"
    client = client_for(people.city_admin)
    listing = client.get("/staff/frameworks/").content.decode()
    assert f"<td>第 {active.version} 版</td>" in listing
    lost_points = client.get(f"/staff/frameworks/{active.pk}/lost-points/").content.decode()
    assert f"{active.edition_year} 第 {active.version} 版" in lost_points
    assert f" v{active.version}" not in lost_points


def test_the_portal_calls_the_office_wenmingban(client, db):
    body = client.get("/").content.decode()
    assert "提交给文明办" in body
    assert "创城办" not in body
