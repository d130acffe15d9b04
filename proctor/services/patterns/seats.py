"""Copying among neighbouring seats: a prompt for the chief examiner to consider T3.5."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from proctor.extensions import db
from proctor.models import Incident, IncidentParty, Room, SeatAssignment, Sitting, Subject
from proctor.services.patterns.common import STANDING, Pattern, Settings, Text, Window

COPYING = "T2.2"


@dataclass
class _Room:
    name: str
    cols: int
    sitting_id: int
    day: date


@dataclass
class _Copying:
    id: int
    room_id: int
    subject_id: int | None
    sitting_id: int
    observed_at: datetime
    seats: set[int] = field(default_factory=set)


def neighbours(seat: int, other: int, cols: int) -> bool:
    """Seats numbered 1..rows×cols row by row: the same seat or one of its eight neighbours
    (front, back, left, right, the diagonals)."""
    (r1, c1), (r2, c2) = divmod(seat - 1, cols), divmod(other - 1, cols)
    return abs(r1 - r2) <= 1 and abs(c1 - c2) <= 1


def neighbour_copying(window: Window, settings: Settings) -> list[Pattern]:
    """Rooms where at least `neighbour_min` standing T2.2 incidents of one subject sit in one
    cluster of neighbouring seats (incidents are joined when any seat of one neighbours any
    seat of the other: the seats of all their parties in that room)."""
    rows = db.session.execute(
        db.select(Incident.id, Incident.room_id, Incident.subject_id, Incident.sitting_id,
                  Incident.observed_at, SeatAssignment.seat_no, SeatAssignment.room_id)
        .join(IncidentParty, IncidentParty.incident_id == Incident.id)
        .outerjoin(SeatAssignment, SeatAssignment.candidate_id == IncidentParty.candidate_id)
        .where(Incident.rule_code == COPYING, Incident.status.in_(STANDING),
               Incident.room_id.is_not(None),
               window.holds(Incident.sitting_id))).all()
    copying: dict[int, _Copying] = {}
    for iid, room_id, subject_id, sitting_id, observed, seat, seat_room in rows:
        item = copying.setdefault(iid, _Copying(iid, room_id, subject_id, sitting_id, observed))
        if seat is not None and seat_room == room_id:
            item.seats.add(seat)
    if len(copying) < settings.neighbour_min:
        return []
    undated = {c.sitting_id for c in copying.values() if c.subject_id is None}
    fallback = _subjects(undated) if undated else {}
    groups: dict[tuple[int, int | None], list[_Copying]] = defaultdict(list)
    for item in copying.values():
        subject_id = item.subject_id or _subject_at(fallback, item)
        groups[(item.room_id, subject_id)].append(item)
    # Only a room with enough of them can hold a cluster: its grid is read, no other.
    groups = {key: items for key, items in groups.items() if len(items) >= settings.neighbour_min}
    if not groups:
        return []
    rooms = _rooms({room_id for room_id, _ in groups})
    clusters = [(room_id, subject_id, cluster) for (room_id, subject_id), items in groups.items()
                for cluster in _clusters(items, rooms[room_id].cols)
                if len(cluster) >= settings.neighbour_min]
    subjects = _subjects({rooms[room_id].sitting_id for room_id, _, _ in clusters})
    return [_pattern(room_id, rooms[room_id],
                     subjects[rooms[room_id].sitting_id].get(subject_id) if subject_id else None,
                     cluster) for room_id, subject_id, cluster in clusters]


def _pattern(room_id: int, room: _Room, subject: _Subject | None,
             cluster: list[_Copying]) -> Pattern:
    seats = sorted({s for item in cluster for s in item.seats})
    n, listed = len(cluster), "、".join(map(str, seats))
    zh_subject = subject.name if subject else "科目未记录"
    en_subject = subject.code if subject else "subject not recorded"
    return Pattern(
        kind="neighbour_copying", key=(-n, room.day, room_id),
        title=Text(f"{room.name}（{room.day.isoformat()}）{zh_subject}：相邻座位{n}起抄袭",
                   f"{room.name} ({room.day.isoformat()}), {en_subject}: {n} copying "
                   f"incidents among neighbouring seats"),
        why=Text(f"座位{listed}相邻，有{n}起抄袭（T2.2）事件。主考可考虑是否属于有组织作弊"
                 f"（T3.5）；任何事件的条款都不会自动改变。",
                 f"Seats {', '.join(map(str, seats))} neighbour each other and hold {n} copying "
                 f"incidents (T2.2). The chief examiner may consider organised cheating "
                 f"(T3.5); no incident's rule changes by itself."),
        figures={"incidents": n, "room": room.name, "sitting_id": room.sitting_id,
                 "subject": subject.code if subject else None, "seats": " ".join(map(str, seats))},
        incident_ids=sorted(item.id for item in cluster))


def _clusters(items: list[_Copying], cols: int) -> list[list[_Copying]]:
    """Connected groups of incidents whose seats neighbour (union-find over the pairs)."""
    parent = list(range(len(items)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, first in enumerate(items):
        for j in range(i + 1, len(items)):
            if any(neighbours(a, b, cols) for a in first.seats for b in items[j].seats):
                parent[root(i)] = root(j)
    groups: dict[int, list[_Copying]] = defaultdict(list)
    for i, item in enumerate(items):
        groups[root(i)].append(item)
    return list(groups.values())


@dataclass(frozen=True)
class _Subject:
    id: int
    name: str
    code: str
    starts_at: datetime
    ends_at: datetime


def _rooms(room_ids: set[int]) -> dict[int, _Room]:
    return {rid: _Room(name, cols, sid, day) for rid, name, cols, sid, day in db.session.execute(
        db.select(Room.id, Room.name, Room.cols, Room.sitting_id, Sitting.date)
        .join(Sitting, Sitting.id == Room.sitting_id).where(Room.id.in_(sorted(room_ids))))}


def _subjects(sitting_ids: set[int]) -> dict[int, dict[int, _Subject]]:
    """The subjects of these sittings, as plain rows."""
    subjects: dict[int, dict[int, _Subject]] = defaultdict(dict)
    if not sitting_ids:
        return subjects
    for sid, subject_id, name, code, starts, ends in db.session.execute(
            db.select(Subject.sitting_id, Subject.id, Subject.name, Subject.code,
                      Subject.starts_at, Subject.ends_at)
            .where(Subject.sitting_id.in_(sorted(sitting_ids)))):
        subjects[sid][subject_id] = _Subject(subject_id, name, code, starts, ends)
    return subjects


def _subject_at(subjects: dict[int, dict[int, _Subject]], item: _Copying) -> int | None:
    """A T2.2 report may leave the subject out: the subject under way when it was observed."""
    for subject in subjects.get(item.sitting_id, {}).values():
        if subject.starts_at <= item.observed_at <= subject.ends_at:
            return subject.id
    return None
