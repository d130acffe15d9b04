"""What each letter says, frozen at issue: the decision notice (and a revised one, which is the
decision notice as the review left it, citing the review) and the review decision letter.

Plain JSON values only, so the SHA-256 of the stored content is the one computed at issue. Each
letter keeps the rule as the attachment numbers it (the citation) and the remedies open to the
person: review (复核) while it is open, then the configured text on what lies beyond it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import current_app

import incidents as rules
from proctor.extensions import db
from proctor.models import (
    CandidateWarning,
    DecisionKind,
    Evidence,
    Incident,
    IncidentParty,
    LetterKind,
    Notice,
    ReviewRequest,
    Room,
    SeatAssignment,
    Sitting,
)
from proctor.services import due_process
from proctor.services.letters import remedies_text
from proctor.services.sanctions import facts_for_person, voided_subject_codes
from proctor.services.sittings import venue_today, venue_zone


def window_days() -> int:
    return int(current_app.config["REVIEW_WINDOW_DAYS"])


def decision_days() -> int:
    return int(current_app.config["REVIEW_DECISION_DAYS"])


def rule_part(code: str) -> dict[str, Any]:
    """The rule as a letter quotes it: the attachment's article and item, title and text."""
    book = rules.default_rulebook()
    rule = book.get(code)
    return {"code": rule.code, "tier": int(rule.tier), "rulebook_version": book.version,
            "title": {"zh": rule.title.zh, "en": rule.title.en},
            "text": {"zh": rule.text.zh, "en": rule.text.en},
            "citation": {"zh": rules.cite(rule, "zh"), "en": rules.cite(rule, "en"),
                         "article": rule.citation.article, "item": rule.citation.item}}


def _body() -> dict[str, str]:
    cfg = current_app.config
    return {"zh": cfg["ISSUING_BODY"], "en": cfg["ISSUING_BODY_EN"]}


def remedies(review_open: bool) -> dict[str, Any]:
    """The remedies a letter lists: review while open (its deadline counts from service),
    then the configured text on what lies beyond."""
    return {"review": review_open, "beyond": remedies_text()}


def snapshot(incident: Incident, party: IncidentParty, sitting: Sitting, number: str,
             kind: LetterKind = LetterKind.DECISION, revision: dict[str, Any] | None = None,
             review_open: bool = True) -> dict[str, Any]:
    """Everything a decision notice says, frozen: person (and seat), facts (and the reminder a
    refusal followed), evidence, rule (and its citation of the attachment), sanction, review
    and the remedies; a revised notice also names the notice it replaces and the review."""
    room = db.session.get(Room, incident.room_id) if incident.room_id else None
    seat = db.session.get(SeatAssignment, party.candidate_id) if party.candidate_id else None
    # The hearing (事先告知 and the statements considered) only where there was one, so the
    # content of notices issued without it stays as it was.
    hearing = due_process.hearing_of(incident, party.person_id)
    content: dict[str, Any] = {
        **({"hearing": hearing} if hearing else {}),
        "kind": str(kind),
        "number": number,
        "person": {"name": party.name_as_given or party.person.name,
                   "id_number": party.person.id_number,
                   "ticket_no": party.candidate.ticket_no if party.candidate else None,
                   "seat_no": seat.seat_no if seat else None,
                   "role": party.role},
        "sitting": sitting_part(sitting),
        "facts": {"incident_id": incident.id, "description": incident.description,
                  "observed_at": venue_moment(incident.observed_at),
                  "room": room.name if room else None,
                  "subject": ({"code": incident.subject.code, "name": incident.subject.name}
                              if incident.subject else None),
                  "reminder": _reminder(incident),
                  "discovered_after_exam": incident.discovered_after_exam},
        "evidence": [{"id": e.id, "kind": e.kind, "sha256": e.sha256,
                      "taken_at": e.taken_at.isoformat()}
                     for e in db.session.scalars(db.select(Evidence).where(
                         Evidence.incident_id == incident.id).order_by(Evidence.id))],
        "rule": rule_part(incident.rule_code),
        "decision": {"severity": incident.severity,
                     "decided_at": _confirmed_at(incident)},
        "sanction": sanction_of(incident, party.person_id),
        "review": {"window_days": window_days(), "decision_days": decision_days(),
                   "to": _body(), "open": review_open},
        "remedies": remedies(review_open),
        "issuing_body": _body(),
        "issued_on": venue_today().isoformat(),
    }
    if revision is not None:
        content["revision"] = revision
    return content


def sitting_part(sitting: Sitting) -> dict[str, Any]:
    return {"id": sitting.id, "occupation": sitting.occupation, "level": sitting.level,
            "date": sitting.date.isoformat(),
            "subjects": [{"code": s.code, "name": s.name} for s in sitting.subjects]}


def revision_part(old: Notice, review: ReviewRequest, letter: Notice) -> dict[str, Any]:
    """What a revised notice cites: the notice it replaces and the review that changed it."""
    return {"supersedes": {"id": old.id, "number": old.number,
                           "issued_on": old.issued_on.isoformat()},
            "review": {"id": review.id, "letter_number": letter.number,
                       "received_on": review.received_on.isoformat(),
                       "decided_on": _venue_date(review.decided_at),
                       "reasons": review.outcome_note or ""}}


def review_letter(review: ReviewRequest, incident: Incident, sitting: Sitting,
                  number: str) -> dict[str, Any]:
    """The review decision letter (复核决定书): the request, the outcome, its reasons, the rule
    and sanction as they now stand (before and after, when changed), and the remedies left."""
    reviewed = review.notice
    outcome = str(review.status)
    content: dict[str, Any] = {
        "kind": str(LetterKind.REVIEW_DECISION),
        "number": number,
        "person": dict(reviewed.content["person"]),
        "sitting": sitting_part(sitting),
        "reviewed": {"id": reviewed.id, "number": reviewed.number,
                     "issued_on": reviewed.issued_on.isoformat(),
                     "served_on": reviewed.served_on.isoformat() if reviewed.served_on
                     else None},
        "request": {"received_on": review.received_on.isoformat(),
                    "grounds": review.grounds or ""},
        "outcome": outcome,
        "reasons": review.outcome_note or "",
        "decided_on": _venue_date(review.decided_at),
        "rule": rule_part(incident.rule_code),
        "decision": {"severity": incident.severity},
        "before": None,
        "sanction": None if outcome == "overturned" else sanction_of(incident,
                                                                     reviewed.person_id),
        "remedies": remedies(False),
        "issuing_body": _body(),
        "issued_on": venue_today().isoformat(),
    }
    if outcome == "changed" and review.old_rule_code:
        content["before"] = {"rule": rule_part(review.old_rule_code),
                             "severity": review.old_severity}
    return content


def venue_moment(moment: datetime) -> str:
    return moment.astimezone(venue_zone()).isoformat(timespec="minutes")


def _venue_date(moment: datetime | None) -> str:
    return (moment or datetime.now(venue_zone())).astimezone(venue_zone()).date().isoformat()


def _reminder(incident: Incident) -> dict[str, Any] | None:
    """The reminder whose refusal raised a Tier-1 incident: when it was given, when the refusal
    was recorded, and what the invigilator noted (the incident's own description is generated).
    """
    warning = db.session.get(CandidateWarning, incident.warning_id) if incident.warning_id \
        else None
    if warning is None:
        return None
    return {"rule_code": warning.rule_code, "reminded_at": venue_moment(warning.observed_at),
            "refused_at": venue_moment(warning.resolved_at) if warning.resolved_at else None,
            "note": warning.note}


def _confirmed_at(incident: Incident) -> str | None:
    confirm = [d for d in incident.decisions if d.decision == DecisionKind.CONFIRM]
    return confirm[-1].decided_at.isoformat() if confirm else None


def sanction_of(incident: Incident, person_id: int) -> dict[str, Any]:
    """What this incident alone brings this person, from the engine (explanation and dates)."""
    return sanction_from(incident, [f for f in facts_for_person(person_id)
                                    if f.incident_id == incident.id])


def sanction_from(incident: Incident, facts: list[rules.IncidentFact]) -> dict[str, Any]:
    """The engine's sanction of these facts of the incident, as a letter states it."""
    result = rules.compute_sanction(facts)
    outcome = result.outcome_for(incident.sitting_id)
    sitting = db.session.get(Sitting, incident.sitting_id)
    explanation = next((e for e in result.explanations if e.incident_id == incident.id), None)
    return {
        "explanation": {"zh": explanation.zh if explanation else "",
                        "en": explanation.en if explanation else ""},
        "voided_subjects": voided_subject_codes(outcome, sitting),
        "all_subjects_voided": outcome.all_subjects_voided,
        "certificate_revoked": outcome.certificate_revoked,
        "referral": result.referral,
        "bans": [{"from": b.start.isoformat(), "until": b.until.isoformat(), "tier": int(b.tier),
                  "rule_codes": list(b.rule_codes), "referral": b.referral}
                 for b in result.bans],
    }
