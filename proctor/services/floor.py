"""The floor of a room: seats, attendance and reminders (提醒) with their outcome."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.exc import IntegrityError

import incidents
from proctor import realtime
from proctor.database import utcnow
from proctor.errors import ApiError
from proctor.extensions import db
from proctor.models import (
    Attendance,
    Candidate,
    CandidateWarning,
    Room,
    SeatAssignment,
    Sitting,
    Subject,
    User,
)
from proctor.services import audit
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
    realtime.publish("seat_changed", sitting.id, room.id, {
        "ticket_no": candidate.ticket_no, "room_id": room.id, "seat_no": seat_no,
        "from_room_id": mine.room_id if mine else None, "swapped_with": swapped_ticket})
    return swapped_ticket


def record_attendance(sitting: Sitting, candidate: Candidate, status: str, id_checked: bool,
                      subject_code: str | None, who: User) -> Attendance:
    subject = (subject_by_code(sitting, subject_code) if subject_code
               else current_subject(sitting, utcnow()))
    if subject.id not in {link.subject_id for link in candidate.subject_links}:
        raise ApiError(422, "subject_not_taken",
                       f"{candidate.ticket_no} does not sit {subject.code}", "subject")
    row = db.session.scalar(db.select(Attendance).where(
        Attendance.candidate_id == candidate.id, Attendance.subject_id == subject.id))
    if row is None:
        row = Attendance(candidate_id=candidate.id, subject_id=subject.id)
        db.session.add(row)
    row.status, row.id_checked, row.recorded_by, row.recorded_at = (status, id_checked, who.id,
                                                                    utcnow())
    db.session.flush()
    audit.record("attendance_recorded", "candidate", candidate.id, ticket_no=candidate.ticket_no,
                 subject=subject.code, status=status, id_checked=id_checked)
    realtime.publish("attendance_recorded", sitting.id, room_of(candidate), {
        "ticket_no": candidate.ticket_no, "subject": subject.code, "status": status,
        "id_checked": id_checked})
    row.subject_code = subject.code  # type: ignore[attr-defined]
    return row


def find_warning(client_id: str) -> CandidateWarning | None:
    return db.session.scalar(db.select(CandidateWarning).where(
        CandidateWarning.client_id == client_id))


def record_warning(sitting: Sitting, candidate: Candidate, subject: Subject, rule_code: str,
                   observed_at: datetime, note: str | None, client_id: str,
                   who: User) -> tuple[CandidateWarning, bool]:
    """A reminder under T1.1–T1.3. Returns (warning, created); a repeated client_id is a replay."""
    if rule_code not in incidents.warning_rule_codes():
        raise ApiError(422, "not_a_warning_rule",
                       f"reminders are for {', '.join(incidents.warning_rule_codes())}",
                       "rule_code")
    if subject.id not in {link.subject_id for link in candidate.subject_links}:
        raise ApiError(422, "subject_not_taken",
                       f"{candidate.ticket_no} does not sit {subject.code}", "subject")
    warning = CandidateWarning(client_id=client_id, candidate_id=candidate.id,
                               subject_id=subject.id, room_id=room_of(candidate),
                               rule_code=rule_code, note=note, observed_at=observed_at,
                               recorded_by=who.id)
    try:
        with db.session.begin_nested():
            db.session.add(warning)
    except IntegrityError:
        existing = find_warning(client_id)
        if existing is None:
            raise
        return existing, False
    audit.record("warning_recorded", "warning", warning.id, ticket_no=candidate.ticket_no,
                 subject=subject.code, rule_code=rule_code, client_id=client_id)
    realtime.publish("warning_recorded", sitting.id, warning.room_id, warning_data(warning))
    return warning, True


def warning_data(warning: CandidateWarning) -> dict[str, object]:
    return {"id": warning.id, "ticket_no": warning.candidate.ticket_no,
            "subject": warning.subject.code, "rule_code": warning.rule_code,
            "outcome": warning.outcome, "incident_id": warning.incident_id,
            "observed_at": warning.observed_at.isoformat()}
