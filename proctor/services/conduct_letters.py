"""The letter of a confirmed conduct record: numbered in a sequence of its own per year
(`JL-2025-001`, never a candidate letter's number), its content frozen with its SHA-256 when
issued, audited; shown on A4 and as a PDF by `proctor.conduct`."""

from __future__ import annotations

import re
from typing import Any

from flask import current_app
from sqlalchemy.exc import IntegrityError

from incidents.conduct import conduct_codes
from proctor import hashing
from proctor.database import utcnow
from proctor.errors import ApiError
from proctor.extensions import db
from proctor.models import ConductNotice, ConductRecord, ConductStatus, Sitting, User
from proctor.services import audit
from proctor.services.conduct import subject_part
from proctor.services.letter_content import sitting_part
from proctor.services.sittings import venue_today, venue_zone


def notice_of(record: ConductRecord) -> ConductNotice | None:
    return db.session.scalar(db.select(ConductNotice).where(
        ConductNotice.record_id == record.id))


def require_notice(record: ConductRecord) -> ConductNotice:
    letter = notice_of(record)
    if letter is None:
        raise ApiError(404, "conduct_notice_not_found", "This record has no letter yet.")
    return letter


def _next_number(year: int) -> str:
    prefix = f"JL-{year}-"
    numbers = db.session.scalars(db.select(ConductNotice.number).where(
        ConductNotice.number.like(f"{prefix}%")))
    taken = [int(m.group(1)) for n in numbers if (m := re.fullmatch(r"JL-\d+-(\d+)", n))]
    return f"{prefix}{max(taken, default=0) + 1:03d}"


def issue_notice(record: ConductRecord, who: User) -> tuple[ConductNotice, bool]:
    """The letter of a confirmed record (the one already issued, if there is one)."""
    if record.status != ConductStatus.CONFIRMED:
        raise ApiError(409, "not_confirmed", "Only a confirmed record has a letter.")
    for _attempt in range(5):
        found = notice_of(record)
        if found is not None:
            return found, False
        today = venue_today()
        number = _next_number(today.year)
        content = notice_content(record, number, today.isoformat())
        letter = ConductNotice(number=number, record_id=record.id, issued_by=who.id,
                               issued_at=utcnow(), issued_on=today, content=content,
                               content_sha256=hashing.digest(content))
        try:
            with db.session.begin_nested():
                db.session.add(letter)
        except IntegrityError:
            continue  # another request issued it, or took the number: look again
        audit.record("conduct_notice_issued", "conduct_notice", letter.id, number=number,
                     conduct_record_id=record.id, sha256=letter.content_sha256)
        return letter, True
    raise ApiError(409, "conflict", "the notice number was taken repeatedly; try again")


def notice_content(record: ConductRecord, number: str, issued_on: str) -> dict[str, Any]:
    """What the letter says, frozen: to whom, the facts, the files, the kind of misconduct in
    the body's words, the decision and its reasons, the issuer and the date."""
    book = conduct_codes()
    code = book.get(record.code)
    cfg = current_app.config
    sitting = db.session.get(Sitting, record.sitting_id) if record.sitting_id else None
    return {
        "number": number, "kind": "conduct", "subject_kind": str(record.subject_kind),
        "subject": subject_part(record),
        "sitting": sitting_part(sitting) if sitting else None,
        "facts": {"observed_at": record.observed_at.isoformat(),
                  "description": record.description},
        "files": [{"id": f.id, "sha256": f.sha256, "media_type": f.media_type,
                   "filename": f.filename} for f in record.files],
        "code": {"code": code.code, "version": record.codes_version,
                 "title": {"zh": code.title.zh, "en": code.title.en},
                 "text": {"zh": code.text.zh, "en": code.text.en}},
        "decision": {"measure": record.measure, "reasons": record.reasons,
                     "decided_on": record.decided_at.astimezone(venue_zone()).date()
                     .isoformat() if record.decided_at else None},
        "issuing_body": {"zh": cfg["ISSUING_BODY"], "en": cfg["ISSUING_BODY_EN"]},
        "issued_on": issued_on,
    }
