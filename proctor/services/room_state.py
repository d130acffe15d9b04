"""Everything a tablet shows for one room, in one read: seats, attendance, reminders, incidents."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from proctor.extensions import db
from proctor.models import (
    Attendance,
    Candidate,
    CandidateWarning,
    CheckinPhoto,
    Incident,
    IncidentParty,
    RegistrationPhoto,
    Room,
    RoomLogEntry,
    SeatAssignment,
    Sitting,
)
from proctor.services.access import shown_id_number
from proctor.services.movements import alert_minutes, seat_movements


def room_state(sitting: Sitting, room: Room, log_limit: int = 100) -> dict[str, Any]:
    codes = {s.id: s.code for s in sitting.subjects}
    rows = db.session.execute(
        db.select(SeatAssignment.seat_no, Candidate)
        .join(Candidate, Candidate.id == SeatAssignment.candidate_id)
        .where(SeatAssignment.room_id == room.id).order_by(SeatAssignment.seat_no)).all()
    ids = [candidate.id for _, candidate in rows]
    attendance = _attendance(ids, codes)
    warnings = _warnings(ids, codes)
    incidents = _incidents(ids)
    moves = seat_movements(ids)
    with_photo = _with_photo(ids)
    seats = [{
        "seat_no": seat_no, "ticket_no": c.ticket_no, "name": c.person.name,
        "id_number": shown_id_number(c.person.id_number),
        "subjects": [codes[link.subject_id] for link in c.subject_links],
        "attendance": attendance.get(c.id, {}), "warnings": warnings.get(c.id, []),
        "incidents": incidents.get(c.id, []),
        # Its movements (离座/返回), oldest first: out while the last is a leaving.
        "movements": moves.get(c.id, []),
        "photo": c.id in with_photo,
    } for seat_no, c in rows]
    return {"sitting_id": sitting.id, "room": {"id": room.id, "name": room.name,
                                               "rows": room.rows, "cols": room.cols},
            "seats": seats, "log": _log(room, codes, log_limit), "last_seq": sitting.event_seq,
            "absence_alert_minutes": alert_minutes()}


def _attendance(ids: list[int], codes: dict[int, str]) -> dict[int, dict[str, Any]]:
    found: dict[int, dict[str, Any]] = defaultdict(dict)
    stmt = (db.select(Attendance, CheckinPhoto)
            .outerjoin(CheckinPhoto, CheckinPhoto.id == Attendance.checkin_photo_id)
            .where(Attendance.candidate_id.in_(ids)))
    for row, door in db.session.execute(stmt):
        found[row.candidate_id][codes[row.subject_id]] = {
            "status": row.status, "id_checked": row.id_checked,
            "recorded_at": row.recorded_at.isoformat(),
            "identity": {"id_card": row.id_checked, "photo": row.photo_check,
                         "checkin_photo": None if door is None else {
                             "id": door.id, "faces": door.faces,
                             "registration_faces": door.registration_faces}}}
    return found


def _with_photo(ids: list[int]) -> set[int]:
    return set(db.session.scalars(db.select(RegistrationPhoto.candidate_id).where(
        RegistrationPhoto.candidate_id.in_(ids))))


def _warnings(ids: list[int], codes: dict[int, str]) -> dict[int, list[dict[str, Any]]]:
    found: dict[int, list[dict[str, Any]]] = defaultdict(list)
    stmt = (db.select(CandidateWarning).where(CandidateWarning.candidate_id.in_(ids))
            .order_by(CandidateWarning.observed_at))
    for row in db.session.scalars(stmt):
        found[row.candidate_id].append({
            "id": row.id, "rule_code": row.rule_code, "subject": codes[row.subject_id],
            "outcome": row.outcome, "incident_id": row.incident_id,
            "observed_at": row.observed_at.isoformat()})
    return found


def _incidents(ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    found: dict[int, list[dict[str, Any]]] = defaultdict(list)
    stmt = (db.select(IncidentParty.candidate_id, IncidentParty.role, Incident)
            .join(Incident, Incident.id == IncidentParty.incident_id)
            .where(IncidentParty.candidate_id.in_(ids)).order_by(Incident.id))
    for candidate_id, role, incident in db.session.execute(stmt):
        found[candidate_id].append({
            "id": incident.id, "rule_code": incident.rule_code, "tier": incident.tier,
            "status": incident.status, "role": role,
            "observed_at": incident.observed_at.isoformat()})
    return found


def _log(room: Room, codes: dict[int, str], limit: int) -> list[dict[str, Any]]:
    stmt = (db.select(RoomLogEntry).where(RoomLogEntry.room_id == room.id)
            .order_by(RoomLogEntry.observed_at.desc(), RoomLogEntry.id.desc()).limit(limit))
    return [{"id": e.id, "kind": e.kind, "note": e.note,
             "subject": codes.get(e.subject_id) if e.subject_id else None,
             "observed_at": e.observed_at.isoformat()} for e in db.session.scalars(stmt)]
