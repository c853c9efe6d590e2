"""The demo city 示范市: exact counts, consistent trees, determinism, accounts, the command."""

from io import StringIO

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from wenming.accounts.models import mobile_validator
from wenming.core import audit
from wenming.core.models import AuditEntry
from wenming.regions import demo
from wenming.regions.models import (
    Membership,
    Region,
    TreeNode,
    Unit,
    code_validator,
    unit_code_validator,
)

pytestmark = pytest.mark.django_db

SCALE_1_LEVELS = {1: 1, 2: 6, 3: 60, 4: 400, 5: 2000}
ACCOUNTS = [
    ("admin", "superuser", None),
    ("city_admin", "office_admin", "990100000000"),
    ("city_staff", "office_staff", "990100000000"),
    *[(f"district{n}", "office_staff", f"9901{n:02d}000000") for n in range(1, 7)],
    ("city_leader", "leader", "990100000000"),
    ("inspector1", "inspector", "990100000000"),
    ("unit_cgj", "unit_staff", "990100000000"),
    ("unit_street1", "unit_staff", "990101001000"),
    ("volunteer1", "volunteer", "990101001001"),
    ("resident1", "resident", "990101001001"),
]


@pytest.fixture
def debug(settings):
    """pytest-django runs with DEBUG off; the command wants --password then."""
    settings.DEBUG = True


def level_counts():
    return {level: Region.objects.filter(level=level).count() for level in Region.Level.values}


def snapshot():
    """Everything that must come out the same on every build."""
    return (
        list(
            Region.objects.order_by("path").values_list(
                "code", "name", "path", "center_longitude", "center_latitude"
            )
        ),
        list(
            Unit.objects.order_by("path").values_list(
                "code", "name", "type", "path", "region__code", "contact_name", "contact_mobile"
            )
        ),
        list(
            get_user_model()
            .objects.order_by("username")
            .values_list("username", "full_name", "mobile")
        ),
    )


@pytest.mark.usefixtures("shared_demo_city")
class TestOneBuild:
    """Read-only checks of one demo city, built once for all of them."""

    @pytest.fixture
    def demo_city(self, shared_demo_city):
        return shared_demo_city

    def test_exact_counts_at_scale_1(self, demo_city):
        assert demo_city.regions_per_level == SCALE_1_LEVELS
        assert level_counts() == SCALE_1_LEVELS
        assert demo_city.units == Unit.objects.count() == 80
        assert demo_city.users == len(ACCOUNTS) == get_user_model().objects.count()
        assert demo_city.scale == 1
        assert demo_city.password == demo.DEMO_PASSWORD
        assert Unit.objects.filter(
            code="SF-WMB", type=Unit.Type.OFFICE, name="示范市文明办"
        ).exists()
        assert Unit.objects.filter(type=Unit.Type.STREET_OFFICE).count() == 60
        assert Unit.objects.filter(type=Unit.Type.OFFICE).count() == 7
        assert Unit.objects.filter(type__in=[Unit.Type.SCHOOL, Unit.Type.HOSPITAL]).exists()

    def test_every_path_follows_its_parent(self, demo_city):
        regions = {
            r["pk"]: r
            for r in Region.objects.values(
                "pk", "parent_id", "code", "path", "depth", "level", "name"
            )
        }
        for region in regions.values():
            parent = regions.get(region["parent_id"])
            assert region["path"] == TreeNode.build_path(parent and parent["path"], region["code"])
            assert region["depth"] == region["level"]
            assert region["depth"] == (parent["depth"] + 1 if parent else 1)
            assert len(region["code"]) == (15 if region["level"] == Region.Level.GRID else 12)
            assert region["code"].startswith("9901")
            assert region["name"]
            code_validator(region["code"])
        # Street names do not repeat within the city; community names not within a district.
        streets = [r["name"] for r in regions.values() if r["level"] == Region.Level.STREET]
        assert len(set(streets)) == len(streets)
        assert all(name.endswith("街道") for name in streets)

        units = {
            u["pk"]: u
            for u in Unit.objects.values(
                "pk",
                "parent_id",
                "code",
                "path",
                "depth",
                "region__level",
                "type",
                "contact_mobile",
            )
        }
        for unit in units.values():
            parent = units.get(unit["parent_id"])
            assert unit["path"] == TreeNode.build_path(parent and parent["path"], unit["code"])
            assert unit["depth"] == (parent["depth"] + 1 if parent else 1)
            unit_code_validator(unit["code"])
            mobile_validator(unit["contact_mobile"])
            if unit["type"] == Unit.Type.STREET_OFFICE:
                assert unit["region__level"] == Region.Level.STREET

    def test_accounts_roles_and_sign_in(self, demo_city):
        assert [(a.username, a.role) for a in demo_city.accounts] == [
            (username, role) for username, role, _place in ACCOUNTS
        ]
        admin = get_user_model().objects.get(username="admin")
        assert admin.is_superuser and admin.is_staff
        assert not admin.memberships.exists()
        for username, role, region_code in ACCOUNTS[1:]:
            (membership,) = Membership.objects.filter(user__username=username)
            assert membership.role == role
            assert membership.region.code == region_code
            if role == "unit_staff":
                assert membership.unit is not None and membership.region == membership.unit.region
        assert Membership.objects.get(user__username="unit_cgj").unit.code == "SF-CGJ"
        assert Membership.objects.get(user__username="unit_street1").unit.code == "SF-D01-JD01"

        mobiles = []
        for account in demo_city.accounts:
            assert account.full_name and not account.full_name.isascii()
            mobile_validator(account.mobile)
            mobiles.append(account.mobile)
            user = authenticate(None, username=account.username, password=demo.DEMO_PASSWORD)
            assert user is not None and user.username == account.username
        assert len(set(mobiles)) == len(mobiles)
        assert authenticate(None, username="city_admin", password="Wrong@2026!") is None

    def test_one_audit_entry_per_model_kind(self, demo_city):
        entries = list(AuditEntry.objects.order_by("id"))
        assert [(e.action, e.object_type) for e in entries] == [
            ("import", "regions.region"),
            ("import", "regions.unit"),
            ("import", "accounts.user"),
            ("import", "regions.membership"),
        ]
        assert all(e.origin == "demo" and e.actor_id is None for e in entries)
        assert "2467" in entries[0].message and "80" in entries[1].message
        assert audit.verify_chain().is_intact


def test_builds_are_deterministic():
    from wenming.accounts.models import ApiToken
    from wenming.accounts.services import issue_api_token

    demo.build_demo_city()
    first = snapshot()
    issue_api_token(get_user_model().objects.get(username="city_admin"), "手机")
    removed = demo.remove_demo_city()
    assert removed["regions.Region"] == 2467 and removed["regions.Unit"] == 80
    # A demo account holding an API token is removed with it (its role's end ends it).
    assert not ApiToken.objects.exists()
    assert Region.objects.count() == Unit.objects.count() == 0
    assert not get_user_model().objects.exists()
    demo.build_demo_city()
    assert snapshot() == first


def test_scale_2_doubles_districts_and_units():
    summary = demo.build_demo_city(scale=2)
    expected = {level: count * 2 for level, count in SCALE_1_LEVELS.items()}
    expected[Region.Level.CITY] = 1
    assert summary.regions_per_level == expected == level_counts()
    assert summary.units == Unit.objects.count() == 160
    assert summary.scale == 2
    districts = Region.objects.filter(level=Region.Level.DISTRICT).order_by("code")
    assert list(districts.values_list("name", flat=True)[:6]) == demo.district_names(6)
    assert len(set(districts.values_list("name", flat=True))) == 12
    assert get_user_model().objects.filter(username="district12").exists()


@pytest.mark.usefixtures("debug")
def test_scale_and_password_are_checked():
    with pytest.raises(ValueError):
        demo.build_demo_city(scale=0)
    with pytest.raises(ValueError):
        demo.build_demo_city(scale=demo.MAX_SCALE + 1)
    with pytest.raises(ValidationError):
        demo.build_demo_city(password="short")
    with pytest.raises(CommandError):
        call_command("load_demo", "--password", "Admin@2026!", stdout=StringIO())  # has "admin"
    with pytest.raises(CommandError):
        call_command("load_demo", "--scale", "0", stdout=StringIO())
    assert not Region.objects.exists()


class TestOneLoad:
    """The command against one demo loaded once (city and sample framework)."""

    @pytest.mark.usefixtures("debug")
    def test_command_twice_makes_no_duplicates_and_prints_accounts(self, shared_load_demo):
        first, second = shared_load_demo, StringIO()
        users = set(get_user_model().objects.values_list("pk", flat=True))
        call_command("load_demo", stdout=second)
        assert level_counts() == SCALE_1_LEVELS
        assert Unit.objects.count() == 80
        assert set(get_user_model().objects.values_list("pk", flat=True)) == users
        assert "已创建" in first
        assert "已存在" in second.getvalue() and "already loaded" in second.getvalue()
        for output in (first, second.getvalue()):
            for username, _role, _place in ACCOUNTS:
                assert f"  {username} " in output
            assert demo.DEMO_PASSWORD in output
            assert "2000" in output and "80" in output

    @pytest.mark.slow
    @pytest.mark.usefixtures("debug", "shared_load_demo")
    def test_force_rebuilds_only_the_demo(self):
        before = snapshot()
        outsider = get_user_model().objects.create_user("zhangsan", password="Real@Pass2026")
        out = StringIO()
        call_command("load_demo", "--force", stdout=out)
        assert snapshot()[:2] == before[:2]
        assert get_user_model().objects.filter(pk=outsider.pk).exists()
        assert get_user_model().objects.count() == len(ACCOUNTS) + 1
        assert "removed the previous demo" in out.getvalue()


@pytest.mark.slow
@pytest.mark.usefixtures("debug")
def test_command_does_not_echo_a_password_the_accounts_do_not_have():
    call_command("load_demo", "--password", "Other#Pass99", stdout=StringIO())
    out = StringIO()
    call_command("load_demo", stdout=out)
    assert demo.DEMO_PASSWORD not in out.getvalue()
    assert "as set when loaded" in out.getvalue()


@pytest.mark.usefixtures("debug")
def test_force_refuses_when_real_data_depends_on_the_demo():
    demo.build_demo_city()
    outsider = get_user_model().objects.create_user("zhangsan", password="Real@Pass2026")
    Membership.objects.create(
        user=outsider, role="office_staff", region=Region.objects.get(code="990101000000")
    )
    with pytest.raises(CommandError, match="depends on the demo"):
        call_command("load_demo", "--force", stdout=StringIO())
    assert level_counts() == SCALE_1_LEVELS
    assert get_user_model().objects.count() == len(ACCOUNTS) + 1


@pytest.mark.usefixtures("debug")
def test_refuses_to_take_over_an_existing_account():
    get_user_model().objects.create_user("Admin", password="Real@Pass2026")
    with pytest.raises(CommandError, match="Admin"):
        call_command("load_demo", stdout=StringIO())
    with pytest.raises(CommandError, match="Admin"):
        call_command("load_demo", "--force", stdout=StringIO())
    assert not Region.objects.exists()
    assert get_user_model().objects.count() == 1


@pytest.mark.slow
def test_command_wants_a_password_when_debug_is_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="--password"):
        call_command("load_demo", stdout=StringIO())
    call_command("load_demo", "--password", demo.DEMO_PASSWORD, stdout=StringIO())
    assert authenticate(None, username="city_leader", password=demo.DEMO_PASSWORD) is not None
