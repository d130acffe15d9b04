"""What happens on the floor of a room: seats, attendance, reminders, the room log."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from proctor.database import UTCDateTime, utcnow
from proctor.extensions import db
from proctor.models.enums import stored_enum
from proctor.models.photos import PhotoCheck


class AttendanceStatus(StrEnum):
    PRESENT = "present"
    ABSENT = "absent"
    LATE = "late"


class WarningOutcome(StrEnum):
    """A reminder waits for its outcome; a refusal raises the Tier-1 incident."""

    PENDING = "pending"
    COMPLIED = "complied"
    REFUSED = "refused"


class SeatAssignment(db.Model):
    __tablename__ = "seat_assignments"
    __table_args__ = (UniqueConstraint("room_id", "seat_no", name="uq_seat_taken_once"),)

    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidates.id"), primary_key=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("rooms.id"), index=True)
    seat_no: Mapped[int]
    assigned_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Attendance(db.Model):
    __tablename__ = "attendance"
    __table_args__ = (UniqueConstraint("candidate_id", "subject_id", name="uq_attendance_once"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidates.id"), index=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"))
    status: Mapped[AttendanceStatus] = mapped_column(stored_enum(AttendanceStatus, 16))
    id_checked: Mapped[bool] = mapped_column(default=False)  # the ID card (身份证) was checked
    # The identity check (人证核验): the face against the registration photo, and the photo
    # taken at the door (None: not checked, or no photo taken).
    photo_check: Mapped[PhotoCheck | None] = mapped_column(stored_enum(PhotoCheck, 16))
    checkin_photo_id: Mapped[int | None] = mapped_column(ForeignKey("checkin_photos.id"))
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CandidateWarning(db.Model):
    """A reminder (提醒) under T1.1–T1.3; a refusal raises the Tier-1 incident."""

    __tablename__ = "warnings"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidates.id"), index=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"))
    room_id: Mapped[int | None] = mapped_column(ForeignKey("rooms.id"))
    rule_code: Mapped[str] = mapped_column(String(8))
    note: Mapped[str | None] = mapped_column(Text)
    observed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    recorded_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    outcome: Mapped[WarningOutcome] = mapped_column(stored_enum(WarningOutcome, 16),
                                                    default=WarningOutcome.PENDING)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"))

    candidate = relationship("Candidate")
    subject = relationship("Subject")


class RoomLogEntry(db.Model):
    """A non-disciplinary event of a room (考场情况记录): start, end, illness, evacuation …"""

    __tablename__ = "room_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("rooms.id"), index=True)
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("subjects.id"))
    kind: Mapped[str] = mapped_column(String(32))
    note: Mapped[str | None] = mapped_column(Text)
    observed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    recorded_by: Mapped[int] = mapped_column(ForeignKey("users.id"))

    subject = relationship("Subject")


class RoomRecordSignoff(db.Model):
    """An invigilator signs the room record (考场情况记录表) of one subject: its hash, then."""

    __tablename__ = "room_record_signoffs"
    __table_args__ = (UniqueConstraint("room_id", "subject_id", "user_id",
                                       name="uq_room_record_signed_once"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("rooms.id"), index=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    record_hash: Mapped[str] = mapped_column(String(64))
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
