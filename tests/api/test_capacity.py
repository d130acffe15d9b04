"""The real server (`python run.py`, gevent) at and past its live-connection limit.

The old threaded server froze at its 64th socket: every HTTP request of every tablet timed out.
Here the limit is set to 100 sockets and 130 tablets connect: 100 are accepted, the other 30 are
refused at once with `server_full` (and a delay to retry after), while /healthz, a check-in and
the live event it causes keep working for the tablets that are connected. When sockets go, a
refused tablet gets in. Bounded: ~130 sockets on loopback, a few seconds.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import aiohttp
import pytest
import socketio
from helpers import PASSWORD
from serverutil import live_server

LIMIT = 100
TABLETS = 130


def _token(app: Any, username: str) -> str:
    from proctor.extensions import db
    from proctor.services.accounts import create_api_token, find_user

    with app.app_context():
        user = find_user(username)
        token = create_api_token(user)
        db.session.commit()
        return token


class Tablet:
    """One socket, authenticated by a bearer token, recording what the server said."""

    def __init__(self, url: str, token: str) -> None:
        self.url, self.token = url, token
        self.client = socketio.AsyncClient(reconnection=False)
        self.refusal: dict[str, Any] | None = None
        self.events: list[dict[str, Any]] = []
        self.answered_in = 0.0

        @self.client.event
        async def connect_error(data: Any) -> None:
            self.refusal = data if isinstance(data, dict) else {"message": str(data)}

        @self.client.on("attendance_recorded")
        async def attendance(payload: dict[str, Any]) -> None:
            self.events.append(payload)

    async def connect(self) -> bool:
        started = time.monotonic()
        try:
            await self.client.connect(self.url, auth={"token": self.token},
                                      transports=["websocket"], wait_timeout=20)
            return True
        except socketio.exceptions.ConnectionError:
            return False
        finally:
            self.answered_in = time.monotonic() - started


async def _timed_get(http: aiohttp.ClientSession, url: str) -> tuple[int, float]:
    started = time.monotonic()
    async with http.get(url, timeout=aiohttp.ClientTimeout(total=10)) as response:
        await response.read()
        return response.status, time.monotonic() - started


async def _scenario(url: str, token: str, writer_token: str, ticket: str, sid: int) -> None:
    tablets = [Tablet(url, token) for _ in range(TABLETS)]
    gate = asyncio.Semaphore(25)

    async def connect(tablet: Tablet) -> bool:
        async with gate:
            return await tablet.connect()

    accepted = await asyncio.gather(*(connect(t) for t in tablets))
    inside = [t for t, ok in zip(tablets, accepted, strict=True) if ok]
    outside = [t for t, ok in zip(tablets, accepted, strict=True) if not ok]
    try:
        assert len(inside) == LIMIT, (len(inside), [t.refusal for t in outside][:3])
        assert len(outside) == TABLETS - LIMIT
        for tablet in outside:
            assert tablet.refusal is not None
            assert tablet.refusal.get("message") == "server_full", tablet.refusal
            assert tablet.refusal["data"]["code"] == "server_full"
            assert tablet.refusal["data"]["retry_after"] > 0
            assert tablet.answered_in < 5, "a refusal must come at once, not after a timeout"

        headers = {"Authorization": f"Bearer {writer_token}"}
        async with aiohttp.ClientSession(headers=headers) as http:
            status, took = await _timed_get(http, url + "/healthz")
            assert status == 200 and took < 2, (status, took)
            started = time.monotonic()
            async with http.post(
                    f"{url}/api/v1/sittings/{sid}/candidates/{ticket}/attendance",
                    json={"status": "present", "id_checked": True, "subject": "theory"},
                    timeout=aiohttp.ClientTimeout(total=10)) as response:
                body = await response.json()
            assert response.status == 200, body
            assert time.monotonic() - started < 2
        # The connected tablets (all see the sitting) get the check-in live.
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and not all(t.events for t in inside):
            await asyncio.sleep(0.05)
        assert all(t.events for t in inside), sum(1 for t in inside if not t.events)
        assert inside[0].events[0]["data"]["ticket_no"] == ticket

        # Ten tablets leave: a refused one now gets in.
        await asyncio.gather(*(t.client.disconnect() for t in inside[:10]))
        await asyncio.sleep(0.3)
        retry = Tablet(url, token)
        assert await retry.connect(), retry.refusal
        inside.append(retry)
    finally:
        await asyncio.gather(*(t.client.disconnect() for t in inside), return_exceptions=True)


def test_past_the_socket_limit_new_sockets_are_refused_and_http_keeps_answering(
        app, backend, database_url, make_sitting, tmp_path):
    if backend != "sqlite":
        pytest.skip("one process: the embedded database is enough")
    s = make_sitting()
    token, writer = _token(app, "body"), _token(app, "inv1")
    assert PASSWORD  # the writer is an invigilator of room A, where the first ticket sits
    with live_server(database_url, tmp_path / "server",
                     extra_env={"PROCTOR_MAX_SOCKETS": str(LIMIT),
                                "PROCTOR_SOCKET_RETRY_SECONDS": "3"}) as server:
        asyncio.run(_scenario(server.url, token, writer, s["tickets"][0], s["id"]))
        log = server.log()
    assert "Traceback" not in log, log[-3000:]
