"""Incidents, the people involved, and the decisions on them (never deleted)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from incidents import IncidentStatus
from proctor.database import UTCDateTime, utcnow
from proctor.extensions import db
from proctor.models.enums import stored_enum


class Incident(db.Model):
    __tablename__ = "incidents"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    sitting_id: Mapped[int] = mapped_column(ForeignKey("sittings.id"), index=True)
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("subjects.id"))
    room_id: Mapped[int | None] = mapped_column(ForeignKey("rooms.id"), index=True)
    rule_code: Mapped[str] = mapped_column(String(8))
    tier: Mapped[int]
    rulebook_version: Mapped[str] = mapped_column(String(32))
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[IncidentStatus] = mapped_column(stored_enum(IncidentStatus, 16),
                                                   default=IncidentStatus.REPORTED, index=True)
    proposed_severity: Mapped[str | None] = mapped_column(String(8))
    severity: Mapped[str | None] = mapped_column(String(8))
    discovered_after_exam: Mapped[bool] = mapped_column(default=False)
    warning_id: Mapped[int | None] = mapped_column(ForeignKey("warnings.id", use_alter=True))
    reported_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    witness_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    observed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    parties: Mapped[list[IncidentParty]] = relationship(
        back_populates="incident", order_by="IncidentParty.id"
    )
    decisions: Mapped[list[Decision]] = relationship(order_by="Decision.id")
    subject = relationship("Subject")


class IncidentParty(db.Model):
    """A person involved: principal, accomplice (the helper) or impostor."""

    __tablename__ = "incident_parties"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    candidate_id: Mapped[int | None] = mapped_column(ForeignKey("candidates.id"))
    role: Mapped[str] = mapped_column(String(16), default="principal")
    name_as_given: Mapped[str | None] = mapped_column(String(64))

    incident: Mapped[Incident] = relationship(back_populates="parties")
    person = relationship("Person")
    candidate = relationship("Candidate")


class DecisionKind(StrEnum):
    """What a row of an incident's record decides: a chief examiner's decision, or a review's
    outcome (the same words as the review's status)."""

    PROPOSE = "propose"  # a proposal told to the candidate before the decision (事先告知)
    CONFIRM = "confirm"
    DISMISS = "dismiss"
    CHANGE_RULE = "change_rule"  # before a confirmation
    UPHELD = "upheld"
    CHANGED = "changed"
    OVERTURNED = "overturned"


class Decision(db.Model):
    """A decision on an incident: confirm, dismiss, or change_rule (before a confirmation), and
    each review's outcome.

    `record_hash` is the decider's countersignature: the hash of the record as they saw it.
    """

    __tablename__ = "decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    decision: Mapped[DecisionKind] = mapped_column(stored_enum(DecisionKind, 16))
    severity: Mapped[str | None] = mapped_column(String(8))
    note: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    record_hash: Mapped[str | None] = mapped_column(String(64))
    rule_code_before: Mapped[str | None] = mapped_column(String(8))
    rule_code_after: Mapped[str | None] = mapped_column(String(8))
    # A confirmation after a pre-notice: the statements it weighed and why it still decides so.
    considered_statement_ids: Mapped[list[int] | None] = mapped_column(JSON)
    reasons: Mapped[str | None] = mapped_column(Text)
