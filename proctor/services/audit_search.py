"""Searching the audit log: the evaluation body's page and the API ask the same query."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import Text, cast, or_

from proctor.extensions import db
from proctor.models import AuditEntry
from proctor.services.sittings import venue_zone


@dataclass(frozen=True)
class AuditSearch:
    """What to look for (every field optional): an action, an actor, a text in the object ids
    and the data, venue dates (both inclusive); `limit` entries below `before_seq`."""

    action: str | None = None
    actor: str | None = None
    q: str | None = None
    since: date | None = None
    until: date | None = None
    before_seq: int | None = None
    limit: int = 50


@dataclass
class AuditPage:
    entries: list[AuditEntry]
    next_before_seq: int | None


def find_audit_entries(search: AuditSearch) -> AuditPage:
    """Newest first, `limit` at a time below `before_seq`; `q` looks in object ids and data."""
    stmt = db.select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(search.limit + 1)
    if search.action:
        stmt = stmt.where(AuditEntry.action == search.action)
    if search.actor:
        stmt = stmt.where(AuditEntry.actor == search.actor)
    if search.q:
        data = cast(AuditEntry.data, Text)
        # JSON columns keep non-ASCII text as \\uXXXX escapes: look for both spellings.
        escaped = json.dumps(search.q)[1:-1]
        stmt = stmt.where(or_(AuditEntry.object_id.ilike(_like(search.q), escape="\\"),
                              data.ilike(_like(search.q), escape="\\"),
                              data.ilike(_like(escaped), escape="\\")))
    if search.since:
        stmt = stmt.where(AuditEntry.at >= _venue_start(search.since))
    if search.until:
        stmt = stmt.where(AuditEntry.at < _venue_start(search.until + timedelta(days=1)))
    if search.before_seq:
        stmt = stmt.where(AuditEntry.seq < search.before_seq)
    rows = list(db.session.scalars(stmt))
    more = len(rows) > search.limit
    rows = rows[:search.limit]
    return AuditPage(rows, rows[-1].seq if more and rows else None)


def audit_actions() -> list[str]:
    """Every action the log holds, for the page's filter."""
    return list(db.session.scalars(db.select(AuditEntry.action).distinct()
                                   .order_by(AuditEntry.action)))


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _venue_start(day: date) -> datetime:
    return datetime.combine(day, time(0), venue_zone())
