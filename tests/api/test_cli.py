"""The command line: `flask --app proctor users …`, `audit verify`, `demo seed`."""

from __future__ import annotations

import re

from helpers import PASSWORD
from sqlalchemy import text


def _count(app, table: str) -> int:  # type: ignore[no-untyped-def]
    from proctor.extensions import db

    with app.app_context():
        return int(db.session.scalar(text(f"SELECT count(*) FROM {table}")) or 0)


def _login(app, username: str, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    return app.test_client().post("/api/v1/auth/login",
                                  json={"username": username, "password": password})


def test_users_create_then_login(app, runner):
    result = runner.invoke(args=["users", "create", "alice", "--role", "chief",
                                 "--password", PASSWORD, "--display-name", "主考 爱丽丝"])
    assert result.exit_code == 0, result.output
    assert "created chief alice" in result.output
    response = _login(app, "alice")
    assert response.status_code == 200
    assert response.get_json()["role"] == "chief"
    assert _login(app, "alice", "another password").status_code == 401
    from proctor.services.accounts import find_user

    with app.app_context():
        user = find_user("alice")
        assert user.display_name == "主考 爱丽丝"
        assert user.password_hash.startswith("$argon2id$")


def test_users_create_prompts_for_the_password(app, runner):
    result = runner.invoke(args=["users", "create", "bob", "--role", "invigilator"],
                           input=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert PASSWORD not in result.output  # hidden input
    assert _login(app, "bob").status_code == 200


def test_users_create_refuses_duplicates_weak_passwords_and_bad_roles(app, runner):
    ok = runner.invoke(args=["users", "create", "alice", "--role", "chief", "--password",
                             PASSWORD])
    assert ok.exit_code == 0
    duplicate = runner.invoke(args=["users", "create", "alice", "--role", "authority",
                                    "--password", "other password"])
    assert duplicate.exit_code != 0
    assert "exists" in duplicate.output
    assert _count(app, "users") == 1
    assert _login(app, "alice").get_json()["role"] == "chief"
    weak = runner.invoke(args=["users", "create", "carol", "--role", "chief",
                               "--password", "short"])
    assert weak.exit_code != 0 and "8 characters" in weak.output
    role = runner.invoke(args=["users", "create", "dave", "--role", "admin",
                               "--password", PASSWORD])
    assert role.exit_code != 0
    assert _count(app, "users") == 1


def test_users_token_prints_a_working_bearer_token_last(app, runner):
    runner.invoke(args=["users", "create", "body", "--role", "authority", "--password",
                        PASSWORD])
    result = runner.invoke(args=["users", "token", "body"])
    assert result.exit_code == 0, result.output
    token = result.stdout.strip().splitlines()[-1]
    assert re.fullmatch(r"[A-Za-z0-9_\-]{30,}", token)
    response = app.test_client().get("/api/v1/audit/verify",
                                     headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200 and response.get_json()["ok"] is True
    # A second token is different; revoking kills both.
    second = runner.invoke(args=["users", "token", "body"]).stdout.strip().splitlines()[-1]
    assert second != token
    assert runner.invoke(args=["users", "revoke-tokens", "body"]).exit_code == 0
    for dead in (token, second):
        response = app.test_client().get("/api/v1/audit/verify",
                                         headers={"Authorization": f"Bearer {dead}"})
        assert response.status_code == 401


def test_commands_on_unknown_users_fail(app, runner):
    for command in ("token", "disable", "enable", "end-sessions", "revoke-tokens"):
        result = runner.invoke(args=["users", command, "ghost"])
        assert result.exit_code != 0, command
        assert "no user 'ghost'" in result.output
    assert _count(app, "api_tokens") == 0


def test_users_list(app, runner):
    empty = runner.invoke(args=["users", "list"])
    assert empty.exit_code == 0 and empty.output.strip() == ""  # no default accounts
    for name, role in (("zoe", "invigilator"), ("adam", "authority"), ("mia", "chief")):
        runner.invoke(args=["users", "create", name, "--role", role, "--password", PASSWORD])
    runner.invoke(args=["users", "disable", "mia"])
    lines = runner.invoke(args=["users", "list"]).output.strip().splitlines()
    assert lines == ["adam\tauthority\tactive", "mia\tchief\tdisabled",
                     "zoe\tinvigilator\tactive"]
    assert _login(app, "mia").status_code == 401
    runner.invoke(args=["users", "enable", "mia"])
    assert _login(app, "mia").status_code == 200


def test_audit_verify_ok(app, runner):
    runner.invoke(args=["users", "create", "alice", "--role", "chief", "--password", PASSWORD])
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert re.search(r"^ok: 1 entries, head [0-9a-f]{64}$", result.output, re.MULTILINE)


def test_audit_verify_on_an_empty_log(app, runner):
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert "ok: 0 entries" in result.output


def test_demo_seed_prints_logins_and_is_idempotent(app, runner):
    first = runner.invoke(args=["demo", "seed"])
    assert first.exit_code == 0, first.output
    logins = re.findall(r"^\s+(\w+)\s+(\S+)\s+password: (\S+)$", first.output, re.MULTILINE)
    assert {role for role, _, _ in logins} == {"invigilator", "chief", "authority"}
    counts = {table: _count(app, table) for table in
              ("users", "sittings", "candidates", "audit_log", "rooms")}
    assert counts["users"] == len(logins) and counts["sittings"] == 1
    for role, username, password in logins:
        response = _login(app, username, password)
        assert response.status_code == 200, username
        assert response.get_json()["role"] == role
    audit_after_logins = _count(app, "audit_log")

    second = runner.invoke(args=["demo", "seed"])
    assert second.exit_code == 0, second.output
    assert re.findall(r"^\s+(\w+)\s+(\S+)\s+password: (\S+)$", second.output,
                      re.MULTILINE) == logins
    for table in ("users", "sittings", "candidates", "rooms"):
        assert _count(app, table) == counts[table], table
    assert _count(app, "audit_log") == audit_after_logins
    verify = runner.invoke(args=["audit", "verify"])
    assert verify.exit_code == 0, verify.output


def test_demo_seed_without_its_logins_file_fails_cleanly(app, runner):
    from pathlib import Path

    assert runner.invoke(args=["demo", "seed"]).exit_code == 0
    users = _count(app, "users")
    Path(app.config["DATA_DIR"], "demo-logins.json").unlink()
    again = runner.invoke(args=["demo", "seed"])
    assert again.exit_code == 1
    assert "Error: cannot seed the demo" in again.output and "Traceback" not in again.output
    assert _count(app, "users") == users
