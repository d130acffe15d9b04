"""Evidence of an incident: photos, signatures, refusals to sign, seized items, addenda.

Original bytes are kept unchanged, once, under their SHA-256 (see services/evidence.py); rows
say who took each piece, when (tablet and server clocks), on which device or camera.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from proctor.database import UTCDateTime, utcnow
from proctor.extensions import db
from proctor.models.enums import stored_enum


class Evidence(db.Model):
    __tablename__ = "evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # photo | signature
    source: Mapped[str] = mapped_column(String(16))  # tablet_camera | upload | room_camera | canvas
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    media_type: Mapped[str] = mapped_column(String(32))
    size: Mapped[int]
    width: Mapped[int]
    height: Mapped[int]
    orientation: Mapped[int] = mapped_column(default=1)
    device: Mapped[str | None] = mapped_column(String(255))
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime)  # the tablet's (or camera's) clock
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)  # the server's
    taken_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str | None] = mapped_column(Text)
    signs_record_hash: Mapped[str | None] = mapped_column(String(64))
    purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AcknowledgementKind(StrEnum):
    SIGNED = "signed"
    REFUSED = "refused"  # complete once a second invigilator attests


class Acknowledgement(db.Model):
    """The candidate signs the incident record, or refuses (attested by a second invigilator)."""

    __tablename__ = "acknowledgements"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    kind: Mapped[AcknowledgementKind] = mapped_column(stored_enum(AcknowledgementKind, 16))
    record_hash: Mapped[str] = mapped_column(String(64))
    evidence_id: Mapped[int | None] = mapped_column(ForeignKey("evidence.id"))
    recorded_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    attested_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    attested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Addendum(db.Model):
    """A dated correction or addition: a signed record is never edited."""

    __tablename__ = "incident_addenda"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    written_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    written_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SeizedItem(db.Model):
    """Something taken from a candidate: what, from whom, where it is kept, and its return."""

    __tablename__ = "seized_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"), index=True)
    sitting_id: Mapped[int] = mapped_column(ForeignKey("sittings.id"), index=True)
    room_id: Mapped[int | None] = mapped_column(ForeignKey("rooms.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    description: Mapped[str] = mapped_column(Text)
    kept_at: Mapped[str] = mapped_column(String(255))
    seized_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    seized_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    returned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    returned_to: Mapped[str | None] = mapped_column(String(128))
    returned_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    person = relationship("Person")
