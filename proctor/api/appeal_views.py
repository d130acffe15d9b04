"""Due process: decision notices, their service, review requests and their outcomes.

Only the sitting's chief examiner and the evaluation body reach these routes: a notice carries
the person's full ID number.
"""

from __future__ import annotations

import datetime as dt
from datetime import datetime
from typing import Annotated, Any, Literal

from flask import url_for
from pydantic import RootModel, StringConstraints

from proctor.api import bp
from proctor.api.schemas import DbId, In, IsoDate, Note, Out, RuleCode, Severity
from proctor.api.spec import endpoint
from proctor.extensions import db
from proctor.models import MANAGERS, Incident, Notice, ReviewRequest, Sitting
from proctor.services import access, appeals, scope
from proctor.services.accounts import username_of


# -- request and response models ----------------------------------------------------------
class NoticesIn(In):
    person_id: DbId | None = None


class ServiceIn(In):
    method: Literal["in_person", "electronic", "post"]
    served_on: IsoDate


class ReviewIn(In):
    received_on: IsoDate
    grounds: Annotated[str, StringConstraints(max_length=5000)] = ""


class OutcomeIn(In):
    outcome: Literal["upheld", "changed", "overturned"]
    note: Note | None = None
    severity: Severity | None = None
    rule_code: RuleCode | None = None


class ServiceOut(Out):
    method: str
    served_on: dt.date
    served_by: str | None
    recorded_at: datetime | None


class LetterRefOut(Out):
    id: int
    number: str
    kind: str


class ReviewOut(Out):
    id: int
    notice_id: int
    notice_number: str
    incident_id: int
    sitting_id: int
    received_on: dt.date
    due_on: dt.date
    overdue: bool
    grounds: str
    recorded_by: str
    recorded_at: datetime
    status: str
    decided_at: datetime | None
    decided_by: str | None
    outcome_note: str | None
    old_severity: str | None
    new_severity: str | None
    old_rule_code: str | None
    new_rule_code: str | None
    letter: LetterRefOut | None  # the review decision letter (复核决定书), once decided
    revised_notices: list[LetterRefOut]


class NoticeOut(Out):
    id: int
    number: str
    kind: str  # decision, revised_decision or review_decision
    sitting_id: int
    incident_id: int
    person_id: int
    review_id: int | None
    supersedes: LetterRefOut | None
    superseded_by: LetterRefOut | None
    name: str
    id_number: str
    ticket_no: str | None
    issued_by: str
    issued_at: datetime
    issued_on: dt.date
    sha256: str
    content: dict[str, Any]
    service: ServiceOut | None
    review_window_days: int
    review_last_day: dt.date | None
    reviews: list[ReviewOut]
    html_url: str
    pdf_url: str
    proof_url: str  # the proof of service (送达回证) to print


class NoticesOut(RootModel[list[NoticeOut]]):
    pass


class ReviewsOut(RootModel[list[ReviewOut]]):
    pass


# -- rows into answers --------------------------------------------------------------------
def letter_ref(letter: Notice | None) -> LetterRefOut | None:
    return None if letter is None else LetterRefOut(id=letter.id, number=letter.number,
                                                     kind=letter.kind)


def _ref_by_id(nid: int | None) -> LetterRefOut | None:
    return letter_ref(db.session.get(Notice, nid)) if nid is not None else None


def review_out(review: ReviewRequest) -> ReviewOut:
    notice = review.notice
    letter, revised = appeals.outcome_letters(review)
    return ReviewOut(
        id=review.id, notice_id=notice.id, notice_number=notice.number,
        incident_id=notice.incident_id, sitting_id=notice.sitting_id,
        received_on=review.received_on, due_on=review.due_on,
        overdue=appeals.is_overdue(review), grounds=review.grounds,
        recorded_by=username_of(review.recorded_by) or "", recorded_at=review.recorded_at,
        status=review.status, decided_at=review.decided_at,
        decided_by=username_of(review.decided_by), outcome_note=review.outcome_note,
        old_severity=review.old_severity, new_severity=review.new_severity,
        old_rule_code=review.old_rule_code, new_rule_code=review.new_rule_code,
        letter=letter_ref(letter), revised_notices=[r for r in map(letter_ref, revised) if r])


def notice_out(notice: Notice) -> NoticeOut:
    person = notice.content["person"]
    service = None
    if notice.served_on is not None and notice.service_method is not None:
        service = ServiceOut(method=notice.service_method, served_on=notice.served_on,
                             served_by=username_of(notice.served_by),
                             recorded_at=notice.service_recorded_at)
    return NoticeOut(
        id=notice.id, number=notice.number, kind=notice.kind, sitting_id=notice.sitting_id,
        incident_id=notice.incident_id, person_id=notice.person_id, review_id=notice.review_id,
        supersedes=_ref_by_id(notice.supersedes_id),
        superseded_by=_ref_by_id(notice.superseded_by_id), name=person["name"],
        id_number=access.shown_id_number(person["id_number"]), ticket_no=person["ticket_no"],
        issued_by=username_of(notice.issued_by) or "", issued_at=notice.issued_at,
        issued_on=notice.issued_on, sha256=notice.content_sha256, content=notice.content,
        service=service, review_window_days=appeals.window_days(),
        review_last_day=appeals.review_last_day(notice),
        reviews=[review_out(r) for r in notice.reviews],
        html_url=url_for("notices.show", nid=notice.id),
        pdf_url=url_for("notices.pdf", nid=notice.id),
        proof_url=url_for("notices.proof", nid=notice.id))


# -- routes -------------------------------------------------------------------------------
@endpoint(bp, "POST", "/incidents/<id:iid>/notices",
          summary="Issue the decision notice (处理决定书) to every party, or to one person",
          tag="appeals", body=NoticesIn, responses={201: NoticesOut, 200: NoticesOut},
          roles=MANAGERS, load=scope.incident(manage=True))
def post_notices(incident: Incident, body: NoticesIn):  # type: ignore[no-untyped-def]
    before = {n.id for n in scope.rows_of_incident(Notice, incident)}
    notices = appeals.issue_notices(incident, body.person_id, access.user())
    db.session.commit()
    created = any(n.id not in before for n in notices)
    return NoticesOut([notice_out(n) for n in notices]), 201 if created else 200


@endpoint(bp, "GET", "/incidents/<id:iid>/notices", summary="The notices of an incident",
          tag="appeals", responses={200: NoticesOut}, roles=MANAGERS,
          load=scope.incident(manage=True))
def list_incident_notices(incident: Incident) -> NoticesOut:
    return NoticesOut([notice_out(n) for n in scope.rows_of_incident(Notice, incident)])


@endpoint(bp, "GET", "/notices/<id:nid>",
          summary="One letter (decision, revised decision or review decision), its service, "
                  "what replaced it and its reviews",
          tag="appeals", responses={200: NoticeOut}, roles=MANAGERS, load=scope.notice())
def get_notice(notice: Notice) -> NoticeOut:
    return notice_out(notice)


@endpoint(bp, "POST", "/notices/<id:nid>/service",
          summary="Record the service of a letter of any kind (its 送达回证 filled in)",
          tag="appeals", body=ServiceIn, responses={200: NoticeOut}, roles=MANAGERS,
          load=scope.notice())
def post_service(notice: Notice, body: ServiceIn) -> NoticeOut:
    appeals.record_service(notice, body.method, body.served_on, access.user())
    db.session.commit()
    return notice_out(notice)


@endpoint(bp, "POST", "/notices/<id:nid>/review",
          summary="Record a request for review (复核), within the window after service",
          tag="appeals", body=ReviewIn, responses={201: ReviewOut}, roles=MANAGERS,
          load=scope.notice())
def post_review(notice: Notice, body: ReviewIn):  # type: ignore[no-untyped-def]
    review = appeals.request_review(notice, body.received_on, body.grounds, access.user())
    db.session.commit()
    return review_out(review), 201


@endpoint(bp, "POST", "/reviews/<id:rid>/outcome",
          summary="The review's outcome: upheld, changed (severity or rule) or overturned",
          tag="appeals", body=OutcomeIn, responses={200: ReviewOut}, roles=MANAGERS,
          load=scope.review())
def post_review_outcome(review: ReviewRequest, body: OutcomeIn) -> ReviewOut:
    appeals.decide_review(review, body.outcome, body.note, body.severity, body.rule_code,
                          access.user())
    db.session.commit()
    return review_out(review)


@endpoint(bp, "GET", "/sittings/<id:sid>/reviews",
          summary="Review requests of a sitting, overdue ones flagged", tag="appeals",
          responses={200: ReviewsOut}, roles=MANAGERS, load=scope.sitting(manage=True))
def list_sitting_reviews(sitting: Sitting) -> ReviewsOut:
    return ReviewsOut([review_out(r) for r in appeals.reviews_of([sitting.id])])


@endpoint(bp, "GET", "/reviews/overdue",
          summary="Pending reviews past their outcome date, in the caller's sittings",
          tag="appeals", responses={200: ReviewsOut}, roles=MANAGERS)
def list_overdue_reviews() -> ReviewsOut:
    who = access.user()
    sittings = None if access.is_authority(who) else [
        sid for sid in access.sitting_ids_of(who) if access.is_chief_of(who, sid)]
    return ReviewsOut([review_out(r) for r in appeals.reviews_of(sittings, overdue_only=True)])
