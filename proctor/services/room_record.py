"""The room record (考场情况记录表) of one room and one subject, and its sign-off.

The record is assembled from what was recorded on the floor; each invigilator of the room
signs it off at the end of the subject, binding their signature to the record's hash. Once
every invigilator of the room has signed, the record is closed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import selectinload

import incidents as rules
from proctor import hashing, publisher
from proctor.errors import ApiError
from proctor.extensions import db
from proctor.models import (
    Attendance,
    AttendanceStatus,
    Candidate,
    CandidateWarning,
    Incident,
    IncidentParty,
    Room,
    RoomLogEntry,
    RoomRecordSignoff,
    SeatAssignment,
    Sitting,
    StaffAssignment,
    Subject,
    User,
)
from proctor.services import audit, closeout, discrepancies, idempotent, movements
from proctor.services.closeout import UNRECORDED


def record(room: Room, subject: Subject) -> dict[str, Any]:
    """Everything the paper form holds, from the database: the counts, the close-out figures,
    the late arrivals with their times, and every discrepancy with its explanation."""
    found, seated = closeout.facts(room, subject)
    counts = dict(found.counts)
    absentees, late = [], []
    for seat_no, candidate, mark in seated.values():
        status = mark.status if mark else UNRECORDED
        if status in {AttendanceStatus.ABSENT, UNRECORDED}:
            absentees.append({"seat_no": seat_no, "ticket_no": candidate.ticket_no,
                              "name": candidate.person.name, "status": status})
        if status == AttendanceStatus.LATE:
            late.append({"seat_no": seat_no, "ticket_no": candidate.ticket_no,
                         "name": candidate.person.name, "at": _late_at(found, candidate, mark)})
    return {
        "room": {"id": room.id, "name": room.name}, "subject": {
            "code": subject.code, "name": subject.name, "starts_at": subject.starts_at.isoformat(),
            "ends_at": subject.ends_at.isoformat()},
        "invigilators": [{"username": u.username, "name": u.display_name}
                         for u in invigilators(room)],
        "counts": counts, "absentees": absentees,
        "log": [{"kind": e.kind, "note": e.note, "at": e.observed_at.isoformat()}
                for e in db.session.scalars(db.select(RoomLogEntry).where(
                    RoomLogEntry.room_id == room.id, RoomLogEntry.subject_id == subject.id)
                    .order_by(RoomLogEntry.observed_at))],
        "reminders": db.session.scalar(db.select(db.func.count()).select_from(CandidateWarning)
                                       .where(CandidateWarning.room_id == room.id,
                                              CandidateWarning.subject_id == subject.id)) or 0,
        "incidents": _incidents(room, subject),
        "closeout": closeout.figures(closeout.latest(room, subject)),
        "late": late,
        "discrepancies": closeout.explained(room, subject, discrepancies.find(found)),
        "movements": _movements(room, subject),
    }


def _late_at(found: discrepancies.Facts, candidate: Candidate, mark: Attendance) -> str:
    """When the late arrival was first recorded as such (the audit log), else the mark's time."""
    seat = next(s for s in found.seated if s.ticket_no == candidate.ticket_no)
    first = next((m.at for m in seat.marks if m.status == AttendanceStatus.LATE), None)
    return first or mark.recorded_at.isoformat()


def _movements(room: Room, subject: Subject) -> list[dict[str, Any]]:
    """Who left the room in this subject, why, with whom, when they left and came back."""
    return [{"seat_no": a["seat_no"], "ticket_no": a["ticket_no"], "name": a["name"],
             "reason": str(a["reason"]), "escort": a["escort"],
             "left_at": a["left_at"].isoformat(),
             "returned_at": a["returned_at"].isoformat() if a["returned_at"] else None,
             "duration_seconds": a["duration_seconds"]}
            for a in movements.of_room(room, subject.id)["absences"]]


def _incidents(room: Room, subject: Subject) -> list[dict[str, Any]]:
    """The room's incidents in this subject: who (name, ticket, seat), when, under which rule,
    the reminder that raised it, where it stands."""
    rows = list(db.session.scalars(
        db.select(Incident).where(Incident.room_id == room.id, Incident.subject_id == subject.id)
        .options(selectinload(Incident.parties).selectinload(IncidentParty.person),
                 selectinload(Incident.parties).selectinload(IncidentParty.candidate))
        .order_by(Incident.observed_at, Incident.id)))
    candidate_ids = [p.candidate_id for i in rows for p in i.parties if p.candidate_id]
    seats = dict(db.session.execute(
        db.select(SeatAssignment.candidate_id, SeatAssignment.seat_no)
        .where(SeatAssignment.candidate_id.in_(candidate_ids))).all()) if candidate_ids else {}
    warning_ids = [i.warning_id for i in rows if i.warning_id]
    warnings = {w.id: w for w in db.session.scalars(db.select(CandidateWarning).where(
        CandidateWarning.id.in_(warning_ids)))} if warning_ids else {}
    out = []
    for i in rows:
        warning = warnings.get(i.warning_id) if i.warning_id else None
        out.append({
            "id": i.id, "rule_code": i.rule_code, "tier": i.tier, "status": i.status,
            "severity": i.severity,
            "tickets": [p.candidate.ticket_no for p in i.parties if p.candidate],
            "parties": [{"name": p.name_as_given or p.person.name,
                         "ticket_no": p.candidate.ticket_no if p.candidate else None,
                         "seat_no": seats.get(p.candidate_id) if p.candidate_id else None,
                         "role": p.role} for p in i.parties],
            "reminder": {"at": warning.observed_at.isoformat(),
                         "refused_at": warning.resolved_at.isoformat()
                         if warning.resolved_at else None} if warning else None,
            "at": i.observed_at.isoformat()})
    return out


#: Role words some accounts carry in their display name ("监考员 张明"); the paper prints the
#: role once, beside the name.
ROLE_WORDS = ("监考员", "监考", "主考", "巡考员", "巡考", "Invigilator", "Chief examiner", "Patrol")


def bare_name(display_name: str) -> str:
    """A staff member's name without a leading role word: "监考员 张明" → "张明"."""
    name = display_name.strip()
    for word in ROLE_WORDS:
        rest = name[len(word):].strip(" \u3000:：·") if name.startswith(word) else ""
        if rest:
            return rest
    return name


def printed(content: dict[str, Any], signed: list[dict[str, Any]], sitting: Sitting,
            subject: Subject) -> dict[str, Any]:
    """What the printed record shows of its content: times as datetimes (the page prints them
    in venue time), staff names without role words, and each incident's rule and, once
    confirmed, its sanction in words from the engine (both languages; the page picks one)."""
    book = rules.default_rulebook()
    names = staff_names({m["by"] for d in content.get("discrepancies", [])
                         for m in d["facts"].get("marks", [])}
                        | {(content.get("closeout") or {}).get("recorded_by") or ""})

    def when(value: str | None) -> datetime | None:
        return datetime.fromisoformat(value) if value else None

    incidents = []
    for i in content["incidents"]:
        rule = book.get(i["rule_code"])
        sanction = rules.preview(
            rule.code, sitting_date=sitting.date, subject=subject.code,
            severity=rules.Severity(i["severity"]) if i["severity"] else None,
            subject_name=subject.name) if i["status"] == rules.IncidentStatus.CONFIRMED else None
        reminder = i["reminder"]
        incidents.append({**i, "at": when(i["at"]), "rule": rule.title, "sanction": sanction,
                          "reminded_at": when(reminder["at"]) if reminder else None})
    return {"invigilators": [bare_name(p["name"]) for p in content["invigilators"]],
            "log": [{**e, "at": when(e["at"])} for e in content["log"]],
            "late": [{**c, "at": when(c["at"])} for c in content.get("late", [])],
            "discrepancies": [_shown_discrepancy(d, names)
                              for d in content.get("discrepancies", [])],
            "closeout_at": when((content.get("closeout") or {}).get("recorded_at")),
            "closeout_by": names.get((content.get("closeout") or {}).get("recorded_by"), ""),
            "incidents": incidents,
            "movements": [{**m, "left_at": when(m["left_at"]),
                           "returned_at": when(m["returned_at"]),
                           "minutes": None if m["duration_seconds"] is None
                           else round(m["duration_seconds"] / 60)}
                          for m in content.get("movements", [])],
            "signoffs": [{**s, "name": bare_name(s["name"]), "signed_at": when(s["signed_at"])}
                         for s in signed]}


def _shown_discrepancy(d: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
    """A discrepancy as the paper prints it: each check-in and the explanation with the name
    of who made it and its time as a datetime (printed in venue time)."""
    explanation = d["explanation"]
    return {**d, "marks": [{**m, "name": names.get(m["by"], m["by"]),
                            "at": datetime.fromisoformat(m["at"])}
                           for m in d["facts"].get("marks", [])],
            "out_since": datetime.fromisoformat(d["facts"]["out_since"])
            if d["facts"].get("out_since") else None,
            "explanation": {**explanation, "name": bare_name(explanation["name"]),
                            "at": datetime.fromisoformat(explanation["at"])}
            if explanation else None}


def staff_names(usernames: set[str]) -> dict[str, str]:
    """Usernames as the paper prints them: the name without its role word."""
    if not usernames:
        return {}
    return {u.username: bare_name(u.display_name) for u in db.session.scalars(
        db.select(User).where(User.username.in_(sorted(usernames))))}


def record_hash(content: dict[str, Any]) -> str:
    """SHA-256 of the record as canonical JSON (proctor.hashing): what a sign-off binds to."""
    return hashing.digest(content)


def invigilators(room: Room) -> list[User]:
    return list(db.session.scalars(
        db.select(User).join(StaffAssignment, StaffAssignment.user_id == User.id)
        .where(StaffAssignment.room_id == room.id).order_by(User.username)))


def signoffs(room: Room, subject: Subject) -> list[dict[str, Any]]:
    rows = db.session.execute(
        db.select(RoomRecordSignoff, User).join(User, User.id == RoomRecordSignoff.user_id)
        .where(RoomRecordSignoff.room_id == room.id, RoomRecordSignoff.subject_id == subject.id)
        .order_by(RoomRecordSignoff.signed_at)).all()
    return [{"username": user.username, "name": user.display_name, "hash": row.record_hash,
             "signed_at": row.signed_at.isoformat()} for row, user in rows]


def is_closed(room: Room, subject: Subject) -> bool:
    signed = {s["username"] for s in signoffs(room, subject)}
    required = {u.username for u in invigilators(room)}
    return bool(required) and required <= signed


def sign_off(room: Room, subject: Subject, who: User) -> RoomRecordSignoff:
    """The invigilator signs the record as it stands; signing twice changes nothing. Not before
    the close-out figures are in (409 closeout_required) and every discrepancy is explained
    (409 unexplained_discrepancy, listing those that are not)."""
    if who.id not in {u.id for u in invigilators(room)}:
        raise ApiError(403, "not_an_invigilator_of_this_room",
                       "Only the room's invigilators sign its record.")
    row, created = idempotent.insert_unique(
        lambda: db.session.scalar(db.select(RoomRecordSignoff).filter_by(
            room_id=room.id, subject_id=subject.id, user_id=who.id)),
        lambda: _signoff(room, subject, who))
    if created:
        audit.record("room_record_signed", "room", room.id, subject=subject.code,
                     record_hash=row.record_hash)
        publisher.publish("room_record_signed", room.sitting_id, room.id, {
            "subject": subject.code, "record_hash": row.record_hash})
    return row


def _signoff(room: Room, subject: Subject, who: User) -> RoomRecordSignoff:
    content = record(room, subject)
    if content["closeout"] is None:
        raise ApiError(409, "closeout_required", "Enter the papers handed out and collected "
                       "before signing the record off.")
    still_open = closeout.unexplained(content["discrepancies"])
    if still_open:
        raise ApiError(409, "unexplained_discrepancy",
                       f"{len(still_open)} discrepancies are not explained yet: "
                       + ", ".join(d["key"] for d in still_open),
                       extra={"discrepancies": still_open})
    return RoomRecordSignoff(room_id=room.id, subject_id=subject.id, user_id=who.id,
                             record_hash=record_hash(content))
