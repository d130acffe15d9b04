"""Due process: the decision notice (处理决定书), its service, and review requests (复核).

A notice freezes what it says when it is issued (a JSON snapshot and its SHA-256); later
changes to the incident never rewrite it. Nothing here is ever deleted.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from proctor.database import UTCDateTime, utcnow
from proctor.extensions import db
from proctor.models.enums import stored_enum


class ReviewStatus(StrEnum):
    """A review waits for its outcome, then keeps it."""

    PENDING = "pending"
    UPHELD = "upheld"
    CHANGED = "changed"
    OVERTURNED = "overturned"


class LetterKind(StrEnum):
    """The letters of the process, each a notice row numbered in its sitting's one sequence."""

    DECISION = "decision"                  # 处理决定书
    REVISED_DECISION = "revised_decision"  # the decision as a changed review left it
    REVIEW_DECISION = "review_decision"    # 复核决定书, one per decided review


class Notice(db.Model):
    """One letter to one person: the decision notice of a confirmed incident, a revised decision
    notice after a changed review, or the review decision letter. `issue_key` makes issuing
    idempotent (one decision per party, one letter per review and person)."""

    __tablename__ = "notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)  # "2025-1-001"
    kind: Mapped[LetterKind] = mapped_column(stored_enum(LetterKind, 24),
                                             default=LetterKind.DECISION)
    issue_key: Mapped[str] = mapped_column(String(64), unique=True)
    # The review a revised notice or a review decision letter follows from.
    review_id: Mapped[int | None] = mapped_column(
        ForeignKey("review_requests.id", use_alter=True, name="fk_notices_review_id"),
        index=True)
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("notices.id"))
    # Set once, when a revised notice replaces this one; the content is never touched.
    superseded_by_id: Mapped[int | None] = mapped_column(ForeignKey("notices.id"))
    sitting_id: Mapped[int] = mapped_column(ForeignKey("sittings.id"), index=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    candidate_id: Mapped[int | None] = mapped_column(ForeignKey("candidates.id"))
    issued_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    issued_on: Mapped[date]  # the date printed on the notice (venue time)
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    content_sha256: Mapped[str] = mapped_column(String(64))
    served_on: Mapped[date | None]
    service_method: Mapped[str | None] = mapped_column(String(16))  # in_person|electronic|post
    served_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    service_recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    reviews: Mapped[list[ReviewRequest]] = relationship(
        back_populates="notice", order_by="ReviewRequest.id",
        foreign_keys="ReviewRequest.notice_id")


class ReviewRequest(db.Model):
    """A request for review (复核) of a served notice, and its outcome."""

    __tablename__ = "review_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notices.id"), index=True)
    received_on: Mapped[date]
    due_on: Mapped[date] = mapped_column(index=True)  # the outcome's deadline, fixed on receipt
    grounds: Mapped[str] = mapped_column(Text, default="")
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # None: online
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[ReviewStatus] = mapped_column(stored_enum(ReviewStatus, 16),
                                                 default=ReviewStatus.PENDING, index=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    outcome_note: Mapped[str | None] = mapped_column(Text)
    # For "changed": what the incident said before and after (the old is never lost).
    old_severity: Mapped[str | None] = mapped_column(String(8))
    new_severity: Mapped[str | None] = mapped_column(String(8))
    old_rule_code: Mapped[str | None] = mapped_column(String(8))
    new_rule_code: Mapped[str | None] = mapped_column(String(8))

    notice: Mapped[Notice] = relationship(back_populates="reviews", foreign_keys=[notice_id])
