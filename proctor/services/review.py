"""What a chief examiner needs to decide one incident, gathered in one place."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy.orm import joinedload

import incidents as rules
from proctor.extensions import db
from proctor.models import (
    Acknowledgement,
    Addendum,
    Candidate,
    CandidateWarning,
    Evidence,
    Incident,
    Person,
    SeizedItem,
    Sitting,
    User,
)
from proctor.services import due_process, movements
from proctor.services.evidence import record_hash
from proctor.services.incidents import may_decide


def _display_names(user_ids: Iterable[int | None]) -> Callable[[int | None], str]:
    """A look-up of display names ("" for none) for these users, read in one query."""
    wanted = {user_id for user_id in user_ids if user_id}
    names = dict(db.session.execute(
        db.select(User.id, User.display_name).where(User.id.in_(wanted))).all()
    ) if wanted else {}
    return lambda user_id: names.get(user_id, "") if user_id else ""


def incident_review(incident: Incident, sitting: Sitting, who: User) -> dict[str, Any]:
    """The rule, the sanction per person, the reminders before it, both clocks, the evidence,
    the candidate's acknowledgement, the record so far, and whether `who` may decide.

    Each kind of related row is read in one query, whatever its number (load the incident
    with `services.incidents.RECORD` for its parties and decisions)."""
    rule = rules.default_rulebook().get(incident.rule_code)
    subject = incident.subject.code if incident.subject else None
    severity = rules.Severity(incident.severity or incident.proposed_severity) \
        if (incident.severity or incident.proposed_severity) else None
    sanction = rules.preview(incident.rule_code, sitting_date=sitting.date, subject=subject,
                             severity=severity)
    return {
        "sitting": sitting, "rule": rule, "sanction": sanction,
        "parties": [{"role": p.role, "name": p.name_as_given or p.person.name,
                     "id_number": p.person.id_number,
                     "ticket_no": p.candidate.ticket_no if p.candidate else None}
                    for p in incident.parties],
        **_record_so_far(incident),
        "is_reporter": incident.reported_by == who.id,
        "can_decide": may_decide(incident, who),
        # Decided in two steps (拟处理, then 确认 after the pre-notice and the statements).
        "two_step": (incident.status == rules.IncidentStatus.PROPOSED
                     or due_process.stage_applies(incident)),
        "has_pre_notices": bool(due_process.pre_notices_of(incident)),
        "record_hash": record_hash(incident),
        # Leaving the seat (T1.2): the candidate's movements of that subject are evidence.
        "movements": movements.of_incident(incident),
    }


def _record_so_far(incident: Incident) -> dict[str, Any]:
    """The reminders given to its candidates, who reported it, its evidence, acknowledgement,
    addenda and decisions, with the names of the people who wrote them."""
    candidate_ids = [p.candidate_id for p in incident.parties if p.candidate_id]
    warnings = list(db.session.scalars(
        db.select(CandidateWarning).where(CandidateWarning.candidate_id.in_(candidate_ids))
        .options(joinedload(CandidateWarning.candidate), joinedload(CandidateWarning.subject))
        .order_by(CandidateWarning.observed_at)))
    acknowledgements = list(db.session.scalars(db.select(Acknowledgement).where(
        Acknowledgement.incident_id == incident.id)))
    addenda = list(db.session.scalars(db.select(Addendum).where(
        Addendum.incident_id == incident.id).order_by(Addendum.id)))
    seized = list(db.session.scalars(db.select(SeizedItem).where(
        SeizedItem.incident_id == incident.id).order_by(SeizedItem.seized_at, SeizedItem.id)))
    name = _display_names(
        [incident.reported_by] + [w.recorded_by for w in warnings]
        + [a.recorded_by for a in acknowledgements] + [a.attested_by for a in acknowledgements]
        + [a.written_by for a in addenda] + [d.decided_by for d in incident.decisions]
        + [i.seized_by for i in seized] + [i.returned_by for i in seized])
    return {
        "warnings": [{"rule_code": w.rule_code, "ticket_no": w.candidate.ticket_no,
                      "subject": w.subject.name, "outcome": w.outcome,
                      "observed_at": w.observed_at, "by": name(w.recorded_by),
                      "raised_this": w.incident_id == incident.id} for w in warnings],
        "reported_by": name(incident.reported_by),
        "evidence": list(db.session.scalars(db.select(Evidence).where(
            Evidence.incident_id == incident.id).order_by(Evidence.id))),
        "acknowledgements": [{"kind": a.kind, "by": name(a.recorded_by),
                              "attested_by": name(a.attested_by), "at": a.recorded_at,
                              "record_hash": a.record_hash} for a in acknowledgements],
        "addenda": [{"text": a.text, "by": name(a.written_by), "at": a.written_at}
                    for a in addenda],
        "decisions": [{"decision": d.decision, "severity": d.severity, "note": d.note,
                       "by": name(d.decided_by), "at": d.decided_at}
                      for d in incident.decisions],
        "seized": _seized(incident, seized, name),
    }


def _seized(incident: Incident, items: list[SeizedItem],
            name: Callable[[int | None], str]) -> list[dict[str, Any]]:
    """The items taken in this incident: what, from whom (name and ticket), where they are
    kept, who took them when, and whether (when, to whom, by whom) they were returned."""
    person_ids = {i.person_id for i in items}
    people = dict(db.session.execute(db.select(Person.id, Person.name).where(
        Person.id.in_(person_ids))).all()) if person_ids else {}
    tickets = dict(db.session.execute(db.select(Candidate.person_id, Candidate.ticket_no).where(
        Candidate.sitting_id == incident.sitting_id,
        Candidate.person_id.in_(person_ids))).all()) if person_ids else {}
    return [{"id": i.id, "description": i.description, "name": people.get(i.person_id, ""),
             "ticket_no": tickets.get(i.person_id), "kept_at": i.kept_at,
             "seized_by": name(i.seized_by), "seized_at": i.seized_at,
             "returned_at": i.returned_at, "returned_to": i.returned_to,
             "returned_by": name(i.returned_by)} for i in items]
