"""The letters of the process, issued the same way: numbered in the sitting's one sequence,
frozen as JSON with its SHA-256, audited and announced live; and the remedies each letter lists.

The remedies beyond review (a complaint to the supervising 人社 department, 行政复议, 行政诉讼)
are the issuing body's text, not the app's law: `REMEDIES_FILE` (PROCTOR_REMEDIES_FILE, default
`<data dir>/remedies.toml`) with `zh = [...]` and `en = [...]`, one paragraph an entry, else the
default below. Placeholders `{issued_on}`, `{served_on}` and `{served+N}` (N days after service)
are kept in the frozen letter and filled with dates when it is shown.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy.exc import IntegrityError

from proctor import hashing, publisher
from proctor.database import utcnow
from proctor.errors import ApiError
from proctor.extensions import db
from proctor.models import LetterKind, Notice, Sitting, User
from proctor.services import audit, candidate_tokens
from proctor.services.sittings import venue_today

REMEDIES_FILE_NAME = "remedies.toml"
DEFAULT_REMEDIES: dict[str, list[str]] = {
    "zh": [
        "对复核决定仍有异议的，可以向本机构的业务主管部门上海市人力资源和社会保障局反映、投诉。",
        "认为有关行政机关的行政行为侵犯您合法权益的，可以自知道该行为之日起六十日内依法申请"
        "行政复议（自本文书送达之日起算，截至{served+60}），或者自知道之日起六个月内依法提起"
        "行政诉讼。",
    ],
    "en": [
        "If you still disagree after the review decision, you may complain to this body's "
        "supervising department, the Shanghai Municipal Human Resources and Social Security "
        "Bureau.",
        "If you consider that an administrative act of a government department infringes your "
        "lawful rights, you may apply for administrative reconsideration within sixty days of "
        "learning of it (counted from the service of this letter: until {served+60}), or bring "
        "an administrative lawsuit within six months of learning of it.",
    ],
}


def remedies_text() -> dict[str, list[str]]:
    """The paragraphs on remedies beyond review, as configured now (frozen into each letter)."""
    setting = current_app.config.get("REMEDIES_FILE")
    path = Path(setting) if setting else Path(current_app.config["DATA_DIR"]) / \
        REMEDIES_FILE_NAME
    if not path.is_file():
        if setting:
            raise ApiError(503, "remedies_file_missing",
                           f"PROCTOR_REMEDIES_FILE names {path}, which is not a file")
        return DEFAULT_REMEDIES
    try:
        loaded = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ApiError(503, "remedies_file_invalid", f"{path}: {exc}") from None
    out: dict[str, list[str]] = {}
    for lang in ("zh", "en"):
        paragraphs = loaded.get(lang, DEFAULT_REMEDIES[lang])
        if isinstance(paragraphs, str):
            paragraphs = [paragraphs]
        if not isinstance(paragraphs, list) or not all(isinstance(p, str) for p in paragraphs):
            raise ApiError(503, "remedies_file_invalid",
                           f"{path}: `{lang}` is a list of paragraphs (strings)")
        out[lang] = [p.strip() for p in paragraphs if p.strip()]
    return out


def next_number(sitting: Sitting) -> str:
    """The sitting's next letter number: every kind of letter counts in one sequence."""
    seq = 1 + (db.session.scalar(db.select(db.func.count(Notice.id)).where(
        Notice.sitting_id == sitting.id)) or 0)
    return f"{sitting.date.year}-{sitting.id}-{seq:03d}"


def by_key(issue_key: str) -> Notice | None:
    return db.session.scalar(db.select(Notice).where(Notice.issue_key == issue_key))


def issue_letter(kind: LetterKind, issue_key: str, sitting: Sitting, who: User,
                 content_for: Callable[[str], dict[str, Any]], **row: Any) -> Notice:
    """Issue one letter (or return the one already issued under `issue_key`): `content_for`
    builds its frozen content from the number; `row` holds the other columns."""
    for _attempt in range(5):
        found = by_key(issue_key)
        if found is not None:
            return found
        number = next_number(sitting)
        content = content_for(number)
        letter = Notice(number=number, kind=kind, issue_key=issue_key, sitting_id=sitting.id,
                        issued_by=who.id, issued_at=utcnow(), issued_on=venue_today(),
                        content=content, content_sha256=hashing.digest(content), **row)
        try:
            with db.session.begin_nested():
                db.session.add(letter)
        except IntegrityError:
            continue  # another request issued it, or took the number: look again
        candidate_tokens.create_for(letter)
        audit.record("notice_issued", "notice", letter.id, number=number, kind=kind,
                     incident_id=letter.incident_id, person_id=letter.person_id,
                     review_id=letter.review_id, supersedes_id=letter.supersedes_id,
                     sha256=letter.content_sha256)
        publisher.publish("notice_issued", sitting.id, None, letter_event(letter))
        return letter
    raise ApiError(409, "conflict", "the notice number was taken repeatedly; try again")


def letter_event(letter: Notice) -> dict[str, Any]:
    """The live payload: no names or ID numbers (those stay on the letter itself)."""
    return {"notice_id": letter.id, "number": letter.number, "kind": letter.kind,
            "incident_id": letter.incident_id, "review_id": letter.review_id,
            "superseded_by_id": letter.superseded_by_id,
            "served_on": letter.served_on.isoformat() if letter.served_on else None}


def current_of(letter: Notice) -> Notice:
    """The letter in force: follow the chain of revised notices to its end."""
    seen = {letter.id}
    while letter.superseded_by_id is not None and letter.superseded_by_id not in seen:
        letter = db.session.get_one(Notice, letter.superseded_by_id)
        seen.add(letter.id)
    return letter


def supersede(old: Notice, new: Notice) -> None:
    """Mark `old` replaced by `new`: a link on the row; its content and hash stay as issued."""
    old.superseded_by_id = new.id
    db.session.flush()
    audit.record("notice_superseded", "notice", old.id, number=old.number,
                 superseded_by=new.id, superseded_by_number=new.number,
                 sha256=old.content_sha256)
