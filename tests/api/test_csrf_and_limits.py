"""CSRF on session-authenticated writes, GET never writes, and the login rate limits
(failed attempts per account; a whole venue behind one NAT address is never locked out)."""

from __future__ import annotations

import re

from helpers import PASSWORD, cid, now_iso


def _warning(sid: int, ticket: str) -> dict:  # type: ignore[type-arg]
    return {"client_id": cid(), "ticket_no": ticket, "subject": "theory", "rule_code": "T1.1",
            "observed_at": now_iso()}


def _audit_count(app) -> int:  # type: ignore[no-untyped-def]
    from proctor.extensions import db
    from proctor.models import AuditEntry

    with app.app_context():
        return int(db.session.scalar(db.select(db.func.count()).select_from(AuditEntry)) or 0)


def _warning_count(app) -> int:  # type: ignore[no-untyped-def]
    from sqlalchemy import text

    from proctor.extensions import db

    with app.app_context():
        return int(db.session.scalar(text("SELECT count(*) FROM warnings")) or 0)


def _assert_csrf_failed(response) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == 400, response.get_json()
    body = response.get_json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == "csrf_failed"
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]


def test_session_write_without_csrf_header_is_refused(app, make_sitting, auth):
    s = make_sitting()
    inv = auth.login("inv1")
    url = f"/api/v1/sittings/{s['id']}/warnings"
    before = _warning_count(app)
    _assert_csrf_failed(inv.raw.post(url, json=_warning(s["id"], s["tickets"][0])))
    _assert_csrf_failed(inv.raw.post(url, json=_warning(s["id"], s["tickets"][0]),
                                     headers={"X-CSRFToken": "not-the-token"}))
    assert _warning_count(app) == before
    created = inv.post(url, json=_warning(s["id"], s["tickets"][0]))
    assert created.status_code == 201, created.get_json()
    assert _warning_count(app) == before + 1


def test_csrf_token_of_another_session_is_refused(app, make_sitting, auth):
    s = make_sitting()
    inv1, inv2 = auth.login("inv1"), auth.login("inv2")
    url = f"/api/v1/sittings/{s['id']}/warnings"
    assert inv1.csrf != inv2.csrf
    _assert_csrf_failed(inv1.raw.post(url, json=_warning(s["id"], s["tickets"][0]),
                                      headers={"X-CSRFToken": inv2.csrf}))


def test_logout_needs_the_csrf_header(app, make_sitting, auth):
    make_sitting()
    inv = auth.login("inv1")
    _assert_csrf_failed(inv.raw.post("/api/v1/auth/logout"))
    assert inv.get("/api/v1/auth/me").status_code == 200  # still logged in
    assert inv.post("/api/v1/auth/logout").status_code == 200
    assert inv.get("/api/v1/auth/me").status_code == 401


def test_html_logout_form_needs_the_csrf_field(app, make_sitting):
    make_sitting()
    client = app.test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"',
                      client.get("/login").get_data(as_text=True)).group(1)  # type: ignore[union-attr]
    client.post("/login", data={"username": "inv1", "password": PASSWORD, "csrf_token": token})
    assert client.post("/logout").status_code == 400
    assert client.get("/api/v1/auth/me").status_code == 200
    home = client.get("/").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', home).group(1)  # type: ignore[union-attr]
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/api/v1/auth/me").status_code == 401


def test_get_never_changes_anything(app, make_sitting, auth):
    s = make_sitting()
    inv = auth.login("inv1")
    body = auth.login("body")
    before = _audit_count(app)
    assert inv.get("/logout").status_code == 405
    assert inv.get("/api/v1/auth/logout").status_code == 405
    assert inv.get(f"/api/v1/sittings/{s['id']}/warnings").status_code == 405
    assert inv.get("/api/v1/auth/login?username=inv1&password=x").status_code == 405
    for url in ("/api/v1/auth/me", f"/api/v1/sittings/{s['id']}", "/api/v1/rules",
                f"/api/v1/sittings/{s['id']}/incidents", "/"):
        assert inv.get(url).status_code == 200, url
    # (Exports such as GET /bans are audited on purpose: who took personal data, when.)
    for url in ("/api/v1/audit/verify", "/api/v1/sittings", f"/api/v1/sittings/{s['id']}"):
        assert body.get(url).status_code == 200, url
    assert _audit_count(app) == before
    assert inv.get("/api/v1/auth/me").status_code == 200  # GET /logout logged nobody out


def _login(app, username: str, password: str):  # type: ignore[no-untyped-def]
    return app.test_client().post("/api/v1/auth/login",
                                  json={"username": username, "password": password})


def test_failed_logins_lock_only_that_account(app, make_sitting):
    make_sitting()
    for attempt in range(10):
        response = _login(app, "inv1", f"wrong-{attempt}")
        assert response.status_code == 401, attempt
    locked = _login(app, "inv1", "wrong again")
    assert locked.status_code == 429
    assert locked.get_json()["error"]["code"] == "rate_limited"
    assert locked.get_json()["error"]["message"]
    # Even the right password waits now: guessing must not go on.
    right = _login(app, "inv1", PASSWORD)
    assert right.status_code == 429
    assert right.get_json()["error"]["code"] == "rate_limited"
    # The same address (a venue NAT) still logs everybody else in.
    for name in ("inv2", "inv3", "chief", "body"):
        assert _login(app, name, PASSWORD).status_code == 200, name


def test_username_case_does_not_dodge_the_limit(app, make_sitting):
    make_sitting()
    for attempt in range(10):
        name = "INV1" if attempt % 2 else "inv1"
        assert _login(app, name, "wrong").status_code == 401
    assert _login(app, "inv1", "wrong").status_code == 429


def test_successful_logins_are_not_counted(app, make_sitting):
    make_sitting()
    for _ in range(9):
        assert _login(app, "inv1", "wrong").status_code == 401
    for attempt in range(15):
        assert _login(app, "inv1", PASSWORD).status_code == 200, attempt
    assert _login(app, "inv1", "wrong").status_code == 401  # the 10th failure
    assert _login(app, "inv1", PASSWORD).status_code == 429


def test_a_whole_venue_logs_in_from_one_address(app, make_user):
    """08:30: sixty tablets behind one NAT address, several mistyping their password once."""
    for index in range(60):
        make_user(f"venue{index}", "invigilator")
    for index in range(60):
        if index % 3 == 0:
            assert _login(app, f"venue{index}", "typo").status_code == 401
        response = _login(app, f"venue{index}", PASSWORD)
        assert response.status_code == 200, (index, response.get_json())


def test_html_login_form_is_limited_per_account_too(app, make_sitting):
    make_sitting()
    client = app.test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"',
                      client.get("/login").get_data(as_text=True)).group(1)  # type: ignore[union-attr]
    for _ in range(10):
        response = client.post("/login", data={"username": "chief", "password": "wrong",
                                               "csrf_token": token})
        assert response.status_code == 401
    response = client.post("/login", data={"username": "chief", "password": PASSWORD,
                                           "csrf_token": token})
    assert response.status_code == 429
    response = client.post("/login", data={"username": "inv1", "password": PASSWORD,
                                           "csrf_token": token})
    assert response.status_code == 302

