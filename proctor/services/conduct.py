"""Misconduct of staff and training bodies: record it, keep its photos and PDFs, decide it, and
issue its letter — with the audit and evidence machinery of the candidates' incidents, and
none of their sanctions.

Who: the evaluation body records, decides and writes to the person or body. A chief examiner
may report what they saw at a sitting they lead (the notice makes the body the organiser of the
evaluation and says nothing of staff sanctions, so the decision is the body's alone); they see
the records they reported, while those are theirs to add to. Nobody records, or decides,
conduct of their own, and nobody decides a record they made.

Never live: a conduct record is a personnel matter; the sitting's channel reaches its chief
examiner, who may be the one it is about.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from incidents.conduct import (
    ConductSubject,
    UnknownConductCode,
    WrongSubject,
    conduct_codes,
)
from proctor.database import utcnow
from proctor.errors import ApiError
from proctor.extensions import db
from proctor.models import (
    ConductFile,
    ConductRecord,
    ConductStatus,
    Role,
    Sitting,
    StaffAssignment,
    User,
)
from proctor.services import access, audit, evidence_store, idempotent
from proctor.services.people import valid_id_number
from proctor.services.statement_files import checked_upload

DUTIES = ("invigilator", "chief", "patrol", "other")


@dataclass(frozen=True)
class Subject:
    """Whose conduct: a staff account, staff by name and ID number, or a training body."""

    kind: ConductSubject
    user: User | None = None
    name: str | None = None
    id_number: str | None = None
    duty: str | None = None
    training_body: str | None = None


# -- who may see and act ---------------------------------------------------------------------
def may_see(record: ConductRecord, who: User) -> bool:
    """The evaluation body sees every record; a chief examiner those they reported at a sitting
    they (still) lead."""
    if access.is_authority(who):
        return True
    return (record.recorded_by == who.id and record.sitting_id is not None
            and access.is_chief_of(who, record.sitting_id))


def require_visible(record: ConductRecord) -> ConductRecord:
    if not may_see(record, access.user()):
        raise access.deny(f"conduct record {record.id} is not yours to see",
                          conduct_record_id=record.id)
    return record


def _own(subject: Subject, who: User) -> bool:
    return subject.user is not None and subject.user.id == who.id


def _own_error() -> ApiError:
    return ApiError(403, "own_conduct", "Nobody records or decides conduct of their own.")


# -- recording --------------------------------------------------------------------------------
def checked_code(code: str, kind: ConductSubject) -> str:
    """The code, if it is one of this kind of subject (422 otherwise, naming the field)."""
    try:
        return conduct_codes().get(code, kind).code
    except UnknownConductCode:
        raise ApiError(422, "unknown_conduct_code", f"no conduct code {code!r}",
                       "code") from None
    except WrongSubject as exc:
        raise ApiError(422, "code_not_for_subject", str(exc), "code") from None


def staff_subject(*, username: str | None, name: str | None, id_number: str | None,
                  duty: str | None, sitting: Sitting | None) -> Subject:
    """Staff by account (their duty from the sitting's assignment, else their role) or by name
    and ID number (for staff without an account)."""
    if username:
        if name or id_number:
            raise ApiError(422, "staff_given_twice", "Name staff by account or by name and ID "
                           "number, not both.", "staff_username")
        user = db.session.scalar(db.select(User).where(User.username == username))
        if user is None:
            raise ApiError(422, "unknown_user", f"no account {username!r}", "staff_username")
        return Subject(ConductSubject.STAFF, user=user, name=user.display_name or username,
                       duty=duty or _duty_of(user, sitting))
    if not (name and id_number):
        raise ApiError(422, "staff_required", "Name the staff member: staff_username, or "
                       "staff_name and staff_id_number.", "staff_name")
    return Subject(ConductSubject.STAFF, name=name,
                   id_number=valid_id_number(id_number, "staff_id_number"),
                   duty=duty or "other")


def _duty_of(user: User, sitting: Sitting | None) -> str:
    if sitting is not None:
        roles = {a.role for a in db.session.scalars(db.select(StaffAssignment).where(
            StaffAssignment.user_id == user.id, StaffAssignment.sitting_id == sitting.id))}
        if roles:
            return "chief" if "chief" in roles else "invigilator"
    return str(user.role) if user.role in (Role.INVIGILATOR, Role.CHIEF) else "other"


def _chief_may_report(subject: Subject, sitting: Sitting | None, who: User) -> None:
    """A chief examiner reports only at a sitting they lead, and staff of that sitting."""
    if access.is_authority(who):
        return
    if sitting is None:
        raise ApiError(422, "sitting_required", "A chief examiner reports conduct seen at "
                       "their sitting: name it.", "sitting_id")
    if subject.user is not None and not db.session.scalar(
            db.select(StaffAssignment.id).where(StaffAssignment.user_id == subject.user.id,
                                                StaffAssignment.sitting_id == sitting.id)):
        raise ApiError(422, "not_staff_of_sitting", f"{subject.user.username} is not staff of "
                       f"sitting {sitting.id}", "staff_username")


def record_conduct(subject: Subject, *, client_id: str, code: str, description: str,
                   observed_at: datetime, sitting: Sitting | None,
                   who: User) -> tuple[ConductRecord, bool]:
    """Record one act; a client_id seen before answers the record it made (the same subject,
    by the same caller), anything else is 409 client_id_conflict with no data."""
    checked_code(code, subject.kind)
    if _own(subject, who):
        raise _own_error()
    _chief_may_report(subject, sitting, who)

    def find() -> ConductRecord | None:
        found = db.session.scalar(db.select(ConductRecord).where(
            ConductRecord.client_id == client_id))
        if found is not None and not (found.recorded_by == who.id and _same(found, subject)
                                      and may_see(found, who)):
            raise idempotent.client_id_conflict()
        return found

    def make() -> ConductRecord:
        return ConductRecord(
            client_id=client_id, subject_kind=subject.kind,
            staff_user_id=subject.user.id if subject.user else None,
            staff_name=subject.name, staff_id_number=subject.id_number,
            staff_duty=subject.duty, training_body=subject.training_body,
            sitting_id=sitting.id if sitting else None, code=code,
            codes_version=conduct_codes().version, description=description,
            observed_at=observed_at, recorded_by=who.id, recorded_at=utcnow())

    record, created = idempotent.insert_unique(find, make)
    if created:
        audit.record("conduct_recorded", "conduct_record", record.id, code=code,
                     subject_kind=subject.kind, sitting_id=record.sitting_id,
                     staff_user_id=record.staff_user_id, training_body=record.training_body,
                     observed_at=observed_at.isoformat())
    return record, created


def _same(found: ConductRecord, subject: Subject) -> bool:
    return (found.subject_kind == subject.kind
            and found.staff_user_id == (subject.user.id if subject.user else None)
            and found.staff_id_number == subject.id_number
            and found.training_body == subject.training_body)


# -- evidence ---------------------------------------------------------------------------------
def _open(record: ConductRecord) -> None:
    if record.status != ConductStatus.REPORTED:
        raise ApiError(409, "already_decided", f"this record is already {record.status}")


def add_file(record: ConductRecord, data: bytes, filename: str | None, client_id: str,
             who: User) -> tuple[ConductFile, bool]:
    """A photo or PDF, checked by the evidence intake and kept unchanged under its SHA-256;
    only while the record waits for its decision (what was decided on stays what it was)."""
    _open(record)
    files: list[bytes] = []

    def find() -> ConductFile | None:
        found = db.session.scalar(db.select(ConductFile).where(
            ConductFile.client_id == client_id))
        if found is not None and found.record_id != record.id:
            raise idempotent.client_id_conflict()
        return found

    def make() -> ConductFile:
        media_type, copies = checked_upload(data)
        files.extend(copies)
        return ConductFile(client_id=client_id, record_id=record.id,
                           sha256=hashlib.sha256(data).hexdigest(), media_type=media_type,
                           size=len(data), filename=(filename or "")[:255] or None,
                           uploaded_by=who.id, uploaded_at=utcnow())

    row, created = idempotent.insert_unique(find, make)
    if created:
        if len(files) == 1:
            evidence_store.store_original(row.sha256, files[0])
        else:
            evidence_store.store(row.sha256, *files)
        audit.record("conduct_file_added", "conduct_file", row.id, conduct_record_id=record.id,
                     sha256=row.sha256, size=row.size, media_type=row.media_type)
    return row, created


def file_of(record: ConductRecord, file_id: int) -> ConductFile:
    """A file of this record, or 404."""
    row = db.session.get(ConductFile, file_id)
    if row is None or row.record_id != record.id:
        raise ApiError(404, "conduct_file_not_found", f"no file {file_id} of this record")
    return row


# -- the decision -----------------------------------------------------------------------------
def _refusal_to_decide(record: ConductRecord, who: User) -> ApiError | None:
    if not access.is_authority(who):
        return ApiError(403, "forbidden", "The evaluation body decides conduct records.")
    if record.recorded_by == who.id:
        return ApiError(403, "separation_of_duties",
                        "Nobody decides a conduct record they made themselves.")
    if record.staff_user_id == who.id:
        return _own_error()
    if record.status != ConductStatus.REPORTED:
        return ApiError(409, "already_decided", f"this record is already {record.status}")
    return None


def may_decide(record: ConductRecord, who: User) -> bool:
    """Whether `who` may decide this record now: the page offers the decision on the very
    condition the API checks."""
    return _refusal_to_decide(record, who) is None


def decide(record: ConductRecord, decision: str, measure: str | None, reasons: str,
           who: User) -> ConductRecord:
    """Confirm with the measure decided, in words (通报批评, 暂停监考资格 …), or dismiss; with the
    reasons. Once, by the evaluation body, never by who recorded it or whom it is about."""
    refusal = _refusal_to_decide(record, who)
    if refusal is not None:
        raise refusal
    if decision == "confirm" and not (measure or "").strip():
        raise ApiError(422, "measure_required", "Confirming needs the measure, in words.",
                       "measure")
    if decision == "dismiss" and (measure or "").strip():
        raise ApiError(422, "measure_not_applicable", "A dismissed record has no measure.",
                       "measure")
    if not reasons.strip():
        raise ApiError(422, "conduct_reasons_required", "Give the reasons for the decision.",
                       "reasons")
    record.status = (ConductStatus.CONFIRMED if decision == "confirm"
                     else ConductStatus.DISMISSED)
    record.measure = measure.strip() if decision == "confirm" and measure else None
    record.reasons, record.decided_by, record.decided_at = reasons.strip(), who.id, utcnow()
    db.session.flush()
    audit.record("conduct_decided", "conduct_record", record.id, decision=decision,
                 measure=record.measure, reasons=record.reasons, code=record.code)
    return record


def subject_part(record: ConductRecord) -> dict[str, Any]:
    if record.subject_kind == ConductSubject.TRAINING_BODY:
        return {"training_body": record.training_body}
    user = db.session.get(User, record.staff_user_id) if record.staff_user_id else None
    return {"name": record.staff_name, "id_number": record.staff_id_number,
            "username": user.username if user else None, "duty": record.staff_duty}


def display_name(user_id: int | None) -> str:
    """The name a page shows for an account: its display name, else its username."""
    user = db.session.get(User, user_id) if user_id else None
    return (user.display_name or user.username) if user else ""


# -- lists ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Filter:
    status: str | None = None
    subject_kind: str | None = None
    sitting_id: int | None = None
    code: str | None = None
    training_body: str | None = None
    staff: str | None = None  # an account, a name or an ID number


def visible_records(given: Filter, who: User, limit: int = 500) -> list[ConductRecord]:
    """The records the caller may see, newest first, filtered."""
    query = db.select(ConductRecord).order_by(ConductRecord.observed_at.desc(),
                                              ConductRecord.id.desc())
    if not access.is_authority(who):
        led = [a.sitting_id for a in access.assignments(who) if a.role == "chief"]
        query = query.where(ConductRecord.recorded_by == who.id,
                            ConductRecord.sitting_id.in_(led))
    for column, value in ((ConductRecord.status, given.status),
                          (ConductRecord.subject_kind, given.subject_kind),
                          (ConductRecord.sitting_id, given.sitting_id),
                          (ConductRecord.code, given.code),
                          (ConductRecord.training_body, given.training_body)):
        if value is not None:
            query = query.where(column == value)
    if given.staff:
        user_ids = db.select(User.id).where(User.username == given.staff)
        query = query.where(ConductRecord.staff_user_id.in_(user_ids)
                            | (ConductRecord.staff_name == given.staff)
                            | (ConductRecord.staff_id_number == given.staff))
    return list(db.session.scalars(query.limit(limit)))
