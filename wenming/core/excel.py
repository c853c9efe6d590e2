"""Excel in and out, shared by every import and export.

Reading copes with what real office spreadsheets contain (merged parent cells, full-width
characters, stray spaces, numbers stored as text or as floats); writing neutralises cells
that a spreadsheet program would run as formulas.
"""

import io
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# Full-width digits and Latin letters (and the few signs codes and numbers use) become
# half-width; Chinese punctuation such as ，；：（） stays, since prose is written with it.
HALF_WIDTH = {
    code: code - 0xFEE0
    for code in [*range(0xFF10, 0xFF1A), *range(0xFF21, 0xFF3B), *range(0xFF41, 0xFF5B)]
} | {
    ord("－"): "-",
    ord("．"): ".",
    ord("％"): "%",
    ord("＝"): "=",
    ord("＋"): "+",
    ord("／"): "/",
    0x3000: " ",
    0x200B: None,
    0x200C: None,
    0x200D: None,
    0xFEFF: None,
}
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def safe_cell(value):
    """A value that a spreadsheet shows as text and never evaluates."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def clean_text(value, *, multiline: bool = False) -> str:
    """Normalise a cell to plain text: full-width to half-width, spaces trimmed, 12.0 → '12'.

    Line breaks typed in a cell (Alt+Enter) are kept, one per line, when `multiline`;
    otherwise they fold into a space like any other run of white space.
    """
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    # Not NFKC: it would also turn the official codes' Roman numerals (Ⅰ, Ⅱ, Ⅲ) into
    # Latin letters and the prose's Chinese punctuation into ASCII.
    text = str(value).translate(HALF_WIDTH)
    if text.startswith("'") and text[1:2] in FORMULA_PREFIXES and text[1:2]:
        # Our own exports write such text with a leading apostrophe (see safe_cell).
        text = text[1:]
    if multiline:
        lines = (" ".join(line.split()) for line in text.splitlines())
        return "\n".join(line for line in lines if line)
    return " ".join(text.split())


def header_text(value) -> str:
    """A header cell as it is matched: 分　值, "分 值" and "分值" are one title."""
    return "".join(clean_text(value).split())


@dataclass
class SheetRow:
    """One data row: its 1-based row number in the sheet and its values by header."""

    number: int
    values: dict[str, str]


@dataclass
class RowError:
    """A problem in one cell (or row) of an uploaded workbook."""

    row: int
    column: str
    message: str


@dataclass
class SheetReadResult:
    """The rows read from a sheet, or the errors that stopped reading."""

    rows: list[SheetRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    column_letters: dict[str, str] = field(default_factory=dict)
    sheet_name: str = ""
    header_row: int = 0


# How far down a sheet the header row is looked for: title rows ("某市测评体系", "填报单位：")
# sit above it in real office files.
HEADER_SEARCH_ROWS = 10


def _merged_values(sheet) -> dict:
    """Every cell of a merged range mapped to the range's top-left value."""
    values = {}
    for merged in list(sheet.merged_cells.ranges):
        top_left = sheet.cell(merged.min_row, merged.min_col).value
        for row in range(merged.min_row, merged.max_row + 1):
            for column in range(merged.min_col, merged.max_col + 1):
                values[(row, column)] = top_left
    return values


def _find_header(workbook, title_to_key: dict, required: set[str]):
    """The first sheet and row holding every required title, as a person would look.

    Returns (sheet, row number, {key: column}); when no row holds them all, the row that
    holds the most titles (so the error can name what is missing), or None for an empty
    workbook.
    """
    best = None
    for sheet in workbook.worksheets:
        for cells in sheet.iter_rows(max_row=HEADER_SEARCH_ROWS):
            positions = {}
            for cell in cells:
                key = title_to_key.get(header_text(cell.value))
                if key is not None and key not in positions:
                    positions[key] = cell.column
            if required <= positions.keys() and positions:
                return sheet, cells[0].row, positions
            if best is None or len(positions) > len(best[2]):
                best = (sheet, cells[0].row, positions)
    return best


def read_sheet(
    data: bytes, headers: dict[str, str], required: set[str], multiline: set[str] = frozenset()
) -> SheetReadResult:
    """Read the data rows under the header; `headers` maps a column's Chinese title to its key.

    The header is the first row, within the first rows of the first sheet that has one,
    that holds every required title, so title rows above it and a notes sheet before it
    are passed over. Merged cells take the merged range's value in every cell, so a parent
    written once over several rows applies to each. Blank rows are skipped. Line breaks
    inside a cell are kept for the keys in `multiline` and folded into spaces elsewhere.
    """
    result = SheetReadResult()
    try:
        workbook = load_workbook(io.BytesIO(data), data_only=True)
    except Exception:  # openpyxl raises many unrelated types for a non-xlsx file
        result.errors.append(RowError(0, "", _("The file is not an Excel workbook (.xlsx).")))
        return result
    title_to_key = {header_text(title): key for title, key in headers.items()}
    found = _find_header(workbook, title_to_key, required)
    if found is None:
        result.errors.append(RowError(1, "", _("The sheet is empty.")))
        return result
    sheet, header_row, positions = found
    result.sheet_name, result.header_row = sheet.title, header_row
    key_to_title = {}
    for title, key in headers.items():
        key_to_title.setdefault(key, title)  # the first title given is the official one
    missing = [key_to_title[key] for key in sorted(required) if key not in positions]
    if missing:
        result.errors.append(
            RowError(
                header_row,
                "",
                _("Missing columns: %(columns)s") % {"columns": "、".join(missing)},
            )
        )
        return result
    result.column_letters = {key: get_column_letter(column) for key, column in positions.items()}
    merged_values = _merged_values(sheet)
    for row_cells in sheet.iter_rows(min_row=header_row + 1):
        number = row_cells[0].row
        values = {}
        has_own_value = False
        for key, column in positions.items():
            raw = merged_values.get((number, column))
            if raw is None and column - 1 < len(row_cells):
                raw = row_cells[column - 1].value
                has_own_value = has_own_value or clean_text(raw) != ""
            values[key] = clean_text(raw, multiline=key in multiline)
        # A row whose only content comes from a merged block spanning it is blank.
        if has_own_value:
            result.rows.append(SheetRow(number, values))
    return result


def build_workbook(title: str, headers: list[str], rows, widths: list[int] | None = None) -> bytes:
    """An .xlsx with a bold header row, frozen panes and formula-safe cells."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title[:31]
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DCE6F1")
    for row in rows:
        sheet.append([safe_cell(value) for value in row])
    for index, width in enumerate(widths or [], start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


class WorkbookWriter:
    """An .xlsx written row by row in openpyxl's write-only mode: memory stays flat.

    Rows are spooled to a temporary file as they are appended; `save` writes the workbook
    to any file object. Header and cells look as `build_workbook`'s (bold header, frozen
    panes, formula-safe text).
    """

    def __init__(self, title: str, headers: list[str], widths: list[int] | None = None):
        self.workbook = Workbook(write_only=True)
        self.sheet = self.workbook.create_sheet(title[:31])
        # Write-only sheets take column widths and panes before their first row.
        for index, width in enumerate(widths or [], start=1):
            self.sheet.column_dimensions[get_column_letter(index)].width = width
        self.sheet.freeze_panes = "A2"
        header_cells = []
        for header in headers:
            cell = WriteOnlyCell(self.sheet, value=str(header))
            cell.font = Font(bold=True)
            cell.fill = PatternFill("solid", fgColor="DCE6F1")
            header_cells.append(cell)
        self.sheet.append(header_cells)

    def append(self, row) -> None:
        """Add one data row, every text cell made formula-safe."""
        self.sheet.append([safe_cell(value) for value in row])

    def save(self, target) -> None:
        """Write the finished workbook to a binary file object (once)."""
        self.workbook.save(target)

    def discard(self) -> None:
        """Drop an unfinished workbook and its spooled rows (an export cut short)."""
        if self.sheet.closed:
            return
        self.sheet.close()
        # openpyxl removes a sheet's spool file only when the workbook is saved.
        self.sheet._writer.cleanup()
