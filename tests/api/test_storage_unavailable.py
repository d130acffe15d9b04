"""A database that cannot take a write now (a lock held too long, a full disk, a lock timeout on
PostgreSQL) answers 503 `storage_unavailable` with Retry-After, in the contract's format, so a
tablet keeps the write in its outbox; the transaction is rolled back, nothing is half-written,
and the same write goes through once the database can take it."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

import pytest
from conftest import Auth
from flask import Flask
from helpers import base_config, cid, now_iso
from sqlalchemy import event, text


@pytest.fixture
def short_wait_app(backend, database_url, tmp_path) -> Iterator[Flask]:  # type: ignore[no-untyped-def]
    """The app on the test's database, waiting only 200 ms for SQLite's write lock."""
    from proctor import create_app
    from proctor.extensions import db

    app = create_app({**base_config(tmp_path, database_url), "SQLITE_BUSY_TIMEOUT_MS": 200})
    yield app
    with app.app_context():
        db.engine.dispose()


def _counts(app: Flask) -> dict[str, int]:
    from proctor.extensions import db

    with app.app_context():
        counts = {table: db.session.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
                  for table in ("audit_log", "warnings", "incidents", "live_events")}
        db.session.rollback()
        return counts


def _unavailable(response) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == 503, (response.status_code, response.get_data()[:300])
    assert int(response.headers["Retry-After"]) > 0
    error = response.get_json()["error"]
    assert error["code"] == "storage_unavailable" and error["message"], error
    assert error["retry_after"] == int(response.headers["Retry-After"])


def _warning(s):  # type: ignore[no-untyped-def]
    return {"client_id": cid(), "ticket_no": s["tickets"][0], "subject": "theory",
            "rule_code": "T1.1", "observed_at": now_iso()}


def test_a_write_lock_held_too_long_answers_503(backend, database_url, short_wait_app,
                                                make_sitting):
    if backend != "sqlite":
        pytest.skip("SQLite's write lock")
    s = make_sitting()
    inv1 = Auth(short_wait_app).login("inv1")
    before = _counts(short_wait_app)
    holder = sqlite3.connect(database_url.removeprefix("sqlite:///"), isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")  # another process holds the write lock
        payload = _warning(s)
        answer = inv1.post(f"/api/v1/sittings/{s['id']}/warnings", json=payload)
        _unavailable(answer)
        attendance = inv1.post(
            f"/api/v1/sittings/{s['id']}/candidates/{s['tickets'][0]}/attendance",
            json={"status": "present"})
        _unavailable(attendance)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert _counts(short_wait_app) == before
    again = inv1.post(f"/api/v1/sittings/{s['id']}/warnings", json=payload)  # the outbox
    assert again.status_code == 201, again.get_json()
    assert _counts(short_wait_app)["warnings"] == before["warnings"] + 1


def test_a_full_disk_answers_503_and_writes_nothing(backend, database_url, short_wait_app,
                                                    make_sitting):
    if backend != "sqlite":
        pytest.skip("SQLite's page limit stands in for a full disk")
    from proctor.extensions import db

    s = make_sitting()
    inv1 = Auth(short_wait_app).login("inv1")
    before = _counts(short_wait_app)
    with short_wait_app.app_context():
        engine = db.engine
        engine.dispose()

    def no_room_to_grow(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        cursor = dbapi_connection.cursor()
        pages = cursor.execute("PRAGMA page_count").fetchone()[0]
        cursor.execute(f"PRAGMA max_page_count = {pages}")
        cursor.close()

    event.listen(engine, "connect", no_room_to_grow)
    payload = {"client_id": cid(), "rule_code": "T2.1", "observed_at": now_iso(),
               "description": "带进考场的手机，" * 600, "parties": [{"ticket_no": s["tickets"][0]}]}
    try:
        answer = inv1.post(f"/api/v1/sittings/{s['id']}/incidents", json=payload)
        _unavailable(answer)
    finally:
        event.remove(engine, "connect", no_room_to_grow)
        engine.dispose()
    assert _counts(short_wait_app) == before
    again = inv1.post(f"/api/v1/sittings/{s['id']}/incidents", json=payload)
    assert again.status_code == 201, again.get_json()


def test_a_lock_timeout_on_postgresql_answers_503(backend, database_url, short_wait_app,
                                                  make_sitting):
    if backend != "postgresql":
        pytest.skip("PostgreSQL's lock_timeout")
    from sqlalchemy import create_engine

    from proctor.extensions import db

    s = make_sitting()
    inv1 = Auth(short_wait_app).login("inv1")
    before = _counts(short_wait_app)
    with short_wait_app.app_context():
        engine = db.engine
        engine.dispose()

    def short_lock_timeout(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '300ms'")
        dbapi_connection.commit()

    event.listen(engine, "connect", short_lock_timeout)
    other = create_engine(database_url)
    try:
        with other.connect() as holder:
            # Another writer holds the audit head (every write appends to the audit chain).
            holder.execute(text("SELECT seq FROM audit_head WHERE id = 1 FOR UPDATE"))
            _unavailable(inv1.post(f"/api/v1/sittings/{s['id']}/warnings", json=_warning(s)))
            holder.rollback()
    finally:
        other.dispose()
        event.remove(engine, "connect", short_lock_timeout)
        engine.dispose()
    assert _counts(short_wait_app) == before


def test_other_database_errors_stay_500s(app):
    from sqlalchemy.exc import OperationalError

    from proctor.errors import storage_retry_after

    bug = OperationalError("SELECT nope", {}, sqlite3.OperationalError("no such table: nope"))
    locked = OperationalError("BEGIN IMMEDIATE", {}, sqlite3.OperationalError("database is locked"))
    full = OperationalError("INSERT", {}, sqlite3.OperationalError("database or disk is full"))
    assert storage_retry_after(bug) is None
    assert storage_retry_after(locked) == 5
    assert storage_retry_after(full) == 30
    assert storage_retry_after(ValueError("x")) is None
    import psycopg
    from sqlalchemy.exc import ProgrammingError

    def pg(error: Exception) -> OperationalError:
        return OperationalError("UPDATE audit_head", {}, error)

    assert storage_retry_after(pg(psycopg.OperationalError("server closed the connection"))) == 5
    assert storage_retry_after(pg(psycopg.errors.LockNotAvailable("lock timeout"))) == 5
    assert storage_retry_after(pg(psycopg.errors.AdminShutdown("shutting down"))) == 5
    assert storage_retry_after(pg(psycopg.errors.DiskFull("no space left"))) == 30
    assert storage_retry_after(ProgrammingError("SELECT", {}, psycopg.errors.UndefinedTable(
        "no such table"))) is None
