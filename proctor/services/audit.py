"""The audit chain: every change appended with actor, time, what, and a hash of the entry before.

Appends take the single `audit_head` row with an UPDATE first, so concurrent writers (SQLite or
PostgreSQL) queue behind each other instead of forking the chain.

The chain is anchored outside the rows it protects, so someone with the database alone (who
can drop the triggers) cannot rewrite it whole or cut its tail unseen:
- every entry carries an HMAC-SHA256 of its seq and hash (`mac`) under the audit key, kept
  outside the database (PROCTOR_AUDIT_KEY, or `<data dir>/audit_key`, made once, mode 0600):
  a re-hashed chain has no valid MACs;
- signed checkpoints of the head (seq, hash, MAC) are appended to
  `<data dir>/audit-checkpoints.jsonl` every AUDIT_CHECKPOINT_EVERY entries (100) or
  AUDIT_CHECKPOINT_SECONDS (60) of writing, after an export or a decision is committed, and at
  every sound verification: a chain cut behind a checkpoint no longer holds it;
- `verify_chain` also checks that the append-only triggers are there, enabled and unaltered.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from flask import current_app, g, has_request_context, request
from flask_login import current_user
from sqlalchemy import bindparam, event, insert, text, update
from sqlalchemy.orm import Session

from proctor import hashing
from proctor.database import is_read_only, set_read_only, utcnow
from proctor.extensions import db
from proctor.models import AuditEntry, AuditHead

GENESIS = "0" * 64
KEY_FILE = "audit_key"
CHECKPOINT_FILE = "audit-checkpoints.jsonl"
_MAC_DOMAIN = b"proctor audit entry v1\n"
# Entries that others keep a copy of (exports, decisions, notices): the head is anchored in the
# data folder as soon as they commit.
ANCHORED_ACTIONS = frozenset({
    "bans_exported", "bans_export_completed", "revocations_exported", "incident_decided",
    "notice_issued", "notice_served", "review_decided", "room_record_signed", "evidence_purged"})


def _hash(seq: int, at: datetime, actor: str, action: str, object_type: str | None,
          object_id: str | None, data: dict[str, Any], prev_hash: str) -> str:
    """The entry's hash: of its canonical JSON, which holds the hash before it (the chain).
    The chain has always written what JSON has no type for as its str() (`str_fallback`)."""
    payload = {
        "seq": seq, "at": at.isoformat(timespec="microseconds"), "actor": actor,
        "action": action, "object_type": object_type, "object_id": object_id,
        "data": data, "prev_hash": prev_hash,
    }
    return hashing.digest(payload, str_fallback=True)


def entry_hash(entry: AuditEntry) -> str:
    return _hash(entry.seq, entry.at, entry.actor, entry.action, entry.object_type,
                 entry.object_id, entry.data or {}, entry.prev_hash)


def current_actor() -> str:
    if has_request_context() and g.get("audit_actor"):  # a candidate on their own page
        return str(g.audit_actor)
    if has_request_context() and getattr(current_user, "is_authenticated", False):
        return str(current_user.username)
    return "system"


# -- the key, outside the database ---------------------------------------------------------------
def audit_key_for(config: Any) -> bytes:
    """AUDIT_KEY (PROCTOR_AUDIT_KEY), else the key file in the data folder, made on first use.
    Several processes on one database must share it (the same variable, or one data folder)."""
    given = config.get("AUDIT_KEY") or os.environ.get("PROCTOR_AUDIT_KEY")
    if given:
        return str(given).encode()
    path = Path(config["DATA_DIR"]) / KEY_FILE
    if path.exists():
        return _read_key(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first
        return _read_key(path)
    with os.fdopen(fd, "w") as handle:
        handle.write(key + "\n")
    return key.encode()


def _read_key(path: Path) -> bytes:
    key = path.read_text().strip()
    if not key:  # never sign with an empty key: put the copy kept elsewhere back
        raise RuntimeError(f"the audit key file {path} is empty")
    return key.encode()


def mac_of(key: bytes, seq: int, digest: str) -> str:
    """The entry's HMAC, of its place and its hash (which commits to everything in it). The
    same (seq, hash, mac) is a signed checkpoint of the head when that entry is the last."""
    return hmac.new(key, _MAC_DOMAIN + f"{seq}:{digest}".encode(), hashlib.sha256).hexdigest()


class _Anchor:
    """Per app and process: the keyed MAC, ready to copy, and when the head was last anchored."""

    def __init__(self, config: Any) -> None:
        self.key = audit_key_for(config)
        self.base = hmac.new(self.key, _MAC_DOMAIN, hashlib.sha256)
        self.folder = Path(config["DATA_DIR"])
        self.every = int(config.get("AUDIT_CHECKPOINT_EVERY", 100))
        self.seconds = float(config.get("AUDIT_CHECKPOINT_SECONDS", 60))
        self.last_seq = 0
        self.last_time = time.monotonic()

    def mac(self, seq: int, digest: str) -> str:
        signer = self.base.copy()
        signer.update(f"{seq}:{digest}".encode())
        return signer.hexdigest()

    def due(self, seq: int) -> bool:
        return (seq - self.last_seq >= self.every
                or time.monotonic() - self.last_time >= self.seconds)

    def write(self, seq: int, digest: str, mac: str) -> dict[str, Any]:
        """Append a checkpoint line (one small write, no fsync: it anchors, it is no journal)."""
        line = {"seq": seq, "hash": digest, "mac": mac,
                "at": utcnow().isoformat(timespec="seconds")}
        self.last_seq, self.last_time = max(self.last_seq, seq), time.monotonic()
        self.folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.folder / CHECKPOINT_FILE, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o640)
        try:
            os.write(fd, (json.dumps(line, separators=(",", ":")) + "\n").encode())
        finally:
            os.close(fd)
        return line


def _anchor() -> _Anchor:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    anchor = app.extensions.get("proctor_audit_anchor")
    if anchor is None:
        anchor = app.extensions["proctor_audit_anchor"] = _Anchor(app.config)
    return anchor  # type: ignore[no-any-return]


@dataclass(frozen=True)
class Appended:
    """The entry just appended: its place in the chain, its hash and its MAC (a signed head
    an export or a notice can carry: `audit verify --checkpoints` checks it later)."""

    seq: int
    hash: str
    mac: str = ""


_entries, _head = AuditEntry.__table__, AuditHead.__table__
_APPENDED = "proctor_audit_appended"


def record(action: str, object_type: str | None = None, object_id: Any = None,
           actor: str | None = None, **data: Any) -> Appended:
    """Append one entry to the chain in the caller's transaction (committed with the change).

    Three statements, written in Core (every write of every tablet comes through here): take
    the head's row lock while moving it on (which also reads the previous hash), insert the
    entry with its hash and MAC, store its hash in the head. The head is anchored in the data
    folder after the commit when a checkpoint is due."""
    if has_request_context():
        data.setdefault("ip", request.remote_addr)
    data = json.loads(json.dumps(data, default=str, ensure_ascii=False))
    _leave_read_only_transaction()
    seq, prev_hash = _advance_head()
    at, who = utcnow(), actor or current_actor()
    key = None if object_id is None else str(object_id)
    digest = _hash(seq, at, who, action, object_type, key, data, prev_hash)
    anchor = _anchor()
    mac = anchor.mac(seq, digest)
    db.session.execute(_APPEND, {
        "seq": seq, "at": at, "actor": who, "action": action, "object_type": object_type,
        "object_id": key, "data": data, "prev_hash": prev_hash, "hash": digest, "mac": mac})
    db.session.execute(_SET_HEAD_HASH, {"digest": digest})
    # What to anchor once this commits: the transaction's last entry, if a checkpoint is due.
    info = db.session.info
    earlier = info.get(_APPENDED)
    due = action in ANCHORED_ACTIONS or anchor.due(seq) or (earlier is not None and earlier[3])
    info[_APPENDED] = (seq, digest, mac, due)
    return Appended(seq, digest, mac)


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


@event.listens_for(Session, "after_commit")
def _anchor_after_commit(session: Session) -> None:
    """Only a committed head is anchored (a rolled-back one would look like a cut chain)."""
    appended = session.info.pop(_APPENDED, None)
    if appended is not None and appended[3]:
        try:
            _anchor().write(*appended[:3])
        except OSError:  # a full or read-only data folder must not fail the committed write
            current_app.logger.exception("could not write an audit checkpoint")


@event.listens_for(Session, "after_soft_rollback")
def _forget_after_rollback(session: Session, _previous: Any) -> None:
    session.info.pop(_APPENDED, None)


def checkpoint() -> dict[str, Any] | None:
    """Anchor the current head in the data folder now; the line written (keep a copy off the
    machine), or None for an empty chain."""
    head = db.session.get(AuditHead, 1, populate_existing=True)
    if head is None or head.seq == 0:
        return None
    entry = db.session.scalar(db.select(AuditEntry).where(AuditEntry.seq == head.seq))
    if entry is None or entry.hash != head.hash:
        return None
    anchor = _anchor()
    return anchor.write(entry.seq, entry.hash, anchor.mac(entry.seq, entry.hash))


# -- verification --------------------------------------------------------------------------------
@dataclass(frozen=True)
class ChainReport:
    ok: bool
    entries: int
    head: str
    problems: list[str]
    anchored: int = 0  # the last entry a signed checkpoint anchored before this verification


def verify_chain(batch: int = 2000, anchor: bool = True,
                 checkpoint_files: Iterable[str | Path] = ()) -> ChainReport:
    """Re-hash every entry in order and check its MAC; check the append-only triggers, and that
    every signed checkpoint (the data folder's, and `checkpoint_files` kept elsewhere) is still
    in the chain. Reports edited, deleted, inserted, re-hashed or cut entries. The head of a
    sound chain is anchored in its turn (anchor=True)."""
    signer = _anchor()
    problems = guard_problems()
    anchors = _Checkpoints(signer)
    for path in [signer.folder / CHECKPOINT_FILE, *map(Path, checkpoint_files)]:
        anchors.read(path)
    problems += anchors.problems
    anchored = max(anchors.hashes, default=0)
    prev_hash, expected_seq, count, signed, unsigned = GENESIS, 1, 0, 0, _Runs()
    stmt = db.select(AuditEntry).order_by(AuditEntry.seq).execution_options(yield_per=batch)
    for entry in db.session.scalars(stmt):
        count += 1
        if entry.seq != expected_seq:
            problems.append(f"entries {expected_seq}..{entry.seq - 1} are missing")
        if entry.prev_hash != prev_hash:
            problems.append(f"entry {entry.seq} does not follow the entry before it")
        if entry_hash(entry) != entry.hash:
            problems.append(f"entry {entry.seq} was altered after it was written")
        if entry.mac and hmac.compare_digest(signer.mac(entry.seq, entry.hash), entry.mac):
            signed += 1
        else:
            unsigned.add(entry.seq)
        held = anchors.hashes.pop(entry.seq, None)
        if held is not None and held != entry.hash:
            problems.append(f"checkpoint at entry {entry.seq} is not in the chain "
                            "(the entry was rewritten)")
        prev_hash, expected_seq = entry.hash, entry.seq + 1
    problems += unsigned.problems("not signed with the audit key")
    if count and not signed:
        problems.append("no entry is signed with this audit key: is PROCTOR_AUDIT_KEY (or "
                        f"{KEY_FILE} in the data folder) the key the chain was written with?")
    problems += [f"checkpoint at entry {seq} is not in the chain (the chain was cut)"
                 for seq in sorted(anchors.hashes)]
    head = db.session.get(AuditHead, 1, populate_existing=True)
    if head is not None and (head.seq != expected_seq - 1 or head.hash != prev_hash):
        problems.append(f"the chain ends at {expected_seq - 1} but its head says {head.seq}")
    if not problems and anchor and count:
        try:
            signer.write(expected_seq - 1, prev_hash, signer.mac(expected_seq - 1, prev_hash))
        except OSError:
            current_app.logger.exception("could not write an audit checkpoint")
    return ChainReport(ok=not problems, entries=count, head=prev_hash, problems=problems,
                       anchored=anchored)


class _Runs:
    """Entry numbers, reported as runs ("entries 5..80"), at most MAX_RUNS of them."""

    MAX_RUNS = 20

    def __init__(self) -> None:
        self.runs: list[list[int]] = []

    def add(self, seq: int) -> None:
        if self.runs and self.runs[-1][1] == seq - 1:
            self.runs[-1][1] = seq
        else:
            self.runs.append([seq, seq])

    def problems(self, what: str) -> list[str]:
        said = [f"entry {a} is {what}" if a == b else f"entries {a}..{b} are {what}"
                for a, b in self.runs[:self.MAX_RUNS]]
        if len(self.runs) > self.MAX_RUNS:
            said.append(f"and {len(self.runs) - self.MAX_RUNS} more runs of entries are {what}")
        return said


class _Checkpoints:
    """Signed checkpoints read from files: seq -> hash, and what was wrong with the lines."""

    def __init__(self, signer: _Anchor) -> None:
        self.signer = signer
        self.hashes: dict[int, str] = {}
        self.problems: list[str] = []

    def read(self, path: Path) -> None:
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return
        except (OSError, UnicodeDecodeError) as exc:
            self.problems.append(f"the checkpoints in {path} cannot be read: {exc}")
            return
        for number, line in enumerate(lines, 1):
            if line.strip():
                self._take(path, number, line)

    def _take(self, path: Path, number: int, line: str) -> None:
        where = f"checkpoint line {number} of {path.name}"
        try:
            found = json.loads(line)
            seq, digest, mac = int(found["seq"]), str(found["hash"]), str(found["mac"])
        except (ValueError, TypeError, KeyError):
            self.problems.append(f"{where} is unreadable")
            return
        if not hmac.compare_digest(self.signer.mac(seq, digest), mac):
            self.problems.append(f"{where} (entry {seq}) is not signed with the audit key")
            return
        if self.hashes.setdefault(seq, digest) != digest:
            self.problems.append(f"{where}: two signed checkpoints disagree about entry {seq}")


# The append-only guards as migration 0001 made them (SQLite keeps each CREATE as written).
_SQLITE_GUARDS = {
    "audit_log_no_update": "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
                           "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
    "audit_log_no_delete": "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log "
                           "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
}
_PG_GUARDS = {
    "audit_log_no_update": "BEFORE DELETE OR UPDATE ON {table} FOR EACH ROW EXECUTE FUNCTION "
                           "audit_log_append_only()",
    "audit_log_no_truncate": "BEFORE TRUNCATE ON {table} FOR EACH STATEMENT EXECUTE FUNCTION "
                             "audit_log_append_only()",
}
_PG_GUARD_BODY = "BEGIN RAISE EXCEPTION 'audit_log is append-only'; END;"


def _words(sql: str) -> str:
    return " ".join(sql.split()).lower()


def guard_problems() -> list[str]:
    """What is wrong with the triggers that make the audit log append-only."""
    dialect = db.session.get_bind().dialect.name
    if dialect == "sqlite":
        return _sqlite_guard_problems()
    if dialect == "postgresql":
        return _pg_guard_problems()
    return [f"no append-only guard is known for {dialect}"]


def _sqlite_guard_problems() -> list[str]:
    found = dict(db.session.execute(text(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_log'"
    )).all())
    problems = []
    for name, sql in _SQLITE_GUARDS.items():
        if name not in found:
            problems.append(f"the append-only guard {name} is missing")
        elif _words(str(found[name])) != _words(sql):
            problems.append(f"the append-only guard {name} was altered")
    return problems


def _pg_guard_problems() -> list[str]:
    rows = db.session.execute(text(
        "SELECT t.tgname, t.tgenabled, pg_get_triggerdef(t.oid), p.proname, p.prosrc "
        "FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid "
        "WHERE t.tgrelid = 'audit_log'::regclass AND NOT t.tgisinternal")).all()
    found = {row[0]: row for row in rows}
    problems = []
    for name, definition in _PG_GUARDS.items():
        if name not in found:
            problems.append(f"the append-only guard {name} is missing")
            continue
        _, enabled, created, function, body = found[name]
        table = created.split(" ON ", 1)[1].split(" ", 1)[0]  # audit_log, maybe schema-qualified
        if _words(created) != _words(f"CREATE TRIGGER {name} " + definition.format(table=table)):
            problems.append(f"the append-only guard {name} was altered")
        if enabled not in ("O", "A"):  # D: disabled; R: fires only on replicas
            problems.append(f"the append-only guard {name} is disabled")
        if function == "audit_log_append_only" and _words(body) != _words(_PG_GUARD_BODY):
            problem = "the append-only guard audit_log_append_only was altered"
            if problem not in problems:
                problems.append(problem)
    return problems
