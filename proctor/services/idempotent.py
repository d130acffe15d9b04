"""One idempotent insert for every tablet write, keyed by its UNIQUE `client_id`.

A replay returns only a record of the same target that the caller may see; anything else is
409 `client_id_conflict` with no data. The services of the floor (check-ins, reminders,
incidents, photos, signatures, seized items, the room log) all insert through here. It is
apart from `services.scope` (which loads what a request names) because those services are
what the loaders build on.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.exc import IntegrityError

from proctor.errors import ApiError
from proctor.extensions import db
from proctor.models import (
    Candidate,
    CandidateWarning,
    CheckinPhoto,
    DiscrepancyExplanation,
    Incident,
    Movement,
    PatrolFlag,
    PatrolFlagPhoto,
    PatrolVisit,
    Role,
    Room,
    RoomCloseout,
    RoomLogEntry,
    SeatAssignment,
    SeizedItem,
)
from proctor.services import access

T = TypeVar("T")


def may_see_room(sitting_id: int, room_id: int | None) -> bool:
    """Whether the caller sees this room of this sitting (a question, not a refusal: nothing is
    audited)."""
    who = access.user()
    if access.is_authority(who) or access.is_chief_of(who, sitting_id):
        return True
    if access.is_patrol_of(who, sitting_id):
        return True
    return (who.role == Role.INVIGILATOR and room_id is not None
            and room_id in access.rooms_of(who, sitting_id))


def may_see(record: object) -> bool:
    """Whether the caller may see this record of the floor (by its sitting and room)."""
    if isinstance(record, Incident | SeizedItem | Movement | PatrolFlag | PatrolVisit):
        return may_see_room(record.sitting_id, record.room_id)
    if isinstance(record, CandidateWarning):
        return may_see_room(record.candidate.sitting_id, record.room_id)
    if isinstance(record, CheckinPhoto):
        candidate = db.session.get(Candidate, record.candidate_id)
        seat = db.session.get(SeatAssignment, record.candidate_id)
        return candidate is not None and may_see_room(candidate.sitting_id,
                                                      seat.room_id if seat else None)
    if isinstance(record, RoomLogEntry | RoomCloseout | DiscrepancyExplanation):
        room = db.session.get(Room, record.room_id)
        return room is not None and may_see_room(room.sitting_id, room.id)
    if isinstance(record, PatrolFlagPhoto):
        flag = db.session.get(PatrolFlag, record.flag_id)
        return flag is not None and may_see(flag)
    incident_id = getattr(record, "incident_id", None)
    incident = db.session.get(Incident, incident_id) if incident_id else None
    return incident is not None and may_see(incident)


def client_id_conflict() -> ApiError:
    return ApiError(409, "client_id_conflict", "This client_id belongs to another record.",
                    "client_id")


def _replayed(model: type[T], client_id: str, same_target: Callable[[T], bool]) -> T | None:
    """The record this client_id made before, if it is of the same target and the caller may
    see it; None if the client_id is new; otherwise 409 client_id_conflict (no data)."""
    column = model.client_id  # type: ignore[attr-defined]
    existing = db.session.scalar(db.select(model).where(column == client_id))
    if existing is None:
        return None
    if not (same_target(existing) and may_see(existing)):
        raise client_id_conflict()
    return existing


def insert_once(model: type[T], client_id: str, make: Callable[[], T], *,
                same_target: Callable[[T], bool]) -> tuple[T, bool]:
    """The idempotent insert of every tablet write, under its UNIQUE client_id; returns
    (record, created). A client_id seen before (or inserted by a concurrent request meanwhile)
    answers the record it made if that is of the same target and the caller may see it, and is
    409 client_id_conflict with no data otherwise. Only a new client_id calls `make`, which
    checks, decodes or computes what it must and returns the row to insert."""
    return insert_unique(lambda: _replayed(model, client_id, same_target), make)


def insert_unique(find: Callable[[], T | None], make: Callable[[], T]) -> tuple[T, bool]:
    """Insert the row `make` builds unless `find` finds it; returns (record, created). A
    UNIQUE constraint settles a race: the loser's insert is undone (a savepoint) and it answers
    what the winner inserted."""
    found = find()
    if found is not None:
        return found, False
    row = make()
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:
        found = find()
        if found is None:
            raise
        return found, False
    return row, True
