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


def office_copy(data: bytes) -> bytes:
    """The sample workbook as an office would pass it on: a notes sheet first, two title
    rows with merged title cells above the header, titles padded with full-width spaces,
    list cells broken into lines (Alt+Enter), numbers stored as text."""
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    from wenming.framework.columns import split_list

    source = load_workbook(io.BytesIO(data)).worksheets[0]
    book = Workbook()
    notes = book.active
    notes.title = "填表说明"
    notes.append(["本表按测评体系填写，每行一条测评内容。"])
    sheet = book.create_sheet("测评体系")
    last = get_column_letter(source.max_column)
    sheet.append(["示范市文明城市测评体系"])
    sheet.append(["（2026年版）", None, None, "印发单位：市文明办"])
    sheet.merge_cells(f"A1:{last}1")
    sheet.merge_cells("A2:C2")
    header = [cell.value for cell in source[1]]
    sheet.append(["　".join(title) if len(title) == 2 else f" {title}　" for title in header])
    lists = {header.index(title) for title in ("测评方法", "责任单位", "点位类型")}
    for values in source.iter_rows(min_row=2, values_only=True):
        row = []
        for index, value in enumerate(values):
            if index in lists and value:
                value = "\n".join(split_list(value))
            elif isinstance(value, int | float) and not isinstance(value, bool):
                value = str(value)
            row.append(value)
        sheet.append(row)
    for merged in source.merged_cells.ranges:
        sheet.merge_cells(
            start_row=merged.min_row + 2,
            start_column=merged.min_col,
            end_row=merged.max_row + 2,
            end_column=merged.max_col,
        )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_an_office_copy_of_the_sample_imports_exactly_like_the_sample(people, draft, sample_units):
    clean = FrameworkImporter(people.city_admin, draft).plan(SAMPLE_FILE_PATH.read_bytes())
    messy = FrameworkImporter(people.city_admin, draft).plan(
        office_copy(SAMPLE_FILE_PATH.read_bytes())
    )
    assert messy.errors == []
    assert [(c.key, c.values) for c in messy.creates] == [
        (c.key, c.values | {"row": c.values["row"] + 2}) for c in clean.creates
    ]
    assert (messy.sheet_name, messy.header_row) == ("测评体系", 3)
    assert (clean.sheet_name, clean.header_row) == (
        load_workbook(SAMPLE_FILE_PATH).worksheets[0].title,
        1,
    )
    multi_method = [c for c in messy.creates if len(c.values["methods"]) > 1]
    assert multi_method  # the line breaks did split the lists
