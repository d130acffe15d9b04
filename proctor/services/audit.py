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
from sqlalchemy import bindparam, insert, update

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


@dataclass(frozen=True)
class Appended:
    """The entry just appended: its place in the chain and its hash."""

    seq: int
    hash: str


_entries, _head = AuditEntry.__table__, AuditHead.__table__


def record(action: str, object_type: str | None = None, object_id: Any = None,
           actor: str | None = None, **data: Any) -> Appended:
    """Append one entry to the chain in the caller's transaction (committed with the change).

    Three statements, written in Core (every write of every tablet comes through here): take
    the head's row lock while moving it on (which also reads the previous hash), insert the
    entry, store its hash in the head."""
    if has_request_context():
        data.setdefault("ip", request.remote_addr)
    data = json.loads(json.dumps(data, default=str, ensure_ascii=False))
    _leave_read_only_transaction()
    seq, prev_hash = _advance_head()
    at, who = utcnow(), actor or current_actor()
    key = None if object_id is None else str(object_id)
    digest = hashlib.sha256(_canonical(seq, at, who, action, object_type, key, data,
                                       prev_hash)).hexdigest()
    db.session.execute(_APPEND, {
        "seq": seq, "at": at, "actor": who, "action": action, "object_type": object_type,
        "object_id": key, "data": data, "prev_hash": prev_hash, "hash": digest})
    db.session.execute(_SET_HEAD_HASH, {"digest": digest})
    return Appended(seq, digest)


# Built once: these run on every write.
_APPEND = insert(_entries)
_ADVANCE_HEAD = (update(_head).where(_head.c.id == 1).values(seq=_head.c.seq + 1)
                 .returning(_head.c.seq, _head.c.hash))
_SET_HEAD_HASH = update(_head).where(_head.c.id == 1).values(hash=bindparam("digest"))


def _advance_head() -> tuple[int, str]:
    """(the new entry's seq, the previous entry's hash), with the head's row locked: concurrent
    writers (SQLite or PostgreSQL) queue here instead of forking the chain."""
    moved = db.session.execute(_ADVANCE_HEAD).first()
    if moved is None:  # a database made before the head row existed
        db.session.execute(insert(_head).values(id=1, seq=1, hash=GENESIS))
        return 1, GENESIS
    return int(moved[0]), str(moved[1])


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
    head = db.session.get(AuditHead, 1, populate_existing=True)
    if head is not None and (head.seq != expected_seq - 1 or head.hash != prev_hash):
        problems.append(f"the chain ends at {expected_seq - 1} but its head says {head.seq}")
    return ChainReport(ok=not problems, entries=count, head=prev_hash, problems=problems)
