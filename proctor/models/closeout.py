"""The close-out of a room at the end of a subject: the papers (or workpieces) handed out and
collected, and the invigilators' explanation of each discrepancy the room record raises."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from proctor.database import UTCDateTime, utcnow
from proctor.extensions import db


class RoomCloseout(db.Model):
    """The figures as entered on a tablet; each entry is kept, the latest one counts."""

    __tablename__ = "room_closeouts"
    __table_args__ = (Index("ix_room_closeouts_room_subject", "room_id", "subject_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("rooms.id"))
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"))
    handed_out: Mapped[int]
    collected: Mapped[int]
    recorded_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DiscrepancyExplanation(db.Model):
    """What an invigilator wrote about one discrepancy, bound to the facts it explains: when the
    facts change (another check-in, figures entered again) it no longer explains them."""

    __tablename__ = "discrepancy_explanations"
    __table_args__ = (Index("ix_discrepancy_explanations_room_subject", "room_id",
                            "subject_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("rooms.id"))
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"))
    discrepancy: Mapped[str] = mapped_column(String(96))
    facts: Mapped[dict[str, Any]] = mapped_column(JSON)
    text: Mapped[str] = mapped_column(Text)
    recorded_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
