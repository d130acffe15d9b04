"""The patrol (巡考): flags raised on a seat or a room for its invigilators to check, their
photos, the patrol's visits to each room and the signed patrol record (巡考记录表).

A flag sanctions nobody: it asks the room's invigilators to look, and their answer may link the
reminder or the incident they recorded themselves.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from proctor.database import UTCDateTime, utcnow
from proctor.extensions import db
from proctor.models.enums import stored_enum


class FlagOutcome(StrEnum):
    NOTHING_FOUND = "nothing_found"
    REMINDED = "reminded"  # a reminder (提醒) of that room is linked
    INCIDENT_REPORTED = "incident_reported"  # an incident of that room is linked


class PatrolFlag(db.Model):
    __tablename__ = "patrol_flags"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    sitting_id: Mapped[int] = mapped_column(ForeignKey("sittings.id"), index=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("rooms.id"), index=True)
    seat_no: Mapped[int | None]
    note: Mapped[str] = mapped_column(Text)
    observed_at: Mapped[datetime] = mapped_column(UTCDateTime)  # the patrol's tablet clock
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)  # the server's
    raised_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    outcome: Mapped[FlagOutcome | None] = mapped_column(stored_enum(FlagOutcome, 24))
    answer_note: Mapped[str | None] = mapped_column(Text)
    warning_id: Mapped[int | None] = mapped_column(ForeignKey("warnings.id"))
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"))
    answered_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PatrolFlagPhoto(db.Model):
    """A photo of a flag, kept like evidence: the original unchanged under its SHA-256."""

    __tablename__ = "patrol_flag_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    flag_id: Mapped[int] = mapped_column(ForeignKey("patrol_flags.id"), index=True)
    sha256: Mapped[str] = mapped_column(String(64))
    media_type: Mapped[str] = mapped_column(String(32))
    size: Mapped[int]
    width: Mapped[int]
    height: Mapped[int]
    device: Mapped[str | None] = mapped_column(String(255))
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    taken_by: Mapped[int] = mapped_column(ForeignKey("users.id"))


class PatrolVisit(db.Model):
    """One visit of a patrol to a room: when, who was invigilating, rules read out, remarks."""

    __tablename__ = "patrol_visits"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    sitting_id: Mapped[int] = mapped_column(ForeignKey("sittings.id"), index=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("rooms.id"))
    patrol_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    visited_at: Mapped[datetime] = mapped_column(UTCDateTime)
    invigilators: Mapped[list[str]] = mapped_column(JSON, default=list)  # usernames present
    rules_read: Mapped[bool]
    remarks: Mapped[str | None] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PatrolRecordSignoff(db.Model):
    """The patrol signs their record of a sitting: its hash, then; the record is then closed."""

    __tablename__ = "patrol_record_signoffs"
    __table_args__ = (UniqueConstraint("sitting_id", "user_id", name="uq_patrol_signed_once"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sitting_id: Mapped[int] = mapped_column(ForeignKey("sittings.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    record_hash: Mapped[str] = mapped_column(String(64))
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
