"""Database plumbing: SQLite pragmas and IMMEDIATE write transactions, UTC timestamps.

SQLite in WAL mode lets readers run beside one writer. A *deferred* transaction that reads and
then writes cannot wait for the write lock (SQLite answers "database is locked" at once, whatever
the busy timeout, because waiting could deadlock), so every transaction that may write begins
IMMEDIATE: it takes the write lock first and waits for it up to the busy timeout. Requests that
cannot write (GET, HEAD, OPTIONS) begin deferred so readers never queue behind writers.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Engine, event
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

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN" if _read_only.get() else "BEGIN IMMEDIATE")


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


def utcnow() -> datetime:
    return datetime.now(UTC)
