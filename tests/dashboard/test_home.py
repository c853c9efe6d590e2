"""The staff home as a work list per role: counts in one query per panel, links to the
filtered lists that show exactly the counted entries, and a due-soon window setting."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.test import override_settings

from tests.conftest import client_for
from tests.factories import ContentFactory, FrameworkFactory, LedgerEntryFactory, TaskFactory
from wenming.framework.models import LedgerEntry

S = LedgerEntry.Status
TODAY = date(2026, 11, 20)


@pytest.fixture(autouse=True)
def frozen_today():
    import time_machine

    with time_machine.travel(datetime(2026, 11, 20, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))):
        yield


def add(framework, unit, status, days):
    """An entry of a new task of `unit`, due `days` from today."""
    task = TaskFactory(
        framework=framework, indicator=ContentFactory(framework=framework), unit=unit
    )
    deadline = TODAY + timedelta(days=days)
    return LedgerEntryFactory(
        task=task,
        period_start=date(2026, 11, 1),
        period_end=deadline,
        deadline=deadline,
        status=status,
    )


@pytest.fixture
def work(city):
    """East unit: to sign for (due in 3 days), to submit (in 10), returned and submitted
    (both past: overdue), passed (past); its sub-unit: to sign for, due today. West unit:
    submitted (not yet due) and assigned (past: overdue)."""
    framework = FrameworkFactory(region=city.city)
    return {
        "east_assigned": add(framework, city.east_unit, S.ASSIGNED, 3),
        "east_acknowledged": add(framework, city.east_unit, S.ACKNOWLEDGED, 10),
        "east_returned": add(framework, city.east_unit, S.RETURNED, -2),
        "east_submitted": add(framework, city.east_unit, S.SUBMITTED, -1),
        "east_passed": add(framework, city.east_unit, S.PASSED, -5),
        "sub_assigned": add(framework, city.east_sub_unit, S.ASSIGNED, 0),
        "west_submitted": add(framework, city.west_unit, S.SUBMITTED, 5),
        "west_assigned": add(framework, city.west_unit, S.ASSIGNED, -3),
    }


def panel_counts(response, key):
    panel = next((p for p in response.context["panels"] if p.key == key), None)
    return None if panel is None else {line["key"]: line["count"] for line in panel.lines}


def listed(client, url, work):
    names = {entry.pk: name for name, entry in work.items()}
    return sorted(names[entry.pk] for entry in client.get(url).context["object_list"])


def test_district_office_sees_its_review_work_and_the_ranking(people, work):
    response = client_for(people.east_staff).get("/staff/")
    assert panel_counts(response, "office") == {
        "waiting_for_review": 1,
        "overdue": 2,
        "due_soon": 2,
    }
    assert panel_counts(response, "unit") is None
    ranking = response.context["ranking"]
    # East units: 东湖区住建局 due 3 (returned, submitted, passed), passed 1 → 33.3;
    # the sub-unit's only entry is due today → due 1, passed 0 → 0.0.
    assert [(u.code, u.due, u.rate) for u in ranking.ranked] == [
        ("DH-ZJ", 3, Decimal("33.3")),
        ("DH-ZJ-1", 1, Decimal("0.0")),
    ]
    body = response.content.decode()
    assert "7天内到期" in body
    assert 'href="/staff/tasks/?status=submitted"' in body


def test_the_office_links_list_exactly_what_was_counted(people, work):
    client = client_for(people.east_staff)
    lines = {line["key"]: line for line in client.get("/staff/").context["panels"][0].lines}
    assert listed(client, lines["waiting_for_review"]["url"], work) == ["east_submitted"]
    assert listed(client, lines["overdue"]["url"], work) == ["east_returned", "east_submitted"]
    assert listed(client, lines["due_soon"]["url"], work) == ["east_assigned", "sub_assigned"]


def test_city_office_counts_both_districts(people, work):
    response = client_for(people.city_admin).get("/staff/")
    assert panel_counts(response, "office") == {
        "waiting_for_review": 2,
        "overdue": 3,
        "due_soon": 2,
    }


def test_unit_staff_see_their_units_tasks_and_no_office_work(people, work):
    client = client_for(people.east_unit_staff)
    response = client.get("/staff/")
    assert panel_counts(response, "unit") == {
        "to_acknowledge": 2,
        "to_submit": 1,
        "returned": 1,
        "overdue": 2,
        "due_soon": 2,
    }
    assert panel_counts(response, "office") is None
    assert "ranking" not in response.context
    lines = {line["key"]: line for line in response.context["panels"][0].lines}
    assert lines["to_acknowledge"]["url"] == "/staff/tasks/mine/?status=assigned"
    assert listed(client, lines["to_acknowledge"]["url"], work) == [
        "east_assigned",
        "sub_assigned",
    ]
    assert listed(client, lines["to_submit"]["url"], work) == ["east_acknowledged"]
    assert listed(client, lines["returned"]["url"], work) == ["east_returned"]
    assert listed(client, lines["overdue"]["url"], work) == ["east_returned", "east_submitted"]
    assert listed(client, lines["due_soon"]["url"], work) == ["east_assigned", "sub_assigned"]


def test_a_leader_sees_completion_by_unit_only(people, work):
    response = client_for(people.leader).get("/staff/")
    assert response.context["panels"] == []
    assert [u.code for u in response.context["ranking"].ranked] == ["DH-ZJ", "DH-ZJ-1"]
    assert 'id="panel-completion"' in response.content.decode()


def test_an_inspector_is_told_there_is_nothing_to_do(people, work):
    response = client_for(people.inspector).get("/staff/")
    assert response.context["panels"] == []
    assert "ranking" not in response.context
    assert "您的角色在此暂无待办事项。" in response.content.decode()


def test_a_superuser_sees_every_panel(people, work):
    response = client_for(people.superuser).get("/staff/")
    assert [panel.key for panel in response.context["panels"]] == ["office", "unit"]
    assert panel_counts(response, "unit")["to_acknowledge"] == 3
    # The west unit's submitted entry is not due yet; its overdue one is: 0.0, rank shared.
    assert [(u.code, u.rank) for u in response.context["ranking"].ranked] == [
        ("DH-ZJ", 1),
        ("DH-ZJ-1", 2),
        ("XS-ZJ", 2),
    ]


@override_settings(DUE_SOON_DAYS=10)
def test_the_due_soon_window_is_a_setting(people, work):
    client = client_for(people.east_unit_staff)
    response = client.get("/staff/")
    assert panel_counts(response, "unit")["due_soon"] == 3
    assert "10天内到期" in response.content.decode()
    assert listed(client, "/staff/tasks/mine/?due_soon=true", work) == [
        "east_acknowledged",
        "east_assigned",
        "sub_assigned",
    ]


def test_residents_still_get_no_staff_home(people):
    assert client_for(people.resident).get("/staff/").status_code == 403


@pytest.mark.parametrize(
    ("persona", "queries"),
    [
        # session, user, memberships, office panel, ranking, session save (3)
        ("east_staff", 8),
        # session, user, memberships, unit panel, session save (3)
        ("east_unit_staff", 7),
        # session, user, memberships, ranking, session save (3)
        ("leader", 7),
    ],
)
def test_home_query_count_is_pinned(
    people, city, work, persona, queries, django_assert_num_queries
):
    client = client_for(getattr(people, persona))
    client.get("/staff/")
    with django_assert_num_queries(queries):
        client.get("/staff/")
    framework = work["east_assigned"].task.framework
    for days in range(-3, 6):
        add(framework, city.east_unit, S.SUBMITTED, days)
        add(framework, city.east_sub_unit, S.ASSIGNED, days)
    with django_assert_num_queries(queries):
        client.get("/staff/")
