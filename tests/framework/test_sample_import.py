"""The sample framework's workbook imports as a tree; one changed cell changes one node."""

import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from tests.factories import UnitFactory
from tests.framework.test_sample_workbook import DEMO_CITY_UNIT_CODES
from wenming.framework.importers import FrameworkImporter
from wenming.framework.models import Indicator
from wenming.framework.sample import SAMPLE_FILE_PATH


@pytest.fixture
def sample_units(city):
    return [UnitFactory(code=code, region=city.city) for code in sorted(DEMO_CITY_UNIT_CODES)]


def test_sample_workbook_imports_and_one_cell_changes_one_node(people, draft, sample_units):
    data = SAMPLE_FILE_PATH.read_bytes()
    plan = FrameworkImporter(people.city_admin, draft).apply(data)
    assert plan.errors == []
    assert plan.warnings == []
    counts = {
        level: Indicator.objects.filter(framework=draft, level=level).count() for level in (1, 2, 3)
    }
    assert counts == {1: 10, 2: 34, 3: 109}
    level_one = Indicator.objects.filter(framework=draft, level=1)
    assert sum(node.points for node in level_one) == Decimal("100.00")
    site_types = {
        name
        for node in Indicator.objects.filter(framework=draft, level=3)
        for name in node.site_type_names
    }
    assert len(site_types) == 26
    assert "新时代文明实践中心(所、站)" in site_types

    book = load_workbook(io.BytesIO(data))
    sheet = book.worksheets[0]
    header = [cell.value for cell in sheet[1]]
    name_column = header.index("测评内容") + 1
    target_code = sheet.cell(row=5, column=header.index("内容编码") + 1).value
    sheet.cell(row=5, column=name_column).value = "改过的测评内容"
    buffer = io.BytesIO()
    book.save(buffer)
    again = FrameworkImporter(people.city_admin, draft).apply(buffer.getvalue())
    assert [(change.key, change.changed) for change in again.updates] == [(target_code, ["name"])]
    assert (again.creates, again.deletes, again.unchanged) == ([], [], 152)
    assert Indicator.objects.get(framework=draft, code=target_code).name == "改过的测评内容"
