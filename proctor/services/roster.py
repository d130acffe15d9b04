"""Roster import: one transaction; any bad row imports nothing; a re-import changes nothing."""

from __future__ import annotations

from dataclasses import dataclass, field

from proctor.api.schemas import RowErrorOut
from proctor.concurrency import offload
from proctor.database import end_read_transaction
from proctor.errors import ApiError
from proctor.extensions import db
from proctor.models import Sitting
from proctor.services import audit
from proctor.services.people import register_candidate
from proctor.services.roster_file import parse_roster


@dataclass
class RosterResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowErrorOut] = field(default_factory=list)


def import_roster(sitting: Sitting, data: bytes, filename: str) -> RosterResult:
    """Register every row of the file; the caller commits only when `errors` is empty."""
    end_read_transaction(db.session())  # no lock is held while the file is read
    parsed = offload(parse_roster, data, filename)
    result = RosterResult(errors=[RowErrorOut(row=p.row, message=p.message, field=p.field)
                                  for p in parsed.errors])
    codes = {s.code for s in sitting.subjects}
    for row in parsed.rows:
        unknown = [code for code in row.subjects or () if code not in codes]
        if unknown:
            result.errors.append(RowErrorOut(
                row=row.row, field="subjects",
                message=f"unknown subject(s) {', '.join(unknown)}; this sitting has "
                        f"{', '.join(sorted(codes))}"))
            continue
        try:
            with db.session.begin_nested():
                _, outcome = register_candidate(sitting, row.ticket_no, row.name, row.id_number,
                                                row.subjects, row.application, row.training_body)
        except ApiError as exc:
            result.errors.append(RowErrorOut(row=row.row, message=exc.message, field=exc.field))
            continue
        setattr(result, outcome, getattr(result, outcome) + 1)
    result.errors.sort(key=lambda e: e.row)
    if not result.errors:
        audit.record("roster_imported", "sitting", sitting.id, filename=filename,
                     created=result.created, updated=result.updated,
                     unchanged=result.unchanged)
    return result
