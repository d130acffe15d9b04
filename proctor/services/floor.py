"""The floor of a room: seats, attendance and reminders (提醒) with their outcome."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

import incidents
from proctor import publisher
from proctor.database import utcnow
from proctor.errors import ApiError
from proctor.extensions import db
from proctor.models import (
    Attendance,
    Candidate,
    CandidateSubject,
    CandidateWarning,
    Room,
    SeatAssignment,
    Sitting,
    Subject,
    User,
)
from proctor.services import audit, idempotent
from proctor.services.sittings import current_subject, subject_by_code


def seat_of(candidate: Candidate) -> SeatAssignment | None:
    return db.session.get(SeatAssignment, candidate.id)


def room_of(candidate: Candidate) -> int | None:
    seat = seat_of(candidate)
    return seat.room_id if seat else None


def set_seat(sitting: Sitting, candidate: Candidate, room: Room, seat_no: int, swap: bool,
             who: User) -> str | None:
    """Seat the candidate; a taken seat is swapped only when asked. Returns the swapped ticket."""
    if seat_no > room.seat_count:
        raise ApiError(422, "seat_out_of_range", f"room {room.name} has seats 1..{room.seat_count}",
                       "seat_no")
    mine = seat_of(candidate)
    holder = db.session.scalar(db.select(SeatAssignment).where(
        SeatAssignment.room_id == room.id, SeatAssignment.seat_no == seat_no))
    if holder is not None and holder.candidate_id == candidate.id:
        return None
    swapped: Candidate | None = None
    if holder is not None:
        if not swap or mine is None:
            raise ApiError(409, "seat_taken", f"seat {seat_no} of {room.name} is taken",
                           "seat_no")
        swapped = db.session.get(Candidate, holder.candidate_id)
        # Free both seats first so the UNIQUE(room, seat) constraint holds at every step.
        old_room, old_seat = mine.room_id, mine.seat_no
        db.session.delete(holder)
        db.session.flush()
        mine.room_id, mine.seat_no = room.id, seat_no
        db.session.flush()
        db.session.add(SeatAssignment(candidate_id=holder.candidate_id, room_id=old_room,
                                      seat_no=old_seat, assigned_by=who.id))
    elif mine is None:
        db.session.add(SeatAssignment(candidate_id=candidate.id, room_id=room.id,
                                      seat_no=seat_no, assigned_by=who.id))
    else:
        mine.room_id, mine.seat_no, mine.assigned_by = room.id, seat_no, who.id
    db.session.flush()
    swapped_ticket = swapped.ticket_no if swapped else None
    audit.record("seat_changed", "candidate", candidate.id, ticket_no=candidate.ticket_no,
                 room_id=room.id, seat_no=seat_no, swapped_with=swapped_ticket)
    publisher.publish("seat_changed", sitting.id, room.id, {
        "ticket_no": candidate.ticket_no, "room_id": room.id, "seat_no": seat_no,
        "from_room_id": mine.room_id if mine else None, "swapped_with": swapped_ticket})
    return swapped_ticket


@dataclass(frozen=True)
class CheckIn:
    """A candidate's check-in for a subject, as recorded."""

    subject_code: str
    status: str
    id_checked: bool
    recorded_at: datetime
    photo_check: str | None = None
    checkin_photo_id: int | None = None


@dataclass(frozen=True)
class IdentityCheck:
    """The identity check (人证核验) beside the ID card: the face against the registration
    photo (match, mismatch, unsure) and the photo taken at the door, each optional."""

    photo: str | None
    checkin_photo_id: int | None


def record_attendance(sitting: Sitting, candidate: Candidate, status: str, id_checked: bool,
                      subject_code: str | None, who: User,
                      room_id: int | None = None,
                      identity: IdentityCheck | None = None) -> CheckIn:
    """Check the candidate in for a subject (the one under way unless named); `room_id` is the
    candidate's room when the caller has read it already. A face check or a door photo, once
    recorded, stays until another is given; a `mismatch` is announced to the chief examiner at
    once (`identity_mismatch`), once per check-in.

    The busiest write of an exam morning: a check of the subject and one upsert, in Core."""
    subject = (subject_by_code(sitting, subject_code) if subject_code
               else current_subject(sitting, utcnow()))
    taken = db.session.execute(_SITS_SUBJECT, {"candidate": candidate.id,
                                               "subject": subject.id}).first()
    if taken is None:
        raise ApiError(422, "subject_not_taken",
                       f"{candidate.ticket_no} does not sit {subject.code}", "subject")
    photo = identity.photo if identity else None
    photo_id = identity.checkin_photo_id if identity else None
    newly_mismatched = photo == "mismatch" and db.session.scalar(
        db.select(Attendance.photo_check).where(Attendance.candidate_id == candidate.id,
                                                Attendance.subject_id == subject.id)) != "mismatch"
    now = utcnow()
    db.session.execute(_upsert_attendance(db.session.get_bind().dialect.name), {
        "candidate_id": candidate.id, "subject_id": subject.id, "status": status,
        "id_checked": id_checked, "photo_check": photo, "checkin_photo_id": photo_id,
        "recorded_by": who.id, "recorded_at": now})
    checked = {"photo": photo, "checkin_photo_id": photo_id} if identity else {}
    audit.record("attendance_recorded", "candidate", candidate.id, ticket_no=candidate.ticket_no,
                 subject=subject.code, status=status, id_checked=id_checked, **checked)
    room = room_of(candidate) if room_id is None else room_id
    publisher.publish("attendance_recorded", sitting.id, room, {
        "ticket_no": candidate.ticket_no, "subject": subject.code, "status": status,
        "id_checked": id_checked, **checked})
    if newly_mismatched:
        seat = seat_of(candidate)
        publisher.publish("identity_mismatch", sitting.id, room, {
            "ticket_no": candidate.ticket_no, "name": candidate.person.name,
            "subject": subject.code, "seat_no": seat.seat_no if seat else None,
            "checkin_photo_id": photo_id})
    return CheckIn(subject.code, status, id_checked, now, photo, photo_id)


_SITS_SUBJECT = db.select(CandidateSubject.subject_id).where(
    CandidateSubject.candidate_id == bindparam("candidate"),
    CandidateSubject.subject_id == bindparam("subject"))


_UPSERTS: dict[str, Any] = {}


def _upsert_attendance(dialect: str) -> Any:
    """INSERT … ON CONFLICT (candidate, subject) DO UPDATE, in the database's own dialect."""
    if dialect not in _UPSERTS:
        stmt = (postgresql_insert if dialect == "postgresql" else sqlite_insert)(
            Attendance.__table__)
        table = Attendance.__table__.c
        kept = {name: func.coalesce(stmt.excluded[name], table[name])
                for name in ("photo_check", "checkin_photo_id")}  # until another is given
        _UPSERTS[dialect] = stmt.on_conflict_do_update(
            index_elements=["candidate_id", "subject_id"],
            set_={**{name: stmt.excluded[name]
                     for name in ("status", "id_checked", "recorded_by", "recorded_at")},
                  **kept})
    return _UPSERTS[dialect]


def record_warning(sitting: Sitting, candidate: Candidate, subject: Subject, rule_code: str,
                   observed_at: datetime, note: str | None, client_id: str,
                   who: User) -> tuple[CandidateWarning, bool]:
    """A reminder under T1.1–T1.3. Returns (warning, created); a repeated client_id is a replay
    of a reminder of the same candidate (else 409 client_id_conflict)."""
    if rule_code not in incidents.warning_rule_codes():
        raise ApiError(422, "not_a_warning_rule",
                       f"reminders are for {', '.join(incidents.warning_rule_codes())}",
                       "rule_code")
    if subject.id not in {link.subject_id for link in candidate.subject_links}:
        raise ApiError(422, "subject_not_taken",
                       f"{candidate.ticket_no} does not sit {subject.code}", "subject")
    warning, created = idempotent.insert_once(
        CandidateWarning, client_id, lambda: CandidateWarning(
            client_id=client_id, candidate_id=candidate.id, subject_id=subject.id,
            room_id=room_of(candidate), rule_code=rule_code, note=note,
            observed_at=observed_at, recorded_by=who.id),
        same_target=lambda found: found.candidate_id == candidate.id)
    if not created:
        return warning, False
    audit.record("warning_recorded", "warning", warning.id, ticket_no=candidate.ticket_no,
                 subject=subject.code, rule_code=rule_code, client_id=client_id)
    publisher.publish("warning_recorded", sitting.id, warning.room_id, warning_data(warning))
    return warning, True


def warning_data(warning: CandidateWarning) -> dict[str, object]:
    return {"id": warning.id, "ticket_no": warning.candidate.ticket_no,
            "subject": warning.subject.code, "rule_code": warning.rule_code,
            "outcome": warning.outcome, "incident_id": warning.incident_id,
            "observed_at": warning.observed_at.isoformat()}
