"""/api/frameworks/, /api/indicators/, /api/ledger-entries/ and /api/submissions/."""

from tests.api.base import OFFICES, UNIT_STAFF, Action, EndpointTests
from tests.factories import (
    ContentFactory,
    EvidenceFileFactory,
    FrameworkFactory,
    IndicatorFactory,
    RegionFactory,
    ledger_entry,
)
from wenming.framework.models import Framework, Indicator, LedgerEntry, Submission

CITY_STAFF = (
    "city_admin",
    "east_staff",
    "west_staff",
    "leader",
    "inspector",
    "east_unit_staff",
    "west_unit_staff",
)


def other_city():
    """A second city, which nobody in the fixture city holds a role in."""
    return RegionFactory(code="990200000000", name="邻市", level=1)


class TestFrameworks(EndpointTests):
    list_path = "/api/frameworks/"
    basename = "framework"
    model = Framework
    own = "active"
    other = "other_city"
    # A framework belongs to its whole city: every staff member there reads its versions,
    # drafts included; another city's frameworks are unknown to them.
    visible = {
        "superuser": {"active", "draft", "other_city"},
        **{persona: {"active", "draft"} for persona in CITY_STAFF},
    }
    # session, user, memberships, page (not full, so no COUNT), session save (3)
    list_queries = 7
    detail_queries = 7

    def make_objects(self, world):
        return {
            "active": FrameworkFactory(region=world.city.city),
            "draft": FrameworkFactory(region=world.city.city, status=Framework.Status.DRAFT),
            "other_city": FrameworkFactory(region=other_city()),
        }

    def make_more(self, world, count):
        for _number in range(count):
            FrameworkFactory(region=world.city.city, status=Framework.Status.ARCHIVED)
        return count


class TestIndicators(EndpointTests):
    list_path = "/api/indicators/"
    basename = "indicator"
    model = Indicator
    own = "content"
    other = "other_content"
    visible = {
        "superuser": {
            "item",
            "indicator",
            "content",
            "other_item",
            "other_indicator",
            "other_content",
        },
        **{persona: {"item", "indicator", "content"} for persona in CITY_STAFF},
    }
    # session, user, memberships, page (not full, so no COUNT), responsible units,
    # session save (3)
    list_queries = 8
    detail_queries = 8

    def make_objects(self, world):
        content = ContentFactory(
            framework=FrameworkFactory(region=world.city.city),
            lead_unit=world.city.east_unit,
            responsible_units=[world.city.west_unit],
        )
        other = ContentFactory(framework=FrameworkFactory(region=other_city()))
        return {
            "item": content.parent.parent,
            "indicator": content.parent,
            "content": content,
            "other_item": other.parent.parent,
            "other_indicator": other.parent,
            "other_content": other,
        }

    def make_more(self, world, count):
        parent = world.objects["indicator"]
        for _number in range(count):
            IndicatorFactory(
                parent=parent,
                lead_unit=world.city.west_unit,
                responsible_units=[world.city.east_unit, world.city.city_unit],
            )
        return count


ALL_ENTRIES = {"city", "east", "east_sub", "east_returned", "west"}
EAST_ENTRIES = {"east", "east_sub", "east_returned"}
ENTRIES_VISIBLE = {
    "superuser": ALL_ENTRIES,
    "city_admin": ALL_ENTRIES,
    "east_staff": EAST_ENTRIES,
    "west_staff": {"west"},
    "leader": EAST_ENTRIES,
    "inspector": EAST_ENTRIES,
    "east_unit_staff": EAST_ENTRIES,
    "west_unit_staff": {"west"},
}
ENTRY_UNITS = {
    "city": "city_unit",
    "east": "east_unit",
    "east_sub": "east_sub_unit",
    "west": "west_unit",
}


class Submit(Action):
    def payload(self, world, persona):
        return {"note": "第一次提交", "links": ["https://example.cn/ledger"]}


class Review(Action):
    def payload(self, world, persona):
        return {"outcome": "returned", "reason": "缺少签字页"}


class TestLedgerEntries(EndpointTests):
    list_path = "/api/ledger-entries/"
    basename = "ledger-entry"
    model = LedgerEntry
    visible = ENTRIES_VISIBLE
    # Only the unit's own staff (or staff of a unit above it) and superusers confirm and
    # submit; offices, leaders and inspectors who see the entry are refused.
    actions = (
        Action(
            "acknowledge", allowed=UNIT_STAFF | {"superuser"}, changes={"status": "acknowledged"}
        ),
        Submit(
            "submissions",
            allowed=UNIT_STAFF | {"superuser"},
            status=201,
            changes={"status": "submitted"},
        ),
    )
    # session, user, memberships, page (not full, so no COUNT), session save (3)
    list_queries = 7
    # session, user, memberships, entry, submissions, files, events, actors, session save (3)
    detail_queries = 11
    # Measured on an entry with a reviewed submission holding a file and three events.
    detail_query_row = "east_returned"

    def make_objects(self, world):
        entries = {
            name: ledger_entry(getattr(world.city, unit)) for name, unit in ENTRY_UNITS.items()
        }
        returned = ledger_entry(world.city.east_unit, status=LedgerEntry.Status.RETURNED)
        EvidenceFileFactory(submission=returned.submissions.get())
        return entries | {"east_returned": returned}

    def make_more(self, world, count):
        for _number in range(count):
            ledger_entry(world.city.west_unit)
        return count


class TestSubmissions(EndpointTests):
    """Submissions are read inside their ledger entry; the endpoint only reviews them."""

    list_path = "/api/submissions/"
    basename = "submission"
    model = Submission
    has_list_route = False
    has_detail_route = False
    visible = {persona: names - {"east_returned"} for persona, names in ENTRIES_VISIBLE.items()}
    # Offices over the unit's region review; leaders, inspectors and the unit do not.
    actions = (Review("review", allowed=OFFICES, changes={"outcome": "returned"}),)

    def make_objects(self, world):
        return {
            name: ledger_entry(
                getattr(world.city, unit), status=LedgerEntry.Status.SUBMITTED
            ).submissions.get()
            for name, unit in ENTRY_UNITS.items()
        }
