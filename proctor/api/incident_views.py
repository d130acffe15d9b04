"""Reporting incidents, deciding them, and a candidate's resulting sanctions."""

from __future__ import annotations

from proctor.api import bp
from proctor.api.present import incident_out, incidents_out
from proctor.api.schemas import (
    BanPeriodOut,
    DecisionIn,
    ExplanationOut,
    IncidentIn,
    IncidentOut,
    IncidentsOut,
    RuleChangeIn,
    SanctionsOut,
)
from proctor.api.spec import endpoint
from proctor.extensions import db
from proctor.models import EVERYONE, MANAGERS, STAFF, Candidate, Incident, Sitting
from proctor.services import access, scope
from proctor.services.incidents import (
    Party,
    change_rule,
    decide_incident,
    report_incident,
    sitting_incidents,
)
from proctor.services.sanctions import sanction_for_person, voided_subject_codes
from proctor.services.sittings import subject_by_code


@endpoint(bp, "POST", "/sittings/<id:sid>/incidents", summary="Report an incident",
          tag="incidents", body=IncidentIn, responses={201: IncidentOut, 200: IncidentOut},
          roles=STAFF, load=scope.sitting())
def post_incident(sitting: Sitting, body: IncidentIn):  # type: ignore[no-untyped-def]
    """Every party is checked like the sitting in the URL; a client_id seen before answers the
    incident it made in this sitting if the caller may see it, else 409 client_id_conflict."""
    if body.discovered_after_exam and not access.is_authority():
        raise access.deny("misconduct found after the exam is recorded by the evaluation body")
    parties = _parties(sitting, body)
    subject = subject_by_code(sitting, body.subject) if body.subject else None
    incident, created = report_incident(
        sitting, client_id=body.client_id, rule_code=body.rule_code, subject=subject,
        observed_at=body.observed_at, description=body.description, parties=parties,
        severity=body.severity, discovered_after_exam=body.discovered_after_exam,
        who=access.user())
    db.session.commit()
    return incident_out(incident), 201 if created else 200


def _parties(sitting: Sitting, body: IncidentIn) -> list[Party]:
    parties = []
    for index, given in enumerate(body.parties):
        if given.ticket_no is not None:
            candidate = scope.candidate_in_scope(sitting, given.ticket_no,
                                                 f"parties.{index}.ticket_no")
            parties.append(Party(given.role, candidate=candidate))
        else:
            parties.append(Party(given.role, name=given.name, id_number=given.id_number))
    if not any(p.candidate for p in parties) and not access.is_authority():
        access.require_room(sitting, None)
    return parties


@endpoint(bp, "GET", "/incidents/<id:iid>", summary="One incident with parties and decisions",
          tag="incidents", responses={200: IncidentOut}, roles=EVERYONE,
          load=scope.incident(record=True))
def get_incident(incident: Incident) -> IncidentOut:
    return incident_out(incident)


@endpoint(bp, "GET", "/sittings/<id:sid>/incidents", summary="Incidents of a sitting",
          tag="incidents", responses={200: IncidentsOut}, roles=EVERYONE, load=scope.sitting())
def list_incidents(sitting: Sitting) -> IncidentsOut:
    return IncidentsOut(incidents_out(sitting_incidents(sitting.id,
                                                        access.visible_rooms(sitting.id))))


@endpoint(bp, "POST", "/incidents/<id:iid>/decision",
          summary="Propose, confirm or dismiss an incident", tag="incidents", body=DecisionIn,
          responses={200: IncidentOut}, roles=MANAGERS,
          load=scope.incident(manage=True))
def post_decision(incident: Incident, body: DecisionIn) -> IncidentOut:
    decide_incident(incident, body.decision, body.severity, body.note, access.user(),
                    reasons=body.reasons)
    db.session.commit()
    return incident_out(incident)


@endpoint(bp, "POST", "/incidents/<id:iid>/rule",
          summary="Put a reported incident under another rule, with a reason", tag="incidents",
          body=RuleChangeIn, responses={200: IncidentOut}, roles=MANAGERS,
          load=scope.incident(manage=True))
def post_rule_change(incident: Incident, body: RuleChangeIn) -> IncidentOut:
    change_rule(incident, body.rule_code, body.reason, access.user())
    db.session.commit()
    return incident_out(incident)


@endpoint(bp, "GET", "/sittings/<id:sid>/candidates/<ticket_no>/sanctions",
          summary="What the confirmed incidents mean for this candidate", tag="incidents",
          responses={200: SanctionsOut}, roles=EVERYONE, load=scope.candidate())
def get_sanctions(sitting: Sitting, candidate: Candidate) -> SanctionsOut:
    result = sanction_for_person(candidate.person_id)
    outcome = result.outcome_for(sitting.id)
    ban = next((b for b in result.bans if sitting.id in b.sitting_ids), None)
    return SanctionsOut(
        ticket_no=candidate.ticket_no, voided_subjects=voided_subject_codes(outcome, sitting),
        all_subjects_voided=outcome.all_subjects_voided,
        ban=BanPeriodOut(from_=ban.start, until=ban.until, tier=int(ban.tier),
                         rule_codes=list(ban.rule_codes), referral=ban.referral) if ban else None,
        certificate_revoked=outcome.certificate_revoked, incidents=list(outcome.incident_ids),
        explanations=[ExplanationOut(incident_id=e.incident_id, rule_code=e.rule_code, zh=e.zh,
                                     en=e.en)
                      for e in result.explanations if e.incident_id in outcome.incident_ids])
