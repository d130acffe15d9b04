"""Who may see and change what: roles, sittings and rooms, checked on every route.

Deny by default: a chief examiner reaches only the sittings they are assigned to, an
invigilator only their rooms, a patrol (巡考) every room of its sittings but only to read (its
own writes, flags and its patrol record, check `require_patrol`), and every refusal is written
to the audit log. These are the
checks; views load what a request names through `services.scope`, which applies them to every
object of the URL and of the body alike.
"""

from __future__ import annotations

from flask import g, has_request_context, request
from flask_login import current_user
from sqlalchemy import bindparam

from proctor.errors import ApiError
from proctor.extensions import db
from proctor.idnumber import mask_id_number
from proctor.models import Role, Room, Sitting, StaffAssignment, StaffRole, User
from proctor.services import audit


def deny(reason: str, code: str = "forbidden", **data: object) -> ApiError:
    """Audit a refused permission check (committed on its own) and build the 403."""
    db.session.rollback()
    audit.record("permission_denied", reason=reason, **data)
    db.session.commit()
    return ApiError(403, code, reason)


def user() -> User:
    return current_user._get_current_object()  # type: ignore[no-any-return]


def is_authority(who: User | None = None) -> bool:
    return (who or user()).role == Role.AUTHORITY


def assignments(who: User, sitting_id: int | None = None) -> list[StaffAssignment]:
    """The user's staff assignments (of one sitting), read once per request: every scope check
    of a request asks the same question."""
    cache: dict[int, list[StaffAssignment]] = g.setdefault("proctor_assignments", {})
    if who.id not in cache:
        cache[who.id] = list(db.session.scalars(_ASSIGNMENTS, {"user_id": who.id}))
    return [a for a in cache[who.id] if sitting_id is None or a.sitting_id == sitting_id]


# Built once: every request of every tablet runs them.
_ASSIGNMENTS = db.select(StaffAssignment).where(StaffAssignment.user_id == bindparam("user_id"))
_SITTING = db.select(Sitting).where(Sitting.id == bindparam("sitting_id"))


def forget_assignments() -> None:
    """After assignments change in this request, read them again when next asked."""
    g.pop("proctor_assignments", None)


def is_chief_of(who: User, sitting_id: int) -> bool:
    return who.role == Role.CHIEF and any(
        a.role == StaffRole.CHIEF for a in assignments(who, sitting_id))


def is_patrol_of(who: User, sitting_id: int) -> bool:
    return who.role == Role.PATROL and any(
        a.role == StaffRole.PATROL for a in assignments(who, sitting_id))


def _reading() -> bool:
    """A patrol's scope holds for reads only: whatever else a route does, a patrol writes
    nothing but through the routes that check `require_patrol`."""
    return has_request_context() and request.method in ("GET", "HEAD")


def rooms_of(who: User, sitting_id: int) -> set[int]:
    """The rooms of the sitting this invigilator is assigned to."""
    return {a.room_id for a in assignments(who, sitting_id)
            if a.role == StaffRole.INVIGILATOR and a.room_id is not None}


def visible_rooms(sitting_id: int) -> set[int] | None:
    """The rooms of the sitting the caller sees: None for all of them (the evaluation body, the
    sitting's chief examiner), else the rooms they invigilate."""
    return rooms_seen(user(), sitting_id)


def rooms_seen(who: User, sitting_id: int) -> set[int] | None:
    """The rooms of the sitting `who` sees: None for all of them (the evaluation body, the
    sitting's chief examiner and its patrols), else the rooms they invigilate."""
    if is_authority(who) or is_chief_of(who, sitting_id) or is_patrol_of(who, sitting_id):
        return None
    return rooms_of(who, sitting_id)


def sitting_ids_of(who: User) -> list[int]:
    if who.role == Role.AUTHORITY:
        return list(db.session.scalars(db.select(Sitting.id).order_by(Sitting.date.desc())))
    return sorted({a.sitting_id for a in assignments(who)})


def get_sitting(sitting_id: int) -> Sitting:
    sitting = db.session.scalar(_SITTING, {"sitting_id": sitting_id})
    if sitting is None:
        raise ApiError(404, "sitting_not_found", f"no sitting {sitting_id}")
    return sitting


def require_sitting(sitting_id: int, *, staff: bool = True) -> Sitting:
    """The sitting, if the user is the evaluation body, its chief, or (staff=True) its staff."""
    sitting = get_sitting(sitting_id)
    who = user()
    if is_authority(who) or is_chief_of(who, sitting_id):
        return sitting
    if staff and who.role == Role.INVIGILATOR and rooms_of(who, sitting_id):
        return sitting
    if staff and _reading() and is_patrol_of(who, sitting_id):
        return sitting
    raise deny(f"not assigned to sitting {sitting_id}", sitting_id=sitting_id)


def require_manager(sitting_id: int) -> Sitting:
    """Only the evaluation body or the sitting's chief examiner."""
    return require_sitting(sitting_id, staff=False)


def require_room(sitting: Sitting, room_id: int | None) -> None:
    """Invigilators act only in their own rooms; chiefs and the evaluation body anywhere."""
    who = user()
    if is_authority(who) or is_chief_of(who, sitting.id):
        return
    if _reading() and is_patrol_of(who, sitting.id):
        return
    if room_id is None or room_id not in rooms_of(who, sitting.id):
        raise deny(f"room {room_id} is not one of your rooms", sitting_id=sitting.id,
                   room_id=room_id)


def require_patrol(sitting: Sitting) -> Sitting:
    """The writes of a patrol (flags, visits, its record): only a patrol of this sitting."""
    if not is_patrol_of(user(), sitting.id):
        raise deny(f"not a patrol of sitting {sitting.id}", sitting_id=sitting.id)
    return sitting


def get_room(sitting: Sitting, room_id: int) -> Room:
    room = db.session.get(Room, room_id)
    if room is None or room.sitting_id != sitting.id:
        raise ApiError(404, "room_not_found", f"no room {room_id} in sitting {sitting.id}",
                       "room_id")
    return room


def shown_id_number(number: str) -> str:
    """Invigilators and patrols see ID numbers masked, in every answer."""
    return mask_id_number(number) if user().role in MASKED else number


MASKED = frozenset({Role.INVIGILATOR, Role.PATROL})
