"""Due process after a decision: the notice (处理决定书), its service, review (复核) and outcome.

The rules, as the product applies them:
- A notice is issued only for a CONFIRMED incident, one per party person; issuing again returns
  the notice already issued. Its content is frozen at issue (a JSON snapshot and its SHA-256).
- Service is recorded once: a method and a date, not before the issue date, not in the future.
- A review request is accepted only after service, within REVIEW_WINDOW_DAYS of the service date
  (inclusive); later it is refused (422 ``review_window_closed``). One open review per notice.
- The outcome is due within REVIEW_DECISION_DAYS of receipt; a pending review past it is overdue.
- Nobody reviews an incident they reported. "overturned" sets the incident to ``overturned`` and
  "changed" applies a new severity or rule code; either way the sanctions of every party are
  recomputed at once. Nothing is deleted: a Decision row records each outcome.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy.exc import IntegrityError

import incidents as rules
from proctor import hashing, publisher
from proctor.database import utcnow
from proctor.errors import ApiError
from proctor.extensions import db
from proctor.models import (
    CandidateWarning,
    Decision,
    DecisionKind,
    Evidence,
    Incident,
    IncidentParty,
    Notice,
    ReviewRequest,
    ReviewStatus,
    Room,
    SeatAssignment,
    Sitting,
    User,
)
from proctor.services import audit, due_process
from proctor.services.incidents import incident_event, rule_error
from proctor.services.sanctions import (
    facts_for_person,
    recompute_for_incident,
    voided_subject_codes,
)
from proctor.services.sittings import venue_today, venue_zone

SERVICE_METHODS = ("in_person", "electronic", "post")
OUTCOMES = (ReviewStatus.UPHELD, ReviewStatus.CHANGED, ReviewStatus.OVERTURNED)


def window_days() -> int:
    return int(current_app.config["REVIEW_WINDOW_DAYS"])


def decision_days() -> int:
    return int(current_app.config["REVIEW_DECISION_DAYS"])


def content_sha256(content: dict[str, Any]) -> str:
    """SHA-256 of the snapshot as canonical JSON (proctor.hashing)."""
    return hashing.digest(content)


# -- issuing ------------------------------------------------------------------------------
def issue_notices(incident: Incident, person_id: int | None, who: User) -> list[Notice]:
    """Issue the notice of a confirmed incident to each party (or to one person); idempotent."""
    if incident.status != rules.IncidentStatus.CONFIRMED:
        raise ApiError(409, "incident_not_confirmed",
                       f"A notice is issued only for a confirmed incident; this one is "
                       f"{incident.status}.")
    parties = [p for p in incident.parties if person_id is None or p.person_id == person_id]
    if not parties:
        raise ApiError(422, "not_a_party", f"person {person_id} is not a party of this incident",
                       "person_id")
    return [_issue_one(incident, party, who) for party in parties]


def _existing(incident_id: int, person_id: int) -> Notice | None:
    return db.session.scalar(db.select(Notice).where(Notice.incident_id == incident_id,
                                                     Notice.person_id == person_id))


def _issue_one(incident: Incident, party: IncidentParty, who: User) -> Notice:
    sitting = db.session.get_one(Sitting, incident.sitting_id)
    for _attempt in range(5):
        found = _existing(incident.id, party.person_id)
        if found is not None:
            return found
        seq = 1 + (db.session.scalar(db.select(db.func.count(Notice.id)).where(
            Notice.sitting_id == sitting.id)) or 0)
        number = f"{sitting.date.year}-{sitting.id}-{seq:03d}"
        content = snapshot(incident, party, sitting, number)
        notice = Notice(number=number, sitting_id=sitting.id, incident_id=incident.id,
                        person_id=party.person_id, candidate_id=party.candidate_id,
                        issued_by=who.id, issued_at=utcnow(), issued_on=venue_today(),
                        content=content, content_sha256=content_sha256(content))
        try:
            with db.session.begin_nested():
                db.session.add(notice)
        except IntegrityError:
            continue  # another request issued it, or took the number: look again
        audit.record("notice_issued", "notice", notice.id, number=number,
                     incident_id=incident.id, person_id=party.person_id,
                     sha256=notice.content_sha256)
        publisher.publish("notice_issued", sitting.id, None, notice_event(notice))
        return notice
    raise ApiError(409, "conflict", "the notice number was taken repeatedly; try again")


def snapshot(incident: Incident, party: IncidentParty, sitting: Sitting,
             number: str) -> dict[str, Any]:
    """Everything the notice says, frozen: person (and seat), facts (and the reminder a
    refusal followed), evidence, rule (and its citation of the attachment), sanction, review.
    Plain JSON values only, so the SHA-256 of the stored content is the one computed here."""
    book = rules.default_rulebook()
    rule = book.get(incident.rule_code)
    room = db.session.get(Room, incident.room_id) if incident.room_id else None
    seat = db.session.get(SeatAssignment, party.candidate_id) if party.candidate_id else None
    cfg = current_app.config
    hearing = due_process.hearing_of(incident, party.person_id)
    return {
        **({"hearing": hearing} if hearing else {}),
        "number": number,
        "person": {"name": party.name_as_given or party.person.name,
                   "id_number": party.person.id_number,
                   "ticket_no": party.candidate.ticket_no if party.candidate else None,
                   "seat_no": seat.seat_no if seat else None,
                   "role": party.role},
        "sitting": {"id": sitting.id, "occupation": sitting.occupation, "level": sitting.level,
                    "date": sitting.date.isoformat(),
                    "subjects": [{"code": s.code, "name": s.name} for s in sitting.subjects]},
        "facts": {"incident_id": incident.id, "description": incident.description,
                  "observed_at": _venue(incident.observed_at),
                  "room": room.name if room else None,
                  "subject": ({"code": incident.subject.code, "name": incident.subject.name}
                              if incident.subject else None),
                  "reminder": _reminder(incident),
                  "discovered_after_exam": incident.discovered_after_exam},
        "evidence": [{"id": e.id, "kind": e.kind, "sha256": e.sha256,
                      "taken_at": e.taken_at.isoformat()}
                     for e in db.session.scalars(db.select(Evidence).where(
                         Evidence.incident_id == incident.id).order_by(Evidence.id))],
        "rule": {"code": rule.code, "tier": int(rule.tier), "rulebook_version": book.version,
                 "title": {"zh": rule.title.zh, "en": rule.title.en},
                 "text": {"zh": rule.text.zh, "en": rule.text.en},
                 "citation": {"zh": rules.cite(rule, "zh"), "en": rules.cite(rule, "en"),
                              "article": rule.citation.article, "item": rule.citation.item}},
        "decision": {"severity": incident.severity,
                     "decided_at": _confirmed_at(incident)},
        "sanction": sanction_of(incident, party.person_id),
        "review": {"window_days": window_days(), "decision_days": decision_days(),
                   "to": {"zh": cfg["ISSUING_BODY"], "en": cfg["ISSUING_BODY_EN"]}},
        "issuing_body": {"zh": cfg["ISSUING_BODY"], "en": cfg["ISSUING_BODY_EN"]},
        "issued_on": venue_today().isoformat(),
    }


def _venue(moment: datetime) -> str:
    return moment.astimezone(venue_zone()).isoformat(timespec="minutes")


def _reminder(incident: Incident) -> dict[str, Any] | None:
    """The reminder whose refusal raised a Tier-1 incident: when it was given, when the refusal
    was recorded, and what the invigilator noted (the incident's own description is generated).
    """
    warning = db.session.get(CandidateWarning, incident.warning_id) if incident.warning_id \
        else None
    if warning is None:
        return None
    return {"rule_code": warning.rule_code, "reminded_at": _venue(warning.observed_at),
            "refused_at": _venue(warning.resolved_at) if warning.resolved_at else None,
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


def notice_event(notice: Notice) -> dict[str, Any]:
    """The live payload: no names or ID numbers (those stay on the notice itself)."""
    return {"notice_id": notice.id, "number": notice.number, "incident_id": notice.incident_id,
            "served_on": notice.served_on.isoformat() if notice.served_on else None}


# -- service ------------------------------------------------------------------------------
def record_service(notice: Notice, method: str, served_on: date, who: User) -> Notice:
    """Record how and when the notice reached the person, once (a same replay is accepted)."""
    if notice.served_on is not None:
        if (notice.service_method, notice.served_on) == (method, served_on):
            return notice
        raise ApiError(409, "already_served",
                       f"service was already recorded: {notice.service_method} on "
                       f"{notice.served_on.isoformat()}", "served_on")
    if served_on < notice.issued_on:
        raise ApiError(422, "served_before_issue",
                       f"the notice was issued on {notice.issued_on.isoformat()}; it cannot be "
                       f"served before that", "served_on")
    if served_on > venue_today():
        raise ApiError(422, "date_in_future", "service cannot be recorded for a future date",
                       "served_on")
    notice.service_method, notice.served_on = method, served_on
    notice.served_by, notice.service_recorded_at = who.id, utcnow()
    db.session.flush()
    audit.record("notice_served", "notice", notice.id, method=method,
                 served_on=served_on.isoformat())
    publisher.publish("notice_served", notice.sitting_id, None, notice_event(notice))
    return notice


def review_last_day(notice: Notice) -> date | None:
    """The last day a review may be asked for (inclusive), once the notice is served."""
    return notice.served_on + timedelta(days=window_days()) if notice.served_on else None


# -- review -------------------------------------------------------------------------------
def request_review(notice: Notice, received_on: date, grounds: str, who: User) -> ReviewRequest:
    """Record a review request received on a date: after service and within the window."""
    incident = db.session.get_one(Incident, notice.incident_id)
    last_day = review_last_day(notice)
    if notice.served_on is None or last_day is None:
        raise ApiError(409, "notice_not_served",
                       "record the notice's service first: the review window runs from it")
    if received_on > venue_today():
        raise ApiError(422, "date_in_future", "received_on is in the future", "received_on")
    if received_on < notice.served_on:
        raise ApiError(422, "received_before_service",
                       f"the notice was served on {notice.served_on.isoformat()}", "received_on")
    if received_on > last_day:
        raise ApiError(422, "review_window_closed",
                       f"The notice was served on {notice.served_on.isoformat()}; a review could "
                       f"be asked for until {last_day.isoformat()} ({window_days()} days). "
                       f"A request received on {received_on.isoformat()} is too late.",
                       "received_on", {"served_on": notice.served_on.isoformat(),
                                       "last_day": last_day.isoformat()})
    if any(r.status == ReviewStatus.PENDING for r in notice.reviews):
        raise ApiError(409, "review_pending", "this notice already has a review in progress")
    if incident.status != rules.IncidentStatus.CONFIRMED:
        raise ApiError(409, "incident_not_confirmed",
                       f"the incident is {incident.status}: there is nothing to review")
    review = ReviewRequest(notice_id=notice.id, received_on=received_on,
                           due_on=received_on + timedelta(days=decision_days()),
                           grounds=grounds, recorded_by=who.id, recorded_at=utcnow())
    notice.reviews.append(review)
    db.session.flush()
    audit.record("review_requested", "review", review.id, notice_id=notice.id,
                 incident_id=incident.id, received_on=received_on.isoformat(),
                 due_on=review.due_on.isoformat())
    publisher.publish("review_requested", notice.sitting_id, None, review_event(review))
    return review


def is_overdue(review: ReviewRequest, today: date | None = None) -> bool:
    """A pending review whose outcome date has passed."""
    return review.status == ReviewStatus.PENDING and (today or venue_today()) > review.due_on


def review_event(review: ReviewRequest) -> dict[str, Any]:
    return {"review_id": review.id, "notice_id": review.notice_id, "status": review.status,
            "due_on": review.due_on.isoformat()}


def decide_review(review: ReviewRequest, outcome: str, note: str | None, severity: str | None,
                  rule_code: str | None, who: User) -> ReviewRequest:
    """Record the outcome; "changed" and "overturned" recompute every party's sanctions."""
    incident = db.session.get_one(Incident, review.notice.incident_id)
    if incident.reported_by == who.id:
        raise ApiError(403, "separation_of_duties",
                       "Nobody reviews a decision on an incident they reported themselves.")
    if review.status != ReviewStatus.PENDING:
        raise ApiError(409, "review_already_decided", f"this review is already {review.status}")
    if incident.status != rules.IncidentStatus.CONFIRMED:
        raise ApiError(409, "incident_not_confirmed", f"the incident is {incident.status}")
    status = ReviewStatus(outcome)
    if status == ReviewStatus.CHANGED:
        _apply_change(review, incident, severity, rule_code)
    elif severity is not None or rule_code is not None:
        raise ApiError(422, "change_not_applicable",
                       "severity and rule_code are given only with the outcome changed")
    if status == ReviewStatus.OVERTURNED:
        incident.status = rules.IncidentStatus.OVERTURNED
    review.status, review.outcome_note = status, note
    review.decided_at, review.decided_by = utcnow(), who.id
    db.session.add(Decision(incident_id=incident.id, decision=DecisionKind(outcome),
                            severity=incident.severity if status == ReviewStatus.CHANGED
                            else None, note=_decision_note(review), decided_by=who.id))
    db.session.flush()
    if status != ReviewStatus.UPHELD:
        recompute_for_incident(incident)
    audit.record("review_decided", "review", review.id, outcome=outcome, note=note,
                 incident_id=incident.id, status=incident.status,
                 old_rule_code=review.old_rule_code, new_rule_code=review.new_rule_code,
                 old_severity=review.old_severity, new_severity=review.new_severity)
    publisher.publish("review_decided", incident.sitting_id, None, review_event(review))
    if status != ReviewStatus.UPHELD:
        publisher.publish("incident_decided", incident.sitting_id, incident.room_id,
                          incident_event(incident))
    return review


def _apply_change(review: ReviewRequest, incident: Incident, severity: str | None,
                  rule_code: str | None) -> None:
    new_code = rule_code or incident.rule_code
    new_severity = severity if severity is not None else incident.severity
    try:
        rule = rules.default_rulebook().get(new_code)
        if rule.tier != rules.Tier.THREE and severity is None:
            new_severity = None  # a change out of Tier 3 drops the severity
        rules.check_report(new_code, subject=incident.subject.code if incident.subject else None,
                           from_refused_warning=incident.warning_id is not None,
                           party_count=len(incident.parties))
        rules.check_decision(new_code, confirm=True,
                             severity=rules.Severity(new_severity) if new_severity else None)
    except rules.RuleError as exc:
        raise rule_error(exc) from None
    if (new_code, new_severity) == (incident.rule_code, incident.severity):
        raise ApiError(422, "nothing_changed",
                       "give a new severity or a new rule_code for the outcome changed")
    review.old_rule_code, review.old_severity = incident.rule_code, incident.severity
    review.new_rule_code, review.new_severity = new_code, new_severity
    incident.rule_code, incident.tier, incident.severity = new_code, int(rule.tier), new_severity


def _decision_note(review: ReviewRequest) -> str:
    parts = [f"复核 review #{review.id} of notice {review.notice.number}: {review.status}"]
    if review.old_rule_code != review.new_rule_code and review.new_rule_code:
        parts.append(f"rule {review.old_rule_code} → {review.new_rule_code}")
    if review.old_severity != review.new_severity and review.status == ReviewStatus.CHANGED:
        parts.append(f"severity {review.old_severity} → {review.new_severity}")
    if review.outcome_note:
        parts.append(review.outcome_note)
    return "; ".join(parts)


def reviews_of(sitting_ids: list[int] | None, overdue_only: bool = False) -> list[ReviewRequest]:
    """Reviews of these sittings (None: every sitting), oldest due first."""
    stmt = (db.select(ReviewRequest).join(Notice, ReviewRequest.notice_id == Notice.id)
            .order_by(ReviewRequest.due_on, ReviewRequest.id))
    if sitting_ids is not None:
        stmt = stmt.where(Notice.sitting_id.in_(sitting_ids))
    if overdue_only:
        stmt = stmt.where(ReviewRequest.status == ReviewStatus.PENDING,
                          ReviewRequest.due_on < venue_today())
    return list(db.session.scalars(stmt))
