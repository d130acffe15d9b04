"""Parse an uploaded candidate roster (.xlsx or .csv) into validated rows.

No database work happens here: subject codes are only split, not checked, and the caller
decides what to do with the rows and problems.  Row numbers are the ones a clerk sees in
Excel (the header is row 1, the first candidate row 2); file-level problems use row 0.
"""

import csv
import io
import re
import unicodedata
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import TypeVar

import openpyxl

from proctor.idnumber import IdNumberError, normalize_id_number

__all__ = ["MAX_ROWS", "RosterParse", "RosterRow", "RowProblem", "parse_roster"]

MAX_ROWS = 20_000
MAX_NAME_LENGTH = 64
REQUIRED_COLUMNS = ("ticket_no", "name", "id_number")

_COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "ticket_no": ("ticket_no", "ticket_number", "准考证号", "准考证", "准考证号码"),
    "name": ("name", "姓名"),
    "id_number": ("id_number", "身份证号", "身份证号码", "证件号码"),
    "subjects": ("subjects", "科目", "报考科目"),
    "application": ("application", "申报方式"),
    "training_body": ("training_body", "培训机构"),
}
_HEADER_ALIASES = {alias: name for name, aliases in _COLUMN_ALIASES.items() for alias in aliases}
_APPLICATION_VALUES = {
    "团体": "group",
    "group": "group",
    "个人": "individual",
    "individual": "individual",
}
_TICKET_RE = re.compile(r"[A-Za-z0-9-]{1,32}")
_SUBJECT_SPLIT_RE = re.compile(r"[;,、；，\s]+")
_SCIENTIFIC_RE = re.compile(r"\d+(\.\d+)?[eE][+-]?\d+")
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls and other OLE files
_NUMBER_ID_MESSAGE = (
    "ID number is stored as a number, which loses digits beyond the 15th; "
    "format the column as Text and type the number again"
)

T = TypeVar("T")
Record = tuple[int, Sequence[object]]  # (Excel row number, raw cell values)


@dataclass(frozen=True)
class RosterRow:
    """One valid candidate line of the roster."""

    row: int
    ticket_no: str
    name: str
    id_number: str
    subjects: tuple[str, ...] | None  # None means "all subjects"
    application: str | None  # "group", "individual" or None
    training_body: str | None


@dataclass(frozen=True)
class RowProblem:
    """Something wrong with one row (row 0: the whole file, row 1: the header)."""

    row: int
    message: str
    field: str | None = None


@dataclass
class RosterParse:
    """Result of parse_roster: the good rows and every problem found."""

    rows: list[RosterRow] = field(default_factory=list)
    errors: list[RowProblem] = field(default_factory=list)


class _FileError(Exception):
    """The file as a whole cannot be used; reported as a single problem on row 0."""


class _FieldError(Exception):
    """One cell is invalid; the message is shown to the clerk."""


def parse_roster(data: bytes, filename: str) -> RosterParse:
    """Parse roster bytes named filename (.xlsx or .csv) into rows and problems.

    Never raises for bad input: unreadable files, wrong headers and bad cells all come
    back as RowProblem entries in the result.
    """
    try:
        records = _read_records(data, filename)
    except _FileError as exc:
        return RosterParse(errors=[RowProblem(0, str(exc), None)])
    return _parse_records(records)


def _read_records(data: bytes, filename: str) -> list[Record]:
    """Return the non-blank rows of the file, choosing the reader by extension and content."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if extension == "xlsx":
        return _read_xlsx(data)
    if extension == "csv":
        if data.startswith((_ZIP_MAGIC, _OLE_MAGIC)):
            raise _FileError("file is an Excel workbook, not CSV; upload it with a .xlsx name")
        return _read_csv(data)
    if extension == "xls" or data.startswith(_OLE_MAGIC):
        raise _FileError("unsupported file type: old .xls format; save it as .xlsx or .csv")
    raise _FileError("unsupported file type: upload a .xlsx or .csv file")


def _is_blank(values: Sequence[object]) -> bool:
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in values)


def _collect(rows: Iterable[Sequence[object]]) -> list[Record]:
    """Keep non-blank rows with their 1-based numbers, refusing more than MAX_ROWS data rows."""
    records: list[Record] = []
    data_rows = 0
    for number, values in enumerate(rows, start=1):
        if _is_blank(values):
            continue
        if number > 1:
            data_rows += 1
            if data_rows > MAX_ROWS:
                raise _FileError(f"too many rows: at most {MAX_ROWS} candidates per file")
        records.append((number, values))
    return records


def _read_xlsx(data: bytes) -> list[Record]:
    """Read the first worksheet of an .xlsx workbook (values, not formulas)."""
    if not data.startswith(_ZIP_MAGIC):
        raise _FileError("not a valid .xlsx file")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openpyxl warns about styles/extensions it drops
        try:
            book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many exception types for damaged files
            raise _FileError("not a valid .xlsx file") from exc
        try:
            if not book.worksheets:
                raise _FileError("the workbook has no worksheet")
            sheet = book.worksheets[0]
            sheet.reset_dimensions()  # stored dimensions are sometimes wrong; read everything
            return _collect(sheet.iter_rows(values_only=True))
        except _FileError:
            raise
        except Exception as exc:
            raise _FileError("not a valid .xlsx file") from exc
        finally:
            book.close()


def _decode(data: bytes) -> str:
    """Decode CSV bytes as UTF-8 (with or without BOM) or GB18030 (Chinese Excel)."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" not in text:  # NULs mean UTF-16 or binary data
            return text
    raise _FileError("cannot read file: not UTF-8 or GB18030")


def _read_csv(data: bytes) -> list[Record]:
    """Read a CSV file; the delimiter (comma, tab or semicolon) is guessed from the header."""
    text = _decode(data)
    first_line = text.split("\n", 1)[0]
    delimiter = max(",\t;", key=first_line.count) if first_line else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        return _collect(reader)
    except csv.Error as exc:
        raise _FileError(f"cannot read file: malformed CSV ({exc})") from exc


def _header_key(label: object) -> str:
    text = _text(label).replace("\ufeff", "").strip(" *＊").casefold()
    return re.sub(r"[\s\-]+", "_", text)


def _map_header(header: Sequence[object]) -> tuple[dict[str, int], list[RowProblem]]:
    """Map canonical column names to positions; report duplicate and missing columns."""
    columns: dict[str, int] = {}
    problems: list[RowProblem] = []
    for index, label in enumerate(header):
        name = _HEADER_ALIASES.get(_header_key(label))
        if name is None:
            continue  # unknown extra columns are ignored
        if name in columns:
            first = _text(header[columns[name]])
            problems.append(
                RowProblem(1, f"columns {first!r} and {_text(label)!r} both mean {name}", name)
            )
            continue
        columns[name] = index
    for name in REQUIRED_COLUMNS:
        if name not in columns:
            aliases = " / ".join(_COLUMN_ALIASES[name])
            problems.append(RowProblem(1, f"missing required column {name} ({aliases})", name))
    return columns, problems


def _text(raw: object) -> str:
    """Turn a cell value into trimmed text; whole floats lose their ".0"."""
    if raw is None:
        return ""
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    if isinstance(raw, datetime | date | time):
        return raw.isoformat()
    return str(raw).strip()


def _ticket(raw: object) -> str:
    ticket = unicodedata.normalize("NFKC", _text(raw)).strip()
    if not ticket:
        raise _FieldError("ticket number is empty")
    if not _TICKET_RE.fullmatch(ticket):
        raise _FieldError(f"ticket number {ticket!r} must be 1-32 letters, digits or '-'")
    return ticket


def _name(raw: object) -> str:
    name = _text(raw)
    if not name:
        raise _FieldError("name is empty")
    if len(name) > MAX_NAME_LENGTH:
        raise _FieldError(f"name is longer than {MAX_NAME_LENGTH} characters")
    return name


def _id_number(raw: object) -> str:
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        raise _FieldError(_NUMBER_ID_MESSAGE)
    text = _text(raw)
    if not text:
        raise _FieldError("ID number is empty")
    if _SCIENTIFIC_RE.fullmatch(text):
        raise _FieldError(f"{_NUMBER_ID_MESSAGE} (found {text})")
    try:
        return normalize_id_number(text)
    except IdNumberError as exc:
        raise _FieldError(f"invalid ID number: {exc}") from None


def _subjects(raw: object) -> tuple[str, ...] | None:
    codes = [code for code in _SUBJECT_SPLIT_RE.split(_text(raw)) if code]
    return tuple(dict.fromkeys(codes)) or None  # drop repeats, keep order; empty = all


def _application(raw: object) -> str | None:
    text = _text(raw)
    if not text:
        return None
    try:
        return _APPLICATION_VALUES[text.casefold()]
    except KeyError:
        message = f"application must be 团体/group or 个人/individual, not {text!r}"
        raise _FieldError(message) from None


def _optional_text(raw: object) -> str | None:
    return _text(raw) or None


@dataclass
class _Seen:
    """First row on which each ticket number / ID number appeared."""

    tickets: dict[str, int] = field(default_factory=dict)
    ids: dict[str, int] = field(default_factory=dict)

    def check(self, row: int, ticket: str | None, id_number: str | None) -> list[RowProblem]:
        problems = []
        if ticket is not None:
            earlier = self.tickets.setdefault(ticket.casefold(), row)
            if earlier != row:
                message = f"duplicate ticket number {ticket}: already on row {earlier}"
                problems.append(RowProblem(row, message, "ticket_no"))
        if id_number is not None:
            earlier = self.ids.setdefault(id_number, row)
            if earlier != row:
                message = f"duplicate ID number: already on row {earlier}"
                problems.append(RowProblem(row, message, "id_number"))
        return problems


def _parse_row(
    number: int, values: Sequence[object], columns: dict[str, int], seen: _Seen
) -> tuple[RosterRow | None, list[RowProblem]]:
    """Validate one data row; returns the row or None plus its problems."""
    problems: list[RowProblem] = []

    def get(name: str, parser: Callable[[object], T]) -> T | None:
        index = columns.get(name)
        raw = values[index] if index is not None and index < len(values) else None
        try:
            return parser(raw)
        except _FieldError as exc:
            problems.append(RowProblem(number, str(exc), name))
            return None

    ticket, name = get("ticket_no", _ticket), get("name", _name)
    id_number = get("id_number", _id_number)
    subjects, application = get("subjects", _subjects), get("application", _application)
    training_body = get("training_body", _optional_text)
    problems.extend(seen.check(number, ticket, id_number))
    if problems or ticket is None or name is None or id_number is None:
        return None, problems
    row = RosterRow(number, ticket, name, id_number, subjects, application, training_body)
    return row, []


def _parse_records(records: list[Record]) -> RosterParse:
    """Check the header (row 1) and every data row."""
    if not records:
        return RosterParse(errors=[RowProblem(0, "the file is empty", None)])
    if records[0][0] != 1:
        message = "row 1 is empty; it must hold the column headers"
        return RosterParse(errors=[RowProblem(1, message, None)])
    columns, header_problems = _map_header(records[0][1])
    if header_problems:
        return RosterParse(errors=header_problems)
    result = RosterParse()
    seen = _Seen()
    for number, values in records[1:]:
        row, problems = _parse_row(number, values, columns, seen)
        if row is not None:
            result.rows.append(row)
        result.errors.extend(problems)
    return result
