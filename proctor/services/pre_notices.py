"""Issuing the pre-decision notice (处理事先告知书): one per party person of a proposed incident,
numbered per sitting, its content frozen with its SHA-256 like the decision notice's.

Its content is the decision notice's snapshot (person, facts, evidence, rule and its citation)
with the proposed sanction in place of a decided one, and the statement window's terms.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from flask import current_app
from sqlalchemy.exc import IntegrityError

import incidents as rules
from proctor import hashing, publisher
from proctor.database import utcnow
from proctor.errors import ApiError
from proctor.extensions import db
from proctor.models import Incident, IncidentParty, PreNotice, Sitting, User
from proctor.services import audit, candidate_tokens, due_process, letter_content
from proctor.services.incidents import proposed_severity
from proctor.services.sanctions import facts_for_person
from proctor.services.sittings import venue_today


def issue_pre_notices(incident: Incident, who: User) -> list[PreNotice]:
    """The pre-notice of a proposed incident for each party; issuing again returns them."""
    if incident.status != rules.IncidentStatus.PROPOSED:
        raise ApiError(409, "incident_not_proposed",
                       f"A pre-decision notice tells of a proposal; this incident is "
                       f"{incident.status}.")
    return [_issue_one(incident, party, who) for party in incident.parties]


def _existing(incident_id: int, person_id: int) -> PreNotice | None:
    return db.session.scalar(db.select(PreNotice).where(PreNotice.incident_id == incident_id,
                                                        PreNotice.person_id == person_id))


def _issue_one(incident: Incident, party: IncidentParty, who: User) -> PreNotice:
    sitting = db.session.get_one(Sitting, incident.sitting_id)
    for _attempt in range(5):
        found = _existing(incident.id, party.person_id)
        if found is not None:
            return found
        seq = 1 + (db.session.scalar(db.select(db.func.count(PreNotice.id)).where(
            PreNotice.sitting_id == sitting.id)) or 0)
        number = f"{sitting.date.year}-{sitting.id}-G{seq:03d}"  # G: 告知
        content = snapshot(incident, party, sitting, number)
        row = PreNotice(number=number, sitting_id=sitting.id, incident_id=incident.id,
                        person_id=party.person_id, candidate_id=party.candidate_id,
                        issued_by=who.id, issued_at=utcnow(), issued_on=venue_today(),
                        content=content, content_sha256=hashing.digest(content))
        try:
            with db.session.begin_nested():
                db.session.add(row)
        except IntegrityError:
            continue  # another request issued it, or took the number: look again
        candidate_tokens.create_for(row)
        audit.record("pre_notice_issued", "pre_notice", row.id, number=number,
                     incident_id=incident.id, person_id=party.person_id,
                     sha256=row.content_sha256)
        publisher.publish("pre_notice_issued", sitting.id, None,
                          due_process.pre_notice_event(row))
        return row
    raise ApiError(409, "conflict", "the pre-notice number was taken repeatedly; try again")


def snapshot(incident: Incident, party: IncidentParty, sitting: Sitting,
             number: str) -> dict[str, Any]:
    """What the pre-notice says, frozen: the decision notice's facts, evidence and rule, the
    proposed sanction, and how long the candidate has to state their case, and to whom."""
    cfg = current_app.config
    severity = proposed_severity(incident)
    content = letter_content.snapshot(incident, party, sitting, number)
    content.pop("remedies", None)  # a proposal is not yet a decision one may challenge
    sanction = proposed_sanction(incident, party.person_id, severity)
    ban = sanction["bans"][0] if sanction["bans"] else None
    content.update({
        "kind": "pre_notice",
        "decision": {"severity": severity, "decided_at": None},
        "sanction": sanction,
        "proposed": {"voided_subjects": sanction["voided_subjects"],
                     "all_subjects_voided": sanction["all_subjects_voided"],
                     "ban": {"from": ban["from"], "until": ban["until"],
                             "referral": ban["referral"]} if ban else None},
        "statement": {"days": due_process.statement_days(),
                      "to": {"zh": cfg["ISSUING_BODY"], "en": cfg["ISSUING_BODY_EN"]}},
    })
    return content


def proposed_sanction(incident: Incident, person_id: int,
                      severity: str | None) -> dict[str, Any]:
    """What confirming the proposal would bring this person, from the engine (as if confirmed
    with the proposed severity): the shape of `letter_content.sanction_of`."""
    facts = [dataclasses.replace(f, status=rules.IncidentStatus.CONFIRMED,
                                 severity=rules.Severity(severity) if severity else None)
             for f in facts_for_person(person_id) if f.incident_id == incident.id]
    return letter_content.sanction_from(incident, facts)
