"""The ban registry: who is barred on a date, exported with a digest a receiver can check."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Iterator
from datetime import date
from typing import Any

from proctor.extensions import db
from proctor.idnumber import mask_id_number
from proctor.models import BanRecord, Candidate, CandidateSanction, Person

BAN_COLUMNS = ("name", "id_number", "from", "until", "tier", "rule_codes", "referral",
               "sitting_id", "incident_ids")


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


def bans_in_force(as_of: date, batch: int = 1000) -> Iterator[tuple[BanRecord, Person]]:
    """Bans in force on the date, ordered by ID number then start (a stable export order)."""
    stmt = (db.select(BanRecord, Person).join(Person, BanRecord.person_id == Person.id)
            .where(BanRecord.starts_on <= as_of, BanRecord.until >= as_of)
            .order_by(Person.id_number, BanRecord.starts_on, BanRecord.id)
            .execution_options(yield_per=batch))
    for row in db.session.execute(stmt):
        yield row[0], row[1]


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
        line = json.dumps(row, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        self._hash.update(line.encode() + b"\n")
        self.count += 1

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
