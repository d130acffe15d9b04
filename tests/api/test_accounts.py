"""Accounts: argon2id hashes, no default accounts, API tokens stored as SHA-256 only,
bearer authentication without CSRF, revoked tokens and disabled users refused, deny by default."""

from __future__ import annotations

import hashlib
import re

import pytest
from helpers import PASSWORD, id_number
from sqlalchemy import text


def _all_text_in(table: str) -> str:
    from proctor.extensions import db

    rows = db.session.execute(text(f"SELECT * FROM {table}")).all()
    return "\n".join(str(value) for row in rows for value in row)


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _user(username: str):  # type: ignore[no-untyped-def]
    from proctor.services.accounts import find_user

    user = find_user(username)
    assert user is not None
    return user


def _token_for(app, username: str, role: str = "authority") -> str:  # type: ignore[no-untyped-def]
    from proctor.extensions import db
    from proctor.services.accounts import create_api_token, create_user, find_user

    with app.app_context():
        user = find_user(username) or create_user(username, role, PASSWORD)
        token = create_api_token(user)
        db.session.commit()
        return token


def test_fresh_database_has_no_accounts(app, client):
    from proctor.extensions import db
    from proctor.models import ApiToken, User

    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(User)) == 0
        assert db.session.scalar(db.select(db.func.count()).select_from(ApiToken)) == 0
    for name in ("admin", "authority", "body", "chief", "inv1", "root"):
        for password in (name, "admin", "password", PASSWORD):
            response = client.post("/api/v1/auth/login",
                                   json={"username": name, "password": password})
            assert response.status_code == 401
            assert response.get_json()["error"]["code"] == "invalid_credentials"


def test_passwords_are_argon2id_and_never_stored_in_plaintext(app, make_user):
    make_user("alice", "chief", "s3cret-Passphrase")
    with app.app_context():
        stored = _user("alice").password_hash
        assert stored.startswith("$argon2id$")
        for table in ("users", "audit_log", "user_sessions"):
            assert "s3cret-Passphrase" not in _all_text_in(table)
    client = app.test_client()
    response = client.post("/api/v1/auth/login",
                           json={"username": "alice", "password": "s3cret-Passphrase"})
    assert response.status_code == 200
    with app.app_context():
        for table in ("users", "audit_log", "user_sessions"):
            assert "s3cret-Passphrase" not in _all_text_in(table)


def test_login_answers(app, make_user, client):
    make_user("alice", "chief")
    for body in ({"username": "alice", "password": "wrong password"},
                 {"username": "nobody", "password": PASSWORD}):
        response = client.post("/api/v1/auth/login", json=body)
        assert response.status_code == 401
        error = response.get_json()["error"]
        assert error["code"] == "invalid_credentials" and error["message"]
    assert client.get("/api/v1/auth/me").status_code == 401
    ok = client.post("/api/v1/auth/login", json={"username": "alice", "password": PASSWORD})
    assert ok.status_code == 200
    body = ok.get_json()
    assert body["username"] == "alice" and body["role"] == "chief" and body["csrf_token"]


def test_short_passwords_and_unknown_roles_are_refused(app):
    from proctor.errors import ApiError
    from proctor.services.accounts import create_user

    with app.app_context():
        with pytest.raises(ApiError) as short:
            create_user("bob", "chief", "short")
        assert short.value.code == "weak_password"
        with pytest.raises(ApiError) as role:
            create_user("bob", "admin", PASSWORD)
        assert role.value.code == "validation_error"


def test_api_token_is_stored_only_as_sha256(app, make_user):
    from proctor.extensions import db
    from proctor.models import ApiToken

    make_user("body", "authority")
    token = _token_for(app, "body")
    with app.app_context():
        rows = list(db.session.scalars(db.select(ApiToken)))
        assert len(rows) == 1
        assert rows[0].token_hash == hashlib.sha256(token.encode()).hexdigest()
        for table in ("api_tokens", "audit_log", "users"):
            assert token not in _all_text_in(table)
        # The prefix kept to recognise a token is far too short to be one.
        assert len(rows[0].prefix) < len(token) // 2


def test_bearer_token_reaches_authority_routes_without_csrf(app, make_user):
    make_user("body", "authority")
    token = _token_for(app, "body")
    raw = app.test_client()
    response = raw.get("/api/v1/audit/verify", headers=_bearer(token))
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["ok"] is True
    # A write with the bearer token needs no CSRF header (no browser session is involved).
    response = raw.post("/api/v1/eligibility", headers=_bearer(token),
                        json={"id_numbers": [id_number(1)], "date": "2025-07-01"})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["results"][0]["eligible"] is True
    # A bearer token makes no session: the next request without it is anonymous.
    assert raw.get("/api/v1/auth/me").status_code == 401


def test_bearer_token_of_an_invigilator_is_still_bound_by_roles(app, make_user):
    make_user("inv9", "invigilator")
    token = _token_for(app, "inv9")
    response = app.test_client().get("/api/v1/audit/verify", headers=_bearer(token))
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"


def test_wrong_revoked_or_disabled_tokens_are_refused(app, make_user):
    from proctor.extensions import db
    from proctor.services.accounts import revoke_tokens, set_active

    make_user("body", "authority")
    make_user("body2", "authority")
    token, other_token = _token_for(app, "body"), _token_for(app, "body2")
    raw = app.test_client()
    assert raw.get("/api/v1/audit/verify", headers=_bearer(token)).status_code == 200
    assert raw.get("/api/v1/audit/verify", headers=_bearer(token + "x")).status_code == 401

    with app.app_context():
        revoke_tokens(_user("body"))
        db.session.commit()
    response = raw.get("/api/v1/audit/verify", headers=_bearer(token))
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthenticated"
    # A write with a dead token is a 401 as well, not a CSRF complaint.
    response = raw.post("/api/v1/eligibility", headers=_bearer(token),
                        json={"id_numbers": [id_number(1)], "date": "2025-07-01"})
    assert response.status_code == 401, response.get_json()
    assert response.get_json()["error"]["code"] == "unauthenticated"

    assert raw.get("/api/v1/audit/verify", headers=_bearer(other_token)).status_code == 200
    with app.app_context():
        set_active(_user("body2"), False)
        db.session.commit()
    response = raw.get("/api/v1/audit/verify", headers=_bearer(other_token))
    assert response.status_code == 401
    with app.app_context():
        set_active(_user("body2"), True)
        db.session.commit()
    assert raw.get("/api/v1/audit/verify", headers=_bearer(other_token)).status_code == 200


def test_disabled_user_cannot_log_in(app, make_user, client):
    from proctor.extensions import db
    from proctor.services.accounts import set_active

    make_user("alice", "chief")
    with app.app_context():
        set_active(_user("alice"), False)
        db.session.commit()
    response = client.post("/api/v1/auth/login", json={"username": "alice", "password": PASSWORD})
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "invalid_credentials"


def _fill(url: str, name: str, value: str) -> str:
    return re.sub(r"<(?:[^<>]*:)?" + re.escape(name) + ">", value, url)


def test_unauthenticated_requests_get_401_on_every_api_route(app, make_sitting):
    """Deny by default: only login and the OpenAPI document are public."""
    sitting = make_sitting()
    public = {"/api/v1/auth/login", "/api/v1/openapi.json"}
    samples = {"sid": str(sitting["id"]), "ticket_no": sitting["tickets"][0],
               "variant": "thumb"}
    checked = 0
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1") or rule.rule in public:
            continue
        url = rule.rule
        for name in rule.arguments:
            url = _fill(url, name, samples.get(name, "1"))
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            client = app.test_client()
            kwargs = {"json": {}} if method != "GET" else {}
            response = client.open(url, method=method, **kwargs)
            assert response.status_code == 401, (method, url, response.get_json())
            assert response.get_json()["error"]["code"] == "unauthenticated", (method, url)
            checked += 1
    assert checked >= 25
    client = app.test_client()
    assert client.get("/api/v1/openapi.json").status_code == 200
    assert client.post("/api/v1/auth/login",
                       json={"username": "x", "password": "y"}).status_code == 401


def test_invigilator_on_authority_route_is_forbidden_and_audited(app, make_sitting, auth):
    from proctor.extensions import db
    from proctor.models import AuditEntry

    def denials() -> list[AuditEntry]:
        with app.app_context():
            return list(db.session.scalars(db.select(AuditEntry).where(
                AuditEntry.action == "permission_denied", AuditEntry.actor == "inv1")
                .order_by(AuditEntry.seq)))

    make_sitting()
    inv = auth.login("inv1")
    for method, url in (("GET", "/api/v1/audit/verify"), ("GET", "/api/v1/bans"),
                        ("POST", "/api/v1/sittings"), ("POST", "/api/v1/eligibility")):
        before = len(denials())
        response = inv.get(url) if method == "GET" else inv.post(url, json={})
        assert response.status_code == 403, (url, response.get_json())
        assert response.get_json()["error"]["code"] == "forbidden"
        after = denials()
        assert len(after) == before + 1
        assert url in after[-1].data["reason"]
