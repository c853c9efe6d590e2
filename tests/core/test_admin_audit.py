"""Every change made in the Django admin is in the audit log, with the admin as actor."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils.timezone import localtime

from tests.conftest import client_for
from tests.factories import UserFactory
from wenming.accounts.models import LoginFailure
from wenming.core import audit
from wenming.core.models import AuditEntry
from wenming.regions.models import Membership

User = get_user_model()


@pytest.fixture
def admin_client(people):
    return client_for(people.superuser)


def _changes():
    """The entries written by the admin, oldest first (sign-ins left out)."""
    return list(AuditEntry.objects.exclude(action="login").order_by("id"))


def _user_form(user, **changes):
    # The admin's date inputs hold whole seconds; start from a stored value that does too.
    User.objects.filter(pk=user.pk).update(date_joined=user.date_joined.replace(microsecond=0))
    user.refresh_from_db()
    data = {
        "username": user.username,
        "full_name": user.full_name,
        "mobile": user.mobile or "",
        "id_number": user.id_number,
        "email": user.email,
        "is_active": "on" if user.is_active else "",
        "is_staff": "on" if user.is_staff else "",
        "is_superuser": "on" if user.is_superuser else "",
        "last_login_0": "",
        "last_login_1": "",
        "date_joined_0": localtime(user.date_joined).strftime("%Y-%m-%d"),
        "date_joined_1": localtime(user.date_joined).strftime("%H:%M:%S"),
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value != ""}


def test_making_someone_a_superuser_is_recorded_with_before_and_after(admin_client, people):
    person = people.leader
    response = admin_client.post(
        f"/admin/accounts/user/{person.pk}/change/",
        _user_form(person, is_superuser="on", is_staff="on"),
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    (entry,) = _changes()
    assert (entry.action, entry.object_type, entry.object_id) == (
        "update",
        "accounts.user",
        str(person.pk),
    )
    assert (entry.actor_id, entry.origin) == (people.superuser.pk, "admin")
    assert (entry.before["is_superuser"], entry.after["is_superuser"]) == (False, True)
    assert "password" not in entry.after
    assert audit.changed_fields(entry.before, entry.after) == ["is_staff", "is_superuser"]
    assert User.objects.get(pk=person.pk).is_superuser


def test_saving_the_user_form_unchanged_writes_nothing(admin_client, people):
    person = people.leader
    response = admin_client.post(f"/admin/accounts/user/{person.pk}/change/", _user_form(person))
    assert response.status_code == 302
    assert _changes() == []


def test_adding_a_user_in_the_admin_is_recorded_without_the_password(admin_client, people):
    response = admin_client.post(
        "/admin/accounts/user/add/",
        {
            "username": "newcomer",
            "full_name": "新同事",
            "password1": "Fresh#Start2026",
            "password2": "Fresh#Start2026",
            "usable_password": "true",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    (entry,) = _changes()
    assert (entry.action, entry.object_repr, entry.actor_id, entry.origin) == (
        "create",
        "新同事",
        people.superuser.pk,
        "admin",
    )
    assert entry.before is None and "password" not in entry.after


def test_setting_a_password_in_the_admin_is_recorded_and_held_to_the_rules(admin_client, people):
    person = people.inspector
    url = f"/admin/accounts/user/{person.pk}/password/"
    weak = admin_client.post(
        url, {"password1": "abc", "password2": "abc", "set_usable_password": "true"}
    )
    assert weak.status_code == 200
    assert _changes() == []
    response = admin_client.post(
        url,
        {"password1": "Another#2026z", "password2": "Another#2026z", "set_usable_password": "true"},
    )
    assert response.status_code == 302
    (entry,) = _changes()
    assert (entry.action, entry.event, entry.object_id, entry.actor_id, entry.origin) == (
        "password_change",
        "password_set_by_admin",
        str(person.pk),
        people.superuser.pk,
        "admin",
    )
    assert entry.before is None and entry.after is None
    assert User.objects.get(pk=person.pk).check_password("Another#2026z")
    assert audit.describe(entry) == "管理员重设密码"


def test_disabling_password_sign_in_in_the_admin_is_recorded(admin_client, people):
    person = people.inspector
    response = admin_client.post(
        f"/admin/accounts/user/{person.pk}/password/",
        {"usable_password": "false", "unset-password": "1"},
    )
    assert response.status_code == 302
    (entry,) = _changes()
    assert entry.event == "password_disabled_by_admin"
    assert not User.objects.get(pk=person.pk).has_usable_password()


def test_deleting_a_user_names_the_roles_deleted_with_them(admin_client, people):
    person = people.east_staff
    response = admin_client.post(f"/admin/accounts/user/{person.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    (entry,) = _changes()
    assert (entry.action, entry.object_repr, entry.actor_id, entry.origin) == (
        "delete",
        str(person),
        people.superuser.pk,
        "admin",
    )
    assert entry.before["username"] == "east_staff" and entry.after is None
    assert entry.params == {"cascade": {"regions.membership": 1}}
    assert not User.objects.filter(pk=person.pk).exists()


def test_granting_a_role_in_the_admin_is_recorded(admin_client, people, city):
    person = UserFactory(username="granted")
    response = admin_client.post(
        "/admin/regions/membership/add/",
        {
            "user": person.pk,
            "role": Membership.Role.OFFICE_ADMIN,
            "region": city.west.pk,
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    (entry,) = _changes()
    membership = Membership.objects.get(user=person)
    assert (entry.action, entry.object_type, entry.object_id, entry.actor_id) == (
        "create",
        "regions.membership",
        str(membership.pk),
        people.superuser.pk,
    )
    assert (entry.after["role"], entry.after["region_id"]) == (
        Membership.Role.OFFICE_ADMIN,
        city.west.pk,
    )


def test_changing_and_deleting_a_role_in_the_admin_are_recorded(admin_client, people, city):
    membership = people.east_staff.memberships.get()
    response = admin_client.post(
        f"/admin/regions/membership/{membership.pk}/change/",
        {
            "user": people.east_staff.pk,
            "role": Membership.Role.OFFICE_ADMIN,
            "region": city.east.pk,
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    response = admin_client.post(
        f"/admin/regions/membership/{membership.pk}/delete/", {"post": "yes"}
    )
    assert response.status_code == 302
    changed, deleted = _changes()
    assert (changed.action, changed.before["role"], changed.after["role"]) == (
        "update",
        Membership.Role.OFFICE_STAFF,
        Membership.Role.OFFICE_ADMIN,
    )
    assert (changed.before["is_active"], changed.after["is_active"]) == (True, False)
    assert (deleted.action, deleted.before["role"], deleted.params) == (
        "delete",
        Membership.Role.OFFICE_ADMIN,
        None,
    )
    assert {entry.actor_id for entry in (changed, deleted)} == {people.superuser.pk}


def test_deleting_roles_with_the_list_action_records_each(admin_client, people):
    memberships = list(
        Membership.objects.filter(user__in=[people.leader, people.inspector]).order_by("pk")
    )
    response = admin_client.post(
        "/admin/regions/membership/",
        {
            "action": "delete_selected",
            "_selected_action": [m.pk for m in memberships],
            "post": "yes",
        },
    )
    assert response.status_code == 302
    entries = _changes()
    assert sorted((e.action, int(e.object_id), e.origin) for e in entries) == [
        ("delete", m.pk, "admin") for m in memberships
    ]
    assert not Membership.objects.filter(pk__in=[m.pk for m in memberships]).exists()


def test_a_region_edited_in_the_admin_is_recorded_once_through_its_service(
    admin_client, people, city
):
    street = city.east_street
    response = admin_client.post(
        f"/admin/regions/region/{street.pk}/change/",
        {
            "code": street.code,
            "name": "东门新街道",
            "level": 3,
            "parent": city.east.pk,
            "boundary": "null",
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    (entry,) = _changes()
    assert (entry.action, entry.after["name"], entry.actor_id, entry.origin) == (
        "update",
        "东门新街道",
        people.superuser.pk,
        "admin",
    )


def test_unit_edits_in_the_admin_are_recorded(admin_client, people, city):
    unit = city.west_unit
    response = admin_client.post(
        f"/admin/regions/unit/{unit.pk}/change/",
        {
            "code": unit.code,
            "name": unit.name,
            "type": unit.type,
            "region": unit.region_id,
            "contact_name": "李四",
            "contact_mobile": unit.contact_mobile,
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    (entry,) = _changes()
    assert (entry.object_type, entry.after["contact_name"], entry.origin) == (
        "regions.unit",
        "李四",
        "admin",
    )


def test_group_permissions_changed_in_the_admin_are_recorded(admin_client, people):
    from django.contrib.auth.models import Permission

    permission = Permission.objects.get(codename="view_auditentry")
    response = admin_client.post(
        "/admin/auth/group/add/", {"name": "审计员", "permissions": [permission.pk]}
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    (entry,) = _changes()
    group = Group.objects.get(name="审计员")
    assert (entry.action, entry.object_id, entry.after["permissions"]) == (
        "create",
        str(group.pk),
        [permission.pk],
    )


def test_clearing_a_lockout_in_the_admin_is_recorded(admin_client, people):
    failure = LoginFailure.objects.create(username="east_staff", ip="10.0.0.9")
    response = admin_client.post(
        f"/admin/accounts/loginfailure/{failure.pk}/delete/", {"post": "yes"}
    )
    assert response.status_code == 302
    (entry,) = _changes()
    assert (entry.action, entry.object_type, entry.before["username"]) == (
        "delete",
        "accounts.loginfailure",
        "east_staff",
    )


def test_a_refused_admin_save_writes_nothing(admin_client, people, city):
    # A unit's code must be letters, digits or hyphens: the form refuses, nothing is saved.
    unit = city.west_unit
    response = admin_client.post(
        f"/admin/regions/unit/{unit.pk}/change/",
        {"code": "坏 代码", "name": unit.name, "type": unit.type, "region": unit.region_id},
    )
    assert response.status_code == 200
    assert _changes() == []


def test_audit_entries_stay_read_only_in_the_admin(admin_client, people, city):
    entry = audit.record("update", city.east, actor=people.city_admin)
    assert admin_client.get(f"/admin/core/auditentry/{entry.pk}/delete/").status_code == 403
    assert admin_client.get("/admin/core/auditentry/add/").status_code == 403
