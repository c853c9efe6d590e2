"""Status badges: one colour per state, white text at 4.5:1 or better, on every page that
shows a ledger entry's or a framework's status."""

import pytest
from django.template import Context, Template
from django.test import RequestFactory

from tests.conftest import client_for
from tests.factories import FrameworkFactory, ledger_entry
from wenming.core.templatetags.core_tags import STATUS_COLOURS, STATUS_TEXT_COLOUR
from wenming.framework.models import Framework, LedgerEntry, Submission


def luminance(colour: str) -> float:
    """WCAG 2 relative luminance of #rrggbb."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(first: str, second: str) -> float:
    light, dark = sorted([luminance(first), luminance(second)], reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_the_contrast_formula_matches_known_values():
    assert contrast("#ffffff", "#000000") == pytest.approx(21.0)
    assert contrast("#ffffff", "#767676") == pytest.approx(4.54, abs=0.01)


@pytest.mark.parametrize("status", sorted(STATUS_COLOURS))
def test_every_badge_has_at_least_4_5_to_1_contrast(status):
    assert contrast(STATUS_COLOURS[status], STATUS_TEXT_COLOUR) >= 4.5


def test_every_status_has_its_own_colour():
    ledger = [value for value, _label in LedgerEntry.Status.choices] + ["overdue"]
    frameworks = [value for value, _label in Framework.Status.choices]
    outcomes = [value for value, _label in Submission.Outcome.choices]
    assert set(ledger + frameworks + outcomes) <= set(STATUS_COLOURS)
    assert len({STATUS_COLOURS[s] for s in outcomes}) == len(outcomes)
    assert len({STATUS_COLOURS[s] for s in ledger}) == len(ledger)
    assert len({STATUS_COLOURS[s] for s in frameworks}) == len(frameworks)
    assert STATUS_COLOURS["returned"] != STATUS_COLOURS["passed"]


def render(text, **context):
    request = RequestFactory().get("/")
    return Template("{% load core_tags %}" + text).render(Context({"request": request, **context}))


def test_the_tag_renders_the_status_label_in_its_colour(db, city):
    entry = ledger_entry(city.east_unit, status=LedgerEntry.Status.RETURNED)
    html = render("{% status_badge entry %}", entry=entry)
    assert html == (
        '<span class="badge status-badge status-returned" '
        'style="background-color:#b45309;color:#ffffff">已退回</span>'
    )


def test_a_flag_label_is_escaped():
    html = render('{% status_badge "overdue" label %}', label="<b>逾期</b>")
    assert "&lt;b&gt;逾期&lt;/b&gt;" in html
    assert "<b>" not in html


def test_an_unknown_status_falls_back_to_a_neutral_colour():
    html = render('{% status_badge "nonsense" "？" %}')
    assert f"background-color:{STATUS_COLOURS['assigned']}" in html


def test_badges_on_the_task_list_entry_page_and_framework_pages(db, people, city):
    returned = ledger_entry(city.east_unit, status=LedgerEntry.Status.RETURNED)
    passed = ledger_entry(city.east_unit, status=LedgerEntry.Status.PASSED)
    client = client_for(people.city_admin)
    task_list = client.get("/staff/tasks/").content.decode()
    assert 'status-returned" style="background-color:#b45309' in task_list
    assert 'status-passed" style="background-color:#166534' in task_list
    entry_page = client.get(f"/staff/tasks/{returned.pk}/").content.decode()
    assert "status-badge status-returned" in entry_page
    framework = passed.task.framework
    assert "status-badge status-active" in client.get("/staff/frameworks/").content.decode()
    detail = client.get(f"/staff/frameworks/{framework.pk}/").content.decode()
    assert "status-badge status-active" in detail
    draft = FrameworkFactory(region=city.city, status=Framework.Status.DRAFT, version=99)
    assert (
        "status-badge status-draft" in client.get(f"/staff/frameworks/{draft.pk}/").content.decode()
    )


def test_a_submissions_outcome_is_a_badge_on_the_entry_page(db, people, city):
    returned = ledger_entry(city.east_unit, status=LedgerEntry.Status.RETURNED)
    page = client_for(people.city_admin).get(f"/staff/tasks/{returned.pk}/").content.decode()
    # The entry's status in the title and its returned version, both amber.
    assert page.count('status-returned" style="background-color:#b45309') == 2
    pending = ledger_entry(city.east_unit, status=LedgerEntry.Status.SUBMITTED)
    page = client_for(people.city_admin).get(f"/staff/tasks/{pending.pk}/").content.decode()
    assert "status-badge status-pending" in page
    assert "status-badge status-submitted" in page
