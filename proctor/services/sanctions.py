"""Sanctions materialised from the engine: recomputed for every person an incident touches."""

from __future__ import annotations

from sqlalchemy import delete

import incidents as rules
from proctor.database import utcnow
from proctor.extensions import db
from proctor.models import (
    BanRecord,
    Candidate,
    CandidateSanction,
    Decision,
    Incident,
    IncidentParty,
    Sitting,
    Subject,
)


def facts_for_person(person_id: int) -> list[rules.IncidentFact]:
    """Every incident the person is a party of, as the engine's facts (all statuses)."""
    stmt = (db.select(IncidentParty.role, Incident, Sitting.date, Subject.code, Subject.name)
            .join(Incident, IncidentParty.incident_id == Incident.id)
            .join(Sitting, Incident.sitting_id == Sitting.id)
            .outerjoin(Subject, Incident.subject_id == Subject.id)
            .where(IncidentParty.person_id == person_id))
    return [
        rules.IncidentFact(
            incident_id=incident.id, rule_code=incident.rule_code,
            status=rules.IncidentStatus(incident.status), sitting_id=incident.sitting_id,
            sitting_date=sitting_date, subject=subject_code,
            severity=rules.Severity(incident.severity) if incident.severity else None,
            role=rules.PartyRole(role), discovered_after_exam=incident.discovered_after_exam,
            subject_name=subject_name)
        for role, incident, sitting_date, subject_code, subject_name in db.session.execute(stmt)
    ]


def sanction_for_person(person_id: int) -> rules.PersonSanction:
    return rules.compute_sanction(facts_for_person(person_id))


def voided_subject_codes(outcome: rules.SittingOutcome, sitting: Sitting) -> list[str]:
    """Every voided subject of the sitting, sorted: all of them when the whole sitting is
    voided (Tier 2 and 3), else those voided one by one (Tier 1)."""
    every = sorted(subject.code for subject in sitting.subjects)  # read either way: one query
    return every if outcome.all_subjects_voided else sorted(outcome.voided_subjects)


def recompute_for_incident(incident: Incident) -> None:
    for party in incident.parties:
        recompute_person(party.person_id)


def recompute_person(person_id: int) -> rules.PersonSanction:
    """Rewrite the person's materialised sanctions and bans from the engine's answer."""
    result = sanction_for_person(person_id)
    now = utcnow()
    for candidate in db.session.scalars(db.select(Candidate).where(
            Candidate.person_id == person_id)):
        outcome = result.outcome_for(candidate.sitting_id)
        row = db.session.get(CandidateSanction, candidate.id) or CandidateSanction(
            candidate_id=candidate.id)
        row.voided_subjects = voided_subject_codes(
            outcome, db.session.get_one(Sitting, candidate.sitting_id))
        row.all_subjects_voided = outcome.all_subjects_voided
        row.certificate_revoked = outcome.certificate_revoked
        row.incident_ids = list(outcome.incident_ids)
        row.explanations = [
            {"incident_id": e.incident_id, "rule_code": e.rule_code, "zh": e.zh, "en": e.en}
            for e in result.explanations if e.incident_id in outcome.incident_ids]
        row.decided_at = _last_decision_at(outcome.incident_ids)
        row.computed_at = now
        db.session.add(row)
    db.session.execute(delete(BanRecord).where(BanRecord.person_id == person_id))
    for ban in result.bans:
        db.session.add(BanRecord(
            person_id=person_id, starts_on=ban.start, until=ban.until, tier=int(ban.tier),
            rule_codes=" ".join(ban.rule_codes), referral=ban.referral,
            incident_ids=list(ban.incident_ids), sitting_ids=list(ban.sitting_ids),
            sitting_id=ban.sitting_ids[0] if ban.sitting_ids else None, computed_at=now))
    db.session.flush()
    return result


def _last_decision_at(incident_ids: tuple[int, ...]):  # type: ignore[no-untyped-def]
    if not incident_ids:
        return None
    return db.session.scalar(db.select(db.func.max(Decision.decided_at)).where(
        Decision.incident_id.in_(incident_ids)))
