"""Pictures of a candidate's face: the registration photo the evaluation body imports, and the
photo an invigilator takes at the door for the identity check (人证核验).

The files live with the evidence (content-addressed under their SHA-256, services/
evidence_store.py); these rows say whose picture each is, where it came from and what the face
detector found in it. The detector only counts faces: it never says whether two faces match.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from proctor.database import UTCDateTime, utcnow
from proctor.extensions import db


class PhotoCheck(StrEnum):
    """What the invigilator saw comparing the face with the registration photo."""

    MATCH = "match"
    MISMATCH = "mismatch"
    UNSURE = "unsure"


class RegistrationPhoto(db.Model):
    """A candidate's registration photo (one per candidate; a re-import replaces it)."""

    __tablename__ = "registration_photos"

    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidates.id"), primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    media_type: Mapped[str] = mapped_column(String(32))
    size: Mapped[int]
    width: Mapped[int]
    height: Mapped[int]
    source_name: Mapped[str] = mapped_column(String(255))  # the file's name in the ZIP
    imported_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    faces: Mapped[int | None]  # faces found, once the detector has looked (at a check-in)


class CheckinPhoto(db.Model):
    """A photo taken at check-in, with the faces found in it and in the registration photo it
    was compared with."""

    __tablename__ = "checkin_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidates.id"), index=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    media_type: Mapped[str] = mapped_column(String(32))
    size: Mapped[int]
    width: Mapped[int]
    height: Mapped[int]
    faces: Mapped[int]
    registration_sha256: Mapped[str | None] = mapped_column(String(64))
    registration_faces: Mapped[int | None]
    device: Mapped[str | None] = mapped_column(String(255))
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime)  # the tablet's clock
    taken_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
