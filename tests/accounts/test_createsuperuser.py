"""createsuperuser: held to the password rules without a prompt, and audited."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from wenming.core import audit
from wenming.core.models import AuditEntry

User = get_user_model()


def _create(monkeypatch, password, username="root2"):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", password)
    call_command("createsuperuser", "--noinput", "--username", username, "--email", "r@example.com")


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("weak", "密码长度至少为 8 位"),
        ("alllowercase", "至少须包含小写字母、大写字母、数字和符号中的 3 类"),
        ("Root2#Root2#", "密码不能包含用户名"),
        ("Password1!", "这个密码太常见了"),
    ],
)
def test_a_weak_password_from_the_environment_is_refused(db, monkeypatch, password, reason):
    with pytest.raises(CommandError, match=reason) as error:
        _create(monkeypatch, password)
    assert str(error.value).startswith("DJANGO_SUPERUSER_PASSWORD: ")
    assert not User.objects.filter(username="root2").exists()
    assert AuditEntry.objects.count() == 0


def test_a_strong_password_creates_an_audited_superuser(db, monkeypatch, capsys):
    _create(monkeypatch, "Night#Owl2026x")
    user = User.objects.get(username="root2")
    assert user.is_superuser and user.check_password("Night#Owl2026x")
    (entry,) = AuditEntry.objects.all()
    assert (entry.action, entry.event, entry.object_id, entry.origin, entry.actor_id) == (
        "create",
        "superuser_created",
        str(user.pk),
        "command",
        None,
    )
    assert entry.after["is_superuser"] is True and "password" not in entry.after
    assert audit.describe(entry) == "在命令行创建超级用户"
    assert "Superuser created successfully." in capsys.readouterr().out


def test_a_taken_username_creates_nothing_and_records_nothing(db, monkeypatch):
    _create(monkeypatch, "Night#Owl2026x")
    with pytest.raises(CommandError, match="already taken"):
        _create(monkeypatch, "Night#Owl2026y")
    assert AuditEntry.objects.count() == 1


def test_without_a_password_the_account_cannot_sign_in_and_is_still_audited(db, monkeypatch):
    monkeypatch.delenv("DJANGO_SUPERUSER_PASSWORD", raising=False)
    call_command("createsuperuser", "--noinput", "--username", "root3", "--email", "")
    user = User.objects.get(username="root3")
    assert not user.has_usable_password()
    assert AuditEntry.objects.get().object_id == str(user.pk)
