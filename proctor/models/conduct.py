"""Misconduct of staff and of training bodies (工作人员、培训机构违纪违规记录): the record, its
files, the evaluation body's decision and the letter it sends.

Kept apart from the candidates' tables on purpose: a staff member is named here by account or by
name and ID number, never as a `Person`, so no candidate's sanction, ban, export or eligibility
answer can ever read a conduct record. Nothing here is ever deleted.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from incidents.conduct import ConductSubject
from proctor.database import UTCDateTime, utcnow
from proctor.extensions import db
from proctor.models.enums import stored_enum


class ConductStatus(StrEnum):
    REPORTED = "reported"
    CONFIRMED = "confirmed"
    DISMISSED = "dismissed"


class ConductRecord(db.Model):
    """One act of one staff member or training body, as recorded, and its decision."""

    __tablename__ = "conduct_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    subject_kind: Mapped[ConductSubject] = mapped_column(stored_enum(ConductSubject, 16))
    # Staff: an account, or a name and ID number (staff without an account); their duty.
    staff_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    staff_name: Mapped[str | None] = mapped_column(String(64))
    staff_id_number: Mapped[str | None] = mapped_column(String(32), index=True)
    staff_duty: Mapped[str | None] = mapped_column(String(16))  # invigilator|chief|patrol|other
    # A training body, by name, as a candidate's `training_body` names it.
    training_body: Mapped[str | None] = mapped_column(String(128), index=True)
    sitting_id: Mapped[int | None] = mapped_column(ForeignKey("sittings.id"), index=True)
    code: Mapped[str] = mapped_column(String(8))
    codes_version: Mapped[str] = mapped_column(String(16))
    description: Mapped[str] = mapped_column(Text)
    observed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[ConductStatus] = mapped_column(stored_enum(ConductStatus, 16),
                                                  default=ConductStatus.REPORTED, index=True)
    measure: Mapped[str | None] = mapped_column(Text)  # the decided measure, in words
    reasons: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    files: Mapped[list[ConductFile]] = relationship(order_by="ConductFile.id",
                                                    back_populates="record")


class ConductFile(db.Model):
    """A photo or PDF of a conduct record, kept unchanged under its SHA-256 in the evidence
    store (beside the incidents' evidence, by the same intake)."""

    __tablename__ = "conduct_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("conduct_records.id"), index=True)
    sha256: Mapped[str] = mapped_column(String(64))
    media_type: Mapped[str] = mapped_column(String(32))
    size: Mapped[int]
    filename: Mapped[str | None] = mapped_column(String(255))
    uploaded_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    record: Mapped[ConductRecord] = relationship(back_populates="files")


class ConductNotice(db.Model):
    """The letter of a confirmed record, to the staff member or the body: numbered in a
    sequence of its own per year (`JL-2025-001`, never a candidate letter's number), its
    content frozen with its SHA-256 when issued."""

    __tablename__ = "conduct_notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("conduct_records.id"), unique=True)
    issued_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    issued_on: Mapped[date]  # the date printed on it (venue time)
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    content_sha256: Mapped[str] = mapped_column(String(64))
