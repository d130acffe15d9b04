"""The scale-out path, for real: two server processes on PostgreSQL with Redis as Socket.IO's
message queue. A write through one process reaches a tablet connected to the other."""

from __future__ import annotations

import os
import threading
import time

import pytest
import requests
import socketio
from helpers import PASSWORD
from serverutil import live_server

REDIS_URL = os.environ.get("PROCTOR_TEST_REDIS_URL")


def _redis_or_skip() -> str:
    if not REDIS_URL:
        pytest.skip("set PROCTOR_TEST_REDIS_URL (.ci/run does) to test the scale-out path")
    import redis

    redis.Redis.from_url(REDIS_URL).ping()  # in CI an unreachable Redis fails the test
    return REDIS_URL


def _login(base: str, username: str) -> tuple[requests.Session, str]:
    session = requests.Session()
    answer = session.post(f"{base}/api/v1/auth/login",
                          json={"username": username, "password": PASSWORD}, timeout=10)
    assert answer.status_code == 200, answer.text
    return session, answer.json()["csrf_token"]


def test_a_write_on_one_process_reaches_a_tablet_on_the_other(backend, database_url,
                                                               make_sitting, tmp_path):
    if backend != "postgresql":
        pytest.skip("the scale-out path runs on PostgreSQL")
    queue = _redis_or_skip()
    s = make_sitting()
    env = {"PROCTOR_MESSAGE_QUEUE": queue, "PROCTOR_LOGIN_LIMIT_PER_ACCOUNT": "3 per minute"}
    with live_server(database_url, tmp_path / "a", extra_env=env) as a, \
            live_server(database_url, tmp_path / "b", extra_env=env) as b:
        writer, csrf = _login(a.url, "inv1")
        watcher, _ = _login(b.url, "inv2")
        received: list[dict] = []
        arrived = threading.Event()
        client = socketio.Client(http_session=watcher, reconnection=False)

        @client.on("attendance_recorded")
        def _on(payload: dict) -> None:
            received.append(payload)
            arrived.set()

        client.connect(b.url, transports=["polling"], wait_timeout=10)
        try:
            time.sleep(0.5)  # joined its rooms on connect
            ticket = s["tickets"][0]
            answer = writer.post(
                f"{a.url}/api/v1/sittings/{s['id']}/candidates/{ticket}/attendance",
                json={"status": "present", "id_checked": True},
                headers={"X-CSRFToken": csrf}, timeout=10)
            assert answer.status_code == 200, answer.text
            assert arrived.wait(10), f"no event through Redis; server B log:\n{b.log()}"
        finally:
            client.disconnect()
        assert received[0]["data"]["ticket_no"] == ticket
        assert received[0]["data"]["by"] == "inv1" and received[0]["sitting_id"] == s["id"]
        # Failed-login counters live in Redis too: three failures on A lock the account on B.
        for _ in range(3):
            wrong = requests.post(f"{a.url}/api/v1/auth/login",
                                  json={"username": "inv3", "password": "wrong"}, timeout=10)
            assert wrong.status_code == 401
        locked = requests.post(f"{b.url}/api/v1/auth/login",
                               json={"username": "inv3", "password": PASSWORD}, timeout=10)
        assert locked.status_code == 429 and locked.json()["error"]["code"] == "rate_limited"
