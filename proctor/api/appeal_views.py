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
from proctor.models import Notice, ReviewRequest, Role, User
from proctor.services import access, appeals, scope

MANAGERS = [Role.CHIEF.value, Role.AUTHORITY.value]


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


class NoticeOut(Out):
    id: int
    number: str
    sitting_id: int
    incident_id: int
    person_id: int
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


class NoticesOut(RootModel[list[NoticeOut]]):
    pass


class ReviewsOut(RootModel[list[ReviewOut]]):
    pass


# -- rows into answers --------------------------------------------------------------------
def _username(user_id: int | None) -> str | None:
    if user_id is None:
        return None
    user = db.session.get(User, user_id)
    return user.username if user else str(user_id)


def review_out(review: ReviewRequest) -> ReviewOut:
    notice = review.notice
    return ReviewOut(
        id=review.id, notice_id=notice.id, notice_number=notice.number,
        incident_id=notice.incident_id, sitting_id=notice.sitting_id,
        received_on=review.received_on, due_on=review.due_on,
        overdue=appeals.is_overdue(review), grounds=review.grounds,
        recorded_by=_username(review.recorded_by) or "", recorded_at=review.recorded_at,
        status=review.status, decided_at=review.decided_at,
        decided_by=_username(review.decided_by), outcome_note=review.outcome_note,
        old_severity=review.old_severity, new_severity=review.new_severity,
        old_rule_code=review.old_rule_code, new_rule_code=review.new_rule_code)


def notice_out(notice: Notice) -> NoticeOut:
    person = notice.content["person"]
    service = None
    if notice.served_on is not None and notice.service_method is not None:
        service = ServiceOut(method=notice.service_method, served_on=notice.served_on,
                             served_by=_username(notice.served_by),
                             recorded_at=notice.service_recorded_at)
    return NoticeOut(
        id=notice.id, number=notice.number, sitting_id=notice.sitting_id,
        incident_id=notice.incident_id, person_id=notice.person_id, name=person["name"],
        id_number=access.shown_id_number(person["id_number"]), ticket_no=person["ticket_no"],
        issued_by=_username(notice.issued_by) or "", issued_at=notice.issued_at,
        issued_on=notice.issued_on, sha256=notice.content_sha256, content=notice.content,
        service=service, review_window_days=appeals.window_days(),
        review_last_day=appeals.review_last_day(notice),
        reviews=[review_out(r) for r in notice.reviews],
        html_url=url_for("notices.show", nid=notice.id),
        pdf_url=url_for("notices.pdf", nid=notice.id))


def _notice(nid: int) -> Notice:
    """Kept for the notice pages (proctor.notices), which load through it: scope's loader."""
    return scope.notice_in_scope(nid)


# -- routes -------------------------------------------------------------------------------
@endpoint(bp, "POST", "/incidents/<id:iid>/notices",
          summary="Issue the decision notice (处理决定书) to every party, or to one person",
          tag="appeals", body=NoticesIn, responses={201: NoticesOut, 200: NoticesOut},
          roles=MANAGERS)
def post_notices(iid: int, body: NoticesIn):  # type: ignore[no-untyped-def]
    incident, _ = scope.incident_in_scope(iid, manage=True)
    before = set(db.session.scalars(db.select(Notice.id).where(Notice.incident_id == iid)))
    notices = appeals.issue_notices(incident, body.person_id, access.user())
    db.session.commit()
    created = any(n.id not in before for n in notices)
    return NoticesOut([notice_out(n) for n in notices]), 201 if created else 200


@endpoint(bp, "GET", "/incidents/<id:iid>/notices", summary="The notices of an incident",
          tag="appeals", responses={200: NoticesOut}, roles=MANAGERS)
def list_incident_notices(iid: int) -> NoticesOut:
    scope.incident_in_scope(iid, manage=True)
    rows = db.session.scalars(db.select(Notice).where(Notice.incident_id == iid)
                              .order_by(Notice.id))
    return NoticesOut([notice_out(n) for n in rows])


@endpoint(bp, "GET", "/notices/<id:nid>", summary="One decision notice, its service and reviews",
          tag="appeals", responses={200: NoticeOut}, roles=MANAGERS)
def get_notice(nid: int) -> NoticeOut:
    return notice_out(scope.notice_in_scope(nid))


@endpoint(bp, "POST", "/notices/<id:nid>/service", summary="Record the notice's service",
          tag="appeals", body=ServiceIn, responses={200: NoticeOut}, roles=MANAGERS)
def post_service(nid: int, body: ServiceIn) -> NoticeOut:
    notice = scope.notice_in_scope(nid)
    appeals.record_service(notice, body.method, body.served_on, access.user())
    db.session.commit()
    return notice_out(notice)


@endpoint(bp, "POST", "/notices/<id:nid>/review",
          summary="Record a request for review (复核), within the window after service",
          tag="appeals", body=ReviewIn, responses={201: ReviewOut}, roles=MANAGERS)
def post_review(nid: int, body: ReviewIn):  # type: ignore[no-untyped-def]
    notice = scope.notice_in_scope(nid)
    review = appeals.request_review(notice, body.received_on, body.grounds, access.user())
    db.session.commit()
    return review_out(review), 201


@endpoint(bp, "POST", "/reviews/<id:rid>/outcome",
          summary="The review's outcome: upheld, changed (severity or rule) or overturned",
          tag="appeals", body=OutcomeIn, responses={200: ReviewOut}, roles=MANAGERS)
def post_review_outcome(rid: int, body: OutcomeIn) -> ReviewOut:
    review = scope.review_in_scope(rid)
    appeals.decide_review(review, body.outcome, body.note, body.severity, body.rule_code,
                          access.user())
    db.session.commit()
    return review_out(review)


@endpoint(bp, "GET", "/sittings/<id:sid>/reviews",
          summary="Review requests of a sitting, overdue ones flagged", tag="appeals",
          responses={200: ReviewsOut}, roles=MANAGERS)
def list_sitting_reviews(sid: int) -> ReviewsOut:
    scope.sitting_in_scope(sid, manage=True)
    return ReviewsOut([review_out(r) for r in appeals.reviews_of([sid])])


@endpoint(bp, "GET", "/reviews/overdue",
          summary="Pending reviews past their outcome date, in the caller's sittings",
          tag="appeals", responses={200: ReviewsOut}, roles=MANAGERS)
def list_overdue_reviews() -> ReviewsOut:
    who = access.user()
    sittings = None if access.is_authority(who) else [
        sid for sid in access.sitting_ids_of(who) if access.is_chief_of(who, sid)]
    return ReviewsOut([review_out(r) for r in appeals.reviews_of(sittings, overdue_only=True)])
