"""The audit chain is anchored outside the rows it protects: every entry carries an HMAC whose key
lives in the data folder (not in the database), and signed checkpoints of the head are written
to the data folder. Someone with the database alone who drops the triggers and rewrites the
whole chain (re-hashing every entry after an edit), or cuts its tail and moves the head back,
is caught by `flask --app proctor audit verify` and GET /api/v1/audit/verify; so is a missing,
disabled or altered append-only trigger."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator

import pytest
from helpers import base_config
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

SQLITE_GUARDS = [
    """CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
       BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END""",
    """CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
       BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END""",
]


def _entries(app):  # type: ignore[no-untyped-def]
    from proctor.extensions import db
    from proctor.models import AuditEntry

    with app.app_context():
        return list(db.session.scalars(db.select(AuditEntry).order_by(AuditEntry.seq)))


def _token(app) -> str:  # type: ignore[no-untyped-def]
    from proctor.extensions import db
    from proctor.services.accounts import create_api_token, find_user

    with app.app_context():
        token = create_api_token(find_user("body"))
        db.session.commit()
        return token


@pytest.fixture
def attacker(app, backend, database_url) -> Iterator[Engine]:  # type: ignore[no-untyped-def]
    """Someone with the database (not the data folder) who switches the guard off."""
    engine = create_engine(database_url, isolation_level="AUTOCOMMIT")
    _drop_guards(engine, backend)
    yield engine
    if backend == "postgresql":  # the schema is shared by the whole test session
        _restore_guards(engine, backend)
    engine.dispose()


def _drop_guards(engine: Engine, backend: str) -> None:
    with engine.connect() as conn:
        if backend == "sqlite":
            conn.execute(text("DROP TRIGGER audit_log_no_update"))
            conn.execute(text("DROP TRIGGER audit_log_no_delete"))
        else:
            conn.execute(text("ALTER TABLE audit_log DISABLE TRIGGER USER"))


def _restore_guards(engine: Engine, backend: str) -> None:
    """The attacker puts the triggers back, so that only the anchor can tell."""
    with engine.connect() as conn:
        if backend == "sqlite":
            for statement in SQLITE_GUARDS:
                conn.execute(text(statement))
        else:
            conn.execute(text("ALTER TABLE audit_log ENABLE TRIGGER USER"))


def _rewrite_from(app, engine: Engine, backend: str, seq: int, **changes) -> None:  # type: ignore[no-untyped-def]
    """Edit entry `seq`, then re-hash it and every entry after it so the SHA-256 chain is
    sound again, and move the head onto the new last hash: all the attacker can do without
    the key."""
    from proctor.services.audit import entry_hash

    cast = ":data" if backend == "sqlite" else "CAST(:data AS JSON)"
    entries = _entries(app)
    prev = entries[seq - 2].hash if seq > 1 else "0" * 64
    with engine.connect() as conn:
        for entry in entries[seq - 1:]:
            if entry.seq == seq:
                for column, value in changes.items():
                    setattr(entry, column, value)
            entry.prev_hash = prev
            entry.hash = entry_hash(entry)
            conn.execute(text(f"UPDATE audit_log SET data = {cast}, actor = :actor, "
                              "prev_hash = :prev, hash = :hash WHERE seq = :seq"),
                         {"data": json.dumps(entry.data), "actor": entry.actor, "prev": prev,
                          "hash": entry.hash, "seq": entry.seq})
            prev = entry.hash
        conn.execute(text("UPDATE audit_head SET hash = :hash WHERE id = 1"), {"hash": prev})


def _cut_tail(engine: Engine, keep: int) -> None:
    """Delete every entry after `keep` and move the head back onto entry `keep`."""
    with engine.connect() as conn:
        last = conn.execute(text("SELECT hash FROM audit_log WHERE seq = :seq"),
                            {"seq": keep}).scalar_one()
        conn.execute(text("DELETE FROM audit_log WHERE seq > :seq"), {"seq": keep})
        conn.execute(text("UPDATE audit_head SET seq = :seq, hash = :hash WHERE id = 1"),
                     {"seq": keep, "hash": last})


def _broken(app, runner, token: str, *expected: str) -> list[str]:  # type: ignore[no-untyped-def]
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1, result.output
    assert "BROKEN" in result.output
    response = app.test_client().get("/api/v1/audit/verify",
                                     headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    body = response.get_json()
    assert body["ok"] is False, body
    for words in expected:
        assert any(words in problem for problem in body["problems"]), (words, body["problems"])
        assert words in result.output
    return list(body["problems"])


def _ok(runner) -> None:  # type: ignore[no-untyped-def]
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1].startswith("ok: ")


def test_the_key_is_in_the_data_folder_not_in_the_database(database_url, tmp_path, monkeypatch,
                                                           make_sitting):
    """Without PROCTOR_AUDIT_KEY the key is made once into the data folder, mode 0600."""
    from proctor import create_app

    monkeypatch.delenv("PROCTOR_AUDIT_KEY", raising=False)
    config = {**base_config(tmp_path / "own", database_url)}
    del config["AUDIT_KEY"]
    app = create_app(config)
    with app.app_context():
        from proctor.extensions import db
        from proctor.services import audit

        for index in range(3):
            audit.record("test_entry", "test", index)
        db.session.commit()
        db.engine.dispose()
    key_file = os.path.join(app.config["DATA_DIR"], "audit_key")
    assert os.path.exists(key_file)
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    with open(key_file) as handle:
        key = handle.read().strip()
    engine = create_engine(database_url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT * FROM audit_log")).fetchall()
        heads = conn.execute(text("SELECT * FROM audit_head")).fetchall()
    engine.dispose()
    assert key not in repr(rows) + repr(heads)
    assert all(entry.mac for entry in _entries(app))
    with app.app_context():
        assert audit.verify_chain().ok
        db.session.rollback()
        db.engine.dispose()


def test_a_whole_rewritten_chain_is_caught(app, make_sitting, runner, attacker, backend):
    make_sitting()
    token = _token(app)
    victim = next(e for e in _entries(app) if e.action == "user_created"
                  and e.data["username"] == "inv1")
    _rewrite_from(app, attacker, backend, victim.seq,
                  data={**victim.data, "role": "authority"})
    _restore_guards(attacker, backend)
    from proctor.services.audit import verify_chain

    with app.app_context():
        report = verify_chain()
    # The SHA-256 chain alone is sound again: only the anchor can tell.
    assert not any("altered" in p or "does not follow" in p for p in report.problems)
    last = _entries(app)[-1].seq
    _broken(app, runner, token,
            f"entries {victim.seq}..{last} are not signed with the audit key")


def test_a_rewritten_actor_of_the_last_entry_is_caught(app, make_sitting, runner, attacker,
                                                       backend):
    make_sitting()
    token = _token(app)
    last = _entries(app)[-1]
    _rewrite_from(app, attacker, backend, last.seq, actor="mallory")
    _restore_guards(attacker, backend)
    _broken(app, runner, token, f"entry {last.seq} is not signed with the audit key")


def test_a_cut_tail_is_caught_once_verify_has_anchored_the_head(app, make_sitting, runner,
                                                                attacker, backend):
    make_sitting()
    token = _token(app)
    _restore_guards(attacker, backend)
    _ok(runner)  # a verification anchors the head it found in the data folder
    entries = _entries(app)
    _drop_guards(attacker, backend)
    _cut_tail(attacker, keep=entries[-3].seq)
    _restore_guards(attacker, backend)
    _broken(app, runner, token, f"checkpoint at entry {entries[-1].seq} is not in the chain")


def test_a_cut_tail_is_caught_from_the_periodic_checkpoints(backend, database_url, tmp_path,
                                                            make_sitting, runner, attacker):
    """Checkpoints are written every AUDIT_CHECKPOINT_EVERY entries (here 5), with no
    verification in between."""
    from proctor import create_app

    app = create_app({**base_config(tmp_path, database_url), "AUDIT_CHECKPOINT_EVERY": 5})
    with app.app_context():
        from proctor.extensions import db
        from proctor.services import audit

        for index in range(12):
            audit.record("test_entry", "test", index)
            db.session.commit()
        last = audit.verify_chain(anchor=False).entries
        db.session.rollback()
        _cut_tail(attacker, keep=last - 3)
        _restore_guards(attacker, backend)
        report = audit.verify_chain()
        db.session.rollback()
        db.engine.dispose()
    assert not report.ok
    assert any("checkpoint at entry 10 is not in the chain" in p for p in report.problems), \
        report.problems


def test_dropped_triggers_are_caught(app, make_sitting, runner, backend, database_url):
    make_sitting()
    token = _token(app)
    _ok(runner)
    engine = create_engine(database_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            if backend == "sqlite":
                conn.execute(text("DROP TRIGGER audit_log_no_delete"))
            else:
                conn.execute(text("DROP TRIGGER audit_log_no_truncate ON audit_log"))
        name = "audit_log_no_delete" if backend == "sqlite" else "audit_log_no_truncate"
        _broken(app, runner, token, f"the append-only guard {name} is missing")
    finally:
        if backend == "postgresql":
            with engine.connect() as conn:
                conn.execute(text(
                    "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
                    "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()"))
        engine.dispose()


def test_disabled_or_defused_triggers_are_caught(app, make_sitting, runner, backend,
                                                 database_url):
    make_sitting()
    token = _token(app)
    engine = create_engine(database_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            if backend == "sqlite":  # the same name, a body that lets everything through
                conn.execute(text("DROP TRIGGER audit_log_no_update"))
                conn.execute(text("CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON "
                                  "audit_log WHEN 0 BEGIN SELECT 1; END"))
            else:
                conn.execute(text("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update"))
        problem = ("the append-only guard audit_log_no_update was altered" if backend == "sqlite"
                   else "the append-only guard audit_log_no_update is disabled")
        _broken(app, runner, token, problem)
        if backend == "postgresql":
            with engine.connect() as conn:
                conn.execute(text("ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update"))
                conn.execute(text(
                    "CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger AS $$ "
                    "BEGIN RETURN NEW; END; $$ LANGUAGE plpgsql"))
            _broken(app, runner, token, "the append-only guard audit_log_append_only was altered")
    finally:
        with engine.connect() as conn:
            if backend == "sqlite":
                conn.execute(text("DROP TRIGGER IF EXISTS audit_log_no_update"))
                conn.execute(text(SQLITE_GUARDS[0]))
            else:
                conn.execute(text("ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update"))
                conn.execute(text(
                    "CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger AS $$\n"
                    "           BEGIN RAISE EXCEPTION 'audit_log is append-only'; END; $$ "
                    "LANGUAGE plpgsql"))
        engine.dispose()
    _ok(runner)


def test_a_forged_checkpoint_is_caught(app, make_sitting, runner):
    make_sitting()
    token = _token(app)
    _ok(runner)
    path = os.path.join(app.config["DATA_DIR"], "audit-checkpoints.jsonl")
    with open(path, encoding="utf-8") as handle:
        last = json.loads(handle.readlines()[-1])
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(json.dumps({**last, "seq": last["seq"] + 50}) + "\n")
    _broken(app, runner, token, "checkpoint", "is not signed with the audit key")


def test_an_offsite_copy_of_the_checkpoints_is_checked_too(app, make_sitting, runner, attacker,
                                                           backend, tmp_path):
    """Someone who also holds the data folder can rewrite its checkpoints; the copy the
    operator kept elsewhere (`audit checkpoint` prints the signed head) still tells."""
    make_sitting()
    result = runner.invoke(args=["audit", "checkpoint"])
    assert result.exit_code == 0, result.output
    offsite = tmp_path / "offsite.jsonl"
    offsite.write_text(result.output.strip().splitlines()[-1] + "\n")
    entries = _entries(app)
    _cut_tail(attacker, keep=entries[-2].seq)
    _restore_guards(attacker, backend)
    os.remove(os.path.join(app.config["DATA_DIR"], "audit-checkpoints.jsonl"))
    verdict = runner.invoke(args=["audit", "verify", "--checkpoints", str(offsite)])
    assert verdict.exit_code == 1, verdict.output
    assert f"checkpoint at entry {entries[-1].seq} is not in the chain" in verdict.output


def test_the_chain_still_verifies_after_appends_and_checkpoints(app, make_sitting, auth,
                                                                runner):
    make_sitting()
    _ok(runner)
    for _ in range(3):
        auth.login("inv1").post("/api/v1/auth/logout")
    _ok(runner)
    _ok(runner)
