"""Setting a sitting up: subjects with their times, rooms with seat grids, staff."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from flask import current_app

from proctor.database import utcnow
from proctor.errors import ApiError
from proctor.extensions import db
from proctor.models import (
    Candidate,
    Role,
    Room,
    SeatAssignment,
    Sitting,
    StaffAssignment,
    Subject,
    User,
)
from proctor.services import audit
from proctor.services.access import forget_assignments


def venue_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["TIMEZONE"])


def venue_today() -> date:
    return utcnow().astimezone(venue_zone()).date()


def _at(day: date, moment: datetime | time, field: str) -> datetime:
    """A subject time: an aware datetime on the sitting's day, or a local HH:MM on it."""
    zone = venue_zone()
    if isinstance(moment, time):
        return datetime.combine(day, moment.replace(tzinfo=None), zone)
    if moment.astimezone(zone).date() != day:
        raise ApiError(422, "subject_not_on_sitting_date",
                       "Subjects are examined on the sitting's date (in the venue's time zone).",
                       field)
    return moment


def create_sitting(occupation: str, level: int, day: date,
                   subjects: list[tuple[str, str, datetime | time, datetime | time]]) -> Sitting:
    """A sitting with its subjects; codes unique, each subject ending after it starts."""
    sitting = Sitting(occupation=occupation, level=level, date=day)
    db.session.add(sitting)
    seen: set[str] = set()
    for index, (code, name, starts, ends) in enumerate(subjects):
        where = f"subjects.{index}"
        if code in seen:
            raise ApiError(422, "duplicate_subject", f"subject {code} is listed twice",
                           f"{where}.code")
        seen.add(code)
        starts_at, ends_at = _at(day, starts, f"{where}.starts_at"), _at(day, ends,
                                                                        f"{where}.ends_at")
        if ends_at <= starts_at:
            raise ApiError(422, "subject_ends_before_start", f"subject {code} ends before it "
                           "starts", f"{where}.ends_at")
        sitting.subjects.append(Subject(code=code, name=name, starts_at=starts_at,
                                        ends_at=ends_at))
    db.session.flush()
    audit.record("sitting_created", "sitting", sitting.id, occupation=occupation, level=level,
                 date=day.isoformat(), subjects=sorted(seen))
    return sitting


def add_room(sitting: Sitting, name: str, rows: int, cols: int,
             camera_source: str | None) -> Room:
    if any(room.name == name for room in sitting.rooms):
        raise ApiError(409, "room_exists", f"sitting {sitting.id} has a room {name!r} already",
                       "name")
    room = Room(sitting_id=sitting.id, name=name, rows=rows, cols=cols,
                camera_source=camera_source or None)
    db.session.add(room)
    db.session.flush()
    audit.record("room_created", "room", room.id, sitting_id=sitting.id, name=name, rows=rows,
                 cols=cols)
    return room


def assign_staff(sitting: Sitting, username: str, role: str,
                 room_id: int | None) -> StaffAssignment:
    user = db.session.scalar(db.select(User).where(User.username == username))
    if user is None:
        raise ApiError(422, "unknown_user", f"no user {username!r}", "username")
    if user.role != role:
        raise ApiError(422, "role_mismatch", f"{username} is a {user.role}, not a {role}", "role")
    if role == Role.INVIGILATOR and room_id is None:
        raise ApiError(422, "room_required", "An invigilator is assigned to a room.", "room_id")
    if role in (Role.CHIEF, Role.PATROL):  # a chief and a patrol see every room of it
        room_id = None
    if room_id is not None:
        room = db.session.get(Room, room_id)
        if room is None or room.sitting_id != sitting.id:
            raise ApiError(422, "unknown_room", f"no room {room_id} in sitting {sitting.id}",
                           "room_id")
    existing = db.session.scalar(db.select(StaffAssignment).filter_by(
        sitting_id=sitting.id, user_id=user.id, room_id=room_id))
    if existing is not None:
        return existing
    row = StaffAssignment(sitting_id=sitting.id, user_id=user.id, role=role, room_id=room_id)
    db.session.add(row)
    db.session.flush()
    forget_assignments()
    audit.record("staff_assigned", "sitting", sitting.id, username=username, role=role,
                 room_id=room_id)
    return row


def subject_by_code(sitting: Sitting, code: str, field: str = "subject") -> Subject:
    for subject in sitting.subjects:
        if subject.code == code:
            return subject
    raise ApiError(422, "unknown_subject", f"sitting {sitting.id} has no subject {code!r}", field)


def current_subject(sitting: Sitting, now: datetime) -> Subject:
    """The subject under way, else the next one, else the last one."""
    subjects = sorted(sitting.subjects, key=lambda s: s.starts_at)
    for subject in subjects:
        if now < subject.ends_at:
            return subject
    return subjects[-1]


# -- what the set-up screens read --------------------------------------------------------------
def all_sittings() -> list[Sitting]:
    """Every sitting, the latest first."""
    return list(db.session.scalars(db.select(Sitting).order_by(Sitting.date.desc(),
                                                               Sitting.id.desc())))


def candidate_counts() -> dict[int, int]:
    """Registered candidates per sitting id."""
    rows = db.session.execute(db.select(Candidate.sitting_id, db.func.count())
                              .group_by(Candidate.sitting_id))
    return {sid: int(count) for sid, count in rows}


def taken_seats(sitting: Sitting) -> dict[int, set[int]]:
    """The seat numbers taken, per room of the sitting."""
    taken: dict[int, set[int]] = defaultdict(set)
    rows = db.session.execute(db.select(SeatAssignment.room_id, SeatAssignment.seat_no)
                              .where(SeatAssignment.room_id.in_([r.id for r in sitting.rooms])))
    for room_id, seat_no in rows:
        taken[room_id].add(seat_no)
    return taken


def staff_of(sitting: Sitting) -> list[tuple[StaffAssignment, User]]:
    """Who works the sitting: each assignment with its user, chiefs first, by room."""
    rows = db.session.execute(
        db.select(StaffAssignment, User).join(User, User.id == StaffAssignment.user_id)
        .where(StaffAssignment.sitting_id == sitting.id)
        .order_by(StaffAssignment.role, StaffAssignment.room_id, User.username))
    return [(assignment, user) for assignment, user in rows]
