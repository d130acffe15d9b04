"""Due process before a decision: the pre-decision notice (处理事先告知书), each attempt to
serve it, and what the candidate stated (陈述申辩) or waived. Nothing here is ever deleted.

A pre-notice freezes what it says when it is issued (a JSON snapshot and its SHA-256), like the
decision notice; its service and the statements are rows of their own beside it.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from proctor.database import UTCDateTime, utcnow
from proctor.extensions import db
from proctor.models.enums import stored_enum


class ServiceMethod(StrEnum):
    """How a letter reaches the person; PUBLIC (公告送达) only after another method failed."""

    IN_PERSON = "in_person"
    ELECTRONIC = "electronic"
    POST = "post"
    PUBLIC = "public"


class StatementKind(StrEnum):
    STATEMENT = "statement"  # 陈述申辩
    WAIVER = "waiver"  # the candidate signed that they make no statement


class PreNotice(db.Model):
    """One pre-decision notice per person per proposed incident."""

    __tablename__ = "pre_notices"
    __table_args__ = (UniqueConstraint("incident_id", "person_id", name="uq_pre_notice_party"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)  # "2025-1-G001"
    sitting_id: Mapped[int] = mapped_column(ForeignKey("sittings.id"), index=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    candidate_id: Mapped[int | None] = mapped_column(ForeignKey("candidates.id"))
    issued_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    issued_on: Mapped[date]  # the date printed on it (venue time)
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    content_sha256: Mapped[str] = mapped_column(String(64))
    served_on: Mapped[date | None]  # of the attempt that succeeded
    service_method: Mapped[ServiceMethod | None] = mapped_column(stored_enum(ServiceMethod, 16))

    services: Mapped[list[PreNoticeService]] = relationship(
        back_populates="pre_notice", order_by="PreNoticeService.id")
    statements: Mapped[list[Statement]] = relationship(
        back_populates="pre_notice", order_by="Statement.id")


class PreNoticeService(db.Model):
    """One attempt to serve a pre-notice: it reached the person, or it failed (and why)."""

    __tablename__ = "pre_notice_services"

    id: Mapped[int] = mapped_column(primary_key=True)
    pre_notice_id: Mapped[int] = mapped_column(ForeignKey("pre_notices.id"), index=True)
    method: Mapped[ServiceMethod] = mapped_column(stored_enum(ServiceMethod, 16))
    served_on: Mapped[date]  # the day it reached the person, or the day the attempt failed
    failed: Mapped[bool] = mapped_column(default=False)
    note: Mapped[str | None] = mapped_column(Text)  # why it failed, or who received it
    posted_at: Mapped[str | None] = mapped_column(String(256))  # where a public notice hangs
    recorded_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    pre_notice: Mapped[PreNotice] = relationship(back_populates="services")


class Statement(db.Model):
    """What the candidate stated in their defence, or their signed waiver; `sha256` is the
    hash of the record as received (its text, how and when, its attachments' hashes)."""

    __tablename__ = "statements"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    pre_notice_id: Mapped[int] = mapped_column(ForeignKey("pre_notices.id"), index=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    kind: Mapped[StatementKind] = mapped_column(stored_enum(StatementKind, 16))
    text: Mapped[str] = mapped_column(Text, default="")
    received_via: Mapped[str] = mapped_column(String(16))  # in_person | electronic | post
    received_on: Mapped[date]
    # A waiver is signed by the candidate on paper; who saw them sign it is recorded.
    witness: Mapped[str | None] = mapped_column(String(128))
    attachments: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    sha256: Mapped[str] = mapped_column(String(64))
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # None: online
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    pre_notice: Mapped[PreNotice] = relationship(back_populates="statements")


class StatementFile(db.Model):
    """A file the candidate handed in with a statement (a photo or a PDF), kept unchanged
    under its SHA-256 in the evidence store."""

    __tablename__ = "statement_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    pre_notice_id: Mapped[int] = mapped_column(ForeignKey("pre_notices.id"), index=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    sha256: Mapped[str] = mapped_column(String(64))
    media_type: Mapped[str] = mapped_column(String(32))
    size: Mapped[int]
    filename: Mapped[str | None] = mapped_column(String(255))
    uploaded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # None: online
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
