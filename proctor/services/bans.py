"""The ban registry: who is barred on a date, exported with a digest a receiver can check.

Exports stream: the rows are read as plain columns (no ORM objects, nothing in the session's
identity map), `yield_per` batches at a time (a server-side cursor on PostgreSQL), turned into
text a chunk of `CHUNK_ROWS` rows at a time, and hashed as they go. Memory does not grow with
the number of bans; the count and the digest are known only at the end, so they close the file
(the CSV's last line, the JSON's last keys, the XLSX's `manifest` sheet).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Iterable, Iterator
from datetime import date
from typing import Any

from sqlalchemy import Select

from proctor.extensions import db
from proctor.idnumber import mask_id_number
from proctor.models import BanRecord, Candidate, CandidateSanction, Person

BAN_COLUMNS = ("name", "id_number", "from", "until", "tier", "rule_codes", "referral",
               "sitting_id", "incident_ids")
FETCH_BATCH = 2000  # rows per database round trip
CHUNK_ROWS = 500  # rows per piece of text handed to the web server

# One encoder each, built once (json.dumps with options builds a new encoder on every call).
_canonical = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode
_compact = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def mask_name(name: str) -> str:
    """For publication: the family name and a star per other character (张**)."""
    return name[:1] + "*" * max(len(name) - 1, 1) if name else ""


def ban_row(ban: BanRecord, person: Person, masked: bool = False) -> dict[str, Any]:
    return {
        "name": mask_name(person.name) if masked else person.name,
        "id_number": mask_id_number(person.id_number) if masked else person.id_number,
        "from": ban.starts_on.isoformat(),
        "until": ban.until.isoformat(),
        "tier": ban.tier,
        "rule_codes": ban.rule_codes.split(),
        "referral": ban.referral,
        "sitting_id": ban.sitting_ids[0] if ban.sitting_ids else None,
        "incident_ids": list(ban.incident_ids),
    }


def _in_force(stmt: Select[Any], as_of: date) -> Select[Any]:
    return (stmt.join(Person, BanRecord.person_id == Person.id)
            .where(BanRecord.starts_on <= as_of, BanRecord.until >= as_of)
            .order_by(Person.id_number, BanRecord.starts_on, BanRecord.id))


def bans_in_force(as_of: date, batch: int = 1000) -> Iterator[tuple[BanRecord, Person]]:
    """Bans in force on the date as ORM objects, ordered by ID number then start (the export
    order). For a few rows; exports use `export_rows`."""
    stmt = _in_force(db.select(BanRecord, Person), as_of).execution_options(yield_per=batch)
    for row in db.session.execute(stmt):
        yield row[0], row[1]


def export_statement(as_of: date) -> Select[Any]:
    """The export's query: plain columns, in the export order."""
    return _in_force(db.select(Person.name, Person.id_number, BanRecord.starts_on,
                               BanRecord.until, BanRecord.tier, BanRecord.rule_codes,
                               BanRecord.referral, BanRecord.sitting_ids,
                               BanRecord.incident_ids).select_from(BanRecord), as_of)


def export_rows(as_of: date, masked: bool = False,
                batch: int = FETCH_BATCH) -> Iterator[dict[str, Any]]:
    """The rows of the export (as `ban_row` makes them), streamed from the database."""
    result = db.session.execute(export_statement(as_of),
                                execution_options={"yield_per": batch})
    try:
        for name, number, starts, until, tier, codes, referral, sittings, incidents in result:
            yield {
                "name": mask_name(name) if masked else name,
                "id_number": mask_id_number(number) if masked else number,
                "from": starts.isoformat(),
                "until": until.isoformat(),
                "tier": tier,
                "rule_codes": codes.split(),
                "referral": referral,
                "sitting_id": sittings[0] if sittings else None,
                "incident_ids": incidents,
            }
    finally:
        result.close()


def chunks(rows: Iterable[dict[str, Any]],
           size: int = CHUNK_ROWS) -> Iterator[list[dict[str, Any]]]:
    chunk: list[dict[str, Any]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def bans_of(id_number: str, on: date) -> list[dict[str, Any]]:
    stmt = (db.select(BanRecord, Person).join(Person, BanRecord.person_id == Person.id)
            .where(Person.id_number == id_number, BanRecord.starts_on <= on,
                   BanRecord.until >= on).order_by(BanRecord.starts_on))
    return [ban_row(ban, person) for ban, person in db.session.execute(stmt)]


class RowDigest:
    """SHA-256 over the rows, one canonical JSON line each (sorted keys, UTF-8, '\\n' ended)."""

    def __init__(self) -> None:
        self._hash = hashlib.sha256()
        self.count = 0

    def add(self, row: dict[str, Any]) -> None:
        self._hash.update(_canonical(row).encode() + b"\n")
        self.count += 1

    def add_many(self, rows: list[dict[str, Any]]) -> None:
        """The same as `add` row by row (hashing is incremental), in one update."""
        if rows:
            self._hash.update(("\n".join(map(_canonical, rows)) + "\n").encode())
            self.count += len(rows)

    def hexdigest(self) -> str:
        return self._hash.hexdigest()


def csv_cells(row: dict[str, Any]) -> list[str]:
    return [" ".join(map(str, v)) if isinstance(v, list) else
            ("true" if v is True else "false" if v is False else "" if v is None else str(v))
            for v in (row[c] for c in BAN_COLUMNS)]


def csv_line(cells: list[Any]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow(cells)
    return buffer.getvalue()


def _csv_record(row: dict[str, Any]) -> tuple[Any, ...]:
    """`csv_cells`, faster: the CSV writer turns ints and strings into text itself."""
    sitting = row["sitting_id"]
    return (row["name"], row["id_number"], row["from"], row["until"], row["tier"],
            " ".join(row["rule_codes"]), "true" if row["referral"] else "false",
            "" if sitting is None else sitting, " ".join(map(str, row["incident_ids"])))


def csv_manifest(count: int, digest: str, as_of: date, audit_head: str,
                 generated_at: str) -> str:
    return csv_line([f"# rows={count}", f"sha256={digest}", f"as_of={as_of.isoformat()}",
                     f"audit_head={audit_head}", f"generated_at={generated_at}"])


def csv_export(as_of: date, masked: bool, audit_head: str, generated_at: str) -> Iterator[str]:
    """The CSV text in pieces: BOM and header, the rows a chunk at a time, the manifest line."""
    digest = RowDigest()
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(BAN_COLUMNS)
    yield "\ufeff" + buffer.getvalue()
    for chunk in chunks(export_rows(as_of, masked)):
        digest.add_many(chunk)
        buffer.seek(0)
        buffer.truncate()
        writer.writerows(map(_csv_record, chunk))
        yield buffer.getvalue()
    yield csv_manifest(digest.count, digest.hexdigest(), as_of, audit_head, generated_at)


def json_export(as_of: date, masked: bool, audit_head: str, generated_at: str) -> Iterator[str]:
    """The JSON document (the `BansOut` shape) in pieces; `count` and `digest` come last."""
    digest = RowDigest()
    yield (f'{{"as_of":{_compact(as_of.isoformat())},"generated_at":{_compact(generated_at)},'
           f'"audit_head":{_compact(audit_head)},"bans":[')
    separator = "\n"
    for chunk in chunks(export_rows(as_of, masked)):
        digest.add_many(chunk)
        yield separator + ",\n".join(map(_compact, chunk))
        separator = ",\n"
    yield f'\n],"count":{digest.count},"digest":{_compact(digest.hexdigest())}}}\n'


def xlsx_export(out: Any, as_of: date, masked: bool, audit_head: str,
                generated_at: str) -> RowDigest:
    """Write the XLSX (sheets `bans` and `manifest`) to the binary file `out`. openpyxl's
    write-only mode spools each sheet's XML to a temporary file as the rows come."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("bans")
    sheet.append(list(BAN_COLUMNS))
    digest = RowDigest()
    for chunk in chunks(export_rows(as_of, masked)):
        digest.add_many(chunk)
        for row in chunk:
            sheet.append(csv_cells(row))
    manifest = book.create_sheet("manifest")
    for key, value in (("as_of", as_of.isoformat()), ("rows", digest.count),
                       ("sha256", digest.hexdigest()), ("audit_head", audit_head),
                       ("generated_at", generated_at), ("masked", masked)):
        manifest.append([key, value])
    book.save(out)
    return digest


def revocations() -> list[dict[str, Any]]:
    stmt = (db.select(CandidateSanction, Candidate, Person)
            .join(Candidate, CandidateSanction.candidate_id == Candidate.id)
            .join(Person, Candidate.person_id == Person.id)
            .where(CandidateSanction.certificate_revoked.is_(True))
            .order_by(Candidate.sitting_id, Candidate.ticket_no))
    return [{"name": person.name, "id_number": person.id_number,
             "ticket_no": candidate.ticket_no, "sitting_id": candidate.sitting_id,
             "incident_ids": list(row.incident_ids),
             "decided_at": row.decided_at.isoformat() if row.decided_at else None}
            for row, candidate, person in db.session.execute(stmt)]
