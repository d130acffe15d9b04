"""The close-out of a room at the end of a subject (part of the 考场情况记录表).

The invigilators enter the papers (or workpieces) handed out and collected on the tablet; the
record then raises its discrepancies (`services.discrepancies`), and each must be explained —
a text, with who and when — before the record can be signed off. Once an invigilator has
signed, the figures and explanations are part of what they signed: nothing more is entered.
"""

from __future__ import annotations

import json
from typing import Any

from proctor import publisher
from proctor.errors import ApiError
from proctor.extensions import db
from proctor.models import (
    Attendance,
    AuditEntry,
    Candidate,
    CandidateSubject,
    DiscrepancyExplanation,
    Movement,
    Room,
    RoomCloseout,
    RoomRecordSignoff,
    SeatAssignment,
    Subject,
    User,
)
from proctor.services import audit, idempotent, movements
from proctor.services.discrepancies import Discrepancy, Facts, Mark, Seated, find

UNRECORDED = "unrecorded"  # a seated candidate whose attendance nobody recorded


def seated_candidates(room: Room, subject: Subject) -> list[Any]:
    """(seat_no, candidate) of everyone seated in the room who sits the subject, by seat."""
    return list(db.session.execute(
        db.select(SeatAssignment.seat_no, Candidate)
        .join(Candidate, Candidate.id == SeatAssignment.candidate_id)
        .join(CandidateSubject, CandidateSubject.candidate_id == Candidate.id)
        .where(SeatAssignment.room_id == room.id, CandidateSubject.subject_id == subject.id)
        .order_by(SeatAssignment.seat_no)).all())


def _check_ins(candidate_ids: list[int], subject: Subject) -> dict[int, list[Mark]]:
    """Every check-in of these candidates for the subject, in order, from the audit log (the
    attendance row keeps only the last)."""
    if not candidate_ids:
        return {}
    entries = db.session.scalars(db.select(AuditEntry).where(
        AuditEntry.action == "attendance_recorded", AuditEntry.object_type == "candidate",
        AuditEntry.object_id.in_([str(i) for i in candidate_ids])).order_by(AuditEntry.seq))
    out: dict[int, list[Mark]] = {}
    for entry in entries:
        data = entry.data or {}
        if data.get("subject") == subject.code:
            out.setdefault(int(str(entry.object_id)), []).append(
                Mark(str(data.get("status")), entry.actor, entry.at.isoformat()))
    return out


def latest(room: Room, subject: Subject) -> RoomCloseout | None:
    return db.session.scalar(db.select(RoomCloseout).where(
        RoomCloseout.room_id == room.id, RoomCloseout.subject_id == subject.id)
        .order_by(RoomCloseout.recorded_at.desc(), RoomCloseout.id.desc()).limit(1))


def facts(room: Room, subject: Subject) -> tuple[Facts, dict[int, Any]]:
    """The room's facts at the end of the subject, and the seated candidates by id with their
    attendance row (or None)."""
    seated = seated_candidates(room, subject)
    ids = [c.id for _, c in seated]
    marks = {row.candidate_id: row for row in db.session.scalars(db.select(Attendance).where(
        Attendance.subject_id == subject.id, Attendance.candidate_id.in_(ids)))} if ids else {}
    history = _check_ins(ids, subject)
    out = {m.candidate_id: m.observed_at.isoformat() for m in movements.out_now(
        Movement.candidate_id.in_(ids) & (Movement.subject_id == subject.id))} if ids else {}
    counts = {"expected": len(seated), "present": 0, "late": 0, "absent": 0, UNRECORDED: 0}
    people = []
    for seat_no, candidate in seated:
        mark = marks.get(candidate.id)
        counts[mark.status if mark else UNRECORDED] += 1
        people.append(Seated(seat_no, candidate.ticket_no, candidate.person.name,
                             mark.status if mark else None, tuple(history.get(candidate.id, ())),
                             out.get(candidate.id)))
    counted = latest(room, subject)
    return (Facts(tuple(people), counts, counted.handed_out if counted else None,
                  counted.collected if counted else None),
            {c.id: (seat_no, c, marks.get(c.id)) for seat_no, c in seated})


def explained(room: Room, subject: Subject,
              found: list[Discrepancy]) -> list[dict[str, Any]]:
    """Each discrepancy with its explanation: the latest written for the same facts."""
    rows = db.session.execute(
        db.select(DiscrepancyExplanation, User)
        .join(User, User.id == DiscrepancyExplanation.recorded_by)
        .where(DiscrepancyExplanation.room_id == room.id,
               DiscrepancyExplanation.subject_id == subject.id)
        .order_by(DiscrepancyExplanation.recorded_at, DiscrepancyExplanation.id)).all()
    best: dict[str, dict[str, Any]] = {}
    for row, user in rows:
        best[row.discrepancy + "\n" + _canonical(row.facts)] = {
            "id": row.id, "text": row.text, "by": user.username, "name": user.display_name,
            "at": row.recorded_at.isoformat()}
    return [{"key": d.key, "kind": d.kind, "facts": d.facts,
             "explanation": best.get(d.key + "\n" + _canonical(d.facts))} for d in found]


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def unexplained(listed: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"key": d["key"], "kind": d["kind"], "facts": d["facts"]}
            for d in listed if d["explanation"] is None]


def figures(row: RoomCloseout | None) -> dict[str, Any] | None:
    if row is None:
        return None
    who = db.session.get(User, row.recorded_by)
    return {"id": row.id, "handed_out": row.handed_out, "collected": row.collected,
            "recorded_by": who.username if who else None,
            "recorded_at": row.recorded_at.isoformat()}


def _refuse_once_signed(room: Room, subject: Subject) -> None:
    signed = db.session.scalar(db.select(db.func.count()).select_from(RoomRecordSignoff).where(
        RoomRecordSignoff.room_id == room.id, RoomRecordSignoff.subject_id == subject.id))
    if signed:
        raise ApiError(409, "record_signed", "The record is signed already: what it says can "
                       "no longer be changed (add a dated note to the room log instead).")


def record_closeout(room: Room, subject: Subject, handed_out: int, collected: int,
                    client_id: str, who: User) -> tuple[RoomCloseout, bool]:
    """Enter (or enter again) the papers handed out and collected; the latest entry counts. A
    repeated client_id answers the entry it made for this room and subject (else 409)."""
    def make() -> RoomCloseout:
        _refuse_once_signed(room, subject)
        return RoomCloseout(client_id=client_id, room_id=room.id, subject_id=subject.id,
                            handed_out=handed_out, collected=collected, recorded_by=who.id)

    row, created = idempotent.insert_once(
        RoomCloseout, client_id, make,
        same_target=lambda found: found.room_id == room.id and found.subject_id == subject.id)
    if created:
        open_ = len(unexplained(explained(room, subject, find(facts(room, subject)[0]))))
        audit.record("room_closeout_recorded", "room", room.id, subject=subject.code,
                     handed_out=handed_out, collected=collected, client_id=client_id)
        publisher.publish("closeout_recorded", room.sitting_id, room.id, {
            "subject": subject.code, "handed_out": handed_out, "collected": collected,
            "unexplained": open_})
    return row, created


def explain(room: Room, subject: Subject, key: str, text: str, client_id: str,
            who: User) -> tuple[DiscrepancyExplanation, bool]:
    """Explain one discrepancy the record raises now (422 unknown_discrepancy otherwise); the
    explanation is bound to its facts. A repeated client_id answers the explanation it made."""
    def make() -> DiscrepancyExplanation:
        _refuse_once_signed(room, subject)
        current = {d.key: d for d in find(facts(room, subject)[0])}
        if key not in current:
            raise ApiError(422, "unknown_discrepancy",
                           f"the record raises no discrepancy {key!r}", "discrepancy",
                           {"discrepancies": sorted(current)})
        return DiscrepancyExplanation(
            client_id=client_id, room_id=room.id, subject_id=subject.id, discrepancy=key,
            facts=current[key].facts, text=text, recorded_by=who.id)

    row, created = idempotent.insert_once(
        DiscrepancyExplanation, client_id, make,
        same_target=lambda found: (found.room_id == room.id and found.subject_id == subject.id
                                   and found.discrepancy == key))
    if created:
        audit.record("discrepancy_explained", "room", room.id, subject=subject.code,
                     discrepancy=key, facts=row.facts, text=text, client_id=client_id)
        publisher.publish("discrepancy_explained", room.sitting_id, room.id, {
            "subject": subject.code, "discrepancy": key, "note": text})
    return row, created


def state(room: Room, subject: Subject) -> dict[str, Any]:
    """The close-out as the tablet shows it: the figures and every discrepancy."""
    listed = explained(room, subject, find(facts(room, subject)[0]))
    return {"subject": subject.code, "closeout": figures(latest(room, subject)),
            "discrepancies": listed, "unexplained": len(unexplained(listed))}
