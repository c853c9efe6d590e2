"""The sample framework and its committed workbook: points add up, words are known,
codes are well formed, and the committed file matches what the generator writes."""

import io
import re
from collections import defaultdict
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from wenming.framework.columns import (
    FRAMEWORK_COLUMNS,
    METHOD_WORDS,
    RULE_WORDS,
    RULES_FOR_METHOD,
    VETO_WORDS,
)
from wenming.framework.exporters import BRACKETED_NAME_EXAMPLE, COLUMN_KEYS
from wenming.framework.sample import (
    DOCS_SAMPLE_FILE_PATH,
    SAMPLE_FILE_PATH,
    SAMPLE_FRAMEWORK_NAME,
    SAMPLE_ITEMS,
    SITE_TYPES,
    build_workbook_bytes,
    points_by_method,
    sample_rows,
    split_site_types,
    write_sample_file,
)

CODE_PATTERNS = {
    "item_code": re.compile(r"^Ⅰ-([1-9][0-9]*)$"),
    "indicator_code": re.compile(r"^Ⅱ-([1-9][0-9]*)$"),
    "content_code": re.compile(r"^Ⅲ-([1-9][0-9]*)$"),
}
DEMO_CITY_UNIT_CODES = {
    "SF-WMB",
    "SF-CGJ",
    "SF-ZJJ",
    "SF-SCJGJ",
    "SF-JTYSJ",
    "SF-JJZD",
    "SF-JYJ",
    "SF-WJW",
    "SF-STHJJ",
    "SF-SWJ",
    "SF-WLJ",
}


def as_dicts(rows):
    return [dict(zip(COLUMN_KEYS, row, strict=True)) for row in rows]


def decimal(value) -> Decimal:
    """A points cell (Decimal, int or float) as a Decimal with two places."""
    return Decimal(str(value)).quantize(Decimal("0.01"))


def sheet_rows(data: bytes) -> list[dict]:
    """The data rows of the first sheet, merged parent cells filled down."""
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    values = [list(row) for row in sheet.iter_rows(min_row=1, values_only=True)]
    for merged in sheet.merged_cells.ranges:
        top = values[merged.min_row - 1][merged.min_col - 1]
        for row in range(merged.min_row, merged.max_row + 1):
            values[row - 1][merged.min_col - 1] = top
    return as_dicts(values[1:])


def all_values(data: bytes) -> dict:
    book = load_workbook(io.BytesIO(data))
    return {
        sheet.title: (
            [list(row) for row in sheet.iter_rows(values_only=True)],
            sorted(str(cell_range) for cell_range in sheet.merged_cells.ranges),
        )
        for sheet in book.worksheets
    }


@pytest.fixture(scope="module")
def rows():
    return as_dicts(sample_rows())


@pytest.fixture(scope="module")
def committed() -> bytes:
    return SAMPLE_FILE_PATH.read_bytes()


def check_points(rows):
    items, indicators = {}, {}
    item_children = defaultdict(Decimal)
    indicator_children = defaultdict(Decimal)
    for row in rows:
        items[row["item_code"]] = decimal(row["item_points"])
        key = (row["item_code"], row["indicator_code"])
        indicators[key] = decimal(row["indicator_points"])
        indicator_children[key] += decimal(row["points"])
    for (item_code, _code), points in indicators.items():
        item_children[item_code] += points
    assert sum(items.values()) == Decimal("100.00")
    assert indicators == dict(indicator_children)
    assert items == dict(item_children)


def test_points_add_up_to_100(rows):
    check_points(rows)
    assert sum((item.points for item in SAMPLE_ITEMS), Decimal(0)) == Decimal("100.00")
    for row in rows:
        assert Decimal("0.5") <= row["points"] <= Decimal(3)


def test_methods_follow_the_national_split():
    totals = points_by_method()
    documents = totals["材料审核"] + totals["网上申报"] + totals["数据采集"]
    assert sum(totals.values()) == Decimal(100)
    assert Decimal(35) <= documents <= Decimal(45)
    assert Decimal(35) <= totals["实地考察"] <= Decimal(45)
    assert Decimal(15) <= totals["问卷调查"] <= Decimal(25)


def test_shape_of_the_tree(rows):
    assert len(SAMPLE_ITEMS) == 10
    assert 90 <= len(rows) <= 130
    for item in SAMPLE_ITEMS:
        assert 2 <= len(item.indicators) <= 5
        for indicator in item.indicators:
            assert 2 <= len(indicator.contents) <= 6


def test_codes_are_unique_and_numbered_across_the_framework(rows):
    for key, pattern in CODE_PATTERNS.items():
        codes = list(dict.fromkeys(row[key] for row in rows))  # distinct, in order
        numbers = [int(pattern.match(code).group(1)) for code in codes]
        assert numbers == list(range(1, len(codes) + 1)), key
    contents = [row["content_code"] for row in rows]
    assert len(contents) == len(set(contents))
    indicator_parents = {row["indicator_code"]: row["item_code"] for row in rows}
    assert len(indicator_parents) == len({(r["item_code"], r["indicator_code"]) for r in rows})
    names = {row["item_code"]: row["item_name"] for row in rows}
    assert len(names) == 10


def test_words_and_parameters(rows):
    for row in rows:
        methods = row["methods"].split("、")
        assert methods and all(method in METHOD_WORDS for method in methods), row
        assert len(methods) == len(set(methods))
        assert row["scoring_rule"] in RULE_WORDS
        assert row["scoring_rule"] in RULES_FOR_METHOD[methods[0]], row["content_code"]
        parameters = row["rule_parameters"]
        rule = row["scoring_rule"]
        if rule == "按问题扣分":
            assert re.fullmatch(r"每处扣分=0\.[0-9]+", parameters)
        elif rule == "等级评定":
            assert re.fullmatch(r"A=100;B=[0-9]+;C=[0-9]+", parameters)
        elif rule == "数据对标":
            assert re.fullmatch(r"目标值=[0-9]+(\.[0-9]+)?", parameters)
        elif rule == "问卷比率":
            assert re.fullmatch(r"目标值=[0-9]+", parameters)
        else:
            assert parameters == ""
        assert row["standard"]
        assert row["lead_unit"] in DEMO_CITY_UNIT_CODES
        responsible = [code for code in row["responsible_units"].split("、") if code]
        assert len(responsible) <= 3
        assert set(responsible) <= DEMO_CITY_UNIT_CODES
        assert row["lead_unit"] not in responsible


def test_site_types(rows):
    assert len(SITE_TYPES) == 26
    assert len(set(SITE_TYPES)) == 26
    used = set()
    for row in rows:
        names = split_site_types(row["site_types"])
        assert set(names) <= set(SITE_TYPES), row["content_code"]
        assert bool(names) == ("实地考察" in row["methods"]), row["content_code"]
        used.update(names)
    assert len(used) == 26  # the sample uses every site type at least once
    assert split_site_types("居民小区、新时代文明实践中心(所、站)") == [
        "居民小区",
        "新时代文明实践中心(所、站)",
    ]


def test_veto_items(rows):
    vetoes = [row for row in rows if row["veto_effect"]]
    assert 2 <= len(vetoes) <= 4
    for row in rows:
        if row["veto_effect"]:
            assert row["veto_effect"] in VETO_WORDS
            if row["veto_effect"] == "取消资格":
                assert row["veto_value"] is None
            else:
                assert row["veto_value"] > 0
        else:
            assert row["veto_value"] is None
    assert {row["veto_effect"] for row in vetoes} == set(VETO_WORDS)


def test_committed_file_reads_back(committed):
    book = load_workbook(io.BytesIO(committed))
    sheet = book.worksheets[0]
    header = [cell.value for cell in sheet[1]]
    assert header == [title for title, _key in FRAMEWORK_COLUMNS]
    assert sheet.max_row - 1 == len(sample_rows())
    assert sheet.freeze_panes == "A2"
    assert sheet["A1"].font.b
    merged_in_a = [r for r in sheet.merged_cells.ranges if r.min_col == r.max_col == 1]
    assert len(merged_in_a) == 10
    assert sheet["A2"].value == "Ⅰ-1"
    assert sheet["A3"].value is None  # only the top cell of a merged block holds the value
    assert isinstance(sheet["C2"].value, int | float)
    assert book.properties.title == SAMPLE_FRAMEWORK_NAME
    assert "非官方" in book.properties.description
    notes = [row[0] for row in book["说明"].iter_rows(values_only=True) if row[0]]
    assert notes[0] == SAMPLE_FRAMEWORK_NAME
    assert any("不是官方" in line for line in notes)
    check_points(sheet_rows(committed))
    assert [row["content_code"] for row in sheet_rows(committed)] == [
        row[COLUMN_KEYS.index("content_code")] for row in sample_rows()
    ]


def test_committed_files_are_up_to_date(committed, tmp_path):
    target = write_sample_file(tmp_path / "sample.xlsx")
    regenerated = target.read_bytes()
    assert all_values(regenerated) == all_values(committed)
    assert all_values(DOCS_SAMPLE_FILE_PATH.read_bytes()) == all_values(committed)
    book = load_workbook(io.BytesIO(regenerated))
    assert book.properties.created == load_workbook(io.BytesIO(committed)).properties.created
    assert book.properties.modified == load_workbook(io.BytesIO(committed)).properties.modified


def test_writer_is_generic_over_rows():
    def row(item, indicator, content, points):
        values = dict.fromkeys(COLUMN_KEYS, "")
        values.update(
            item_code=item,
            item_name=f"项目{item}",
            item_points=3,
            indicator_code=indicator,
            indicator_name=f"指标{indicator}",
            indicator_points=points,
            content_code=content,
            content_name="=HYPERLINK(1)",
            points=points,
            veto_value=None,
        )
        return [values[key] for key in COLUMN_KEYS]

    rows = [row("A", "A1", "c1", 1), row("A", "A1", "c2", 1), row("A", "A2", "c3", 1)]
    rows.append(row("B", "A2", "c4", 2))
    data = build_workbook_bytes(rows, title="某市测评体系")
    book = load_workbook(io.BytesIO(data))
    sheet = book.worksheets[0]
    merged = sorted(str(r) for r in sheet.merged_cells.ranges)
    # Item A over rows 2–4 (3 columns); indicator A1 over rows 2–3; A2 under B is separate.
    assert merged == ["A2:A4", "B2:B4", "C2:C4", "D2:D3", "E2:E3", "F2:F3"]
    assert sheet["H2"].value == "'=HYPERLINK(1)"
    assert book.properties.title == "某市测评体系"
    assert "样例" not in (book.properties.keywords or "")
    flat = load_workbook(io.BytesIO(build_workbook_bytes(rows, merge_parents=False)))
    assert not flat.worksheets[0].merged_cells.ranges
    assert flat.worksheets[0]["A3"].value == "A"


def test_the_guides_bracketed_example_is_the_practice_site_type():
    assert SITE_TYPES[-1] == BRACKETED_NAME_EXAMPLE == "新时代文明实践中心(所、站)"
