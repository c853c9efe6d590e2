"""The factories' rows are the ones the importer and the services would have written."""

import pytest

from tests.factories import ledger_entry
from tests.framework.conftest import build_small_tree, small_rows, workbook_bytes
from wenming.framework.importers import FrameworkImporter
from wenming.framework.models import LedgerEntry


def test_the_factory_tree_is_what_the_small_workbook_imports_to(people, draft):
    build_small_tree(draft)
    plan = FrameworkImporter(people.city_admin, draft).plan(workbook_bytes(small_rows()))
    assert (plan.errors, plan.creates, plan.updates, plan.deletes, plan.unchanged) == (
        [],
        [],
        [],
        [],
        9,
    )


@pytest.mark.parametrize(
    ("status", "events", "outcomes"),
    [
        ("assigned", ["assign"], []),
        ("acknowledged", ["assign", "acknowledge"], []),
        ("submitted", ["assign", "submit"], ["pending"]),
        ("returned", ["assign", "submit", "return"], ["returned"]),
        ("passed", ["assign", "submit", "pass"], ["passed"]),
        ("failed", ["assign", "submit", "fail"], ["failed"]),
    ],
)
def test_a_ledger_entry_in_each_state_has_the_history_of_that_state(city, status, events, outcomes):
    entry = ledger_entry(city.east_unit, status=status)
    assert entry.status == status
    assert list(entry.events.values_list("action", flat=True)) == events
    assert list(entry.submissions.values_list("outcome", flat=True)) == outcomes
    assert entry.task.framework.region == city.city
    assert entry.task.indicator.level == 3
    assert entry.task.indicator.parent.parent.framework == entry.task.framework
    # A second entry of the city shares its active framework.
    assert ledger_entry(city.west_unit).task.framework == entry.task.framework
    assert LedgerEntry.objects.count() == 2
