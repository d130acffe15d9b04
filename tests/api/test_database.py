"""Database plumbing: SQLite pragmas on every pooled connection, IMMEDIATE write transactions
(concurrent read-then-write never hits "database is locked"), idempotency by UNIQUE client_id."""

from __future__ import annotations

import sqlite3
import threading
import time
from contextlib import nullcontext, suppress
from pathlib import Path

import pytest
from helpers import PASSWORD, base_config, cid, id_number
from sqlalchemy import event, text
from sqlalchemy.exc import IntegrityError, OperationalError

BUSY_MS = 4321


@pytest.fixture
def sqlite_app(backend, database_url, tmp_path):  # type: ignore[no-untyped-def]
    """An app on a SQLite copy of the migrated schema, with its own busy timeout."""
    if backend != "sqlite":
        pytest.skip("SQLite plumbing")
    from proctor import create_app
    from proctor.extensions import db

    app = create_app({**base_config(tmp_path / "data", database_url),
                      "SQLITE_BUSY_TIMEOUT_MS": BUSY_MS})
    yield app
    with app.app_context():
        db.engine.dispose()


def _path_of(url: str) -> str:
    return url.removeprefix("sqlite:///")


def test_every_pooled_sqlite_connection_has_the_pragmas(sqlite_app):
    from proctor.extensions import db

    with sqlite_app.app_context():
        connections = [db.engine.raw_connection() for _ in range(3)]  # several pool members
        try:
            for conn in connections:
                cursor = conn.cursor()
                assert cursor.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
                assert cursor.execute("PRAGMA foreign_keys").fetchone()[0] == 1
                assert cursor.execute("PRAGMA busy_timeout").fetchone()[0] == BUSY_MS
                cursor.close()
        finally:
            for conn in connections:
                conn.close()


def test_foreign_keys_are_enforced(sqlite_app):
    from proctor.extensions import db

    with sqlite_app.app_context(), pytest.raises(IntegrityError):
        db.session.execute(text(
            "INSERT INTO user_sessions (token_hash, user_id, created_at, last_seen_at) "
            "VALUES ('x', 999999, '2025-01-01 00:00:00', '2025-01-01 00:00:00')"))
        db.session.commit()


def _begins(app, action):  # type: ignore[no-untyped-def]
    """The BEGIN statements SQLite saw while `action` ran."""
    from proctor.extensions import db

    with app.app_context():
        engine = db.engine
    seen: list[str] = []

    def listen(_conn, _cursor, statement, *_args):  # type: ignore[no-untyped-def]
        if statement.strip().upper().startswith("BEGIN"):
            seen.append(statement.strip().upper())

    event.listen(engine, "before_cursor_execute", listen)
    try:
        action()
    finally:
        event.remove(engine, "before_cursor_execute", listen)
    return seen


def test_writes_begin_immediate_and_reads_begin_deferred(sqlite_app):
    from proctor.extensions import db
    from proctor.services.accounts import create_user

    with sqlite_app.app_context():
        create_user("chief", "chief", PASSWORD)
        db.session.commit()
    client = sqlite_app.test_client()
    posts = _begins(sqlite_app, lambda: client.post(
        "/api/v1/auth/login", json={"username": "chief", "password": PASSWORD}))
    assert posts and all(begin == "BEGIN IMMEDIATE" for begin in posts)
    gets = _begins(sqlite_app, lambda: client.get("/api/v1/auth/me"))
    assert gets and all(begin == "BEGIN" for begin in gets)
    # After a GET, work outside a request (CLI, background) writes IMMEDIATE again.
    def outside() -> None:
        with sqlite_app.app_context():
            db.session.execute(text("SELECT 1"))
            db.session.rollback()
    assert _begins(sqlite_app, outside) == ["BEGIN IMMEDIATE"]


def _read_then_write(app, deferred: bool, workers: int = 4, rounds: int = 3):  # type: ignore[no-untyped-def]
    """Each worker: read, wait for the others (or give up after a moment), then write."""
    from proctor.database import read_only_transactions
    from proctor.extensions import db
    from proctor.models import User

    barrier = threading.Barrier(workers)
    errors: list[BaseException] = []

    def work(index: int) -> None:
        for round_no in range(rounds):
            with app.app_context(), (read_only_transactions() if deferred else nullcontext()):
                try:
                    db.session.scalar(db.select(db.func.count()).select_from(User))
                    with suppress(threading.BrokenBarrierError):
                        barrier.wait(timeout=0.15)
                    db.session.execute(text(
                        "INSERT INTO audit_head (id, seq, hash) VALUES (:id, 0, 'probe')"),
                        {"id": 1000 + index * 100 + round_no})
                    db.session.commit()
                except OperationalError as exc:
                    errors.append(exc)
                    db.session.rollback()
                finally:
                    if barrier.broken:
                        barrier.reset()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors


def test_concurrent_read_then_write_transactions_never_hit_database_is_locked(sqlite_app):
    from proctor.extensions import db

    errors = _read_then_write(sqlite_app, deferred=False)
    assert errors == []
    with sqlite_app.app_context():
        count = db.session.scalar(text("SELECT count(*) FROM audit_head WHERE hash = 'probe'"))
        assert count == 4 * 3


def test_the_same_work_in_deferred_transactions_does_fail(sqlite_app):
    """Proof that the test above can fail: the same workload, begun DEFERRED, is refused."""
    errors = _read_then_write(sqlite_app, deferred=True)
    assert errors and all("database is locked" in str(exc) for exc in errors)


def test_plain_sqlite3_deferred_read_then_write_is_refused_despite_busy_timeout(sqlite_app,
                                                                                database_url):
    path = _path_of(database_url)
    first = sqlite3.connect(path, isolation_level=None, timeout=5)
    second = sqlite3.connect(path, isolation_level=None, timeout=5)
    try:
        for conn in (first, second):
            conn.execute("BEGIN")
            conn.execute("SELECT count(*) FROM users").fetchone()
        first.execute("INSERT INTO audit_head (id, seq, hash) VALUES (7, 0, 'x')")
        first.execute("COMMIT")
        started = time.monotonic()
        with pytest.raises(sqlite3.OperationalError, match="database is locked"):
            second.execute("INSERT INTO audit_head (id, seq, hash) VALUES (8, 0, 'y')")
        assert time.monotonic() - started < 4  # refused at once, not after waiting
    finally:
        first.close()
        second.close()


def test_audited_get_waits_for_a_concurrent_writer(sqlite_app):
    """A GET that appends to the audit log (an eligibility check) must queue behind a writer,
    not fail: its DEFERRED read transaction is ended before the audit append."""
    from proctor.extensions import db
    from proctor.services import audit
    from proctor.services.accounts import create_api_token, create_user

    with sqlite_app.app_context():
        token = create_api_token(create_user("body", "authority", PASSWORD))
        db.session.commit()
    holding = threading.Event()

    def writer() -> None:
        with sqlite_app.app_context():
            audit.record("probe_hold")
            holding.set()
            time.sleep(0.4)
            db.session.commit()

    thread = threading.Thread(target=writer)
    thread.start()
    assert holding.wait(5)
    headers = {"Authorization": f"Bearer {token}"}
    client = sqlite_app.test_client()
    response = client.get(f"/api/v1/eligibility?id_number={id_number(1)}&date=2025-07-01",
                          headers=headers)
    thread.join()
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["eligible"] is True
    assert client.get("/api/v1/audit/verify", headers=headers).get_json()["ok"] is True


def test_concurrent_logins_in_threads(sqlite_app):
    """Real POST requests on their own threads and app contexts: none is refused."""
    from proctor.extensions import db
    from proctor.services.accounts import create_user

    with sqlite_app.app_context():
        for index in range(8):
            create_user(f"inv{index}", "invigilator", PASSWORD)
        db.session.commit()
    statuses: list[int] = []

    def login(index: int) -> None:
        client = sqlite_app.test_client()
        for _ in range(3):
            response = client.post("/api/v1/auth/login",
                                   json={"username": f"inv{index}", "password": PASSWORD})
            statuses.append(response.status_code)

    threads = [threading.Thread(target=login, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert statuses == [200] * 24


def _duplicate_row(table: str, client_id: str) -> None:
    """Copy a row with the same client_id straight into the table, bypassing the app."""
    from proctor.extensions import db

    columns = [c.name for c in db.metadata.tables[table].columns if c.name != "id"]
    listed = ", ".join(columns)
    db.session.execute(text(f"INSERT INTO {table} ({listed}) SELECT {listed} FROM {table} "
                            "WHERE client_id = :cid"), {"cid": client_id})
    db.session.flush()


@pytest.mark.parametrize("table", ["warnings", "incidents"])
def test_client_id_is_unique_in_the_database(app, make_sitting, auth, table, make_warning,
                                             make_incident):
    from proctor.extensions import db

    s = make_sitting()
    inv = auth.login("inv1")
    client_id = cid()
    if table == "warnings":
        response = make_warning.post(inv, s, rule="T1.1", client_id=client_id)
    else:
        response = make_incident.post(inv, s, "T2.1", client_id=client_id, subject="theory",
                                      description="phone on the desk")
    assert response.status_code == 201, response.get_json()
    with app.app_context():
        with pytest.raises(IntegrityError):
            _duplicate_row(table, client_id)
        db.session.rollback()
        count = db.session.scalar(text(f"SELECT count(*) FROM {table} "
                                       "WHERE client_id = :cid"), {"cid": client_id})
        assert count == 1


def test_sqlite_file_lives_in_the_data_folder_by_default(tmp_path: Path):
    from proctor import create_app

    app = create_app({"TESTING": True, "DATA_DIR": str(tmp_path), "SECRET_KEY": "x"})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'proctor.sqlite3'}"
