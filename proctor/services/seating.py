"""Fair seating (考场编排) of a whole sitting, and what its printed sheets show.

`arrange_sitting` seats every candidate of a sitting by a seeded plan (`proctor.seat_plan`)
in one transaction: it replaces every seat assignment of the sitting, or none. It is refused
once any check-in of the sitting is recorded (409 `check_in_started`), and when the candidates
do not fit in the rooms (422 `not_enough_seats`, with both numbers).
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, insert

from proctor import publisher
from proctor.database import utcnow
from proctor.errors import ApiError
from proctor.extensions import db
from proctor.hashing import digest
from proctor.idnumber import mask_id_number
from proctor.models import (
    Attendance,
    AuditEntry,
    AuditHead,
    Candidate,
    CandidateSubject,
    Person,
    Room,
    SeatAssignment,
    Sitting,
    Subject,
    User,
)
from proctor.seat_plan import SEED_MAX, Grid, arrange, capacity
from proctor.services import audit

STRATEGIES = ("random",)
SEPARATE_BY = ("training_body",)
__all__ = ["SEED_MAX", "arrange_sitting", "room_sheets", "unseated_count", "check_in_started",
           "last_arrangement"]
GENERATED_SEED_BELOW = 10**9  # a generated seed has at most nine digits, to read out or type


def new_seed() -> int:
    return secrets.randbelow(GENERATED_SEED_BELOW)


def arrange_sitting(sitting: Sitting, *, strategy: str, separate_by: str | None,
                    seed: int | None, dry_run: bool, who: User) -> dict[str, Any]:
    """Seat every candidate of the sitting; with `dry_run`, say what would happen and write
    nothing. Returns the answer of `POST /api/v1/sittings/{sid}/seating`."""
    if strategy not in STRATEGIES:
        raise ApiError(422, "unknown_strategy", f"strategy must be one of {STRATEGIES}",
                       "strategy")
    if separate_by is not None and separate_by not in SEPARATE_BY:
        raise ApiError(422, "unknown_separate_by", f"separate_by must be one of {SEPARATE_BY}"
                       " or null", "separate_by")
    # The audit chain's head first, the lock every write takes before its live event takes
    # the sitting's row (so in the same order: no deadlock with a check-in): a check-in either
    # commits before this reads the attendance, or waits until the plan is in.
    db.session.execute(db.select(AuditHead.id).where(AuditHead.id == 1).with_for_update())
    _refuse_after_check_in(sitting)
    rooms = list(sitting.rooms)
    people = list(db.session.execute(
        db.select(Candidate.id, Candidate.ticket_no, Candidate.training_body)
        .where(Candidate.sitting_id == sitting.id).order_by(Candidate.ticket_no)))
    seats = sum(room.seat_count for room in rooms)
    if len(people) > seats:
        raise ApiError(422, "not_enough_seats",
                       f"{len(people)} candidates do not fit in the {seats} seats of "
                       f"{len(rooms)} room(s): {len(people) - seats} more seats are needed",
                       None, {"candidates": len(people), "seats": seats,
                              "rooms": len(rooms), "missing": len(people) - seats})
    chosen = new_seed() if seed is None else seed
    grids = [Grid(room.id, room.rows, room.cols) for room in rooms]
    groups = [body if separate_by == "training_body" and body else None
              for _, _, body in people]
    plan = arrange(grids, groups, chosen, separate=separate_by is not None)
    rows = [{"candidate_id": people[i][0], "room_id": room_id, "seat_no": seat_no}
            for i, (room_id, seat_no) in sorted(plan.seats.items())]
    plan_hash = digest(sorted([people[i][1], room_id, seat_no]
                              for i, (room_id, seat_no) in plan.seats.items()))
    answer = _answer(sitting, rooms, people, plan, grids, groups, chosen, strategy,
                     separate_by, plan_hash, dry_run)
    if not dry_run:
        _replace(sitting, rows, who)
        audit.record("seating_arranged", "sitting", sitting.id, strategy=strategy,
                     separate_by=separate_by, seed=chosen, plan_sha256=plan_hash,
                     assigned=len(rows), unseparated=len(plan.pairs),
                     seed_given=seed is not None)
        for room in rooms:
            publisher.publish("seating_arranged", sitting.id, room.id, {
                "assigned": answer["room_counts"].get(room.id, 0), "plan_sha256": plan_hash})
    answer.pop("room_counts")
    return answer


def check_in_started(sitting: Sitting) -> bool:
    """Whether any check-in (attendance) of the sitting is recorded."""
    return db.session.scalar(
        db.select(Attendance.id).join(Candidate, Candidate.id == Attendance.candidate_id)
        .where(Candidate.sitting_id == sitting.id).limit(1)) is not None


def _refuse_after_check_in(sitting: Sitting) -> None:
    if check_in_started(sitting):
        raise ApiError(409, "check_in_started",
                       "check-in has begun for this sitting: seats are now changed one by "
                       "one on the floor, not rearranged")


def _replace(sitting: Sitting, rows: list[dict[str, Any]], who: User) -> None:
    """Every seat of the sitting's candidates out, the plan's in (Core: a venue is ~900)."""
    ids = db.select(Candidate.id).where(Candidate.sitting_id == sitting.id)
    db.session.execute(delete(SeatAssignment).where(SeatAssignment.candidate_id.in_(ids)))
    if rows:
        now = utcnow()
        db.session.execute(insert(SeatAssignment),
                           [{**row, "assigned_by": who.id, "assigned_at": now} for row in rows])
    db.session.expire_all()


def _answer(sitting: Sitting, rooms: list[Room], people: list[Any], plan: Any,
            grids: list[Grid], groups: list[str | None], seed: int, strategy: str,
            separate_by: str | None, plan_hash: str, dry_run: bool) -> dict[str, Any]:
    names = {room.id: room.name for room in rooms}
    counts: dict[int, int] = defaultdict(int)
    for room_id, _ in plan.seats.values():
        counts[room_id] += 1
    sizes: dict[str, int] = defaultdict(int)
    for group in groups:
        if group is not None:
            sizes[group] += 1
    apart = capacity(grids)
    return {
        "sitting_id": sitting.id, "strategy": strategy, "separate_by": separate_by,
        "seed": seed, "dry_run": dry_run, "assigned": len(plan.seats),
        "seats": sum(g.seats for g in grids), "plan_sha256": plan_hash,
        "rooms": [{"room_id": room.id, "name": room.name, "seats": room.seat_count,
                   "assigned": counts.get(room.id, 0)} for room in rooms],
        "unseparated": [{"training_body": pair.group, "room_id": pair.room,
                         "room": names[pair.room], "seats": list(pair.seats),
                         "tickets": [people[p][1] for p in pair.people]}
                        for pair in plan.pairs],
        "unseparated_count": len(plan.pairs),
        "lower_bound": plan.lower_bound,
        "inseparable": [{"training_body": name, "candidates": size, "max_apart": apart}
                        for name, size in sorted(sizes.items()) if size > apart],
        "room_counts": dict(counts),
    }


# -- the printed sheets ---------------------------------------------------------------------
@dataclass
class SeatCard:
    seat_no: int
    row: int
    col: int
    ticket_no: str
    name: str
    id_masked: str
    training_body: str | None


@dataclass
class RoomSheet:
    """One room as its sheets print it: the grid, the list by seat, the subjects sat in it."""

    room: Room
    seats: list[SeatCard]
    subjects: list[Subject] = field(default_factory=list)

    @property
    def labels(self) -> list[tuple[RoomSheet, SeatCard]]:
        """The room's desk labels, in seat order (each with its sheet, for the room's name)."""
        return [(self, card) for card in self.seats]

    @property
    def grid(self) -> list[list[SeatCard | int]]:
        """rows × cols: a card, or the seat number of an empty seat."""
        by_no = {card.seat_no: card for card in self.seats}
        cols = self.room.cols
        return [[by_no.get(r * cols + c + 1, r * cols + c + 1) for c in range(cols)]
                for r in range(self.room.rows)]


def room_sheets(sitting: Sitting, room_id: int | None = None) -> list[RoomSheet]:
    """The rooms of the sitting (or one), each with its seated candidates by seat. ID numbers
    are masked on every sheet: they are posted on doors and desks."""
    rooms = [room for room in sitting.rooms if room_id is None or room.id == room_id]
    if room_id is not None and not rooms:
        raise ApiError(404, "room_not_found", f"no room {room_id} in sitting {sitting.id}",
                       "room")
    rows = db.session.execute(
        db.select(SeatAssignment.room_id, SeatAssignment.seat_no, Candidate.id,
                  Candidate.ticket_no, Candidate.training_body, Person.name, Person.id_number)
        .join(Candidate, Candidate.id == SeatAssignment.candidate_id)
        .join(Person, Person.id == Candidate.person_id)
        .where(SeatAssignment.room_id.in_([room.id for room in rooms]))
        .order_by(SeatAssignment.room_id, SeatAssignment.seat_no))
    by_room: dict[int, list[SeatCard]] = defaultdict(list)
    candidate_room: dict[int, int] = {}
    cols = {room.id: room.cols for room in rooms}
    for room, seat_no, cand, ticket, body, name, number in rows:
        row, col = divmod(seat_no - 1, cols[room])
        by_room[room].append(SeatCard(seat_no, row + 1, col + 1, ticket, name,
                                      mask_id_number(number), body))
        candidate_room[cand] = room
    subjects_of: dict[int, set[int]] = defaultdict(set)
    if candidate_room:
        links = db.session.execute(db.select(CandidateSubject.candidate_id,
                                             CandidateSubject.subject_id)
                                   .where(CandidateSubject.candidate_id.in_(candidate_room)))
        for cand, subject in links:
            subjects_of[candidate_room[cand]].add(subject)
    return [RoomSheet(room, by_room.get(room.id, []),
                      [s for s in sitting.subjects if s.id in subjects_of.get(room.id, set())])
            for room in rooms]


def unseated_count(sitting: Sitting) -> int:
    """Candidates of the sitting with no seat (they are on no sheet)."""
    return int(db.session.scalar(
        db.select(db.func.count(Candidate.id))
        .outerjoin(SeatAssignment, SeatAssignment.candidate_id == Candidate.id)
        .where(Candidate.sitting_id == sitting.id, SeatAssignment.candidate_id.is_(None))) or 0)


def last_arrangement(sitting: Sitting) -> AuditEntry | None:
    """The audit entry of the sitting's last seating run (seed, plan hash, when, by whom)."""
    entry: AuditEntry | None = db.session.scalar(
        db.select(AuditEntry).where(AuditEntry.action == "seating_arranged",
                                    AuditEntry.object_type == "sitting",
                                    AuditEntry.object_id == str(sitting.id))
        .order_by(AuditEntry.seq.desc()).limit(1))
    return entry
