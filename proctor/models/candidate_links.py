"""The candidate's own link to one letter (`/c/<token>`): only the token's SHA-256 is stored.

The token itself is derived from the letter and a key kept outside the database (see
`proctor.services.candidate_links`), so the letter can be printed again with the same link;
a stolen database still holds no token. When the link stops working follows from the letter's
deadlines, so it is computed, not stored.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from proctor.database import UTCDateTime, utcnow
from proctor.extensions import db


class CandidateLink(db.Model):
    """One link per letter: a pre-decision notice or a notice (decision, revised, review)."""

    __tablename__ = "candidate_links"
    __table_args__ = (CheckConstraint("(pre_notice_id IS NULL) <> (notice_id IS NULL)",
                                      name="ck_candidate_link_one_letter"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    pre_notice_id: Mapped[int | None] = mapped_column(ForeignKey("pre_notices.id"), unique=True)
    notice_id: Mapped[int | None] = mapped_column(ForeignKey("notices.id"), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
