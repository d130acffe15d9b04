"""Seats, attendance and reminders: the invigilators' writes, scoped to their rooms."""

from __future__ import annotations

from proctor.api import bp
from proctor.api.present import warning_out
from proctor.api.schemas import (
    AttendanceIn,
    AttendanceOut,
    SeatChangeOut,
    SeatIn,
    WarningIn,
    WarningOut,
    WarningOutcomeIn,
)
from proctor.api.spec import endpoint
from proctor.errors import ApiError
from proctor.extensions import db
from proctor.models import CandidateWarning, Role, Sitting
from proctor.services import access, floor
from proctor.services.incidents import resolve_warning
from proctor.services.people import candidate_by_ticket
from proctor.services.sittings import subject_by_code

FLOOR = [Role.INVIGILATOR.value, Role.CHIEF.value]
SETUP_AND_FLOOR = [*FLOOR, Role.AUTHORITY.value]


@endpoint(bp, "PUT", "/sittings/<id:sid>/candidates/<ticket_no>/seat", summary="Seat a candidate",
          tag="floor", body=SeatIn, responses={200: SeatChangeOut}, roles=SETUP_AND_FLOOR)
def put_seat(sid: int, ticket_no: str, body: SeatIn) -> SeatChangeOut:
    sitting = access.require_sitting(sid)
    candidate = candidate_by_ticket(sitting, ticket_no, "path")
    room = access.get_room(sitting, body.room_id)
    current = floor.room_of(candidate)
    if current is not None:
        access.require_room(sitting, current)
    access.require_room(sitting, room.id)
    swapped = floor.set_seat(sitting, candidate, room, body.seat_no, body.swap, access.user())
    db.session.commit()
    return SeatChangeOut(ticket_no=ticket_no, room_id=room.id, seat_no=body.seat_no,
                         swapped_with=swapped)


@endpoint(bp, "POST", "/sittings/<id:sid>/candidates/<ticket_no>/attendance",
          summary="Check a candidate in (present, absent, late; ID checked)", tag="floor",
          body=AttendanceIn, responses={200: AttendanceOut}, roles=FLOOR)
def post_attendance(sid: int, ticket_no: str, body: AttendanceIn) -> AttendanceOut:
    sitting = access.require_sitting(sid)
    candidate = candidate_by_ticket(sitting, ticket_no, "path")
    room_id = floor.room_of(candidate)
    access.require_room(sitting, room_id)
    row = floor.record_attendance(sitting, candidate, body.status, body.id_checked,
                                  body.subject, access.user(), room_id)
    db.session.commit()
    return AttendanceOut(ticket_no=ticket_no, subject=row.subject_code,
                         status=row.status, id_checked=row.id_checked,
                         recorded_at=row.recorded_at)


@endpoint(bp, "POST", "/sittings/<id:sid>/warnings", summary="Record a reminder (T1.1–T1.3)",
          tag="floor", body=WarningIn, responses={201: WarningOut, 200: WarningOut},
          roles=FLOOR)
def post_warning(sid: int, body: WarningIn):  # type: ignore[no-untyped-def]
    sitting = access.require_sitting(sid)
    replay = floor.find_warning(body.client_id)
    if replay is not None:
        return _replayed_warning(replay, sitting), 200
    candidate = candidate_by_ticket(sitting, body.ticket_no)
    access.require_room(sitting, floor.room_of(candidate))
    subject = subject_by_code(sitting, body.subject)
    warning, created = floor.record_warning(sitting, candidate, subject, body.rule_code,
                                            body.observed_at, body.note, body.client_id,
                                            access.user())
    db.session.commit()
    return warning_out(warning), 201 if created else 200


def _replayed_warning(warning: CandidateWarning, sitting: Sitting) -> WarningOut:
    """A client_id seen before answers the record it made (an outbox replay)."""
    if warning.candidate.sitting_id != sitting.id:
        raise ApiError(409, "client_id_conflict", "This client_id belongs to another record.",
                       "client_id")
    access.require_room(sitting, warning.room_id)
    return warning_out(warning)


@endpoint(bp, "POST", "/warnings/<id:wid>/outcome",
          summary="Complied, or refused (raises the Tier-1 incident)", tag="floor",
          body=WarningOutcomeIn, responses={200: WarningOut}, roles=FLOOR)
def post_warning_outcome(wid: int, body: WarningOutcomeIn):  # type: ignore[no-untyped-def]
    warning = db.session.get(CandidateWarning, wid)
    if warning is None:
        raise ApiError(404, "warning_not_found", f"no reminder {wid}")
    sitting = access.require_sitting(warning.candidate.sitting_id)
    access.require_room(sitting, warning.room_id)
    resolve_warning(sitting, warning, body.outcome, body.note, access.user())
    db.session.commit()
    return warning_out(warning)
