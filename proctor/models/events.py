"""Live events, kept so a tablet that reconnects can catch up on what it missed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from proctor.database import UTCDateTime, utcnow
from proctor.extensions import db


class LiveEvent(db.Model):
    __tablename__ = "live_events"
    __table_args__ = (UniqueConstraint("sitting_id", "seq", name="uq_event_seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sitting_id: Mapped[int] = mapped_column(ForeignKey("sittings.id"), index=True)
    seq: Mapped[int]
    type: Mapped[str] = mapped_column(String(32))
    room_id: Mapped[int | None] = mapped_column(ForeignKey("rooms.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    data: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
