"""Ending what authenticated a live connection cuts that connection at once: revoking an API
token cuts the sockets opened with it; ending one session cuts its sockets only, and tells
only them (another tablet of the same account goes on undisturbed)."""

from __future__ import annotations

from proctor.extensions import socketio


def _token(app, username: str) -> str:  # type: ignore[no-untyped-def]
    from proctor.extensions import db
    from proctor.services.accounts import create_api_token, find_user

    with app.app_context():
        token = create_api_token(find_user(username))
        db.session.commit()
        return token


def _names(client) -> list[str]:  # type: ignore[no-untyped-def]
    return [e["name"] for e in client.get_received()]


def _check_in(api, s, index: int = 0, status: str = "present"):  # type: ignore[no-untyped-def]
    answer = api.post(f"/api/v1/sittings/{s['id']}/candidates/{s['tickets'][index]}/attendance",
                      json={"status": status})
    assert answer.status_code == 200, answer.get_json()


def test_revoking_tokens_cuts_the_sockets_opened_with_them(app, make_sitting, auth):
    s = make_sitting()
    token = _token(app, "inv2")
    by_token = socketio.test_client(app, auth={"token": token})
    inv2 = auth.login("inv2")
    by_session = socketio.test_client(app, flask_test_client=inv2.raw)
    assert by_token.is_connected() and by_session.is_connected()
    inv1 = auth.login("inv1")
    _check_in(inv1, s)
    assert "attendance_recorded" in _names(by_token)  # it was receiving pushes
    by_session.get_received()

    body = auth.login("body")
    answer = body.post("/api/v1/users/inv2/revoke-tokens")
    assert answer.status_code == 200, answer.get_json()
    assert not by_token.is_connected()
    assert by_session.is_connected()  # the session was not revoked
    _check_in(inv1, s, status="late")
    assert _names(by_session) == ["attendance_recorded"]


def test_revoke_tokens_on_the_command_line_cuts_them_too(app, make_sitting, runner):
    make_sitting()
    by_token = socketio.test_client(app, auth={"token": _token(app, "inv2")})
    assert by_token.is_connected()
    assert runner.invoke(args=["users", "revoke-tokens", "inv2"]).exit_code == 0
    assert not by_token.is_connected()


def test_ending_one_session_tells_only_its_own_sockets(app, make_sitting, auth):
    s = make_sitting()
    first, second = auth.login("inv2"), auth.login("inv2")
    tablet = socketio.test_client(app, flask_test_client=first.raw)
    other_tablet = socketio.test_client(app, flask_test_client=second.raw)
    by_token = socketio.test_client(app, auth={"token": _token(app, "inv2")})
    for client in (tablet, other_tablet, by_token):
        client.get_received()
    assert first.post("/api/v1/auth/logout").status_code == 200
    assert not tablet.is_connected()
    assert other_tablet.is_connected() and by_token.is_connected()
    # "session_ended" makes a screen log itself out: never the other tablet's.
    assert "session_ended" not in _names(other_tablet)
    assert "session_ended" not in _names(by_token)
    _check_in(auth.login("inv1"), s)
    assert _names(other_tablet) == ["attendance_recorded"]


def test_disabling_cuts_token_sockets_and_ending_sessions_keeps_them(app, make_sitting, auth):
    make_sitting()
    inv2 = auth.login("inv2")
    tablet = socketio.test_client(app, flask_test_client=inv2.raw)
    by_token = socketio.test_client(app, auth={"token": _token(app, "inv2")})
    body = auth.login("body")
    assert body.post("/api/v1/users/inv2/end-sessions").status_code == 200
    assert not tablet.is_connected()
    assert by_token.is_connected()  # the token still works; so does its socket
    assert body.post("/api/v1/users/inv2/disable").status_code == 200
    assert not by_token.is_connected()  # a disabled account's tokens stop working
