"""What a chief examiner needs to decide one incident, gathered in one place."""

from __future__ import annotations

from typing import Any

import incidents as rules
from proctor.extensions import db
from proctor.models import (
    Acknowledgement,
    Addendum,
    CandidateWarning,
    Evidence,
    Incident,
    Sitting,
    User,
)
from proctor.services.evidence import record_hash


def _name(user_id: int | None) -> str:
    user = db.session.get(User, user_id) if user_id else None
    return user.display_name if user else ""


def incident_review(incident: Incident, who: User) -> dict[str, Any]:
    """The rule, the sanction per person, the reminders before it, both clocks, the evidence,
    the candidate's acknowledgement, the record so far, and whether `who` may decide."""
    sitting = db.session.get(Sitting, incident.sitting_id)
    rule = rules.default_rulebook().get(incident.rule_code)
    subject = incident.subject.code if incident.subject else None
    severity = rules.Severity(incident.severity or incident.proposed_severity) \
        if (incident.severity or incident.proposed_severity) else None
    sanction = rules.preview(incident.rule_code, sitting_date=sitting.date, subject=subject,
                             severity=severity)
    candidate_ids = [p.candidate_id for p in incident.parties if p.candidate_id]
    warnings = db.session.scalars(db.select(CandidateWarning).where(
        CandidateWarning.candidate_id.in_(candidate_ids)).order_by(CandidateWarning.observed_at))
    return {
        "sitting": sitting, "rule": rule, "sanction": sanction,
        "parties": [{"role": p.role, "name": p.name_as_given or p.person.name,
                     "id_number": p.person.id_number,
                     "ticket_no": p.candidate.ticket_no if p.candidate else None}
                    for p in incident.parties],
        "warnings": [{"rule_code": w.rule_code, "ticket_no": w.candidate.ticket_no,
                      "subject": w.subject.name, "outcome": w.outcome,
                      "observed_at": w.observed_at, "by": _name(w.recorded_by),
                      "raised_this": w.incident_id == incident.id} for w in warnings],
        "reported_by": _name(incident.reported_by),
        "evidence": list(db.session.scalars(db.select(Evidence).where(
            Evidence.incident_id == incident.id).order_by(Evidence.id))),
        "acknowledgements": [{"kind": a.kind, "by": _name(a.recorded_by),
                              "attested_by": _name(a.attested_by), "at": a.recorded_at,
                              "record_hash": a.record_hash}
                             for a in db.session.scalars(db.select(Acknowledgement).where(
                                 Acknowledgement.incident_id == incident.id))],
        "addenda": [{"text": a.text, "by": _name(a.written_by), "at": a.written_at}
                    for a in db.session.scalars(db.select(Addendum).where(
                        Addendum.incident_id == incident.id).order_by(Addendum.id))],
        "decisions": [{"decision": d.decision, "severity": d.severity, "note": d.note,
                       "by": _name(d.decided_by), "at": d.decided_at}
                      for d in incident.decisions],
        "is_reporter": incident.reported_by == who.id,
        "can_decide": incident.status == "reported" and incident.reported_by != who.id,
        "record_hash": record_hash(incident),
    }
