"""/api/regions/ and /api/units/: read-only, scoped by the region and unit trees."""

from tests.api.base import EndpointTests
from tests.factories import RegionFactory, UnitFactory
from wenming.regions.models import Region, Unit

ALL_REGIONS = {"city", "east", "west", "east_street", "west_street", "east_community"}
EAST_REGIONS = {"east", "east_street", "east_community"}
WEST_REGIONS = {"west", "west_street"}
ALL_UNITS = {"city_unit", "east_unit", "east_sub_unit", "west_unit"}
EAST_UNITS = {"east_unit", "east_sub_unit"}


class TestRegions(EndpointTests):
    list_path = "/api/regions/"
    basename = "region"
    model = Region
    visible = {
        "superuser": ALL_REGIONS,
        "city_admin": ALL_REGIONS,
        "east_staff": EAST_REGIONS,
        "west_staff": WEST_REGIONS,
        "leader": EAST_REGIONS,
        "inspector": EAST_REGIONS,
        # Unit staff see the regions under their unit's region.
        "east_unit_staff": EAST_REGIONS,
        "west_unit_staff": WEST_REGIONS,
    }
    # session, user, memberships, page (not full, so no COUNT), session save (3)
    list_queries = 7
    detail_queries = 7

    def make_objects(self, world):
        return {name: getattr(world.city, name) for name in ALL_REGIONS}

    def make_more(self, world, count):
        for _number in range(count):
            RegionFactory(parent=world.city.east)
        return count


class TestUnits(EndpointTests):
    list_path = "/api/units/"
    basename = "unit"
    model = Unit
    own = "east_unit"
    other = "west_unit"
    visible = {
        "superuser": ALL_UNITS,
        "city_admin": ALL_UNITS,
        "east_staff": EAST_UNITS,
        "west_staff": {"west_unit"},
        "leader": EAST_UNITS,
        "inspector": EAST_UNITS,
        "east_unit_staff": EAST_UNITS,
        "west_unit_staff": {"west_unit"},
    }
    list_queries = 7
    detail_queries = 7

    def make_objects(self, world):
        return {name: getattr(world.city, name) for name in ALL_UNITS}

    def make_more(self, world, count):
        for _number in range(count):
            UnitFactory(region=world.city.east)
        return count
