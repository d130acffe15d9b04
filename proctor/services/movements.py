"""A candidate leaving the room and coming back (离座/返回): the record, who is out now, and
the absences as pairs of a leaving and its return.

Who is out is derived, never stored: a candidate whose last movement is a leaving. Their
movements are numbered per candidate (odd: left, even: returned) under a UNIQUE constraint, so
two tablets recording the same leaving at once cannot both succeed. An absence longer than
`ABSENCE_ALERT_MINUTES` is overdue; the screens time it themselves from `left_at` (so a tablet
without the network still alerts), each once per absence.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy.exc import IntegrityError

from proctor import publisher
from proctor.database import utcnow
from proctor.errors import ApiError
from proctor.extensions import db
from proctor.models import (
    Candidate,
    Incident,
    Movement,
    MovementKind,
    MovementReason,
    Room,
    SeatAssignment,
    Sitting,
    StaffAssignment,
    StaffRole,
    User,
)
from proctor.services import audit, idempotent
from proctor.services.access import shown_id_number
from proctor.services.floor import room_of
from proctor.services.sittings import current_subject, subject_by_code

# The reminder of T1.2 (leaving the seat without permission): its incidents cite movements.
LEAVING_RULE = "T1.2"


def alert_minutes() -> int:
    return int(current_app.config["ABSENCE_ALERT_MINUTES"])


def _skew() -> timedelta:
    return timedelta(seconds=int(current_app.config["CLOCK_SKEW_SECONDS"]))


def last_movement(candidate: Candidate) -> Movement | None:
    return db.session.scalar(db.select(Movement).where(Movement.candidate_id == candidate.id)
                             .order_by(Movement.n.desc()).limit(1))


def room_escorts(room: Room) -> list[User]:
    """Who may escort a candidate out of this room: its invigilators and the sitting's chief
    examiners (the tablet offers them first; anyone else is written by name)."""
    return list(db.session.scalars(
        db.select(User).join(StaffAssignment, StaffAssignment.user_id == User.id)
        .where(StaffAssignment.sitting_id == room.sitting_id, User.active.is_(True),
               db.or_(StaffAssignment.room_id == room.id,
                      StaffAssignment.role == StaffRole.CHIEF))
        .distinct().order_by(User.username)))


def _escort(room: Room, name: str | None, username: str | None) -> tuple[str | None, int | None]:
    if username is None:
        return name, None
    staff = next((u for u in room_escorts(room) if u.username == username), None)
    if staff is None:
        raise ApiError(422, "escort_not_staff",
                       f"{username} is no staff member of room {room.name}", "escort_username")
    return staff.display_name or staff.username, staff.id


def record_movement(sitting: Sitting, candidate: Candidate, *, kind: str, reason: str | None,
                    escort: str | None, escort_username: str | None, note: str | None,
                    subject_code: str | None, observed_at: datetime, client_id: str,
                    who: User) -> tuple[Movement, bool]:
    """Record a leaving or a return. Returns (movement, created); a repeated client_id answers
    the movement it made for this candidate (else 409 client_id_conflict). A return needs the
    candidate out (409 not_out), a leaving needs them in (409 already_out)."""
    room_id = room_of(candidate)
    if room_id is None:  # only a chief examiner gets this far with a candidate not seated
        raise ApiError(422, "not_seated", f"{candidate.ticket_no} has no seat in a room",
                       "ticket_no")

    def make() -> Movement:
        if observed_at > utcnow() + _skew():
            raise ApiError(422, "observed_in_future",
                           "observed_at is later than the server's clock allows", "observed_at")
        last = last_movement(candidate)
        is_out = last is not None and last.kind == MovementKind.LEFT
        if kind == MovementKind.LEFT:
            if is_out:
                raise _already_out(candidate)
            if reason is None:
                raise ApiError(422, "reason_required", "Say why the candidate leaves.",
                               "reason")
            subject = (subject_by_code(sitting, subject_code) if subject_code
                       else current_subject(sitting, observed_at))
            left = None
        else:
            if not is_out or last is None:
                raise _not_out(candidate)
            if observed_at < last.observed_at - _skew():
                raise ApiError(422, "returned_before_left",
                               "The return is earlier than the leaving.", "observed_at")
            subject, left = last.subject, last
        name, escort_id = _escort(db.session.get(Room, room_id), escort, escort_username)
        return Movement(
            client_id=client_id, sitting_id=sitting.id, room_id=room_id,
            candidate_id=candidate.id, subject_id=subject.id,
            n=(last.n if last else 0) + 1, kind=MovementKind(kind),
            reason=MovementReason(reason) if reason else left.reason if left else None,
            left_id=left.id if left else None, escort_name=name, escort_user_id=escort_id,
            note=note, observed_at=observed_at, recorded_by=who.id)

    try:
        movement, created = idempotent.insert_once(
            Movement, client_id, make, same_target=lambda found: found.candidate_id == candidate.id)
    except IntegrityError:
        # Another tablet recorded this leaving (or return) a moment ago.
        raise (_already_out(candidate) if kind == MovementKind.LEFT
               else _not_out(candidate)) from None
    if not created:
        return movement, False
    audit.record("movement_recorded", "movement", movement.id, ticket_no=candidate.ticket_no,
                 kind=movement.kind, reason=movement.reason, escort=movement.escort_name,
                 subject=movement.subject.code, client_id=client_id)
    publisher.publish("movement_recorded", sitting.id, room_id, event_data(movement))
    return movement, True


def _already_out(candidate: Candidate) -> ApiError:
    return ApiError(409, "already_out", f"{candidate.ticket_no} is out of the room already",
                    "kind")


def _not_out(candidate: Candidate) -> ApiError:
    return ApiError(409, "not_out", f"{candidate.ticket_no} has not left the room", "kind")


def _left_of(movements: Iterable[Movement]) -> dict[int, Movement]:
    """The leavings the returns among `movements` close, read in one query."""
    ids = {m.left_id for m in movements if m.left_id}
    return {m.id: m for m in db.session.scalars(
        db.select(Movement).where(Movement.id.in_(ids)))} if ids else {}


def _seconds(start: datetime, end: datetime) -> int:
    return max(0, int((end - start).total_seconds()))


def event_data(m: Movement) -> dict[str, Any]:
    """What the live event says (no name, as the other events of the floor)."""
    left = db.session.get(Movement, m.left_id) if m.left_id else None
    return {"id": m.id, "client_id": m.client_id, "ticket_no": m.candidate.ticket_no,
            "movement": m.kind, "reason": m.reason, "escort": m.escort_name,
            "subject": m.subject.code, "observed_at": m.observed_at.isoformat(),
            "left_at": left.observed_at.isoformat() if left else None,
            "duration_seconds": _seconds(left.observed_at, m.observed_at) if left else None}


def listing(where: Any) -> dict[str, Any]:
    """Movements (in order) and absences of the candidates `where` selects, for the API."""
    rows = list(db.session.execute(
        db.select(Movement, Candidate, SeatAssignment.seat_no, User.username)
        .join(Candidate, Candidate.id == Movement.candidate_id)
        .join(User, User.id == Movement.recorded_by)
        .outerjoin(SeatAssignment, SeatAssignment.candidate_id == Candidate.id)
        .where(where).order_by(Movement.observed_at, Movement.id)).all())
    lefts = _left_of(m for m, *_ in rows)
    codes: dict[int, str] = {}
    movements = []
    for m, candidate, seat_no, username in rows:
        codes.setdefault(m.subject_id, m.subject.code)
        left = lefts.get(m.left_id) if m.left_id else None
        movements.append({
            "id": m.id, "client_id": m.client_id, "sitting_id": m.sitting_id,
            "room_id": m.room_id, "ticket_no": candidate.ticket_no,
            "name": candidate.person.name,
            "id_number": shown_id_number(candidate.person.id_number), "seat_no": seat_no,
            "subject": codes[m.subject_id], "kind": m.kind, "reason": m.reason,
            "escort": m.escort_name, "note": m.note, "observed_at": m.observed_at,
            "recorded_at": m.recorded_at, "recorded_by": username, "left_id": m.left_id,
            "left_at": left.observed_at if left else None,
            "duration_seconds": _seconds(left.observed_at, m.observed_at) if left else None})
    return {"movements": movements, "absences": absences(movements),
            "absence_alert_minutes": alert_minutes()}


def absences(movements: list[dict[str, Any]], now: datetime | None = None) -> list[dict[str, Any]]:
    """Each leaving with its return (or none yet), from rows shaped as `listing` makes them:
    how long it lasted (so far), and whether it went past the alert's minutes."""
    now = now or utcnow()
    returns = {m["left_id"]: m for m in movements if m["left_id"]}
    limit = alert_minutes() * 60
    out = []
    for m in movements:
        if m["kind"] != MovementKind.LEFT:
            continue
        back = returns.get(m["id"])
        seconds = _seconds(m["observed_at"], back["observed_at"] if back else now)
        out.append({"ticket_no": m["ticket_no"], "name": m["name"], "seat_no": m["seat_no"],
                    "subject": m["subject"], "reason": m["reason"], "escort": m["escort"],
                    "left_at": m["observed_at"],
                    "returned_at": back["observed_at"] if back else None,
                    "duration_seconds": seconds if back else None, "overdue": seconds > limit})
    return out


def of_room(room: Room, subject_id: int | None = None) -> dict[str, Any]:
    where = Movement.room_id == room.id
    return listing(where if subject_id is None else where & (Movement.subject_id == subject_id))


def of_candidate(candidate: Candidate, subject_id: int | None = None) -> dict[str, Any]:
    where = Movement.candidate_id == candidate.id
    return listing(where if subject_id is None else where & (Movement.subject_id == subject_id))


def out_now(where: Any) -> list[Movement]:
    """The open leavings (the candidate's last movement is a leaving) among `where`."""
    latest = (db.select(Movement.candidate_id, db.func.max(Movement.n).label("n"))
              .where(where).group_by(Movement.candidate_id).subquery())
    return list(db.session.scalars(
        db.select(Movement).join(latest, (Movement.candidate_id == latest.c.candidate_id)
                                 & (Movement.n == latest.c.n))
        .where(Movement.kind == MovementKind.LEFT).order_by(Movement.observed_at)))


def seat_movements(candidate_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """For the room state: each candidate's movements (oldest first), as the tablet shows them
    (the open leaving of a candidate who is out is the last, a leaving)."""
    found: dict[int, list[dict[str, Any]]] = {}
    if not candidate_ids:
        return found
    rows = list(db.session.scalars(db.select(Movement).where(
        Movement.candidate_id.in_(candidate_ids)).order_by(Movement.n)))
    lefts = {m.id: m for m in rows}
    for m in rows:
        left = lefts.get(m.left_id) if m.left_id else None
        found.setdefault(m.candidate_id, []).append({
            "id": m.id, "client_id": m.client_id, "kind": m.kind, "reason": m.reason,
            "escort": m.escort_name, "observed_at": m.observed_at.isoformat(),
            "left_at": left.observed_at.isoformat() if left else None,
            "duration_seconds": _seconds(left.observed_at, m.observed_at) if left else None})
    return found


def of_incident(incident: Incident) -> dict[str, Any] | None:
    """The movements of the incident's candidates in its subject, when it is one of leaving
    the seat (T1.2, from a refused reminder): evidence for the review and the case file."""
    if incident.rule_code != LEAVING_RULE:
        return None
    ids = [p.candidate_id for p in incident.parties if p.candidate_id]
    where = Movement.candidate_id.in_(ids)
    if incident.subject_id is not None:
        where = where & (Movement.subject_id == incident.subject_id)
    return listing(where)


def out_by_room(sitting: Sitting) -> dict[int, list[dict[str, Any]]]:
    """For the chief's board: who is out of each room now, since when, why, with whom."""
    open_ = out_now(Movement.sitting_id == sitting.id)
    if not open_:
        return {}
    who = dict((c.id, (c.ticket_no, c.person.name)) for c in db.session.scalars(
        db.select(Candidate).where(Candidate.id.in_([m.candidate_id for m in open_]))))
    seats = dict(db.session.execute(db.select(SeatAssignment.candidate_id, SeatAssignment.seat_no)
                                    .where(SeatAssignment.candidate_id.in_(who))).all())
    found: dict[int, list[dict[str, Any]]] = {}
    for m in open_:
        ticket, name = who[m.candidate_id]
        found.setdefault(m.room_id, []).append({
            "id": m.id, "ticket_no": ticket, "name": name, "seat_no": seats.get(m.candidate_id),
            "since": m.observed_at, "reason": m.reason, "escort": m.escort_name})
    return found
