"""A candidate leaving the room and coming back (离座/返回): the record and its listings."""

from __future__ import annotations

from proctor.api import bp
from proctor.api.schemas import MovementIn, MovementOut, MovementsOut, MovementsQuery
from proctor.api.spec import endpoint
from proctor.extensions import db
from proctor.models import EVERYONE, FLOOR_STAFF, Candidate, Movement, Room, Sitting
from proctor.services import access, movements, scope
from proctor.services.sittings import subject_by_code


@endpoint(bp, "POST", "/sittings/<id:sid>/movements",
          summary="A candidate leaves the room or comes back (离座/返回)", tag="floor",
          body=MovementIn, responses={201: MovementOut, 200: MovementOut}, roles=FLOOR_STAFF,
          load=scope.sitting())
def post_movement(sitting: Sitting, body: MovementIn):  # type: ignore[no-untyped-def]
    """A client_id seen before answers the movement it made for this candidate (an outbox
    replay); any other record is 409 client_id_conflict."""
    candidate = scope.candidate_in_scope(sitting, body.ticket_no, "ticket_no")
    row, created = movements.record_movement(
        sitting, candidate, kind=body.kind, reason=body.reason, escort=body.escort,
        escort_username=body.escort_username, note=body.note, subject_code=body.subject,
        observed_at=body.observed_at, client_id=body.client_id, who=access.user())
    db.session.commit()
    return _one(row), 201 if created else 200


def _one(row: Movement) -> MovementOut:
    """The movement as it was made (with its leaving, for how long the absence lasted)."""
    ids = [row.id, row.left_id] if row.left_id else [row.id]
    found = movements.listing(Movement.id.in_(ids))["movements"]
    return MovementOut.model_validate(next(m for m in found if m["id"] == row.id))


@endpoint(bp, "GET", "/sittings/<id:sid>/rooms/<id:rid>/movements",
          summary="The movements and absences of a room", tag="floor", query=MovementsQuery,
          responses={200: MovementsOut}, roles=EVERYONE, load=scope.room())
def list_room_movements(sitting: Sitting, room: Room, query: MovementsQuery) -> MovementsOut:
    subject = subject_by_code(sitting, query.subject, "subject") if query.subject else None
    return MovementsOut.model_validate(movements.of_room(room, subject.id if subject else None))


@endpoint(bp, "GET", "/sittings/<id:sid>/candidates/<ticket_no>/movements",
          summary="The movements and absences of a candidate", tag="floor",
          query=MovementsQuery, responses={200: MovementsOut}, roles=EVERYONE,
          load=scope.candidate())
def list_candidate_movements(sitting: Sitting, candidate: Candidate,
                             query: MovementsQuery) -> MovementsOut:
    subject = subject_by_code(sitting, query.subject, "subject") if query.subject else None
    return MovementsOut.model_validate(
        movements.of_candidate(candidate, subject.id if subject else None))
