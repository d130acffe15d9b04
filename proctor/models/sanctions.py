"""Sanctions materialised from incidents/ for fast queries; recomputed, never typed in."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from proctor.database import UTCDateTime, utcnow
from proctor.extensions import db


class CandidateSanction(db.Model):
    """What the confirmed incidents mean for one candidate at one sitting."""

    __tablename__ = "candidate_sanctions"

    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidates.id"), primary_key=True)
    voided_subjects: Mapped[list[str]] = mapped_column(JSON, default=list)
    all_subjects_voided: Mapped[bool] = mapped_column(default=False)
    certificate_revoked: Mapped[bool] = mapped_column(default=False, index=True)
    incident_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    explanations: Mapped[list[dict[str, object]]] = mapped_column(JSON, default=list)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class BanRecord(db.Model):
    """A period in which a person may not sit any evaluation."""

    __tablename__ = "bans"
    # A person's bans in force on a date (eligibility), found in the index alone; it serves
    # person_id on its own too (the foreign key, recomputing a person's bans).
    __table_args__ = (Index("ix_bans_person_dates", "person_id", "starts_on", "until"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    starts_on: Mapped[date] = mapped_column(index=True)
    until: Mapped[date] = mapped_column(index=True)
    tier: Mapped[int]
    rule_codes: Mapped[str] = mapped_column(String(128))  # "T2.1 T3.4", codes in order
    referral: Mapped[bool] = mapped_column(default=False)
    incident_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    sitting_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    # The first of sitting_ids: the export joins the candidate's ticket number through it.
    sitting_id: Mapped[int | None] = mapped_column(ForeignKey("sittings.id"))
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    person = relationship("Person")
