"""A candidate leaving the room and coming back (离座/返回), escorted or not."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from proctor.database import UTCDateTime, utcnow
from proctor.extensions import db
from proctor.models.enums import stored_enum


class MovementKind(StrEnum):
    LEFT = "left"
    RETURNED = "returned"


class MovementReason(StrEnum):
    TOILET = "toilet"
    ILLNESS = "illness"
    OTHER = "other"


class Movement(db.Model):
    """One leaving or return. A candidate's movements are numbered 1, 2, 3 … (`n`): a leaving
    is odd, its return the next even number. UNIQUE(candidate, n) settles two tablets recording
    the same leaving (or return) at once: the second is refused (already_out / not_out)."""

    __tablename__ = "movements"
    __table_args__ = (UniqueConstraint("candidate_id", "n", name="uq_movement_order"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    sitting_id: Mapped[int] = mapped_column(ForeignKey("sittings.id"), index=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("rooms.id"), index=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidates.id"), index=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"))
    n: Mapped[int]
    kind: Mapped[MovementKind] = mapped_column(stored_enum(MovementKind, 16))
    reason: Mapped[MovementReason] = mapped_column(stored_enum(MovementReason, 16))
    left_id: Mapped[int | None] = mapped_column(ForeignKey("movements.id"), unique=True)
    escort_name: Mapped[str | None] = mapped_column(String(128))
    escort_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str | None] = mapped_column(Text)
    observed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    recorded_by: Mapped[int] = mapped_column(ForeignKey("users.id"))

    candidate = relationship("Candidate")
    subject = relationship("Subject")
