"""The ban registry: who is barred on a date, exported with a digest a receiver can check.

Exports stream in constant memory. The rows are read as plain columns (Core rows: no ORM
objects, nothing in the session's identity map) through `yield_per` (fetchmany on SQLite, a
server-side cursor on PostgreSQL), `CHUNK_ROWS` at a time; each chunk becomes one piece of text
and is hashed as it goes. The count and the digest are known only at the end: the JSON closes
with them, the XLSX (built before it is sent) has them in its manifest sheet, and every export
records them in the audit chain once its last row is out (`record_manifest`), where
`GET /api/v1/bans/manifest` finds them; the CSV is a clean table and holds nothing else.

The columns are declared once (`BAN_TABLE`, `REVOCATION_TABLE`; proctor.services.tables) and
every format comes from them: the JSON row and its digest line (`Table.json_writer`), the CSV
line and the XLSX row (their text cells in the table's order), the eligibility answer's rows
(`Table.row`). The digest (documented in README.md) is the SHA-256 of the rows, each as one line
of canonical JSON (proctor.hashing: the row's dict with sorted keys, `,`/`:` separators, UTF-8,
`\\n`-terminated; `JsonLinesDigest`). For speed the export writes those lines straight from the
column values (`_encode`), the same text byte for byte (tests/api/test_export_streaming.py
checks). The manifest's facts are declared once too (`Manifest`, `MANIFEST_SHEET`).
"""

from __future__ import annotations

import functools
import io
import json
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, fields
from datetime import date, tzinfo
from json.encoder import encode_basestring
from typing import IO, Any

from openpyxl import Workbook
from sqlalchemy import Date, LargeBinary, Select, String, bindparam, cast, func, type_coerce

from proctor.errors import ApiError
from proctor.extensions import db
from proctor.hashing import JsonLinesDigest, canonical_text
from proctor.idnumber import mask_id_number
from proctor.models import AuditEntry, BanRecord, Candidate, CandidateSanction, Person
from proctor.services import audit
from proctor.services.tables import (
    Column,
    Fact,
    Kind,
    Lang,
    Sheet,
    Table,
    add_manifest_sheet,
    csv_text,
)

# The columns the ban list and the revoked certificates share.
_NAME = Column("name", "姓名", "Name", Kind.TEXT, 14)
_ID_NUMBER = Column("id_number", "证件号码", "ID number", Kind.ID, 21)
_TICKET_NO = Column("ticket_no", "准考证号", "Ticket number", Kind.ID, 16)
_SITTING = Column("sitting_id", "场次", "Sitting", Kind.NUMBER, 8)
_INCIDENTS = Column("incident_ids", "违纪事件", "Incidents", Kind.LIST, 14)
# The ban list's row: JSON keys and CSV header, the clerk's XLSX headers, kinds and widths.
BAN_TABLE = Table("禁考名单", "Ban list", (
    _NAME, _ID_NUMBER, _TICKET_NO,
    Column("from", "禁考开始", "Banned from", Kind.DATE, 12),
    Column("until", "禁考截止", "Banned until", Kind.DATE, 13),
    Column("tier", "违纪类别", "Tier", Kind.NUMBER, 10),
    Column("rule_codes", "违纪条款", "Rules", Kind.LIST, 12),
    Column("referral", "移送", "Referred", Kind.FLAG, 8),
    _SITTING, _INCIDENTS))
REVOCATION_TABLE = Table("已撤销证书", "Revoked certificates", (
    _NAME, _ID_NUMBER, _TICKET_NO, _SITTING, _INCIDENTS,
    Column("decided_at", "决定时间", "Decided at", Kind.MOMENT, 20)))
BAN_COLUMNS = BAN_TABLE.keys
FETCH_BATCH = 2000  # rows per database round trip
CHUNK_ROWS = 500  # rows per piece of text handed to the web server

# Built once: the JSON row (the contract's field order) and its digest line (canonical JSON).
_json_row = BAN_TABLE.json_writer()
_digest_line = BAN_TABLE.json_writer(sort_keys=True, end="\n")
_compact = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def mask_name(name: str) -> str:
    """For publication: the family name and a star per other character (张**)."""
    return name[:1] + "*" * max(len(name) - 1, 1) if name else ""


def _in_force(stmt: Select[Any], as_of: date) -> Select[Any]:
    return (stmt.join(Person, BanRecord.person_id == Person.id)
            .where(BanRecord.starts_on <= as_of, BanRecord.until >= as_of)
            .order_by(Person.id_number, BanRecord.starts_on, BanRecord.id))


def ticket_of_ban() -> Any:
    """The ticket number the banned person had at the ban's (first) sitting, if a candidate."""
    return (db.select(Candidate.ticket_no)
            .where(Candidate.person_id == BanRecord.person_id,
                   Candidate.sitting_id == BanRecord.sitting_id)
            .correlate(BanRecord).scalar_subquery())


# -- eligibility -----------------------------------------------------------------------------
@functools.cache
def eligibility_statement(batch: bool = False) -> Select[Any]:
    """The look-up behind eligibility: the bans in force on the date `:on` of the person whose
    number is `:id_number`, or with `batch` of the persons whose number is in `:id_numbers`
    (an expanding IN: one statement for any count), by ID number, then start. ix_persons_id_number
    finds each person, ix_bans_person_dates their bans and the date filter (migration 0006).
    Built once, so SQLAlchemy's compiled cache serves every call. The columns are those of
    `export_statement`, dates and JSON arrays as the driver gives them (`_ban_of_row`)."""
    on = bindparam("on", type_=Date)
    match = (Person.id_number.in_(bindparam("id_numbers", expanding=True)) if batch
             else Person.id_number == bindparam("id_number", type_=String))
    stmt: Select[Any] = (
        db.select(Person.name, Person.id_number, ticket_of_ban(),
                  type_coerce(BanRecord.starts_on, String), type_coerce(BanRecord.until, String),
                  BanRecord.tier, BanRecord.rule_codes, BanRecord.referral,
                  type_coerce(BanRecord.sitting_ids, String),
                  type_coerce(BanRecord.incident_ids, String))
        .select_from(BanRecord).join(Person, BanRecord.person_id == Person.id)
        .where(match, BanRecord.starts_on <= on, BanRecord.until >= on)
        .order_by(Person.id_number, BanRecord.starts_on, BanRecord.id))
    return stmt


def eligibility_params(id_numbers: Sequence[str], on: date) -> dict[str, Any]:
    """The parameters of `eligibility_statement(len(id_numbers) > 1)`."""
    if len(id_numbers) == 1:
        return {"id_number": id_numbers[0], "on": on}
    return {"id_numbers": list(id_numbers), "on": on}


def _eligibility_rows(id_numbers: Sequence[str], on: date) -> Sequence[Any]:
    # Core rows on the session's connection: no ORM objects to build for a look-up. A single
    # look-up (a registration system asking, one applicant at a time) sends the statement as
    # compiled once for the database, skipping SQLAlchemy's per-statement work.
    connection = db.session.connection()
    if len(id_numbers) > 1:
        return connection.execute(eligibility_statement(True),
                                  eligibility_params(id_numbers, on)).all()
    sql, names = _single_lookup_sql(connection.dialect)
    values = {"id_number": id_numbers[0],
              "on": on.isoformat() if connection.dialect.name == "sqlite" else on}
    params: Any = tuple(values[n] for n in names) if names else values
    return connection.exec_driver_sql(sql, params).all()


@functools.cache
def _single_lookup_sql(dialect: Any) -> tuple[str, tuple[str, ...] | None]:
    """The single look-up compiled for this database: its SQL, and the order of its parameters
    when the driver takes them by position (SQLite; None: by name, as psycopg does)."""
    compiled = eligibility_statement(False).compile(dialect=dialect)
    names = tuple(compiled.positiontup) if compiled.positional and compiled.positiontup else None
    return str(compiled), names


def _ints(raw: Any) -> list[int]:
    """A JSON array of ids as the driver gives it: text on SQLite ("[12]" read at once),
    a list on PostgreSQL."""
    if type(raw) is str:
        inner = raw[1:-1]
        return [int(inner)] if inner.isdigit() and inner.isascii() else list(json.loads(raw) or [])
    return list(raw or [])


def _ban_of_row(row: Any) -> dict[str, Any]:
    """A row of `eligibility_statement` as the ban list's row (`BAN_TABLE`'s dict)."""
    name, number, ticket, starts, until, tier, codes, referral, sittings, incidents = row
    sitting_ids = _ints(sittings)
    return BAN_TABLE.row(name, number, ticket, _iso(starts), _iso(until), tier, codes.split(),
                         bool(referral), sitting_ids[0] if sitting_ids else None,
                         _ints(incidents))


def bans_of(id_number: str, on: date) -> list[dict[str, Any]]:
    """The bans of the person with this (normalised) ID number in force on `on`, earliest
    first, as rows of the ban list (`BAN_TABLE`'s dicts); empty when none or unknown."""
    return [_ban_of_row(row) for row in _eligibility_rows([id_number], on)]


def bans_of_many(id_numbers: Sequence[str], on: date) -> dict[str, list[dict[str, Any]]]:
    """`bans_of` for many (normalised) ID numbers in one query: each distinct number that has
    a ban in force on `on` maps to its bans, earliest first; numbers without one are absent."""
    found: dict[str, list[dict[str, Any]]] = {}
    if id_numbers:
        for row in _eligibility_rows(list(dict.fromkeys(id_numbers)), on):
            found.setdefault(row[1], []).append(_ban_of_row(row))
    return found


# -- the export ------------------------------------------------------------------------------
def export_statement(as_of: date) -> Select[Any]:
    """The export's query: plain columns in the export order. Dates and JSON arrays come as the
    driver gives them, without per-row conversion by SQLAlchemy (text on SQLite; `date` and
    `list` on PostgreSQL): `_encode` takes either."""
    return _in_force(db.select(
        Person.name, Person.id_number, ticket_of_ban(), type_coerce(BanRecord.starts_on, String),
        type_coerce(BanRecord.until, String), BanRecord.tier, BanRecord.rule_codes,
        BanRecord.referral, type_coerce(BanRecord.sitting_ids, String),
        type_coerce(BanRecord.incident_ids, String)).select_from(BanRecord), as_of)


def _int_array(raw: Any) -> tuple[str, str]:
    """A JSON array column as (canonical JSON, CSV cell): '[1, 2]' -> ('[1,2]', '1 2')."""
    values = list(json.loads(raw) if isinstance(raw, str | bytes) else raw or [])
    return canonical_text(values), " ".join(map(str, values))


def _first(raw: Any) -> tuple[str, str]:
    """The first element of a JSON array column (the ban's sitting) as (JSON, CSV cell)."""
    values = json.loads(raw) if isinstance(raw, str | bytes) else raw
    head = values[0] if values else None
    return canonical_text(head), "" if head is None else str(head)


def _iso(value: Any) -> str:
    return value if type(value) is str else str(value.isoformat())


_codes_seen: dict[str, tuple[str, str]] = {}


def _codes(codes: str) -> tuple[str, str]:
    """Rule codes "T3.2 T3.4" as (canonical JSON array, text cell); few distinct values."""
    found = _codes_seen.get(codes)
    if found is None:
        parts = codes.split()
        found = (canonical_text(parts), " ".join(parts))
        if len(_codes_seen) < 4096:
            _codes_seen[codes] = found
    return found


JSON, CSV, CELLS = "json", "csv", "cells"


def _encode(rows: Sequence[Any], masked: bool, form: str) -> tuple[str, list[Any]]:
    """A chunk of rows of `export_statement` as (the digest's lines, and the rows: as JSON text
    for `form` JSON, else as tuples of text cells, `ban_cells`, which `_csv_text` makes the CSV
    lines). This is the export's hot path: one loop, no per-row dict, the usual shapes handled
    inline (SQLite's text; PostgreSQL's `date` and `list` go to helpers), each column's JSON
    text and text cell made once and handed, in the table's order, to the writers compiled
    from `BAN_TABLE` (`_digest_line`: sorted keys; `_json_row`: the contract's field order).
    ISO dates need no escaping; tier is an INTEGER column."""
    lines: list[str] = []
    out: list[Any] = []
    add, put, digest_line, json_row = lines.append, out.append, _digest_line, _json_row
    for name, number, ticket, starts, until, tier, codes, referral, sittings, incidents in rows:
        if masked:
            name, number = mask_name(name), mask_id_number(number)
        name_json, number_json = encode_basestring(name), encode_basestring(number)
        ticket_json, ticket_csv = ("null", "") if ticket is None else (encode_basestring(ticket),
                                                                       ticket)
        if type(starts) is not str or type(until) is not str:
            starts, until = _iso(starts), _iso(until)
        codes_json, codes_csv = _codes_seen.get(codes) or _codes(codes)
        # JSON arrays of non-negative integers as json.dumps writes them, "[12]" or "[12, 13]"
        # (for valid JSON these tests are exact); anything else, PostgreSQL's lists too, goes
        # to a helper.
        inner = incidents[1:-1] if type(incidents) is str and incidents[:1] == "[" else "-"
        if inner.isdigit() and inner.isascii():
            incidents_json, incidents_csv = incidents, inner
        elif inner.replace(", ", "").isdigit() and inner.isascii():
            incidents_json, incidents_csv = f"[{inner.replace(' ', '')}]", inner.replace(",", "")
        else:
            incidents_json, incidents_csv = _int_array(incidents)
        inner = sittings[1:-1] if type(sittings) is str and sittings[:1] == "[" else "-"
        if inner.isdigit() and inner.isascii():
            sitting_json = sitting_csv = inner
        elif inner.replace(", ", "").isdigit() and inner.isascii():
            sitting_json = sitting_csv = inner.partition(",")[0]
        else:
            sitting_json, sitting_csv = _first(sittings)
        referral = "true" if referral else "false"
        add(digest_line(name_json, number_json, ticket_json, starts, until, tier, codes_json,
                        referral, sitting_json, incidents_json))
        if form is JSON:
            put(json_row(name_json, number_json, ticket_json, starts, until, tier, codes_json,
                         referral, sitting_json, incidents_json))
        else:
            put((name, number, ticket_csv, starts, until, str(tier), codes_csv, referral,
                 sitting_csv, incidents_csv))
    return "".join(lines), out


class Export:
    """One export's rows, streamed: `chunks()` gives them a chunk at a time in the `form` of
    `_encode` (CSV: one text per chunk); `count` and `hexdigest()` are final once it is
    exhausted."""

    def __init__(self, as_of: date, masked: bool = False, form: str = CELLS,
                 size: int = CHUNK_ROWS) -> None:
        self.as_of, self.masked, self.form, self.size = as_of, masked, form, size
        self.digest = JsonLinesDigest()

    @property
    def count(self) -> int:
        return self.digest.count

    def chunks(self) -> Iterator[list[Any]]:
        stmt = export_statement(self.as_of).execution_options(yield_per=FETCH_BATCH)
        result = db.session.connection().execute(stmt)
        try:
            for rows in result.partitions(self.size):
                lines, out = _encode(rows, self.masked, self.form)
                self.digest.add_lines(lines, len(out))
                yield [_csv_text(out)] if self.form is CSV else out
        finally:
            result.close()

    def hexdigest(self) -> str:
        return self.digest.hexdigest()

    def manifest(self, fmt: str, generated_at: str) -> Manifest:
        return Manifest(format=fmt, as_of=self.as_of.isoformat(), masked=self.masked,
                        rows=self.count, sha256=self.hexdigest(), generated_at=generated_at)


def ban_cells(row: dict[str, Any]) -> list[str]:
    """A ban row's text cells (`BAN_TABLE`), as `_encode`'s CELLS form gives them."""
    return BAN_TABLE.cells(row)


_CSV_COMMAS = len(BAN_COLUMNS) - 1  # a line's


def _csv_text(cells: list[tuple[str, ...]]) -> str:
    """The chunk's rows of text cells as Python's csv writer (QUOTE_MINIMAL, CRLF) writes them
    neutralised (`tables.csv_text`). Joined with commas first, without quoting or quotes against
    formulas, which is what that writer does too when no cell holds a comma, a double quote,
    CR or LF (exactly 9 commas and one CRLF a line, no double quote) and none begins with =, +,
    -, @, tab or a quote (`_plain`). Otherwise (a name with a comma, say) the chunk goes
    through the writer."""
    count = len(cells)
    text = "\r\n".join(map(",".join, cells)) + "\r\n" if count else ""
    if (text.count(",") == _CSV_COMMAS * count and text.count("\n") == count
            and text.count("\r") == count and '"' not in text and _plain(text, count)):
        return text
    return csv_text(cells)


def _plain(text: str, count: int) -> bool:
    """Whether no cell of these `count` unquoted lines begins like a formula or with a quote
    (CR is only a line's end, `_csv_text` checked). Searched over the whole chunk, not per cell
    (five times faster): none of = + @ ' tab anywhere, and each "-" one of a line's two ISO
    dates (four a line) or, failing that, none at a cell's start (the text's, a line's, or
    after a comma)."""
    if "=" in text or "+" in text or "@" in text or "'" in text or "\t" in text:
        return False
    return text.count("-") == 4 * count or not (
        text[:1] == "-" or "\n-" in text or ",-" in text)


def csv_export(export: Export) -> Iterator[str]:
    """The CSV text in pieces: BOM and header, then the rows a chunk at a time; nothing else
    (the manifest is recorded apart, `record_manifest`)."""
    yield BAN_TABLE.csv_header()
    for (text,) in export.chunks():
        yield text


def json_export(export: Export, audit_head: str, generated_at: str) -> Iterator[str]:
    """The JSON answer (the `BansOut` shape) in pieces, a row a line; count and digest last."""
    yield (f'{{"as_of":{_compact(export.as_of.isoformat())},'
           f'"generated_at":{_compact(generated_at)},"audit_head":{_compact(audit_head)},'
           f'"bans":[')
    separator = "\n"
    for rows in export.chunks():
        yield separator + ",\n".join(rows)
        separator = ",\n"
    yield f'\n],"count":{export.count},"digest":{_compact(export.hexdigest())}}}\n'


# -- the manifest ----------------------------------------------------------------------------
EXPORTED, COMPLETED = "bans_exported", "bans_export_completed"


@dataclass(frozen=True)
class Manifest:
    """What a receiver checks an export against: the audit chain records it once the export's
    last row is out (`record_manifest`), GET /bans/manifest answers it (`manifest_of`), the
    XLSX's manifest sheet has its lines (`MANIFEST_SHEET`)."""

    format: str
    as_of: str
    masked: bool
    rows: int
    sha256: str
    generated_at: str


# The XLSX's manifest sheet: a line per fact (the export's audit entry included).
MANIFEST_SHEET = (
    Fact("as_of", "有效日期", "In force on", Kind.DATE),
    Fact("rows", "行数", "Rows", Kind.NUMBER),
    Fact("sha256", "各行的 SHA-256", "SHA-256 of the rows", Kind.TEXT),
    Fact("audit_head", "审计链头", "Audit chain head", Kind.TEXT),
    Fact("generated_at", "生成时间", "Generated at", Kind.TEXT),
    Fact("masked", "脱敏", "Masked", Kind.FLAG))


def record_export(as_of: date, fmt: str, masked: bool) -> audit.Appended:
    """Before an export's first row: its own audit entry, whose hash is its X-Audit-Head."""
    return audit.record(EXPORTED, "bans", None, as_of=as_of.isoformat(), format=fmt,
                        masked=masked)


def record_manifest(export: Export, audit_head: str, fmt: str,
                    generated_at: str) -> audit.Appended:
    """Once an export's last row is out: its manifest in the audit chain, an entry whose
    object is the export's own entry (`audit_head`). The caller commits."""
    return audit.record(COMPLETED, "bans", audit_head,
                        **asdict(export.manifest(fmt, generated_at)))


def manifest_of(audit_head: str) -> dict[str, Any]:
    """The manifest of the export recorded by the audit entry `audit_head` (its X-Audit-Head):
    `{audit_head, …Manifest, manifest_entry}`. 404 `not_found` when no export has that entry,
    `export_incomplete` when that export never sent its last row (the receiver went away, or
    it is still being sent). Its as_of, format and masked are those of the export's entry:
    `record_manifest` records them from the same export."""
    exported = db.session.scalar(db.select(AuditEntry).where(AuditEntry.hash == audit_head,
                                                             AuditEntry.action == EXPORTED))
    if exported is None:
        raise ApiError(404, "not_found", "No ban list export has this audit entry.",
                       "audit_head")
    done = db.session.scalars(db.select(AuditEntry).where(
        AuditEntry.action == COMPLETED, AuditEntry.object_id == audit_head)
        .order_by(AuditEntry.seq).limit(1)).first()
    if done is None:
        raise ApiError(404, "export_incomplete", "This export has not sent its last row: it "
                       "has no manifest. Export the list again.", "audit_head")
    recorded = Manifest(**{field.name: done.data[field.name] for field in fields(Manifest)})
    return {"audit_head": audit_head, **asdict(recorded), "manifest_entry": done.hash}


# -- the clerk's workbook --------------------------------------------------------------------
XLSX_IN_MEMORY_ROWS = 10_000  # a workbook of up to this many rows (~0.5 MB) stays in memory


def xlsx_export(as_of: date, masked: bool, audit_head: str, generated_at: str,
                lang: Lang, zone: tzinfo) -> tuple[bytes | IO[bytes], Export]:
    """The XLSX for the clerk (the ban list in `BAN_TABLE`'s sheet, then the manifest sheet)
    and its export. openpyxl's write-only mode spools each sheet's XML to a temporary file as
    the rows come; the ZIP is written at the end, into memory for up to XLSX_IN_MEMORY_ROWS
    rows (bytes), else into a temporary file (returned at its start; whoever sends it closes
    it, which deletes it)."""
    book = Workbook(write_only=True)
    sheet = Sheet(book, BAN_TABLE, lang, zone, _widest(as_of))
    export = Export(as_of, masked)
    for records in export.chunks():
        for record in records:
            sheet.add(record)
    sheet.close()
    add_manifest_sheet(book, MANIFEST_SHEET, {
        **asdict(export.manifest("xlsx", generated_at)), "audit_head": audit_head}, lang, zone)
    return _saved(book, export.count), export


def _widest(as_of: date) -> dict[str, int]:
    """How wide the name and ticket columns must be (the XLSX's widths come before its rows):
    the widest of each among the bans in force. A name's width is (UTF-8 bytes + characters)
    / 2: one column for an ASCII character (1 byte), two for a CJK one (3 bytes)."""
    name = Person.name
    stmt = (db.select(func.max(func.length(cast(name, LargeBinary)) + func.length(name)),
                      func.max(func.length(ticket_of_ban())))
            .select_from(BanRecord).join(Person, BanRecord.person_id == Person.id)
            .where(BanRecord.starts_on <= as_of, BanRecord.until >= as_of))
    name_width, ticket = db.session.execute(stmt).one()
    return {"name": ((name_width or 0) + 1) // 2, "ticket_no": ticket or 0}


def _saved(book: Workbook, rows: int) -> bytes | IO[bytes]:
    if rows <= XLSX_IN_MEMORY_ROWS:
        buffer = io.BytesIO()
        book.save(buffer)
        return buffer.getvalue()
    out = tempfile.TemporaryFile(prefix="bans-", suffix=".xlsx")  # noqa: SIM115
    try:
        book.save(out)
        out.seek(0)
    except BaseException:
        out.close()
        raise
    return out


# -- revoked certificates --------------------------------------------------------------------
def revocations() -> list[dict[str, Any]]:
    stmt = (db.select(CandidateSanction, Candidate, Person)
            .join(Candidate, CandidateSanction.candidate_id == Candidate.id)
            .join(Person, Candidate.person_id == Person.id)
            .where(CandidateSanction.certificate_revoked.is_(True))
            .order_by(Candidate.sitting_id, Candidate.ticket_no))
    return [REVOCATION_TABLE.row(person.name, person.id_number, candidate.ticket_no,
                                 candidate.sitting_id, list(row.incident_ids),
                                 row.decided_at.isoformat() if row.decided_at else None)
            for row, candidate, person in db.session.execute(stmt)]


def revocations_csv(rows: list[dict[str, Any]]) -> str:
    """The revocations as a clean CSV table (`REVOCATION_TABLE`), cells neutralised."""
    return REVOCATION_TABLE.csv(rows)


def revocations_xlsx(rows: list[dict[str, Any]], lang: Lang, zone: tzinfo) -> bytes:
    """The revocations as the clerk's XLSX (`REVOCATION_TABLE`; decisions in venue time)."""
    cells = [REVOCATION_TABLE.cells(row) for row in rows]
    book = Workbook(write_only=True)
    sheet = Sheet(book, REVOCATION_TABLE, lang, zone, REVOCATION_TABLE.fit(cells))
    for row_cells in cells:
        sheet.add(row_cells)
    sheet.close()
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
