"""The evaluation body's account API: users, sessions, passwords, API tokens, the audit log.
Every change is audited; only the evaluation body may call these routes."""

from __future__ import annotations

import hashlib

import pytest
from helpers import PASSWORD

NEW_PASSWORD = "another long passphrase"


@pytest.fixture
def body(make_user, auth):  # type: ignore[no-untyped-def]
    make_user("body", "authority")
    return auth.login("body")


def _users(api) -> dict[str, dict]:  # type: ignore[no-untyped-def]
    response = api.get("/api/v1/users")
    assert response.status_code == 200, response.get_json()
    return {u["username"]: u for u in response.get_json()["users"]}


def _actions(app, action: str) -> list[dict]:  # type: ignore[no-untyped-def]
    from proctor.extensions import db
    from proctor.models import AuditEntry

    with app.app_context():
        rows = db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == action)
                                  .order_by(AuditEntry.seq))
        return [{"actor": r.actor, "object_id": r.object_id, **(r.data or {})} for r in rows]


def test_list_users_with_sessions_and_tokens(app, body, make_user, auth):
    make_user("inv1", "invigilator")
    auth.login("inv1")
    auth.login("inv1")
    users = _users(body)
    assert set(users) == {"body", "inv1"}
    assert users["inv1"] == {**users["inv1"], "role": "invigilator", "active": True,
                             "sessions": 2, "tokens": 0, "display_name": "inv1"}
    assert users["body"]["sessions"] == 1
    made = body.post("/api/v1/users/inv1/tokens")
    assert made.status_code == 201
    assert _users(body)["inv1"]["tokens"] == 1


def test_create_user_then_log_in(app, body, auth):
    response = body.post("/api/v1/users", json={
        "username": "inv9", "display_name": "监考员 孙九", "role": "invigilator",
        "password": PASSWORD})
    assert response.status_code == 201, response.get_json()
    created = response.get_json()
    assert created["username"] == "inv9" and created["display_name"] == "监考员 孙九"
    assert created["role"] == "invigilator" and created["active"] is True
    assert auth.login("inv9").get("/api/v1/auth/me").get_json()["role"] == "invigilator"
    audited = _actions(app, "user_created")[-1]
    assert audited["actor"] == "body" and audited["username"] == "inv9"
    assert PASSWORD not in str(audited)


@pytest.mark.parametrize(("payload", "status", "code", "field"), [
    ({"username": "body", "role": "chief", "password": PASSWORD}, 409, "username_taken",
     "username"),
    ({"username": "x1", "role": "chief", "password": "short"}, 422, "weak_password", "password"),
    ({"username": "x1", "role": "admin", "password": PASSWORD}, 422, "validation_error", "role"),
    ({"username": "has space", "role": "chief", "password": PASSWORD}, 422, "validation_error",
     "username"),
    ({"username": "x1", "role": "chief"}, 422, "validation_error", "password"),
    ({"username": "x1", "role": "chief", "password": PASSWORD, "admin": True}, 422,
     "validation_error", "admin"),
])
def test_create_user_refusals(body, payload, status, code, field):
    response = body.post("/api/v1/users", json=payload)
    assert response.status_code == status, response.get_json()
    error = response.get_json()["error"]
    assert error["code"] == code and error["field"] == field and error["message"]


def test_disabling_ends_the_session_at_once_and_stops_tokens(app, body, make_user, auth):
    make_user("inv1", "invigilator")
    inv = auth.login("inv1")
    token = body.post("/api/v1/users/inv1/tokens").get_json()["token"]
    bearer = {"Authorization": f"Bearer {token}"}
    assert inv.get("/api/v1/auth/me").status_code == 200
    assert app.test_client().get("/api/v1/auth/me", headers=bearer).status_code == 200

    response = body.post("/api/v1/users/inv1/disable")
    assert response.status_code == 200, response.get_json()
    answer = response.get_json()
    assert answer["sessions_ended"] == 1
    assert answer["user"]["active"] is False and answer["user"]["sessions"] == 0

    assert inv.get("/api/v1/auth/me").status_code == 401  # the very next request
    assert app.test_client().get("/api/v1/auth/me", headers=bearer).status_code == 401
    refused = auth.client().raw.post("/api/v1/auth/login",
                                     json={"username": "inv1", "password": PASSWORD})
    assert refused.status_code == 401
    assert _actions(app, "user_disabled")[-1]["sessions_ended"] == 1

    enabled = body.post("/api/v1/users/inv1/enable")
    assert enabled.status_code == 200 and enabled.get_json()["user"]["active"] is True
    assert auth.login("inv1").get("/api/v1/auth/me").status_code == 200
    assert _actions(app, "user_enabled")[-1]["username"] == "inv1"


def test_disabling_yourself_is_refused(app, body):
    response = body.post("/api/v1/users/body/disable")
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "cannot_disable_self"
    assert body.get("/api/v1/auth/me").status_code == 200
    assert _actions(app, "user_disabled") == []


def test_end_sessions(app, body, make_user, auth):
    make_user("chief", "chief")
    first, second = auth.login("chief"), auth.login("chief")
    response = body.post("/api/v1/users/chief/end-sessions")
    assert response.status_code == 200
    assert response.get_json()["sessions_ended"] == 2
    assert first.get("/api/v1/auth/me").status_code == 401
    assert second.get("/api/v1/auth/me").status_code == 401
    assert auth.login("chief").get("/api/v1/auth/me").status_code == 200  # still active
    assert _actions(app, "sessions_ended")[-1]["count"] == 2


def test_password_reset_ends_sessions_and_the_old_password(app, body, make_user, auth):
    make_user("inv1", "invigilator")
    inv = auth.login("inv1")
    weak = body.post("/api/v1/users/inv1/password", json={"password": "1234567"})
    assert weak.status_code == 422 and weak.get_json()["error"]["code"] == "weak_password"
    assert inv.get("/api/v1/auth/me").status_code == 200  # nothing happened
    response = body.post("/api/v1/users/inv1/password", json={"password": NEW_PASSWORD})
    assert response.status_code == 200
    assert response.get_json()["sessions_ended"] == 1
    assert inv.get("/api/v1/auth/me").status_code == 401
    old = auth.client().raw.post("/api/v1/auth/login",
                                 json={"username": "inv1", "password": PASSWORD})
    assert old.status_code == 401
    assert auth.login("inv1", NEW_PASSWORD).get("/api/v1/auth/me").status_code == 200
    entry = _actions(app, "password_changed")[-1]
    assert entry["actor"] == "body" and NEW_PASSWORD not in str(entry)


def test_token_shown_once_only_its_hash_kept_and_revocable(app, body, make_user):
    from proctor.extensions import db
    from proctor.models import ApiToken

    make_user("registry", "authority")
    response = body.post("/api/v1/users/registry/tokens")
    assert response.status_code == 201
    answer = response.get_json()
    token = answer["token"]
    assert answer["username"] == "registry" and token.startswith(answer["prefix"])
    with app.app_context():
        rows = db.session.scalars(db.select(ApiToken)).all()
        assert [r.token_hash for r in rows] == [hashlib.sha256(token.encode()).hexdigest()]
    assert token not in str(_actions(app, "api_token_created"))
    assert token not in body.get("/api/v1/users").get_data(as_text=True)
    bearer = {"Authorization": f"Bearer {token}"}
    client = app.test_client()
    assert client.get("/api/v1/eligibility?id_number=310101199001011237",
                      headers=bearer).status_code in {200, 422}
    assert client.get("/api/v1/auth/me", headers=bearer).get_json()["username"] == "registry"

    revoked = body.post("/api/v1/users/registry/revoke-tokens")
    assert revoked.status_code == 200
    assert revoked.get_json()["tokens_revoked"] == 1
    assert revoked.get_json()["user"]["tokens"] == 0
    assert client.get("/api/v1/auth/me", headers=bearer).status_code == 401
    assert _actions(app, "api_tokens_revoked")[-1]["username"] == "registry"


def test_no_token_for_a_disabled_account(body, make_user):
    make_user("old", "chief")
    assert body.post("/api/v1/users/old/disable").status_code == 200
    response = body.post("/api/v1/users/old/tokens")
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "user_disabled"


@pytest.mark.parametrize("action", ["disable", "enable", "end-sessions", "tokens",
                                    "revoke-tokens"])
def test_unknown_user_is_404(body, action):
    response = body.post(f"/api/v1/users/nobody/{action}")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "user_not_found"


@pytest.mark.parametrize("role", ["invigilator", "chief"])
def test_only_the_evaluation_body(app, make_user, auth, role):
    make_user("body", "authority")
    make_user("other", role)
    other = auth.login("other")
    calls = [("GET", "/api/v1/users", None), ("GET", "/api/v1/audit", None),
             ("POST", "/api/v1/users", {"username": "x1", "role": "authority",
                                        "password": PASSWORD}),
             ("POST", "/api/v1/users/body/disable", None),
             ("POST", "/api/v1/users/body/end-sessions", None),
             ("POST", "/api/v1/users/body/password", {"password": NEW_PASSWORD}),
             ("POST", "/api/v1/users/other/tokens", None),
             ("POST", "/api/v1/users/body/revoke-tokens", None)]
    for method, url, payload in calls:
        response = (other.get(url) if method == "GET" else other.post(url, json=payload))
        assert response.status_code == 403, (url, response.get_json())
        assert response.get_json()["error"]["code"] == "forbidden"
    denied = _actions(app, "permission_denied")
    assert len(denied) == len(calls) and {d["actor"] for d in denied} == {"other"}
    body = auth.login("body")
    assert _users(body)["body"]["active"] is True


def test_unauthenticated_is_401(client):
    assert client.get("/api/v1/users").status_code == 401
    assert client.post("/api/v1/users/body/disable").status_code == 401


def test_audit_log_newest_first_paged_and_searchable(make_sitting, auth):
    make_sitting(candidates=2)  # creates the users, `body` among them
    body = auth.login("body")
    for index in range(5):
        assert body.post("/api/v1/users", json={
            "username": f"user{index}", "role": "chief", "password": PASSWORD}).status_code == 201
    first = body.get("/api/v1/audit?limit=3").get_json()
    seqs = [e["seq"] for e in first["entries"]]
    assert len(seqs) == 3 and seqs == sorted(seqs, reverse=True)
    assert first["entries"][0]["action"] == "user_created"
    assert first["entries"][0]["data"]["username"] == "user4"
    assert first["next_before_seq"] == seqs[-1]
    second = body.get(f"/api/v1/audit?limit=3&before_seq={first['next_before_seq']}").get_json()
    assert [e["seq"] for e in second["entries"]] == [seqs[-1] - 1, seqs[-1] - 2, seqs[-1] - 3]

    seen, before = [], ""
    while True:  # every entry exactly once, down to seq 1
        page = body.get(f"/api/v1/audit?limit=7{before}").get_json()
        seen += [e["seq"] for e in page["entries"]]
        if page["next_before_seq"] is None:
            break
        before = f"&before_seq={page['next_before_seq']}"
    assert seen == list(range(seen[0], 0, -1))

    created = body.get("/api/v1/audit?action=user_created&actor=body").get_json()["entries"]
    assert [e["data"]["username"] for e in created] == [f"user{i}" for i in range(4, -1, -1)]
    assert body.get("/api/v1/audit?actor=nobody").get_json()["entries"] == []


def test_audit_search_in_data_and_object_ids_chinese_too(make_sitting, auth):
    sitting = make_sitting(candidates=2)  # occupation 人工智能训练师, audited as sitting_created
    body = auth.login("body")
    chinese = body.get("/api/v1/audit?q=训练师").get_json()["entries"]
    assert [e["action"] for e in chinese] == ["sitting_created"]
    assert chinese[0]["object_id"] == str(sitting["id"])
    by_ticket = body.get(f"/api/v1/audit?q={sitting['tickets'][1]}").get_json()["entries"]
    assert by_ticket and all(sitting["tickets"][1] in str(e) for e in by_ticket)
    assert body.get("/api/v1/audit?q=100%25").get_json()["entries"] == []  # % is literal
    assert body.get("/api/v1/audit?q=no_such_thing_").get_json()["entries"] == []


def test_audit_dates_and_bad_queries(body):
    from datetime import date, timedelta

    today = date.today()
    tomorrow = (today + timedelta(days=2)).isoformat()
    yesterday = (today - timedelta(days=2)).isoformat()
    assert body.get(f"/api/v1/audit?since={tomorrow}").get_json()["entries"] == []
    assert body.get(f"/api/v1/audit?until={yesterday}").get_json()["entries"] == []
    window = body.get(f"/api/v1/audit?since={yesterday}&until={tomorrow}").get_json()
    assert [e["action"] for e in window["entries"]] == ["login", "user_created"]
    for query in ("since=2025-13-01", "limit=0", "limit=201", "before_seq=0", "since=1700000000",
                  "unknown=1"):
        response = body.get(f"/api/v1/audit?{query}")
        assert response.status_code == 422, query
        assert response.get_json()["error"]["code"] == "validation_error"


def test_account_changes_keep_the_chain_verifiable(body, make_user):
    make_user("inv1", "invigilator")
    for step in ("disable", "enable", "end-sessions", "tokens", "revoke-tokens"):
        assert body.post(f"/api/v1/users/inv1/{step}").status_code in {200, 201}
    assert body.post("/api/v1/users/inv1/password",
                     json={"password": NEW_PASSWORD}).status_code == 200
    verify = body.get("/api/v1/audit/verify").get_json()
    assert verify["ok"] is True and verify["problems"] == []
    actions = [e["action"] for e in body.get("/api/v1/audit?limit=6").get_json()["entries"]]
    assert actions == ["password_changed", "api_tokens_revoked", "api_token_created",
                       "sessions_ended", "user_enabled", "user_disabled"]
