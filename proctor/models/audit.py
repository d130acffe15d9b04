"""The append-only, hash-chained audit log. The database refuses UPDATE and DELETE on it; each
entry's MAC and the checkpoints in the data folder anchor the chain outside the database."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from proctor.database import UTCDateTime
from proctor.extensions import db


class AuditEntry(db.Model):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(unique=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64), index=True)
    object_type: Mapped[str | None] = mapped_column(String(32))
    object_id: Mapped[str | None] = mapped_column(String(64))
    data: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)
    # HMAC-SHA256 of `hash` under the audit key, which is kept outside the database
    # (proctor.services.audit): a chain re-hashed by someone with the database alone fails it.
    mac: Mapped[str | None] = mapped_column(String(64))


class AuditHead(db.Model):
    """One row: the chain's last seq and hash. Updating it serialises appends on every database."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(default=0)
    hash: Mapped[str] = mapped_column(String(64))
