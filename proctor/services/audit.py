"""The audit chain: every change appended with actor, time, what, and a hash of the entry before.

Appends take the single `audit_head` row with an UPDATE first, so concurrent writers (SQLite or
PostgreSQL) queue behind each other instead of forking the chain.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import has_request_context, request
from flask_login import current_user
from sqlalchemy import update

from proctor.database import is_read_only, set_read_only, utcnow
from proctor.extensions import db
from proctor.models import AuditEntry, AuditHead

GENESIS = "0" * 64


def _canonical(seq: int, at: datetime, actor: str, action: str, object_type: str | None,
               object_id: str | None, data: dict[str, Any], prev_hash: str) -> bytes:
    payload = {
        "seq": seq, "at": at.isoformat(timespec="microseconds"), "actor": actor,
        "action": action, "object_type": object_type, "object_id": object_id,
        "data": data, "prev_hash": prev_hash,
    }
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                      default=str).encode()


def entry_hash(entry: AuditEntry) -> str:
    return hashlib.sha256(_canonical(entry.seq, entry.at, entry.actor, entry.action,
                                     entry.object_type, entry.object_id, entry.data or {},
                                     entry.prev_hash)).hexdigest()


def current_actor() -> str:
    if has_request_context() and getattr(current_user, "is_authenticated", False):
        return str(current_user.username)
    return "system"


def record(action: str, object_type: str | None = None, object_id: Any = None,
           actor: str | None = None, **data: Any) -> AuditEntry:
    """Append one entry to the chain in the caller's transaction (committed with the change)."""
    if has_request_context():
        data.setdefault("ip", request.remote_addr)
    data = json.loads(json.dumps(data, default=str, ensure_ascii=False))
    _leave_read_only_transaction()
    head = _lock_head()
    at = utcnow()
    entry = AuditEntry(
        seq=head.seq + 1, at=at, actor=actor or current_actor(), action=action,
        object_type=object_type, object_id=None if object_id is None else str(object_id),
        data=data, prev_hash=head.hash,
    )
    entry.hash = entry_hash(entry)
    db.session.add(entry)
    head.seq, head.hash = entry.seq, entry.hash
    db.session.flush()
    return entry


def _leave_read_only_transaction() -> None:
    """A GET that is audited (an export, an eligibility check) began a DEFERRED transaction and
    has read already; on SQLite such a transaction cannot wait for the write lock ("database is
    locked" at once when another request writes). It has written nothing, so end it and go on
    in a transaction that begins IMMEDIATE and waits its turn."""
    if not is_read_only():
        return
    set_read_only(False)  # for the rest of this request (reset when the next one begins)
    session = db.session()
    if (session.in_transaction() and session.get_bind().dialect.name == "sqlite"
            and not (session.new or session.dirty or session.deleted)):
        session.rollback()


def _lock_head() -> AuditHead:
    # The UPDATE takes the row lock (PostgreSQL) before the chain's head is read.
    db.session.execute(update(AuditHead).where(AuditHead.id == 1).values(seq=AuditHead.seq))
    head = db.session.get(AuditHead, 1, populate_existing=True)
    if head is None:
        head = AuditHead(id=1, seq=0, hash=GENESIS)
        db.session.add(head)
        db.session.flush()
    return head


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    entries: int
    head: str
    problems: list[str]


def verify_chain(batch: int = 2000) -> ChainReport:
    """Re-hash every entry in order; report edited, deleted or inserted entries."""
    problems: list[str] = []
    prev_hash, expected_seq, count = GENESIS, 1, 0
    stmt = db.select(AuditEntry).order_by(AuditEntry.seq).execution_options(yield_per=batch)
    for entry in db.session.scalars(stmt):
        count += 1
        if entry.seq != expected_seq:
            problems.append(f"entries {expected_seq}..{entry.seq - 1} are missing")
        if entry.prev_hash != prev_hash:
            problems.append(f"entry {entry.seq} does not follow the entry before it")
        if entry_hash(entry) != entry.hash:
            problems.append(f"entry {entry.seq} was altered after it was written")
        prev_hash, expected_seq = entry.hash, entry.seq + 1
    head = db.session.get(AuditHead, 1)
    if head is not None and (head.seq != expected_seq - 1 or head.hash != prev_hash):
        problems.append(f"the chain ends at {expected_seq - 1} but its head says {head.seq}")
    return ChainReport(ok=not problems, entries=count, head=prev_hash, problems=problems)
