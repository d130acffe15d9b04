"""Incidents: reporting (checked by the rules engine), resolving reminders, deciding."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import joinedload, selectinload

import incidents as rules
from proctor import publisher
from proctor.database import utcnow
from proctor.errors import ApiError
from proctor.extensions import db
from proctor.models import (
    Candidate,
    CandidateWarning,
    Decision,
    DecisionKind,
    Incident,
    IncidentParty,
    Sitting,
    Subject,
    User,
    WarningOutcome,
)
from proctor.services import audit, due_process, idempotent
from proctor.services.evidence import record_hash
from proctor.services.floor import room_of, warning_data
from proctor.services.people import person_for, valid_id_number
from proctor.services.sanctions import recompute_for_incident


@dataclass(frozen=True)
class Party:
    """A party as the API names it: a candidate of the sitting, or a person by name and ID."""

    role: str
    candidate: Candidate | None = None
    name: str | None = None
    id_number: str | None = None


def rule_error(exc: rules.RuleError) -> ApiError:
    return ApiError(422, exc.code, str(exc), exc.field)


# What an incident's record shows (its subject, its parties with their person and candidate,
# its decisions), read in one query per relation however many incidents are loaded.
RECORD = (
    joinedload(Incident.subject),
    selectinload(Incident.parties).options(joinedload(IncidentParty.person),
                                           joinedload(IncidentParty.candidate)),
    selectinload(Incident.decisions),
)


def sitting_incidents(sitting_id: int, room_ids: Iterable[int] | None = None) -> list[Incident]:
    """The sitting's incidents, newest first, with their records loaded (see RECORD); only
    those of `room_ids` when given."""
    stmt = (db.select(Incident).where(Incident.sitting_id == sitting_id)
            .order_by(Incident.id.desc()).options(*RECORD))
    if room_ids is not None:
        stmt = stmt.where(Incident.room_id.in_(list(room_ids)))
    return list(db.session.scalars(stmt))


def incidents_of_person(sitting: Sitting, person_id: int) -> list[Incident]:
    """The incidents of the sitting naming this person as a party, in the order reported."""
    return list(db.session.scalars(
        db.select(Incident).where(Incident.sitting_id == sitting.id,
                                  Incident.parties.any(person_id=person_id))
        .order_by(Incident.id)))


def report_incident(sitting: Sitting, *, client_id: str, rule_code: str, subject: Subject | None,
                    observed_at: datetime, description: str, parties: list[Party],
                    severity: str | None, discovered_after_exam: bool, who: User,
                    warning: CandidateWarning | None = None) -> tuple[Incident, bool]:
    """Record a reported incident; returns (incident, created). Nothing counts until decided.

    A client_id seen before returns the incident it made in this sitting (and, for one raised
    by a refused reminder, for that reminder) if the caller may see it; else 409."""
    try:
        rule = rules.check_report(rule_code, subject=subject.code if subject else None,
                                  from_refused_warning=warning is not None,
                                  party_count=len(parties))
        if severity is not None:
            rules.check_decision(rule_code, confirm=True, severity=rules.Severity(severity))
    except rules.RuleError as exc:
        raise rule_error(exc) from None
    book = rules.default_rulebook()
    room_id = next((room_of(p.candidate) for p in parties if p.candidate), None)
    warning_id = warning.id if warning else None
    incident, created = idempotent.insert_once(
        Incident, client_id, lambda: Incident(
            client_id=client_id, sitting_id=sitting.id,
            subject_id=subject.id if subject else None, room_id=room_id, rule_code=rule.code,
            tier=int(rule.tier), rulebook_version=book.version, description=description,
            proposed_severity=severity, discovered_after_exam=discovered_after_exam,
            reported_by=who.id, observed_at=observed_at, warning_id=warning_id),
        same_target=lambda found: (found.sitting_id == sitting.id
                                   and found.warning_id == warning_id))
    if not created:
        return incident, False
    for party in parties:
        _add_party(incident, party)
    db.session.flush()
    audit.record("incident_reported", "incident", incident.id, sitting_id=sitting.id,
                 rule_code=rule.code, tier=int(rule.tier), client_id=client_id,
                 parties=[(p.role, p.candidate.ticket_no if p.candidate else p.id_number)
                          for p in parties], rulebook_version=book.version)
    publisher.publish("incident_reported", sitting.id, room_id, incident_event(incident))
    return incident, True


def _add_party(incident: Incident, party: Party) -> None:
    if party.candidate is not None:
        person_id, name_given = party.candidate.person_id, None
    else:
        number = valid_id_number(party.id_number or "", "parties.id_number")
        person = person_for(number, party.name or "")
        person_id, name_given = person.id, party.name
    if any(p.person_id == person_id for p in incident.parties):
        raise ApiError(422, "duplicate_party", "the same person is named twice", "parties")
    incident.parties.append(IncidentParty(person_id=person_id, role=party.role,
                                          candidate_id=party.candidate.id if party.candidate
                                          else None, name_as_given=name_given))


def incident_event(incident: Incident) -> dict[str, object]:
    return {"id": incident.id, "rule_code": incident.rule_code, "tier": incident.tier,
            "status": incident.status, "severity": incident.severity,
            "subject": incident.subject.code if incident.subject else None,
            "tickets": [p.candidate.ticket_no for p in incident.parties if p.candidate],
            "observed_at": incident.observed_at.isoformat()}


def resolve_warning(sitting: Sitting, warning: CandidateWarning, outcome: str,
                    note: str | None, who: User) -> CandidateWarning:
    """Complied: nothing follows. Refused: the Tier-1 incident is raised (经提醒拒不改正)."""
    if warning.outcome != WarningOutcome.PENDING:
        if warning.outcome == outcome:
            return warning  # a replay from a tablet's outbox
        raise ApiError(409, "warning_already_resolved",
                       f"this reminder was already recorded as {warning.outcome}", "outcome")
    warning.outcome, warning.resolved_at, warning.resolved_by = (
        WarningOutcome(outcome), utcnow(), who.id)
    if note:
        warning.note = f"{warning.note}\n{note}" if warning.note else note
    if warning.outcome == WarningOutcome.REFUSED:
        text = f"经提醒拒不改正 / refused to correct after a reminder ({warning.rule_code})"
        # "/" is outside the client_id alphabet: no tablet can claim this key beforehand.
        incident, _ = report_incident(
            sitting, client_id=f"warning/{warning.id}/refused", rule_code=warning.rule_code,
            subject=warning.subject, observed_at=utcnow(), description=text,
            parties=[Party("principal", candidate=warning.candidate)], severity=None,
            discovered_after_exam=False, who=who, warning=warning)
        warning.incident_id = incident.id
    db.session.flush()
    audit.record("warning_resolved", "warning", warning.id, outcome=outcome,
                 incident_id=warning.incident_id)
    publisher.publish("warning_resolved", sitting.id, warning.room_id, warning_data(warning))
    return warning


def _refusal_to_decide(incident: Incident, who: User) -> ApiError | None:
    """Only a reported (or proposed) incident is decided, and never by the one who reported
    it."""
    if incident.reported_by == who.id:
        return ApiError(403, "separation_of_duties",
                        "Nobody decides an incident they reported themselves.")
    if incident.status not in (rules.IncidentStatus.REPORTED, rules.IncidentStatus.PROPOSED):
        return ApiError(409, "already_decided", f"this incident is already {incident.status}")
    return None


def may_decide(incident: Incident, who: User) -> bool:
    """Whether `who` may decide this incident (or put it under another rule) now: the review
    page offers the decision on the very condition the API checks."""
    return _refusal_to_decide(incident, who) is None


def _open_to(incident: Incident, who: User) -> None:
    refusal = _refusal_to_decide(incident, who)
    if refusal is not None:
        raise refusal


def change_rule(incident: Incident, rule_code: str, reason: str, who: User) -> Incident:
    """Before a decision, a chief examiner may put the incident under another rule, with a
    reason; the old code stays in the record (a change_rule decision row). Not once proposed:
    the candidate was told the rule."""
    _open_to(incident, who)
    if incident.status == rules.IncidentStatus.PROPOSED:
        raise ApiError(409, "already_proposed",
                       "the proposal was told to the candidate under its rule; dismiss it and "
                       "report again to apply another")
    try:
        rule = rules.check_report(rule_code, subject=incident.subject.code if incident.subject
                                  else None, from_refused_warning=incident.warning_id is not None,
                                  party_count=len(incident.parties))
    except rules.RuleError as exc:
        raise rule_error(exc) from None
    if rule.code == incident.rule_code:
        return incident
    before = incident.rule_code
    incident.rule_code, incident.tier = rule.code, int(rule.tier)
    incident.rulebook_version = rules.default_rulebook().version
    if rule.tier != rules.Tier.THREE:
        incident.proposed_severity = None
    db.session.add(Decision(incident_id=incident.id, decision=DecisionKind.CHANGE_RULE,
                            note=reason, decided_by=who.id, rule_code_before=before,
                            rule_code_after=rule.code))
    db.session.flush()
    audit.record("incident_rule_changed", "incident", incident.id, before=before,
                 after=rule.code, reason=reason)
    publisher.publish("incident_decided", incident.sitting_id, incident.room_id,
                      incident_event(incident))
    return incident


def decide_incident(incident: Incident, decision: str, severity: str | None, note: str | None,
                    who: User, reasons: str | None = None) -> Incident:
    """Propose, confirm or dismiss an incident; sanctions are recomputed from the engine.

    Where the proposal stage applies (services.due_process), confirming needs a proposal told
    to every party and their statement windows closed (or waived)."""
    _open_to(incident, who)
    kind = DecisionKind(decision)
    considered: list[int] | None = None
    if kind == DecisionKind.PROPOSE:
        return _propose(incident, severity, note, who)
    if kind == DecisionKind.CONFIRM:
        severity, considered = _cleared_to_confirm(incident, severity, reasons)
    confirm = kind == DecisionKind.CONFIRM
    try:
        rules.check_decision(incident.rule_code, confirm=confirm,
                             severity=rules.Severity(severity) if severity else None)
    except rules.RuleError as exc:
        raise rule_error(exc) from None
    # The decider's countersignature: who decided, on which exact record (its hash).
    countersigned = record_hash(incident)
    incident.status = rules.IncidentStatus.CONFIRMED if confirm else rules.IncidentStatus.DISMISSED
    incident.severity = severity if confirm else None
    db.session.add(Decision(incident_id=incident.id, decision=kind, severity=severity,
                            note=note, decided_by=who.id, record_hash=countersigned,
                            considered_statement_ids=considered,
                            reasons=reasons if considered is not None else None))
    db.session.flush()
    recompute_for_incident(incident)
    audit.record("incident_decided", "incident", incident.id, decision=decision,
                 severity=severity, note=note, rule_code=incident.rule_code,
                 countersigned_record_hash=countersigned, considered_statement_ids=considered,
                 reasons=reasons if considered is not None else None)
    publisher.publish("incident_decided", incident.sitting_id, incident.room_id,
                      incident_event(incident))
    return incident


def proposed_severity(incident: Incident) -> str | None:
    """The severity the chief examiner proposed (the last proposal's)."""
    proposals = [d for d in incident.decisions if d.decision == DecisionKind.PROPOSE]
    return proposals[-1].severity if proposals else None


def _propose(incident: Incident, severity: str | None, note: str | None,
             who: User) -> Incident:
    """拟处理: the sanction the chief examiner proposes, told to the candidate before it is
    decided; it has no effect (the engine counts only confirmed incidents)."""
    if incident.status == rules.IncidentStatus.PROPOSED:
        if proposed_severity(incident) == severity:
            return incident  # a replay
        raise ApiError(409, "already_proposed", "this incident is already proposed")
    if not due_process.stage_applies(incident):
        raise ApiError(422, "proposal_not_applicable",
                       f"Tier {incident.tier} of this sitting is confirmed in one step: "
                       f"there is no proposal stage for it.", "decision")
    try:
        rules.check_decision(incident.rule_code, confirm=True,
                             severity=rules.Severity(severity) if severity else None)
    except rules.RuleError as exc:
        raise rule_error(exc) from None
    countersigned = record_hash(incident)
    incident.status = rules.IncidentStatus.PROPOSED
    db.session.add(Decision(incident_id=incident.id, decision=DecisionKind.PROPOSE,
                            severity=severity, note=note, decided_by=who.id,
                            record_hash=countersigned))
    db.session.flush()
    db.session.refresh(incident, ["decisions"])
    audit.record("incident_proposed", "incident", incident.id, severity=severity, note=note,
                 rule_code=incident.rule_code, countersigned_record_hash=countersigned)
    publisher.publish("incident_decided", incident.sitting_id, incident.room_id,
                      incident_event(incident))
    return incident


def _cleared_to_confirm(incident: Incident, severity: str | None,
                        reasons: str | None) -> tuple[str | None, list[int] | None]:
    """The severity to confirm and the statements considered (None: no proposal stage)."""
    if incident.status != rules.IncidentStatus.PROPOSED:
        if due_process.stage_applies(incident):
            raise ApiError(422, "pre_notice_required",
                           "Propose the decision first (decision: propose) and serve the "
                           "pre-decision notice (事先告知书) on every party.", "decision")
        return severity, None
    statements = due_process.statements_to_consider(incident)
    proposed = proposed_severity(incident)
    if severity is None:
        severity = proposed
    elif proposed == rules.Severity.MINOR and severity == rules.Severity.SERIOUS:
        raise ApiError(422, "harsher_than_proposed",
                       "the candidate was told of a minor case: a serious one needs a new "
                       "proposal", "severity")
    if statements and not (reasons or "").strip():
        raise ApiError(422, "reasons_required",
                       "the candidate made a statement: say why the decision stands",
                       "reasons")
    return severity, [s.id for s in statements]
