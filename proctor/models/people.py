"""Persons (bans attach to them) and candidates (a person registered for a sitting)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from proctor.database import UTCDateTime, utcnow
from proctor.extensions import db

if TYPE_CHECKING:
    from proctor.models.floor import SeatAssignment


class Person(db.Model):
    __tablename__ = "persons"
    __table_args__ = (UniqueConstraint("id_type", "id_number", name="uq_person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    id_type: Mapped[str] = mapped_column(String(16), default="resident_id")
    # Eligibility looks a person up by the number alone (the unique index leads by id_type).
    id_number: Mapped[str] = mapped_column(String(32), index=True)
    name: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Candidate(db.Model):
    __tablename__ = "candidates"
    __table_args__ = (
        UniqueConstraint("sitting_id", "ticket_no", name="uq_candidate_ticket"),
        UniqueConstraint("sitting_id", "person_id", name="uq_candidate_person"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    sitting_id: Mapped[int] = mapped_column(ForeignKey("sittings.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    ticket_no: Mapped[str] = mapped_column(String(32))
    application: Mapped[str | None] = mapped_column(String(16))  # group | individual
    training_body: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    person: Mapped[Person] = relationship()
    # Read-only, for loading the seat with the candidate: seats are written as SeatAssignment
    # rows, and read through the session (services.floor.seat_of), never through this.
    seat: Mapped[SeatAssignment | None] = relationship(viewonly=True, uselist=False)
    subject_links: Mapped[list[CandidateSubject]] = relationship(
        cascade="all, delete-orphan", order_by="CandidateSubject.subject_id"
    )


class CandidateSubject(db.Model):
    """A subject the candidate sits (a retake sits only some)."""

    __tablename__ = "candidate_subjects"

    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidates.id"), primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"), primary_key=True)
