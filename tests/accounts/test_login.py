"""Sign-in by username or mobile, lockout per account and per address, login audit."""

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.factories import PASSWORD, UserFactory
from wenming.accounts.models import LoginFailure
from wenming.core.models import AuditEntry

LOGIN = "/accounts/login/"


def post_login(client, username, password, ip="10.1.1.1"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


@pytest.fixture
def person(db):
    return UserFactory(username="zhangwei", mobile="13800001111")


def test_sign_in_by_username_and_by_mobile(person):
    client = Client()
    response = post_login(client, "zhangwei", PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(person.pk)
    client = Client()
    assert post_login(client, "13800001111", PASSWORD).status_code == 302
    assert client.session["_auth_user_id"] == str(person.pk)


def test_five_wrong_passwords_lock_the_account_with_a_chinese_message(person):
    client = Client()
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for _attempt in range(5):
            response = post_login(client, "zhangwei", "wrong-Password1", ip="10.0.0.9")
            assert response.status_code == 200
        # The fifth failure already reports the lock.
        assert "账号因多次登录失败已被锁定" in response.content.decode()
        # Right password from another address: still refused while the lock lasts.
        response = post_login(client, "zhangwei", PASSWORD, ip="10.0.0.10")
        assert response.status_code == 200
        body = response.content.decode()
        unlock = timezone.localtime(start + timedelta(minutes=15)).strftime("%H:%M")
        assert f"账号因多次登录失败已被锁定，请于 {unlock} 后再试。" in body
        assert "_auth_user_id" not in client.session
    # Refusals during the lock are not counted as new failures.
    assert LoginFailure.objects.filter(user=person).count() == 5
    with time_machine.travel(start + timedelta(minutes=15, seconds=1), tick=False):
        assert post_login(client, "zhangwei", PASSWORD, ip="10.0.0.10").status_code == 302
    # Success forgives the account's failures.
    assert LoginFailure.objects.filter(user=person).count() == 0


def test_lock_counts_the_account_however_it_is_typed(person):
    client = Client()
    for username in ["zhangwei", "ZhangWei", " zhangwei ", "ZHANGWEI", "zhangwei"]:
        post_login(client, username, "wrong-Password1")
    response = post_login(client, "zhangwei", PASSWORD)
    assert response.status_code == 200
    assert "已被锁定" in response.content.decode()


def test_one_persons_typos_do_not_lock_the_others_behind_the_same_address(db):
    UserFactory(username="lisi")
    client = Client()
    for _attempt in range(5):
        post_login(client, "zhangsan-typo", "wrong-Password1", ip="10.9.9.9")
    assert post_login(Client(), "lisi", PASSWORD, ip="10.9.9.9").status_code == 302


def test_many_failures_from_one_address_lock_that_address(db, settings):
    settings.LOGIN_ADDRESS_LOCKOUT_THRESHOLD = 8
    UserFactory(username="lisi")
    client = Client()
    for number in range(8):
        post_login(client, f"nobody{number}", "wrong-Password1", ip="10.9.9.9")
    response = post_login(client, "lisi", PASSWORD, ip="10.9.9.9")
    assert response.status_code == 200
    assert "此地址登录失败次数过多" in response.content.decode()
    # Another address is not affected.
    assert post_login(Client(), "lisi", PASSWORD, ip="10.9.9.8").status_code == 302


def test_the_address_limit_is_one_hundred_by_default():
    import wenming.settings as production

    assert production.LOGIN_ADDRESS_LOCKOUT_THRESHOLD == 100
    assert production.LOGIN_ADDRESS_LOCKOUT_MINUTES == 15
    assert production.LOGIN_LOCKOUT_THRESHOLD == 5


def test_api_token_sign_in_says_the_account_is_locked(person):
    client = Client()
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for _attempt in range(5):
            post_login(client, "zhangwei", "wrong-Password1")
        response = client.post(
            "/api/token/", {"username": "zhangwei", "password": PASSWORD}, REMOTE_ADDR="10.3.3.3"
        )
    assert response.status_code == 429
    body = response.json()
    unlock = timezone.localtime(start + timedelta(minutes=15)).strftime("%H:%M")
    assert body["code"] == "account_locked"
    assert body["detail"] == f"账号因多次登录失败已被锁定，请于 {unlock} 后再试。"
    assert response["Retry-After"] == str(15 * 60)
    assert "token" not in body


def test_api_token_sign_in_says_the_address_is_locked(person, settings):
    settings.LOGIN_ADDRESS_LOCKOUT_THRESHOLD = 3
    client = Client()
    for number in range(3):
        client.post(
            "/api/token/", {"username": f"x{number}", "password": "x"}, REMOTE_ADDR="10.4.4.4"
        )
    response = client.post(
        "/api/token/", {"username": "zhangwei", "password": PASSWORD}, REMOTE_ADDR="10.4.4.4"
    )
    assert response.status_code == 429
    assert response.json()["code"] == "address_locked"
    assert "此地址登录失败次数过多" in response.json()["detail"]


def test_api_token_sign_in_with_a_wrong_password_answers_400(person):
    response = Client().post("/api/token/", {"username": "zhangwei", "password": "nope"})
    assert response.status_code == 400
    assert list(response.json()) == ["non_field_errors"]


def test_wrong_password_message_is_chinese_and_says_the_rule(person):
    response = post_login(Client(), "zhangwei", "wrong-Password1")
    assert "用户名或密码错误" in response.content.decode()


def test_logins_failures_and_logouts_are_audited(person):
    client = Client()
    post_login(client, "zhangwei", "wrong-Password1", ip="10.2.2.2")
    post_login(client, "zhangwei", PASSWORD, ip="10.2.2.2")
    client.post(reverse("accounts:logout"), REMOTE_ADDR="10.2.2.2")
    entries = list(
        AuditEntry.objects.order_by("id").values_list("action", "actor_id", "object_repr", "ip")
    )
    assert entries == [
        ("login_failed", None, "zhangwei", "10.2.2.2"),
        ("login", person.pk, str(person), "10.2.2.2"),
        ("logout", person.pk, str(person), "10.2.2.2"),
    ]


def test_password_change_enforces_the_rules_and_is_audited(person):
    client = Client()
    client.force_login(person)
    url = reverse("accounts:password_change")
    weak = client.post(
        url,
        {"old_password": PASSWORD, "new_password1": "zhangwei123", "new_password2": "zhangwei123"},
    )
    body = weak.content.decode()
    assert "密码不能包含用户名" in body
    assert "密码至少须包含小写字母、大写字母、数字和符号中的 3 类" in body
    person.refresh_from_db()
    assert person.check_password(PASSWORD)
    good = client.post(
        url,
        {"old_password": PASSWORD, "new_password1": "Chang#2027x", "new_password2": "Chang#2027x"},
    )
    assert good.status_code == 302
    person.refresh_from_db()
    assert person.check_password("Chang#2027x")
    entry = AuditEntry.objects.get(action="password_change")
    assert entry.actor_id == person.pk
    assert "password" not in (entry.after or {})


def test_forwarded_address_is_used_only_behind_a_trusted_proxy(person, settings):
    forged = {"HTTP_X_FORWARDED_FOR": "1.2.3.4, 10.8.8.8", "REMOTE_ADDR": "127.0.0.1"}
    Client().post(LOGIN, {"username": "zhangwei", "password": "x"}, **forged)
    settings.TRUST_X_FORWARDED_FOR = True
    Client().post(LOGIN, {"username": "zhangwei", "password": "x"}, **forged)
    assert list(LoginFailure.objects.order_by("id").values_list("ip", flat=True)) == [
        "127.0.0.1",
        "10.8.8.8",
    ]


def test_api_token_sign_in_is_audited_and_ends_with_a_password_change(person):
    from wenming.accounts import services

    response = Client().post("/api/token/", {"username": "13800001111", "password": PASSWORD})
    token = response.json()["token"]
    assert len(token) == 40
    assert (
        Client().get("/api/me/", HTTP_AUTHORIZATION=f"Token {token}").json()["username"]
        == "zhangwei"
    )
    entry = AuditEntry.objects.get(action="login")
    assert (entry.actor_id, entry.message) == (person.pk, "api token")
    services.change_password(person, "Another#Pass9")
    assert Client().get("/api/me/", HTTP_AUTHORIZATION=f"Token {token}").status_code == 401


def test_forms_refuse_posts_without_the_csrf_token(person):
    client = Client(enforce_csrf_checks=True)
    response = client.post(LOGIN, {"username": "zhangwei", "password": PASSWORD})
    assert response.status_code == 403
    assert "_auth_user_id" not in client.session


def test_production_hashes_passwords_with_argon2(person, settings):
    from django.contrib.auth.hashers import check_password, make_password

    import wenming.settings as production

    settings.PASSWORD_HASHERS = production.PASSWORD_HASHERS
    assert production.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    encoded = make_password(PASSWORD)
    assert encoded.startswith("argon2$argon2id$")
    assert check_password(PASSWORD, encoded)
