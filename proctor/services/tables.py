"""Export tables: one declaration per record shape, from which every format is derived.

A `Table` lists its `Column`s. A column's `key` is the JSON key and the CSV header; its `kind`
says how each format writes the value; `zh` and `en` are the XLSX headers (Chinese unless
`lang=en`) and `width` the XLSX column width. A row (the JSON answer's dict, `Table.row`)
becomes its text cells first (`Table.cells`: a str per column, as a machine reads them); the
CSV writes those neutralised (`defuse`), the XLSX as typed cells (`Sheet`): text as text cells,
never formulas. An export too large for per-row dicts writes its JSON rows, and their
canonical lines for a digest, with functions compiled from the columns (`Table.json_writer`).

Neutralisation follows OWASP's CSV-injection guidance: a CSV cell that a spreadsheet would run
as a formula (it begins with =, +, -, @, tab or carriage return) gets a leading single quote.
So that a receiver can take it off again exactly (the export's digest is over the true values),
a cell of quotes followed by one of those also gets one (`undefuse`). The XLSX needs no quote:
its cells are written as text, which no spreadsheet evaluates.
"""

from __future__ import annotations

import csv
import functools
import io
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from enum import StrEnum
from typing import Any, Literal
from unicodedata import east_asian_width

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

Lang = Literal["zh", "en"]
_ERRORS = frozenset(ERROR_CODES)
TRIGGERS = frozenset("=+-@\t\r")
_FLAGS = {"zh": ("是", "否"), "en": ("yes", "no")}
MOMENT_FORMAT, TEXT_FORMAT = "yyyy-mm-dd hh:mm:ss", "@"  # dates: openpyxl's yyyy-mm-dd


def defuse(cell: str) -> str:
    """The CSV cell for `cell`: with a leading quote when a spreadsheet would run it as a
    formula (or when it is quotes followed by such a start; see the module's docstring)."""
    head = cell.lstrip("'")[:1]
    return "'" + cell if head and head in TRIGGERS else cell


def undefuse(cell: str) -> str:
    """What a receiver does to a CSV cell: `defuse` undone."""
    head = cell.lstrip("'")[:1]
    return cell[1:] if cell[:1] == "'" and head and head in TRIGGERS else cell


class Kind(StrEnum):
    """How a column's value is written. JSON has the value itself; the CSV cell is the text
    below; the XLSX cell the type after the colon."""

    TEXT = "text"  # the text, "" for none: a text cell, never a formula
    ID = "id"  # an ID or ticket number, "" for none: a text cell formatted as text ("@"), so
    #            that neither opening nor editing it makes it a number (3.1E+17)
    DATE = "date"  # YYYY-MM-DD: a date cell (yyyy-mm-dd)
    MOMENT = "moment"  # ISO 8601 with offset: a date-time cell, in the venue's time
    NUMBER = "number"  # digits, "" for none: a number
    FLAG = "flag"  # true or false: 是 or 否 (yes or no)
    LIST = "list"  # the items, space-separated: a text cell


@dataclass(frozen=True)
class Column:
    key: str
    zh: str
    en: str
    kind: Kind
    width: float  # characters (a CJK character takes two)


@dataclass(frozen=True)
class Table:
    """The columns of one record shape, in the export's order, and its sheet's title."""

    zh: str
    en: str
    columns: tuple[Column, ...]

    @functools.cached_property
    def keys(self) -> tuple[str, ...]:
        return tuple(column.key for column in self.columns)

    def fit(self, rows: Iterable[Sequence[str]]) -> dict[str, int]:
        """The widest text cell of each column over `rows` (text cells), for `Sheet`."""
        widest = dict.fromkeys(self.keys, 0)
        for cells in rows:
            for key, cell in zip(self.keys, cells, strict=True):
                widest[key] = max(widest[key], display_width(cell))
        return widest

    def headers(self, lang: Lang) -> list[str]:
        return [column.en if lang == "en" else column.zh for column in self.columns]

    def title(self, lang: Lang) -> str:
        return self.en if lang == "en" else self.zh

    @functools.cached_property
    def row(self) -> Callable[..., dict[str, Any]]:
        """The row (the JSON answer's dict) of its values, passed in the table's order; a dict
        display compiled once (twice as fast as dict(zip(…)): the eligibility answer's rows)."""
        return self._compile("{" + ", ".join(f"{column.key!r}: v{index}"
                                             for index, column in enumerate(self.columns)) + "}")

    def cells(self, row: dict[str, Any]) -> list[str]:
        """The row's text cells, before neutralisation (the CSV's reference)."""
        return [_text(column.kind, row[column.key]) for column in self.columns]

    def json_writer(self, sort_keys: bool = False, end: str = "") -> Callable[..., str]:
        """A function of a row's values, each as JSON text in the table's order (a DATE's as
        its bare ISO text, which needs no escaping), that writes the row as one JSON object:
        the keys in the table's order, or sorted (`sort_keys`, canonical JSON's order), then
        `end`. It is an f-string compiled once from the columns: an export calls it for every
        row, and str.format or %-formatting take twice as long."""
        fields = [(column.key, f'"{{v{index}}}"' if column.kind is Kind.DATE else f"{{v{index}}}")
                  for index, column in enumerate(self.columns)]
        if sort_keys:
            fields.sort()
        template = "{{" + ",".join(_brace(json.dumps(key, ensure_ascii=False)) + ":" + value
                                   for key, value in fields) + "}}" + _brace(end)
        return self._compile(f"f{template!r}")

    def _compile(self, expression: str) -> Callable[..., Any]:
        """A function of the row's values v0, v1, … (in the table's order) that evaluates
        `expression`, written from the declaration alone (as namedtuple writes its methods)."""
        names = ", ".join(f"v{index}" for index in range(len(self.columns)))
        function: Callable[..., Any] = eval(f"lambda {names}: {expression}", {})
        return function

    def csv_header(self) -> str:
        """The CSV's first line: the BOM (Excel then reads UTF-8) and the keys."""
        return "\ufeff" + csv_line(list(self.keys))

    def csv(self, rows: Iterable[dict[str, Any]]) -> str:
        """A whole CSV file of these rows: header, one line per row, nothing else."""
        return self.csv_header() + csv_text(self.cells(row) for row in rows)


def _brace(text: str) -> str:
    """`text` as the literal part of an f-string."""
    return text.replace("{", "{{").replace("}", "}}")


def _text(kind: Kind, value: Any) -> str:
    if value is None:
        return ""
    if kind is Kind.FLAG:
        return "true" if value else "false"
    if kind is Kind.LIST:
        return " ".join(map(str, value))
    if isinstance(value, date):  # DATE (a date) or MOMENT (a datetime)
        return value.isoformat()
    return str(value)


def csv_line(cells: Sequence[Any]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow(cells)
    return buffer.getvalue()


def csv_text(cells: Iterable[Sequence[str]]) -> str:
    """Rows of text cells as CSV lines, neutralised (Python's csv writer, CRLF)."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(
        [defuse(cell) for cell in row] for row in cells)
    return buffer.getvalue()


MAX_WIDTH = 60  # characters: a longer value is cut off in view rather than widen the sheet


class Sheet:
    """A write-only XLSX sheet of `table` for the clerk: headers in `lang`, bold, frozen, with
    an autofilter, printed landscape a page wide with the header on every page; rows appended
    as text cells (`add`), each cell typed after its column's kind. A column is as wide as its
    declaration, its header and `fit` (the widest value, when the caller knows it: openpyxl
    writes the widths before the first row). `close()` sets the autofilter."""

    def __init__(self, book: Workbook, table: Table, lang: Lang, zone: tzinfo,
                 fit: dict[str, int] | None = None) -> None:
        self.table, self.lang, self.zone, self.count = table, lang, zone, 0
        self.sheet = book.create_sheet(table.title(lang))
        for index, column in enumerate(table.columns, start=1):
            header = column.en if lang == "en" else column.zh
            width = max(column.width, display_width(header) + 2,
                        min((fit or {}).get(column.key, 0) + 2, MAX_WIDTH))
            self.sheet.column_dimensions[get_column_letter(index)].width = width
        self.sheet.freeze_panes = "A2"
        self.sheet.print_title_rows = "1:1"
        self.sheet.page_setup.orientation = "landscape"
        self.sheet.page_setup.fitToWidth = 1
        self.sheet.page_setup.fitToHeight = 0
        self.sheet.sheet_properties.pageSetUpPr.fitToPage = True
        self.sheet.print_options.gridLines = True
        bold = Font(bold=True)
        headings = []
        for text in table.headers(lang):
            cell = WriteOnlyCell(self.sheet, value=text)
            cell.font = bold
            headings.append(cell)
        self.sheet.append(headings)
        yes, no = _FLAGS[lang]
        self._flags = {"true": yes, "false": no}
        self._kinds = [column.kind for column in table.columns]

    def text(self, value: str) -> Any:
        """A text cell formatted as text: the value as written, never a number, a formula or
        an error value (openpyxl would make "=…" a formula and "#N/A" an error)."""
        if not value.isprintable():  # XML cannot hold most control characters
            value = ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
        cell = WriteOnlyCell(self.sheet, value=value)
        cell.data_type = "s"
        cell.number_format = TEXT_FORMAT
        return cell

    def plain(self, value: str) -> Any:
        """A text cell, as `text`, but a bare str (no cell object to build, the common case)
        when openpyxl will write it as one anyway: a str is a formula to openpyxl only when
        it begins with "=", an error value only when it is one of ERROR_CODES."""
        if value[:1] == "=" or value in _ERRORS or not value.isprintable():
            return self.text(value)
        return value

    def cell(self, kind: Kind, text: str) -> Any:
        """The XLSX value of a text cell of `kind` (what `add` appends)."""
        if text == "":
            return None
        if kind is Kind.TEXT or kind is Kind.LIST:
            return self.plain(text)
        if kind is Kind.ID:
            return self.text(text)
        if kind is Kind.DATE:
            return date.fromisoformat(text)  # a date cell; openpyxl formats it yyyy-mm-dd
        if kind is Kind.NUMBER:
            return int(text)
        if kind is Kind.FLAG:
            return self._flags[text]
        moment = WriteOnlyCell(self.sheet, value=datetime.fromisoformat(text).astimezone(
            self.zone).replace(tzinfo=None))  # Excel has no time zones: the venue's time
        moment.number_format = MOMENT_FORMAT
        return moment

    def add(self, cells: Sequence[str]) -> None:
        """Append a row given as its text cells (`Table.cells`)."""
        self.add_typed([self.cell(kind, text)
                        for kind, text in zip(self._kinds, cells, strict=True)])

    def add_typed(self, values: list[Any]) -> None:
        self.sheet.append(values)
        self.count += 1

    def close(self) -> None:
        last = get_column_letter(len(self.table.columns))
        self.sheet.auto_filter.ref = f"A1:{last}{self.count + 1}"


def display_width(text: str) -> int:
    """The columns `text` takes in a spreadsheet: East Asian wide characters count two."""
    return sum(2 if east_asian_width(ch) in ("W", "F") else 1 for ch in text)


@dataclass(frozen=True)
class Fact:
    """A line of an XLSX's `manifest` sheet: what the file is (its key is the manifest's)."""

    key: str
    zh: str
    en: str
    kind: Kind


MANIFEST_TABLE = Table("核验信息", "Manifest", (
    Column("item", "项目", "Item", Kind.TEXT, 16),
    Column("value", "值", "Value", Kind.TEXT, 68),  # a SHA-256 digest: 64 characters
    Column("key", "键", "Key", Kind.TEXT, 14)))


def add_manifest_sheet(book: Workbook, facts: Sequence[Fact], values: dict[str, Any],
                       lang: Lang, zone: tzinfo) -> None:
    """The workbook's second sheet: a line per fact, its label in `lang`, its value (in
    `values`, under its key) typed as a cell of its kind, and its manifest key (rows, sha256,
    …) for machines."""
    sheet = Sheet(book, MANIFEST_TABLE, lang, zone)
    for fact in facts:
        sheet.add_typed([sheet.text(fact.en if lang == "en" else fact.zh),
                         sheet.cell(fact.kind, _text(fact.kind, values[fact.key])),
                         sheet.text(fact.key)])
    sheet.close()
