"""Seats, attendance and reminders: the invigilators' writes, scoped to their rooms."""

from __future__ import annotations

from proctor.api import bp
from proctor.api.present import warning_out
from proctor.api.schemas import (
    AttendanceIn,
    AttendanceOut,
    IdentityCheckOut,
    SeatChangeOut,
    SeatIn,
    WarningIn,
    WarningOut,
    WarningOutcomeIn,
)
from proctor.api.spec import endpoint
from proctor.extensions import db
from proctor.models import FLOOR_STAFF, STAFF, Candidate, CandidateWarning, Sitting
from proctor.services import access, floor, scope
from proctor.services.incidents import resolve_warning
from proctor.services.photos import checkin_photo_of
from proctor.services.sittings import subject_by_code


@endpoint(bp, "PUT", "/sittings/<id:sid>/candidates/<ticket_no>/seat", summary="Seat a candidate",
          tag="floor", body=SeatIn, responses={200: SeatChangeOut}, roles=STAFF,
          load=scope.candidate(unseated=True))
def put_seat(sitting: Sitting, candidate: Candidate, body: SeatIn) -> SeatChangeOut:
    """The set-up, and the floor staff of both rooms: the candidate's and the seat's."""
    room = scope.room_in_scope(sitting, body.room_id)
    swapped = floor.set_seat(sitting, candidate, room, body.seat_no, body.swap, access.user())
    db.session.commit()
    return SeatChangeOut(ticket_no=candidate.ticket_no, room_id=room.id, seat_no=body.seat_no,
                         swapped_with=swapped)


@endpoint(bp, "POST", "/sittings/<id:sid>/candidates/<ticket_no>/attendance",
          summary="Check a candidate in (present, absent, late; ID checked)", tag="floor",
          body=AttendanceIn, responses={200: AttendanceOut}, roles=FLOOR_STAFF,
          load=scope.candidate())
def post_attendance(sitting: Sitting, candidate: Candidate,
                    body: AttendanceIn) -> AttendanceOut:
    """`identity` records how identity was checked (人证核验): `id_card` is `id_checked`; a
    `checkin_photo_id` must be a photo taken of this candidate."""
    identity = None
    if body.identity is not None:
        photo_id = body.identity.checkin_photo_id
        if photo_id is not None:
            checkin_photo_of(candidate, photo_id, "identity.checkin_photo_id")
        identity = floor.IdentityCheck(body.identity.photo, photo_id)
    row = floor.record_attendance(sitting, candidate, body.status, body.id_checked,
                                  body.subject, access.user(), floor.room_of(candidate),
                                  identity)
    db.session.commit()
    return AttendanceOut(ticket_no=candidate.ticket_no, subject=row.subject_code,
                         status=row.status, id_checked=row.id_checked,
                         recorded_at=row.recorded_at,
                         identity=None if identity is None else IdentityCheckOut(
                             id_card=row.id_checked, photo=row.photo_check,
                             checkin_photo_id=row.checkin_photo_id))


@endpoint(bp, "POST", "/sittings/<id:sid>/warnings", summary="Record a reminder (T1.1–T1.3)",
          tag="floor", body=WarningIn, responses={201: WarningOut, 200: WarningOut},
          roles=FLOOR_STAFF, load=scope.sitting())
def post_warning(sitting: Sitting, body: WarningIn):  # type: ignore[no-untyped-def]
    """A client_id seen before answers the reminder it made for this candidate (an outbox
    replay); any other record is 409 client_id_conflict."""
    candidate = scope.candidate_in_scope(sitting, body.ticket_no, "ticket_no")
    subject = subject_by_code(sitting, body.subject)
    warning, created = floor.record_warning(sitting, candidate, subject, body.rule_code,
                                            body.observed_at, body.note, body.client_id,
                                            access.user())
    db.session.commit()
    return warning_out(warning), 201 if created else 200


@endpoint(bp, "POST", "/warnings/<id:wid>/outcome",
          summary="Complied, or refused (raises the Tier-1 incident)", tag="floor",
          body=WarningOutcomeIn, responses={200: WarningOut}, roles=FLOOR_STAFF,
          load=scope.warning())
def post_warning_outcome(sitting: Sitting, warning: CandidateWarning,
                         body: WarningOutcomeIn):  # type: ignore[no-untyped-def]
    resolve_warning(sitting, warning, body.outcome, body.note, access.user())
    db.session.commit()
    return warning_out(warning)
