"""Database plumbing: SQLite pragmas and IMMEDIATE write transactions, UTC timestamps.

SQLite in WAL mode lets readers run beside one writer. A *deferred* transaction that reads and
then writes cannot wait for the write lock (SQLite answers "database is locked" at once, whatever
the busy timeout, because waiting could deadlock), so every transaction that may write begins
IMMEDIATE: it takes the write lock first and waits for it up to the busy timeout. Requests that
cannot write (GET, HEAD, OPTIONS) begin deferred so readers never queue behind writers.
"""

from __future__ import annotations

import contextvars
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Engine, event
from sqlalchemy.orm import Mapper, ORMExecuteState, Session, UOWTransaction
from sqlalchemy.types import TypeDecorator

_read_only: contextvars.ContextVar[bool] = contextvars.ContextVar("proctor_read_only",
                                                                 default=False)


@contextmanager
def read_only_transactions() -> Iterator[None]:
    """Within this block, SQLite transactions begin DEFERRED (they will not write)."""
    token = _read_only.set(True)
    try:
        yield
    finally:
        _read_only.reset(token)


def set_read_only(flag: bool) -> contextvars.Token[bool]:
    return _read_only.set(flag)


def reset_read_only(token: contextvars.Token[bool]) -> None:
    _read_only.reset(token)


def is_read_only() -> bool:
    """Whether SQLite transactions begun now would be DEFERRED (a GET request)."""
    return _read_only.get()


def configure_engine(engine: Engine, busy_timeout_ms: int) -> None:
    """Install the per-connection SQLite settings and the BEGIN IMMEDIATE hook."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's begin event emit BEGIN itself (pysqlite's own BEGIN is deferred).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    # Created now, after gevent (if any) has patched threading: a greenlet-aware lock then.
    writers = threading.RLock()

    def release(info: dict[str, Any]) -> None:
        if info.pop(_HOLDS_WRITE_LOCK, False):
            writers.release()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        if _read_only.get():
            connection.exec_driver_sql("BEGIN")
            return
        writers.acquire()
        connection.info[_HOLDS_WRITE_LOCK] = True
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            release(connection.info)
            raise

    # Released as the COMMIT or ROLLBACK is sent (nothing yields to another greenlet before the
    # statement runs), and in any case when the connection goes back to the pool.
    @event.listens_for(engine, "commit")
    def _on_commit(connection: Any) -> None:
        release(connection.info)

    @event.listens_for(engine, "rollback")
    def _on_rollback(connection: Any) -> None:
        release(connection.info)

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        if record is not None:
            release(record.info)

    @event.listens_for(engine, "invalidate")
    def _on_invalidate(_dbapi_connection: Any, record: Any, _exc: Any) -> None:
        if record is not None:
            release(record.info)


_HOLDS_WRITE_LOCK = "proctor_holds_write_lock"
_WROTE = "proctor_wrote"


@event.listens_for(Session, "after_flush")
def _flushed(session: Session, flush_context: UOWTransaction) -> None:
    session.info[_WROTE] = True


@event.listens_for(Session, "do_orm_execute")
def _statement(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info[_WROTE] = True


@event.listens_for(Session, "after_transaction_end")
def _transaction_ended(session: Session, transaction: Any) -> None:
    if transaction.parent is None:
        session.info.pop(_WROTE, None)


def end_read_transaction(session: Session) -> bool:
    """End the session's transaction if it has written nothing, so that no database lock is
    held while slow work runs (reading an upload, hashing a password, decoding an image,
    waiting for a camera). The objects it loaded stay usable (the session does not expire them
    on commit); the writes that follow begin a transaction of their own. Returns whether it did.
    """
    if not session.in_transaction() or session.info.get(_WROTE):
        return False
    if session.new or session.dirty or session.deleted:
        return False
    session.commit()
    return True


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware datetime stored in UTC on every database (naive UTC in SQLite)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where an aware one is required")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def _to_utc(_target: Any, value: Any, _old: Any, _initiator: Any) -> Any:
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC)
    return value


@event.listens_for(Mapper, "mapper_configured")
def _in_utc_when_assigned(mapper: Mapper[Any], cls: type) -> None:
    """Every UTCDateTime attribute is in UTC from the moment it is set, as it reads back from
    the database: objects outlive their commit (expire_on_commit is off), so a value set in
    venue time would otherwise be shown in venue time by some answers and in UTC by others."""
    for attribute in mapper.column_attrs:
        if isinstance(attribute.columns[0].type, UTCDateTime):
            event.listen(getattr(cls, attribute.key), "set", _to_utc, retval=True)


def utcnow() -> datetime:
    return datetime.now(UTC)
