"""Rows into response models (ID numbers masked for invigilators)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from proctor.api.schemas import (
    CandidateOut,
    DecisionOut,
    IncidentOut,
    PartyOut,
    RoomOut,
    SeatOut,
    SittingOut,
    SubjectOut,
    WarningOut,
)
from proctor.extensions import db
from proctor.models import Candidate, CandidateWarning, Incident, Room, Sitting, User
from proctor.services import due_process
from proctor.services.access import shown_id_number
from proctor.services.floor import seat_of
from proctor.services.people import subject_codes
from proctor.services.scope import shown_camera_source


def room_out(room: Room) -> RoomOut:
    return RoomOut(id=room.id, sitting_id=room.sitting_id, name=room.name, rows=room.rows,
                   cols=room.cols, seats=room.seat_count,
                   camera_source=shown_camera_source(room))


def sitting_out(sitting: Sitting) -> SittingOut:
    return SittingOut(
        id=sitting.id, occupation=sitting.occupation, level=sitting.level, date=sitting.date,
        subjects=[SubjectOut(code=s.code, name=s.name, starts_at=s.starts_at, ends_at=s.ends_at)
                  for s in sitting.subjects],
        rooms=[room_out(room) for room in sitting.rooms],
        pre_notice_tiers=due_process.own_tiers(sitting),
        pre_notice_tiers_in_force=list(due_process.stage_tiers(sitting)))


def candidate_out(candidate: Candidate, sitting: Sitting) -> CandidateOut:
    seat = seat_of(candidate)
    return CandidateOut(
        id=candidate.id, sitting_id=candidate.sitting_id, ticket_no=candidate.ticket_no,
        name=candidate.person.name, id_number=shown_id_number(candidate.person.id_number),
        subjects=subject_codes(candidate, sitting), application=candidate.application,
        training_body=candidate.training_body,
        seat=SeatOut(room_id=seat.room_id, seat_no=seat.seat_no) if seat else None)


def warning_out(warning: CandidateWarning) -> WarningOut:
    return WarningOut(
        id=warning.id, client_id=warning.client_id, sitting_id=warning.candidate.sitting_id,
        ticket_no=warning.candidate.ticket_no, subject=warning.subject.code,
        rule_code=warning.rule_code, outcome=warning.outcome, note=warning.note,
        observed_at=warning.observed_at, recorded_at=warning.recorded_at,
        incident_id=warning.incident_id)


def usernames(user_ids: Iterable[int]) -> dict[int, str]:
    """Usernames by user id, in one query."""
    wanted = set(user_ids)
    if not wanted:
        return {}
    return dict(db.session.execute(
        db.select(User.id, User.username).where(User.id.in_(wanted))).all())


def incident_out(incident: Incident) -> IncidentOut:
    return incidents_out([incident])[0]


def incidents_out(incidents: Sequence[Incident]) -> list[IncidentOut]:
    """Incidents as answers; the people who reported and decided them are read in one query
    (load the incidents with `services.incidents.RECORD` for the rest)."""
    names = usernames([i.reported_by for i in incidents]
                      + [d.decided_by for i in incidents for d in i.decisions])
    return [_incident_out(incident, names) for incident in incidents]


def _incident_out(incident: Incident, names: dict[int, str]) -> IncidentOut:
    def name(user_id: int) -> str:
        return names.get(user_id, str(user_id))

    return IncidentOut(
        id=incident.id, client_id=incident.client_id, sitting_id=incident.sitting_id,
        rule_code=incident.rule_code, tier=incident.tier,
        rulebook_version=incident.rulebook_version,
        subject=incident.subject.code if incident.subject else None, room_id=incident.room_id,
        status=incident.status, severity=incident.severity,
        proposed_severity=incident.proposed_severity, description=incident.description,
        discovered_after_exam=incident.discovered_after_exam,
        observed_at=incident.observed_at, recorded_at=incident.recorded_at,
        reported_by=name(incident.reported_by), warning_id=incident.warning_id,
        parties=[PartyOut(role=p.role, name=p.name_as_given or p.person.name,
                          id_number=shown_id_number(p.person.id_number),
                          ticket_no=p.candidate.ticket_no if p.candidate else None)
                 for p in incident.parties],
        decisions=[DecisionOut(decision=d.decision, severity=d.severity, note=d.note,
                               decided_by=name(d.decided_by), decided_at=d.decided_at,
                               record_hash=d.record_hash, rule_code_before=d.rule_code_before,
                               rule_code_after=d.rule_code_after)
                   for d in incident.decisions])
