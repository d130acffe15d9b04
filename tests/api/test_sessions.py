"""Server-side sessions: logout, disabling, "end sessions" and timeouts refuse the very next
request that presents the same cookie; the HTML login page and each role's home page."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from helpers import PASSWORD
from sqlalchemy import update

COOKIE = "proctor_session"


def _cookie(api) -> str:  # type: ignore[no-untyped-def]
    cookie = api.raw.get_cookie(COOKIE)
    assert cookie is not None
    return str(cookie.value)


def _replay(app, cookie: str):  # type: ignore[no-untyped-def]
    """A fresh client presenting a captured cookie, as a thief or a stale tablet would."""
    client = app.test_client()
    client.set_cookie(COOKIE, cookie)
    return client


def _sessions(app, username: str):  # type: ignore[no-untyped-def]
    from proctor.extensions import db
    from proctor.models import User, UserSession

    with app.app_context():
        return list(db.session.scalars(
            db.select(UserSession).join(User).where(User.username == username)
            .order_by(UserSession.id)))


def test_login_then_me_then_logout_refuses_the_same_cookie_at_once(app, make_sitting, auth):
    make_sitting()
    inv = auth.login("inv1")
    me = inv.get("/api/v1/auth/me")
    assert me.status_code == 200
    assert me.get_json()["username"] == "inv1" and me.get_json()["role"] == "invigilator"
    cookie = _cookie(inv)
    assert _replay(app, cookie).get("/api/v1/auth/me").status_code == 200

    response = inv.post("/api/v1/auth/logout")
    assert response.status_code == 200
    assert inv.get("/api/v1/auth/me").status_code == 401
    # The old cookie, replayed, is dead too: the server ended the session row.
    replayed = _replay(app, cookie).get("/api/v1/auth/me")
    assert replayed.status_code == 401
    assert replayed.get_json()["error"]["code"] == "unauthenticated"
    rows = _sessions(app, "inv1")
    assert len(rows) == 1 and rows[0].ended_at is not None and rows[0].end_reason == "logout"


def test_logging_out_one_tablet_leaves_the_other_logged_in(app, make_sitting, auth):
    make_sitting()
    first, second = auth.login("inv1"), auth.login("inv1")
    assert first.post("/api/v1/auth/logout").status_code == 200
    assert first.get("/api/v1/auth/me").status_code == 401
    assert second.get("/api/v1/auth/me").status_code == 200


def test_session_token_is_stored_only_as_a_hash(app, make_sitting, auth):
    make_sitting()
    inv = auth.login("inv1")
    rows = _sessions(app, "inv1")
    assert len(rows) == 1
    cookie = _cookie(inv)
    assert rows[0].token_hash not in cookie and len(rows[0].token_hash) == 64


@pytest.mark.parametrize("how", ["service", "cli"])
def test_disabling_a_user_ends_their_open_session_at_once(app, make_sitting, auth, runner, how):
    from proctor.extensions import db
    from proctor.services.accounts import find_user, set_active

    make_sitting()
    inv, other = auth.login("inv1"), auth.login("inv2")
    cookie = _cookie(inv)
    assert inv.get("/api/v1/auth/me").status_code == 200
    if how == "service":
        with app.app_context():
            assert set_active(find_user("inv1"), False) == 1
            db.session.commit()
    else:
        result = runner.invoke(args=["users", "disable", "inv1"])
        assert result.exit_code == 0, result.output
        assert "ended 1 session" in result.output
    assert inv.get("/api/v1/auth/me").status_code == 401
    assert _replay(app, cookie).get("/api/v1/auth/me").status_code == 401
    assert other.get("/api/v1/auth/me").status_code == 200
    assert [row.end_reason for row in _sessions(app, "inv1")] == ["account_disabled"]
    # Enabling again does not revive the ended session; a new login is needed.
    with app.app_context():
        set_active(find_user("inv1"), True)
        db.session.commit()
    assert _replay(app, cookie).get("/api/v1/auth/me").status_code == 401
    assert auth.login("inv1").get("/api/v1/auth/me").status_code == 200


def test_end_sessions_command_refuses_open_sessions_at_once(app, make_sitting, auth, runner):
    make_sitting()
    tablets = [auth.login("inv1"), auth.login("inv1")]
    other = auth.login("inv2")
    for tablet in tablets:
        assert tablet.get("/api/v1/auth/me").status_code == 200
    result = runner.invoke(args=["users", "end-sessions", "inv1"])
    assert result.exit_code == 0, result.output
    assert "ended 2 session(s)" in result.output
    for tablet in tablets:
        response = tablet.get("/api/v1/auth/me")
        assert response.status_code == 401
        # A write with the right CSRF token is refused as well.
        assert tablet.post("/api/v1/auth/logout").status_code == 401
    assert other.get("/api/v1/auth/me").status_code == 200
    # The account itself stays usable.
    assert auth.login("inv1").get("/api/v1/auth/me").status_code == 200


def _age_session(app, username: str, **columns) -> None:  # type: ignore[no-untyped-def]
    from proctor.extensions import db
    from proctor.models import User, UserSession

    with app.app_context():
        user_id = db.session.scalar(db.select(User.id).where(User.username == username))
        db.session.execute(update(UserSession).where(UserSession.user_id == user_id)
                           .values(**columns))
        db.session.commit()


def test_idle_timeout_ends_the_session(app, make_sitting, auth):
    from proctor.database import utcnow

    make_sitting()
    inv, other = auth.login("inv1"), auth.login("inv2")
    idle = app.config["SESSION_IDLE_MINUTES"]
    # Just inside the idle window: still fine (and the activity is recorded).
    _age_session(app, "inv1", last_seen_at=utcnow() - timedelta(minutes=idle - 1))
    assert inv.get("/api/v1/auth/me").status_code == 200
    assert utcnow() - _sessions(app, "inv1")[0].last_seen_at < timedelta(minutes=1)
    # Past it: refused, and the row is ended for good.
    _age_session(app, "inv1", last_seen_at=utcnow() - timedelta(minutes=idle + 1))
    response = inv.get("/api/v1/auth/me")
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthenticated"
    assert inv.post("/api/v1/auth/logout").status_code == 401
    row = _sessions(app, "inv1")[0]
    assert row.ended_at is not None and row.end_reason == "timeout"
    # Restoring the timestamp cannot bring an ended session back.
    _age_session(app, "inv1", last_seen_at=utcnow())
    assert inv.get("/api/v1/auth/me").status_code == 401
    assert other.get("/api/v1/auth/me").status_code == 200


def test_absolute_timeout_ends_an_active_session(app, make_sitting, auth):
    from proctor.database import utcnow

    make_sitting()
    inv = auth.login("inv1")
    hours = app.config["SESSION_MAX_HOURS"]
    _age_session(app, "inv1", created_at=utcnow() - timedelta(hours=hours - 1),
                 last_seen_at=utcnow())
    assert inv.get("/api/v1/auth/me").status_code == 200
    _age_session(app, "inv1", created_at=utcnow() - timedelta(hours=hours, minutes=1),
                 last_seen_at=utcnow())
    assert inv.get("/api/v1/auth/me").status_code == 401
    assert _sessions(app, "inv1")[0].end_reason == "timeout"


def test_a_tiny_configured_idle_timeout_is_honoured(app, make_sitting, auth):
    from proctor.database import utcnow

    make_sitting()
    app.config["SESSION_IDLE_MINUTES"] = 1
    inv = auth.login("inv1")
    assert inv.get("/api/v1/auth/me").status_code == 200
    _age_session(app, "inv1", last_seen_at=utcnow() - timedelta(seconds=90))
    assert inv.get("/api/v1/auth/me").status_code == 401


def _form_token(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, html
    return match.group(1)


def _html_login(app, username: str):  # type: ignore[no-untyped-def]
    client = app.test_client()
    token = _form_token(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"username": username, "password": PASSWORD,
                                           "csrf_token": token})
    assert response.status_code == 302
    return client


def test_pages_are_chinese_by_default(app, make_sitting):
    make_sitting()
    login = app.test_client().get("/login").get_data(as_text=True)
    assert "登录" in login and "Log in" not in login
    html = _html_login(app, "inv1").get("/").get_data(as_text=True)
    assert "退出登录" in html and "Log out" not in html


def test_html_login_redirects_to_the_home_page(app, make_sitting):
    make_sitting()
    client = app.test_client()
    page = client.get("/login")
    assert page.status_code == 200
    token = _form_token(page.get_data(as_text=True))
    # Without the form's CSRF token the login form is refused.
    refused = client.post("/login", data={"username": "inv1", "password": PASSWORD},
                          headers={"Accept": "text/html"})
    assert refused.status_code == 400
    assert client.get("/api/v1/auth/me").status_code == 401

    response = client.post("/login", data={"username": "inv1", "password": PASSWORD,
                                           "csrf_token": token})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/")
    home = client.get("/")
    assert home.status_code == 200
    assert "inv1" in home.get_data(as_text=True)
    english = client.get("/?lang=en").get_data(as_text=True)
    assert "Log out" in english and "inv1" in english
    # The language switch is remembered in a cookie.
    switch = client.get("/lang/en?next=/")
    assert switch.status_code == 302
    assert "Log out" in client.get("/").get_data(as_text=True)
    assert client.get("/api/v1/auth/me").get_json()["username"] == "inv1"


@pytest.mark.parametrize("username", ["body", "chief", "inv1"])
def test_each_role_home_page_names_the_user(app, make_sitting, username):
    make_sitting()
    home = _html_login(app, username).get("/")
    assert home.status_code == 200
    assert username in home.get_data(as_text=True)


def test_html_wrong_password_and_logout(app, make_sitting):
    make_sitting()
    client = app.test_client()
    token = _form_token(client.get("/login").get_data(as_text=True))
    wrong = client.post("/login", data={"username": "inv1", "password": "nope nope",
                                        "csrf_token": token})
    assert wrong.status_code == 401
    assert client.get("/").status_code == 302  # to the login page
    client.post("/login", data={"username": "inv1", "password": PASSWORD, "csrf_token": token})
    home = client.get("/").get_data(as_text=True)
    token = _form_token(home)
    assert client.get("/logout").status_code == 405
    assert client.get("/").status_code == 200
    out = client.post("/logout", data={"csrf_token": token})
    assert out.status_code == 302 and "/login" in out.headers["Location"]
    assert client.get("/").status_code == 302
    assert client.get("/api/v1/auth/me").status_code == 401


def test_login_page_next_is_kept_on_site(app, make_sitting):
    make_sitting()
    client = app.test_client()
    token = _form_token(client.get("/login").get_data(as_text=True))
    response = client.post("/login?next=//evil.example/x",
                           data={"username": "inv1", "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302
    assert "evil.example" not in response.headers["Location"]
