"""A sitting (one evaluation on one date), its subjects and its rooms."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from proctor.database import UTCDateTime, utcnow
from proctor.extensions import db


class Sitting(db.Model):
    __tablename__ = "sittings"

    id: Mapped[int] = mapped_column(primary_key=True)
    occupation: Mapped[str] = mapped_column(String(128))
    level: Mapped[int]
    date: Mapped[date]
    # The last live-event sequence number handed out for this sitting.
    event_seq: Mapped[int] = mapped_column(default=0)
    # The tiers decided in two steps here ("2,3"; "" none); None: PROCTOR_PRE_NOTICE_TIERS.
    pre_notice_tiers: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    subjects: Mapped[list[Subject]] = relationship(
        back_populates="sitting", order_by="Subject.starts_at"
    )
    rooms: Mapped[list[Room]] = relationship(back_populates="sitting", order_by="Room.id")


class Subject(db.Model):
    __tablename__ = "subjects"
    __table_args__ = (UniqueConstraint("sitting_id", "code", name="uq_subject_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sitting_id: Mapped[int] = mapped_column(ForeignKey("sittings.id"), index=True)
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(128))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)

    sitting: Mapped[Sitting] = relationship(back_populates="subjects")


class Room(db.Model):
    """An exam room with a rows × cols seat grid, seats numbered 1..rows*cols row by row."""

    __tablename__ = "rooms"
    __table_args__ = (UniqueConstraint("sitting_id", "name", name="uq_room_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sitting_id: Mapped[int] = mapped_column(ForeignKey("sittings.id"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    rows: Mapped[int]
    cols: Mapped[int]
    camera_source: Mapped[str | None] = mapped_column(String(512))

    sitting: Mapped[Sitting] = relationship(back_populates="rooms")

    @property
    def seat_count(self) -> int:
        return self.rows * self.cols
