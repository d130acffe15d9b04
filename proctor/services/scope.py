"""Load, check, act — once: every object a request names is loaded here and checked against
the caller's scope, whether it was named in the URL or in the body.

`load(Model, id)` answers 404 in the contract's format; the `*_in_scope` loaders add the scope
check of `services.access` (403, audited); `insert_once` is the one idempotent insert by
`client_id`: a replay returns only a record of the same target that the caller may see, and
anything else is 409 `client_id_conflict` with no data.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy.exc import IntegrityError

from proctor.errors import ApiError
from proctor.extensions import db
from proctor.models import (
    Acknowledgement,
    Candidate,
    CandidateWarning,
    Evidence,
    Incident,
    Notice,
    ReviewRequest,
    Role,
    Room,
    RoomLogEntry,
    SeizedItem,
    Sitting,
)
from proctor.services import access
from proctor.services.people import candidate_by_ticket

T = TypeVar("T")

# The 404 of each kind of object: (code, words for the message).
_NOT_FOUND: dict[type, tuple[str, str]] = {
    Sitting: ("sitting_not_found", "sitting"),
    Room: ("room_not_found", "room"),
    Incident: ("incident_not_found", "incident"),
    CandidateWarning: ("warning_not_found", "reminder"),
    Evidence: ("evidence_not_found", "evidence"),
    Acknowledgement: ("acknowledgement_not_found", "acknowledgement"),
    SeizedItem: ("seized_item_not_found", "seized item"),
    Notice: ("notice_not_found", "notice"),
    ReviewRequest: ("review_not_found", "review"),
}


def load(model: type[T], ident: int, *, options: tuple[Any, ...] = ()) -> T:
    """The row, or 404 `<kind>_not_found`."""
    row = db.session.get(model, ident, options=options)
    if row is None:
        code, words = _NOT_FOUND[model]
        raise ApiError(404, code, f"no {words} {ident}")
    return row


# -- scope ------------------------------------------------------------------------------------
def sitting_in_scope(sitting_id: int, *, manage: bool = False) -> Sitting:
    """The sitting, for its staff (manage: only its chief examiner and the evaluation body)."""
    return access.require_manager(sitting_id) if manage else access.require_sitting(sitting_id)


def room_in_scope(sitting: Sitting, room_id: int) -> Room:
    """A room of the sitting that the caller works in (404 if it is not the sitting's)."""
    room = access.get_room(sitting, room_id)
    access.require_room(sitting, room.id)
    return room


def candidate_in_scope(sitting: Sitting, ticket_no: str, field: str = "path") -> Candidate:
    """A candidate of the sitting seated where the caller works (a ticket in the URL is 404
    when unknown; one in the body 422 with its field)."""
    from proctor.services.floor import room_of  # a cycle: floor uses insert_once

    candidate = candidate_by_ticket(sitting, ticket_no, field)
    access.require_room(sitting, room_of(candidate))
    return candidate


def incident_in_scope(incident_id: int, *, record: bool = False,
                      manage: bool = False) -> tuple[Incident, Sitting]:
    """The incident and its sitting, if the caller may see it (`record`: with its parties and
    decisions loaded; `manage`: only its chief examiner and the evaluation body)."""
    from proctor.services.incidents import RECORD  # a cycle: incidents uses insert_once

    incident = load(Incident, incident_id, options=RECORD if record else ())
    sitting = sitting_in_scope(incident.sitting_id, manage=manage)
    if not manage:
        access.require_room(sitting, incident.room_id)
    return incident, sitting


def warning_in_scope(warning_id: int) -> tuple[CandidateWarning, Sitting]:
    warning = load(CandidateWarning, warning_id)
    sitting = access.require_sitting(warning.candidate.sitting_id)
    access.require_room(sitting, warning.room_id)
    return warning, sitting


def evidence_in_scope(evidence_id: int) -> Evidence:
    row = load(Evidence, evidence_id)
    incident_in_scope(row.incident_id)
    return row


def acknowledgement_in_scope(ack_id: int) -> Acknowledgement:
    ack = load(Acknowledgement, ack_id)
    incident_in_scope(ack.incident_id)
    return ack


def seized_item_in_scope(item_id: int) -> tuple[SeizedItem, Sitting]:
    item = load(SeizedItem, item_id)
    sitting = access.require_sitting(item.sitting_id)
    access.require_room(sitting, item.room_id)
    return item, sitting


def notice_in_scope(notice_id: int) -> Notice:
    """A notice carries a full ID number: its sitting's chief examiner and the body only."""
    notice = load(Notice, notice_id)
    access.require_manager(notice.sitting_id)
    return notice


def review_in_scope(review_id: int) -> ReviewRequest:
    review = load(ReviewRequest, review_id)
    access.require_manager(review.notice.sitting_id)
    return review


def rows_of_incident(model: type[T], incident: Incident) -> list[T]:
    """The rows of `model` (evidence, addenda, seized items …) of an incident already loaded
    in scope, in the order they were made."""
    column = model.incident_id  # type: ignore[attr-defined]
    return list(db.session.scalars(db.select(model).where(column == incident.id)
                                   .order_by(model.id)))  # type: ignore[attr-defined]


def may_see_room(sitting_id: int, room_id: int | None) -> bool:
    """Whether the caller sees this room of this sitting (a question, not a refusal: nothing is
    audited)."""
    who = access.user()
    if access.is_authority(who) or access.is_chief_of(who, sitting_id):
        return True
    return (who.role == Role.INVIGILATOR and room_id is not None
            and room_id in access.rooms_of(who, sitting_id))


def may_see(record: object) -> bool:
    """Whether the caller may see this record of the floor (by its sitting and room)."""
    if isinstance(record, Incident | SeizedItem):
        return may_see_room(record.sitting_id, record.room_id)
    if isinstance(record, CandidateWarning):
        return may_see_room(record.candidate.sitting_id, record.room_id)
    if isinstance(record, RoomLogEntry):
        room = db.session.get(Room, record.room_id)
        return room is not None and may_see_room(room.sitting_id, room.id)
    incident_id = getattr(record, "incident_id", None)
    incident = db.session.get(Incident, incident_id) if incident_id else None
    return incident is not None and may_see(incident)


def shown_camera_source(room: Room) -> str | None:
    """A camera source may hold a password (rtsp://user:pw@…) and tablets never need it: only
    the sitting's managers read it."""
    who = access.user()
    if access.is_authority(who) or access.is_chief_of(who, room.sitting_id):
        return room.camera_source
    return None


# -- idempotent inserts -------------------------------------------------------------------------
def client_id_conflict() -> ApiError:
    return ApiError(409, "client_id_conflict", "This client_id belongs to another record.",
                    "client_id")


def replayed(model: type[T], client_id: str, same_target: Callable[[T], bool]) -> T | None:
    """The record this client_id made before, if it is of the same target and the caller may
    see it; None if the client_id is new; otherwise 409 client_id_conflict (no data)."""
    column = model.client_id  # type: ignore[attr-defined]
    existing = db.session.scalar(db.select(model).where(column == client_id))
    if existing is None:
        return None
    if not (same_target(existing) and may_see(existing)):
        raise client_id_conflict()
    return existing


def insert_once(row: T, *, same_target: Callable[[T], bool]) -> tuple[T, bool]:
    """Insert `row` under its UNIQUE client_id; returns (record, created). A replay (seen
    before, or inserted by a concurrent request meanwhile) returns the record it made, under
    the rules of `replayed`."""
    model, client_id = type(row), row.client_id  # type: ignore[attr-defined]
    found = replayed(model, client_id, same_target)
    if found is not None:
        return found, False
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:
        found = replayed(model, client_id, same_target)
        if found is None:
            raise
        return found, False
    return row, True
