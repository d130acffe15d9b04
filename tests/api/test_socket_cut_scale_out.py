"""Cuts reach every process: two `run.py` processes on PostgreSQL with Redis as Socket.IO's
message queue. A socket opened on process B with an API token is disconnected, and gets no more
pushes, when the token is revoked through process A; a tablet's socket on B is disconnected when
its session is logged out through A, while the account's other tablet on B stays connected."""

from __future__ import annotations

import os
import threading
import time

import pytest
import requests
import socketio
from helpers import PASSWORD
from serverutil import live_servers

REDIS_URL = os.environ.get("PROCTOR_TEST_REDIS_URL")


def _redis_or_skip() -> str:
    if not REDIS_URL:
        pytest.skip("set PROCTOR_TEST_REDIS_URL (.ci/run does) to test the scale-out path")
    import redis

    redis.Redis.from_url(REDIS_URL).ping()
    return REDIS_URL


def _login(base: str, username: str) -> tuple[requests.Session, str]:
    session = requests.Session()
    answer = session.post(f"{base}/api/v1/auth/login",
                          json={"username": username, "password": PASSWORD}, timeout=10)
    assert answer.status_code == 200, answer.text
    return session, answer.json()["csrf_token"]


class Watcher:
    """A socket on one process that records its pushes and its disconnection."""

    def __init__(self, url: str, **connect: object) -> None:
        self.pushes: list[dict] = []
        self.ended = threading.Event()
        self.gone = threading.Event()
        http = connect.pop("http_session", None)
        self.client = socketio.Client(http_session=http, reconnection=False)  # type: ignore[arg-type]
        self.client.on("attendance_recorded", self.pushes.append)
        self.client.on("session_ended", lambda *_: self.ended.set())
        self.client.on("disconnect", lambda *_: self.gone.set())
        self.client.connect(url, transports=["polling"], wait_timeout=10, **connect)  # type: ignore[arg-type]

    def close(self) -> None:
        if self.client.connected:
            self.client.disconnect()


def _token(app, username: str) -> str:  # type: ignore[no-untyped-def]
    from proctor.extensions import db
    from proctor.services.accounts import create_api_token, find_user

    with app.app_context():
        token = create_api_token(find_user(username))
        db.session.commit()
        return token


def _check_in(writer: requests.Session, csrf: str, base: str, s: dict, status: str) -> None:
    answer = writer.post(
        f"{base}/api/v1/sittings/{s['id']}/candidates/{s['tickets'][0]}/attendance",
        json={"status": status}, headers={"X-CSRFToken": csrf}, timeout=10)
    assert answer.status_code == 200, answer.text


def _until(check, seconds: float = 10) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not check():
        time.sleep(0.05)
    return bool(check())


def _servers(backend: str, database_url: str, tmp_path):  # type: ignore[no-untyped-def]
    if backend != "postgresql":
        pytest.skip("the scale-out path runs on PostgreSQL")
    env = {"PROCTOR_MESSAGE_QUEUE": _redis_or_skip(),
           "PROCTOR_MESSAGE_QUEUE_CHANNEL": f"proctor-cut-test-{os.getpid()}"}
    return live_servers(database_url, tmp_path, 2, extra_env=env)


def test_revoking_a_token_through_a_cuts_its_socket_on_b(backend, database_url, app,
                                                         make_sitting, tmp_path):
    s = make_sitting()
    token = _token(app, "inv2")
    with _servers(backend, database_url, tmp_path) as (a, b):
        writer, writer_csrf = _login(a.url, "inv1")
        tablet_session, _ = _login(b.url, "inv2")
        by_token = Watcher(b.url, auth={"token": token})
        tablet = Watcher(b.url, http_session=tablet_session)
        try:
            time.sleep(0.5)  # joined their rooms on connect
            _check_in(writer, writer_csrf, a.url, s, "late")
            assert _until(lambda: by_token.pushes and tablet.pushes), b.log()[-3000:]

            body, body_csrf = _login(a.url, "body")
            revoked = body.post(f"{a.url}/api/v1/users/inv2/revoke-tokens",
                                headers={"X-CSRFToken": body_csrf}, timeout=10)
            assert revoked.status_code == 200, revoked.text
            assert by_token.gone.wait(10), f"the token's socket on B stayed:\n{b.log()[-3000:]}"
            assert by_token.ended.is_set()

            before = len(by_token.pushes), len(tablet.pushes)
            _check_in(writer, writer_csrf, a.url, s, "present")
            assert _until(lambda: len(tablet.pushes) > before[1])  # the session's goes on
            time.sleep(0.5)
            assert len(by_token.pushes) == before[0] and not tablet.gone.is_set()
        finally:
            by_token.close()
            tablet.close()


def test_logging_out_through_a_cuts_that_session_on_b(backend, database_url, app,
                                                      make_sitting, tmp_path):
    s = make_sitting()
    with _servers(backend, database_url, tmp_path) as (a, b):
        writer, writer_csrf = _login(a.url, "inv1")
        tablet_session, tablet_csrf = _login(b.url, "inv2")
        other_session, _ = _login(b.url, "inv2")
        tablet = Watcher(b.url, http_session=tablet_session)
        other_tablet = Watcher(b.url, http_session=other_session)
        try:
            time.sleep(0.5)
            _check_in(writer, writer_csrf, a.url, s, "late")
            assert _until(lambda: tablet.pushes and other_tablet.pushes), b.log()[-3000:]

            # The same cookie, sent to A: sessions are rows in the shared database.
            logout = tablet_session.post(f"{a.url}/api/v1/auth/logout",
                                         headers={"X-CSRFToken": tablet_csrf}, timeout=10)
            assert logout.status_code == 200, logout.text
            assert tablet.gone.wait(10), f"the session's socket on B stayed:\n{b.log()[-3000:]}"
            assert tablet.ended.is_set()

            before = len(tablet.pushes), len(other_tablet.pushes)
            _check_in(writer, writer_csrf, a.url, s, "present")
            assert _until(lambda: len(other_tablet.pushes) > before[1])
            time.sleep(0.5)
            assert len(tablet.pushes) == before[0]
            assert not other_tablet.gone.is_set() and not other_tablet.ended.is_set()
        finally:
            tablet.close()
            other_tablet.close()
