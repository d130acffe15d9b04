"""The hash-chained audit log: what is recorded, that the database refuses UPDATE and DELETE,
and that edits or deletions by someone who got past the triggers are caught by
`flask --app proctor audit verify` and GET /api/v1/audit/verify."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from helpers import PASSWORD
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DatabaseError


def _entries(app, **where):  # type: ignore[no-untyped-def]
    from proctor.extensions import db
    from proctor.models import AuditEntry

    with app.app_context():
        stmt = db.select(AuditEntry).order_by(AuditEntry.seq)
        for column, value in where.items():
            stmt = stmt.where(getattr(AuditEntry, column) == value)
        return list(db.session.scalars(stmt))


def _verify(app):  # type: ignore[no-untyped-def]
    from proctor.services.audit import verify_chain

    with app.app_context():
        return verify_chain()


def _authority_token(app) -> str:  # type: ignore[no-untyped-def]
    from proctor.extensions import db
    from proctor.services.accounts import create_api_token, find_user

    with app.app_context():
        token = create_api_token(find_user("body"))
        db.session.commit()
        return token


def test_logins_failures_denials_and_new_users_are_recorded(app, make_sitting, auth):
    make_sitting()
    created = {e.data["username"]: e for e in _entries(app, action="user_created")}
    assert set(created) == {"body", "chief", "inv1", "inv2", "inv3", "chief2"}
    assert created["inv1"].data["role"] == "invigilator"
    assert created["inv1"].object_type == "user"

    inv = auth.login("inv1")
    failed = app.test_client().post("/api/v1/auth/login",
                                    json={"username": "inv1", "password": "not it at all"})
    assert failed.status_code == 401
    assert inv.get("/api/v1/audit/verify").status_code == 403

    logins = _entries(app, action="login", actor="inv1")
    assert len(logins) == 1 and logins[0].object_id == created["inv1"].object_id
    assert logins[0].data["ip"] == "127.0.0.1"
    failures = _entries(app, action="login_failed")
    assert len(failures) == 1
    assert failures[0].actor == "anonymous" and failures[0].data["username"] == "inv1"
    assert "not it at all" not in json.dumps(failures[0].data, ensure_ascii=False)
    denied = _entries(app, action="permission_denied", actor="inv1")
    assert len(denied) == 1 and "/api/v1/audit/verify" in denied[0].data["reason"]

    everything = _entries(app)
    for entry in everything:
        assert PASSWORD not in json.dumps(entry.data, ensure_ascii=False)
    report = _verify(app)
    assert report.ok and report.problems == []
    assert report.entries == len(everything)
    assert report.head == everything[-1].hash
    assert [e.seq for e in everything] == list(range(1, len(everything) + 1))
    for before, after in zip(everything, everything[1:], strict=False):
        assert after.prev_hash == before.hash


def test_logout_disable_and_tokens_are_recorded(app, make_sitting, auth, runner):
    make_sitting()
    auth.login("inv1").post("/api/v1/auth/logout")
    assert runner.invoke(args=["users", "disable", "inv2"]).exit_code == 0
    assert runner.invoke(args=["users", "token", "body"]).exit_code == 0
    assert [e.actor for e in _entries(app, action="logout")] == ["inv1"]
    assert [e.data["username"] for e in _entries(app, action="user_disabled")] == ["inv2"]
    assert [e.data["username"] for e in _entries(app, action="api_token_created")] == ["body"]
    assert _verify(app).ok


def test_the_api_reports_a_sound_chain(app, make_sitting):
    make_sitting()
    token = _authority_token(app)
    response = app.test_client().get("/api/v1/audit/verify",
                                     headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    body = response.get_json()
    entries = _entries(app)
    assert body["ok"] is True and body["problems"] == []
    assert body["entries"] == len(entries) and body["head"] == entries[-1].hash


@pytest.mark.parametrize("statement", [
    "UPDATE audit_log SET actor = 'mallory' WHERE seq = 1",
    "UPDATE audit_log SET actor = 'mallory'",
    "DELETE FROM audit_log WHERE seq = 1",
    "DELETE FROM audit_log",
])
def test_the_database_refuses_update_and_delete(app, make_sitting, statement):
    from proctor.extensions import db

    make_sitting()
    before = [(e.seq, e.actor, e.hash) for e in _entries(app)]
    with app.app_context():
        with pytest.raises(DatabaseError, match="append-only"):
            db.session.execute(text(statement))
            db.session.commit()
        db.session.rollback()
    assert [(e.seq, e.actor, e.hash) for e in _entries(app)] == before
    assert _verify(app).ok


def test_postgresql_refuses_truncate(app, make_sitting, backend):
    from proctor.extensions import db

    if backend != "postgresql":
        pytest.skip("TRUNCATE is PostgreSQL's")
    make_sitting()
    with app.app_context():
        with pytest.raises(DatabaseError, match="append-only"):
            db.session.execute(text("TRUNCATE audit_log"))
            db.session.commit()
        db.session.rollback()
    assert _entries(app)


@pytest.fixture
def attacker(app, backend, database_url) -> Iterator[Engine]:  # type: ignore[no-untyped-def]
    """A connection of someone with database access who switched the append-only guard off."""
    engine = create_engine(database_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        if backend == "sqlite":
            conn.execute(text("DROP TRIGGER audit_log_no_update"))
            conn.execute(text("DROP TRIGGER audit_log_no_delete"))
        else:
            conn.execute(text("ALTER TABLE audit_log DISABLE TRIGGER USER"))
    yield engine
    if backend == "postgresql":  # the schema is shared by the whole test session
        with engine.connect() as conn:
            conn.execute(text("ALTER TABLE audit_log ENABLE TRIGGER USER"))
    engine.dispose()


def _check_broken(app, runner, token: str, *expected: str) -> None:  # type: ignore[no-untyped-def]
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1, result.output
    assert "BROKEN" in result.output
    response = app.test_client().get("/api/v1/audit/verify",
                                     headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    body = response.get_json()
    assert body["ok"] is False
    for words in expected:
        assert any(words in problem for problem in body["problems"]), (words, body["problems"])
        assert words in result.output


def test_verify_passes_before_tampering(app, make_sitting, runner):
    make_sitting()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1].startswith("ok: ")


def test_an_edited_entry_is_caught(app, make_sitting, runner, attacker, backend):
    make_sitting()
    token = _authority_token(app)
    victim = next(e for e in _entries(app, action="user_created")
                  if e.data["username"] == "inv1")
    forged = json.dumps({**victim.data, "role": "authority"})
    cast = ":data" if backend == "sqlite" else "CAST(:data AS JSON)"
    with attacker.connect() as conn:
        changed = conn.execute(text(f"UPDATE audit_log SET data = {cast} WHERE seq = :seq"),
                               {"data": forged, "seq": victim.seq})
        assert changed.rowcount == 1
    assert next(e for e in _entries(app) if e.seq == victim.seq).data["role"] == "authority"
    _check_broken(app, runner, token, f"entry {victim.seq} was altered")


def test_an_edited_actor_is_caught(app, make_sitting, auth, runner, attacker):
    make_sitting()
    auth.login("inv1")
    token = _authority_token(app)
    login = _entries(app, action="login", actor="inv1")[0]
    with attacker.connect() as conn:
        conn.execute(text("UPDATE audit_log SET actor = 'inv2' WHERE seq = :seq"),
                     {"seq": login.seq})
    _check_broken(app, runner, token, f"entry {login.seq} was altered")


def test_a_deleted_middle_entry_is_caught(app, make_sitting, runner, attacker):
    make_sitting()
    token = _authority_token(app)
    entries = _entries(app)
    middle = entries[len(entries) // 2]
    with attacker.connect() as conn:
        conn.execute(text("DELETE FROM audit_log WHERE seq = :seq"), {"seq": middle.seq})
    _check_broken(app, runner, token, f"entries {middle.seq}..{middle.seq} are missing",
                  f"entry {middle.seq + 1} does not follow")


def test_a_deleted_last_entry_is_caught(app, make_sitting, runner, attacker):
    make_sitting()
    token = _authority_token(app)
    last = _entries(app)[-1]
    with attacker.connect() as conn:
        conn.execute(text("DELETE FROM audit_log WHERE seq = :seq"), {"seq": last.seq})
    _check_broken(app, runner, token, f"the chain ends at {last.seq - 1}")


def test_a_deleted_first_entry_is_caught(app, make_sitting, runner, attacker):
    make_sitting()
    token = _authority_token(app)
    with attacker.connect() as conn:
        conn.execute(text("DELETE FROM audit_log WHERE seq = 1"))
    _check_broken(app, runner, token, "entries 1..1 are missing")


def test_the_chain_goes_on_soundly_after_many_appends(app, make_sitting, auth):
    make_sitting()
    for _ in range(3):
        auth.login("inv1").post("/api/v1/auth/logout")
    report = _verify(app)
    assert report.ok and report.entries == len(_entries(app))
