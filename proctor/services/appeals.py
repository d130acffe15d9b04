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

from datetime import date, timedelta
from typing import Any

import incidents as rules
from proctor import hashing, publisher
from proctor.database import utcnow
from proctor.errors import ApiError
from proctor.extensions import db
from proctor.models import (
    Decision,
    DecisionKind,
    Incident,
    IncidentParty,
    LetterKind,
    Notice,
    ReviewRequest,
    ReviewStatus,
    Sitting,
    User,
)
from proctor.services import audit, letters
from proctor.services.incidents import incident_event, rule_error
from proctor.services.letter_content import (
    decision_days,
    review_letter,
    revision_part,
    sanction_of,
    snapshot,
    window_days,
)
from proctor.services.sanctions import recompute_for_incident
from proctor.services.sittings import venue_today

__all__ = ["decision_days", "sanction_of", "snapshot", "window_days"]

SERVICE_METHODS = ("in_person", "electronic", "post")
OUTCOMES = (ReviewStatus.UPHELD, ReviewStatus.CHANGED, ReviewStatus.OVERTURNED)


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


def _issue_one(incident: Incident, party: IncidentParty, who: User) -> Notice:
    sitting = db.session.get_one(Sitting, incident.sitting_id)
    notice = letters.issue_letter(
        LetterKind.DECISION, f"decision:{incident.id}:{party.person_id}", sitting, who,
        lambda number: snapshot(incident, party, sitting, number),
        incident_id=incident.id, person_id=party.person_id, candidate_id=party.candidate_id)
    return letters.current_of(notice)


def notice_event(notice: Notice) -> dict[str, Any]:
    """The live payload: no names or ID numbers (those stay on the notice itself)."""
    return letters.letter_event(notice)


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
    audit.record("notice_served", "notice", notice.id, method=method, kind=notice.kind,
                 served_on=served_on.isoformat())
    publisher.publish("notice_served", notice.sitting_id, None, notice_event(notice))
    return notice


def review_last_day(notice: Notice) -> date | None:
    """The last day a review may be asked for (inclusive), once the notice is served; none for
    a letter that offers no review (a review decision letter, a notice revised on review)."""
    if not review_offered(notice) or notice.served_on is None:
        return None
    return notice.served_on + timedelta(days=window_days())


def review_offered(notice: Notice) -> bool:
    return notice.kind != LetterKind.REVIEW_DECISION and bool(
        (notice.content.get("review") or {}).get("open", True))


# -- review -------------------------------------------------------------------------------
def request_review(notice: Notice, received_on: date, grounds: str,
                   who: User | None) -> ReviewRequest:
    """Record a review request received on a date: after service and within the window, of a
    decision notice in force whose person has not had this incident reviewed already."""
    incident = db.session.get_one(Incident, notice.incident_id)
    _require_reviewable(notice)
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
                           grounds=grounds, recorded_by=who.id if who else None,
                           recorded_at=utcnow())
    notice.reviews.append(review)
    db.session.flush()
    audit.record("review_requested", "review", review.id, notice_id=notice.id,
                 incident_id=incident.id, received_on=received_on.isoformat(),
                 due_on=review.due_on.isoformat())
    publisher.publish("review_requested", notice.sitting_id, None, review_event(review))
    return review


def _require_reviewable(notice: Notice) -> None:
    if notice.kind == LetterKind.REVIEW_DECISION:
        raise ApiError(409, "not_reviewable",
                       "a review decision letter is not reviewed again: see its remedies")
    if notice.superseded_by_id is not None:
        replaced = db.session.get_one(Notice, notice.superseded_by_id)
        raise ApiError(409, "notice_superseded",
                       f"this notice was replaced by notice {replaced.number}; a review is "
                       f"asked for of the notice in force", None,
                       {"superseded_by": replaced.id})
    if review_had(notice.incident_id, notice.person_id):
        raise ApiError(409, "review_exhausted",
                       "this person's case was reviewed already; the remedies left are those "
                       "the review decision letter lists")


def review_had(incident_id: int, person_id: int) -> bool:
    """Whether a review of this person's notices of the incident has been decided."""
    return db.session.scalar(
        db.select(db.func.count(ReviewRequest.id))
        .join(Notice, ReviewRequest.notice_id == Notice.id)
        .where(Notice.incident_id == incident_id, Notice.person_id == person_id,
               ReviewRequest.status != ReviewStatus.PENDING)) != 0


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
    issue_outcome_letters(review, incident, who)
    publisher.publish("review_decided", incident.sitting_id, None, review_event(review))
    if status != ReviewStatus.UPHELD:
        publisher.publish("incident_decided", incident.sitting_id, incident.room_id,
                          incident_event(incident))
    return review


def issue_outcome_letters(review: ReviewRequest, incident: Incident, who: User) -> Notice:
    """The review decision letter to the person who asked; after "changed", a revised notice
    to every party whose notice in force the change makes wrong, each replacing that notice."""
    sitting = db.session.get_one(Sitting, incident.sitting_id)
    asked = review.notice
    letter = letters.issue_letter(
        LetterKind.REVIEW_DECISION, f"review:{review.id}", sitting, who,
        lambda number: review_letter(review, incident, sitting, number),
        incident_id=incident.id, person_id=asked.person_id, candidate_id=asked.candidate_id,
        review_id=review.id)
    if review.status != ReviewStatus.CHANGED:
        return letter
    for party in incident.parties:
        old = _in_force(incident.id, party.person_id)
        if old is None:
            continue  # never notified: a notice issued later says the incident as it now is
        revised = letters.issue_letter(
            LetterKind.REVISED_DECISION, f"revised:{review.id}:{party.person_id}", sitting, who,
            lambda number, old=old, party=party: snapshot(
                incident, party, sitting, number, LetterKind.REVISED_DECISION,
                revision_part(old, review, letter),
                review_open=not review_had(incident.id, party.person_id)),
            incident_id=incident.id, person_id=party.person_id, candidate_id=party.candidate_id,
            review_id=review.id, supersedes_id=old.id)
        letters.supersede(old, revised)
    return letter


def _in_force(incident_id: int, person_id: int) -> Notice | None:
    """The person's decision notice in force for the incident (the last revision of it)."""
    return db.session.scalar(db.select(Notice).where(
        Notice.incident_id == incident_id, Notice.person_id == person_id,
        Notice.kind.in_((LetterKind.DECISION, LetterKind.REVISED_DECISION)),
        Notice.superseded_by_id.is_(None)).order_by(Notice.id.desc()).limit(1))


def outcome_letters(review: ReviewRequest) -> tuple[Notice | None, list[Notice]]:
    """The review decision letter of a decided review and the revised notices it brought."""
    rows = list(db.session.scalars(db.select(Notice).where(Notice.review_id == review.id)
                                   .order_by(Notice.id)))
    letter = next((n for n in rows if n.kind == LetterKind.REVIEW_DECISION), None)
    return letter, [n for n in rows if n.kind == LetterKind.REVISED_DECISION]


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
