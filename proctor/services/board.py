"""The chief examiner's board: every room of a sitting in numbers, and the incidents waiting."""

from __future__ import annotations

from collections import Counter
from typing import Any

from incidents import IncidentStatus
from proctor.database import utcnow
from proctor.extensions import db
from proctor.models import (
    Attendance,
    AttendanceStatus,
    CandidateWarning,
    Incident,
    SeatAssignment,
    Sitting,
    WarningOutcome,
)
from proctor.services.movements import alert_minutes, out_by_room
from proctor.services.sittings import current_subject

# Awaiting the chief's decision: reported, or proposed and told to the candidate (事先告知).
UNDECIDED = (IncidentStatus.REPORTED, IncidentStatus.PROPOSED)

def board(sitting: Sitting) -> dict[str, Any]:
    """Per room: seated, present/late/absent for the subject under way, open reminders,
    incidents waiting for a decision and confirmed ones."""
    subject = current_subject(sitting, utcnow())
    room_ids = [r.id for r in sitting.rooms]
    seated = Counter(db.session.scalars(
        db.select(SeatAssignment.room_id).where(SeatAssignment.room_id.in_(room_ids))))
    marks = db.session.execute(
        db.select(SeatAssignment.room_id, Attendance.status)
        .join(Attendance, Attendance.candidate_id == SeatAssignment.candidate_id)
        .where(Attendance.subject_id == subject.id,
               SeatAssignment.room_id.in_(room_ids))).all()
    attendance = Counter((room_id, status) for room_id, status in marks)
    reminders = Counter(db.session.scalars(db.select(CandidateWarning.room_id).where(
        CandidateWarning.outcome == WarningOutcome.PENDING,
        CandidateWarning.room_id.in_(room_ids))))
    incidents = Counter(db.session.execute(db.select(Incident.room_id, Incident.status).where(
        Incident.sitting_id == sitting.id)).all())
    out = out_by_room(sitting)
    rooms = []
    for room in sitting.rooms:
        counts = {str(status): attendance[(room.id, status)] for status in (
            AttendanceStatus.PRESENT, AttendanceStatus.LATE, AttendanceStatus.ABSENT)}
        rooms.append({
            "id": room.id, "name": room.name, "seated": seated[room.id], **counts,
            "not_checked_in": seated[room.id] - sum(counts.values()),
            "reminders_open": reminders[room.id],
            "incidents_waiting": sum(incidents[(room.id, status)] for status in UNDECIDED),
            "incidents_confirmed": incidents[(room.id, IncidentStatus.CONFIRMED)],
            "out": len(out.get(room.id, [])), "out_now": out.get(room.id, []),
        })
    waiting = sum(count for (_, status), count in incidents.items() if status in UNDECIDED)
    return {"sitting_id": sitting.id, "subject": subject.code, "rooms": rooms,
            "incidents_waiting": waiting, "last_seq": sitting.event_seq,
            "absence_alert_minutes": alert_minutes()}
