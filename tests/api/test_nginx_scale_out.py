"""Scale-out on real parts: nginx with the shipped site file (deploy/nginx/proctor.conf) in
front of three `python run.py` processes on PostgreSQL, Redis as Socket.IO's message queue and
the login limiter's storage.

(a) a write sent straight to process A reaches sockets that came in through nginx and landed
    on B and on C (nginx names the process in the handshake's X-Upstream header);
(b) `kill -9` of a process: its sockets come back through nginx on another process and, doing
    what the tablet does (live.js: apply each seq once, `catch_up` after the last one on every
    connect, hold live events meanwhile and merge them with the answer), every client ends
    with exactly the sitting's events, none missing, none twice, while a writer goes on;
(c) failed logins for one account spread over the three processes count as one;
and behind nginx the app sees the client's address (PROCTOR_TRUSTED_PROXIES=1), not nginx's.
Besides the WebSocket tablets, two sign in with the session cookie and use the fallbacks:
long-polling only, and polling upgraded to WebSocket; nginx keeps each of their Engine.IO
sessions on one process (a hash on the cookie).

Runs when PROCTOR_TEST_DATABASE_URL and PROCTOR_TEST_REDIS_URL are set (.ci/run sets both).
"""

from __future__ import annotations

import asyncio
import http.client
import json
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import requests
import socketio
from flask import Flask
from helpers import PASSWORD
from serverutil import ROOT, LiveServer, free_port, live_servers

PG_URL = os.environ.get("PROCTOR_TEST_DATABASE_URL")
REDIS_URL = os.environ.get("PROCTOR_TEST_REDIS_URL")
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
SITE = ROOT / "deploy" / "nginx" / "proctor.conf"
SHIPPED_PORTS = (5001, 5002, 5003)
TIMEOUT = 15
WRITES_BEFORE = 20  # then the kill; then writes until its sockets are back; then as many again
WRITES_AFTER = 20
# The tablet's catch-up goes out this long after its connect, as over a slow venue network: live
# events of that window are held and merged with the answer (some of them are in both).
CATCH_UP_DELAY = 0.2

pytestmark = pytest.mark.skipif(
    not (PG_URL and REDIS_URL),
    reason="set PROCTOR_TEST_DATABASE_URL and PROCTOR_TEST_REDIS_URL (.ci/run does)")


@pytest.fixture
def backend() -> str:
    """PostgreSQL only: the scale-out path (overrides conftest's SQLite/PostgreSQL pair)."""
    return "postgresql"


# --- nginx, from the shipped site file -----------------------------------------------------------

def render_site(ports: list[int], listen_port: int) -> str:
    """The shipped site file with this test's loopback ports: only the upstream `server` lines
    and the `listen` line change (each must be found, so the file under test is the shipped one)."""
    text = SITE.read_text()
    for shipped, port in zip(SHIPPED_PORTS, ports, strict=True):
        text, found = re.subn(rf"(?m)^(\s*server 127\.0\.0\.1:){shipped}\b", rf"\g<1>{port}",
                              text)
        assert found == 2, f"expected {shipped} in both upstreams of {SITE}"
    text, found = re.subn(r"(?m)^(\s*)listen 80;$", rf"\g<1>listen 127.0.0.1:{listen_port};",
                          text)
    assert found == 1, f"expected one `listen 80;` in {SITE}"
    return text


def main_conf(prefix: Path, site: Path) -> str:
    """nginx.conf for an instance of our own: foreground, everything under `prefix`."""
    user = f"user {pwd.getpwuid(os.geteuid()).pw_name};\n" if os.geteuid() == 0 else ""
    temp = "\n".join(f"    {kind}_temp_path {prefix}/temp/{kind};"
                     for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    return (f"daemon off;\n{user}worker_processes 1;\nerror_log {prefix}/logs/error.log info;\n"
            f"pid {prefix}/nginx.pid;\nevents {{ worker_connections 1024; }}\nhttp {{\n{temp}\n"
            f"    include {site};\n    access_log {prefix}/logs/access.log proctor;\n}}\n")


def nginx_test(prefix: Path, conf: Path) -> None:
    check = subprocess.run([NGINX, "-t", "-p", str(prefix), "-c", str(conf),
                            "-e", str(prefix / "logs" / "error.log")],
                           capture_output=True, text=True, timeout=30, check=False)
    assert check.returncode == 0, check.stderr


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


@contextmanager
def nginx(folder: Path, ports: list[int]) -> Iterator[str]:
    """nginx in front of `ports` on a free loopback port; stopped on leaving, even on failure."""
    for sub in ("logs", "temp"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    as_shipped = folder / "shipped.conf"  # the site file unchanged must be valid nginx
    as_shipped.write_text(main_conf(folder, SITE))
    nginx_test(folder, as_shipped)
    for _attempt in range(3):
        port = free_port()
        (folder / "proctor.conf").write_text(render_site(ports, port))
        conf = folder / "nginx.conf"
        conf.write_text(main_conf(folder, folder / "proctor.conf"))
        nginx_test(folder, conf)
        with open(folder / "logs" / "stderr.log", "ab") as log:
            process = subprocess.Popen([NGINX, "-p", str(folder), "-c", str(conf),
                                        "-e", str(folder / "logs" / "error.log")],
                                       stdout=log, stderr=subprocess.STDOUT,
                                       stdin=subprocess.DEVNULL, start_new_session=True)
        try:
            deadline = time.monotonic() + 10
            while process.poll() is None and not _listening(port):
                assert time.monotonic() < deadline, "nginx did not start"
                time.sleep(0.05)
            if process.poll() is None:
                yield f"http://127.0.0.1:{port}"
                return
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)  # fast shutdown, workers included
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait(timeout=10)
    raise RuntimeError((folder / "logs" / "error.log").read_text()[-2000:])


# --- the tablet's live protocol (proctor/static/js/live.js), once --------------------------------

class Tablet:
    """A chief examiner's screen: sees every event of the sitting, so its seqs are contiguous.
    Signs in with a bearer token, or (token None, `login` first) with the session cookie."""

    def __init__(self, name: str, sitting_id: int, token: str | None,
                 transports: tuple[str, ...] = ("websocket",)) -> None:
        self.name, self.sitting_id, self.token = name, sitting_id, token
        self.transports = list(transports)
        self.last_seq = 0
        self.seen: set[int] = set()
        self.applied: list[int] = []  # in the order applied
        self.live: list[int] = []  # seqs as they arrived live
        self.held: list[dict[str, Any]] | None = None  # live events during a catch-up
        self.repeats = 0  # events that arrived again (live and in a catch-up) and were dropped
        self.upstreams: list[str] = []  # X-Upstream of each handshake nginx answered
        self.catch_ups: list[tuple[int, int, int]] = []  # (after_seq, answer's events, held)
        self.errors: list[str] = []
        self.connects = 0
        self.synced = asyncio.Event()
        trace = aiohttp.TraceConfig()
        trace.on_request_end.append(self._answered)
        self.http = aiohttp.ClientSession(trace_configs=[trace],
                                          cookie_jar=aiohttp.CookieJar(unsafe=True))
        # socket.io-client's (the tablet's) reconnection: after 0.5–1.5 s, then doubling to 5 s.
        self.sio = socketio.AsyncClient(reconnection=True, reconnection_delay=1.0,
                                        randomization_factor=0.5, reconnection_delay_max=5.0,
                                        http_session=self.http, handle_sigint=False)
        self.sio.on("connect", self._on_connect)
        self.sio.on("disconnect", self._on_disconnect)
        self.sio.on("*", self._on_event)

    @property
    def process(self) -> str:
        """host:port of the process holding the socket now."""
        return _answered_by(self.upstreams[-1]) if self.upstreams else ""

    async def _answered(self, _session: Any, _context: Any,
                        params: aiohttp.TraceRequestEndParams) -> None:
        if params.url.path.startswith("/socket.io/") and "X-Upstream" in params.response.headers:
            self.upstreams.append(params.response.headers["X-Upstream"])

    async def login(self, url: str, username: str) -> None:
        async with self.http.post(f"{url}/api/v1/auth/login",
                                  json={"username": username, "password": PASSWORD}) as answer:
            assert answer.status == 200, await answer.text()
        assert any(c.key == "proctor_session" for c in self.http.cookie_jar)

    async def connect(self, url: str) -> None:
        await self.sio.connect(url, transports=self.transports, wait_timeout=TIMEOUT,
                               auth={"token": self.token} if self.token else None)

    async def _on_connect(self) -> None:
        self.held = []  # the socket is in its channels: hold what comes until the answer
        self.synced.clear()
        self.connects += 1
        asyncio.get_running_loop().create_task(self._catch_up(self.connects))

    async def _catch_up(self, connect: int) -> None:
        await asyncio.sleep(CATCH_UP_DELAY)
        if connect != self.connects or self.held is None:
            return  # gone (and maybe back) meanwhile: that connect asks for itself
        after = self.last_seq
        await self.sio.emit("catch_up", {"sitting_id": self.sitting_id, "after_seq": after},
                            callback=lambda answer: self._caught_up(after, answer))

    def _caught_up(self, after: int, answer: Any) -> None:
        arrived, self.held = self.held or [], None
        missed = answer.get("events") if isinstance(answer, dict) else None
        if missed is None:
            self.errors.append(f"catch_up after {after}: {answer!r}")
            missed = []
        self.catch_ups.append((after, len(missed), len(arrived)))
        for payload in sorted([*missed, *arrived], key=lambda p: p["seq"]):
            self._apply(payload)
        self.synced.set()

    async def _on_disconnect(self, *_reason: Any) -> None:
        self.held = None  # the next connect's catch-up asks again from last_seq
        self.synced.clear()

    async def _on_event(self, name: str, payload: Any = None) -> None:
        if name == "session_ended" or not isinstance(payload, dict):
            return
        self.live.append(payload["seq"])
        if self.held is not None:
            self.held.append(payload)
        else:
            self._apply(payload)

    def _apply(self, payload: dict[str, Any]) -> None:
        if payload.get("sitting_id") != self.sitting_id:
            return
        seq = int(payload["seq"])
        if seq in self.seen:
            self.repeats += 1
            return
        self.seen.add(seq)
        self.applied.append(seq)
        self.last_seq = max(self.last_seq, seq)

    async def close(self) -> None:
        """Disconnect, or stop reconnecting."""
        try:
            await asyncio.wait_for(self.sio.shutdown(), 5)
        finally:
            await self.http.close()


# --- helpers -------------------------------------------------------------------------------------

def _bearer(app: Flask, username: str) -> str:
    from proctor.extensions import db
    from proctor.models import User
    from proctor.services.accounts import create_api_token

    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.username == username))
        token = create_api_token(user)
        db.session.commit()
        return token


def _event_seqs(app: Flask, sitting_id: int) -> list[int]:
    from proctor.extensions import db
    from proctor.models import LiveEvent

    with app.app_context():
        seqs = list(db.session.scalars(db.select(LiveEvent.seq).where(
            LiveEvent.sitting_id == sitting_id).order_by(LiveEvent.seq)))
        db.session.rollback()
        return seqs


def _address(server: LiveServer) -> str:
    return f"127.0.0.1:{server.port}"


def _answered_by(upstream: str) -> str:
    """The process that answered, from $upstream_addr ("a, b" after a retry: b answered)."""
    return upstream.split(",")[-1].strip()


async def _until(predicate: Any, what: str, timeout: float = TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting until {what}"
        await asyncio.sleep(0.05)


def _runs(items: list[str]) -> list[tuple[str, int]]:
    """["a", "a", "b"] -> [("a", 2), ("b", 1)]."""
    runs: list[tuple[str, int]] = []
    for item in items:
        if runs and runs[-1][0] == item:
            runs[-1] = (item, runs[-1][1] + 1)
        else:
            runs.append((item, 1))
    return runs


def _tracebacks(log: str) -> list[str]:
    """Tracebacks in a server log (a wrong password, in (c), is an answer, not one of them)."""
    return [block.split("\n\n", 1)[0] for block in log.split("Traceback (most recent")[1:]]


def _warning(sitting_id: int, tickets: list[str], index: int) -> tuple[str, dict[str, Any]]:
    return f"/api/v1/sittings/{sitting_id}/warnings", {
        "client_id": f"nginx-{index}-{uuid.uuid4().hex[:12]}",
        "ticket_no": tickets[index % len(tickets)], "subject": "theory",
        "rule_code": f"T1.{index % 3 + 1}", "observed_at": datetime.now(UTC).isoformat(),
        "note": f"write {index}"}


# --- the parts -----------------------------------------------------------------------------------

def check_shared_login_limit(servers: list[LiveServer], username: str) -> None:
    """(c) "5 per minute" per account: five failures spread over A, B, C, A, B; then every
    process answers 429, the right password included."""
    for server in [*servers, *servers][:5]:
        wrong = requests.post(f"{server.url}/api/v1/auth/login",
                              json={"username": username, "password": "wrong"}, timeout=TIMEOUT)
        assert wrong.status_code == 401, (server.url, wrong.text)
    for server in [servers[2], servers[0], servers[1]]:
        locked = requests.post(f"{server.url}/api/v1/auth/login",
                               json={"username": username, "password": PASSWORD},
                               timeout=TIMEOUT)
        assert locked.status_code == 429, (server.url, locked.status_code, locked.text)
        assert locked.json()["error"]["code"] == "rate_limited"


def check_client_address(app: Flask, proxy: str) -> None:
    """Through nginx from 127.0.0.2 with a forged X-Forwarded-For: the session records
    127.0.0.2 (nginx's entry), neither nginx's 127.0.0.1 nor the forged address."""
    from proctor.extensions import db
    from proctor.models import User, UserSession

    port = int(proxy.rsplit(":", 1)[1])
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT,
                                      source_address=("127.0.0.2", 0))
    try:
        conn.request("POST", "/api/v1/auth/login",
                     json.dumps({"username": "inv1", "password": PASSWORD}),
                     {"Content-Type": "application/json", "X-Forwarded-For": "203.0.113.7"})
        answer = conn.getresponse()
        assert answer.status == 200, answer.read()
    finally:
        conn.close()
    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.username == "inv1"))
        addresses = list(db.session.scalars(db.select(UserSession.remote_addr)
                                            .where(UserSession.user_id == user.id)))
    assert addresses == ["127.0.0.2"], addresses


async def check_live(app: Flask, proxy: str, servers: list[LiveServer], sitting: dict[str, Any],
                     watch_token: str, write_token: str) -> dict[str, Any]:
    sid, tickets = sitting["id"], sitting["tickets"]
    victim, survivors = servers[0], servers[1:]
    tablets: list[Tablet] = []
    headers = {"Authorization": f"Bearer {write_token}"}
    writer = aiohttp.ClientSession(headers=headers, timeout=aiohttp.ClientTimeout(total=TIMEOUT))
    try:
        # Sockets through nginx until every process holds two.
        wanted = {_address(server) for server in servers}
        while len(tablets) < 12:
            held = [t.process for t in tablets]
            if all(held.count(address) >= 2 for address in wanted):
                break
            tablet = Tablet(f"t{len(tablets)}", sid, watch_token)
            tablets.append(tablet)
            await tablet.connect(proxy)
            assert tablet.process in wanted, tablet.upstreams
        held = [t.process for t in tablets]
        assert all(held.count(address) >= 2 for address in wanted), held
        # The fallbacks, signed in with the session cookie through nginx: long-polling only
        # (every request of its Engine.IO session must reach one process), and polling that
        # upgrades to WebSocket (the upgrade carries the sid and must reach the same process).
        for name, transports in (("polling", ("polling",)),
                                 ("upgraded", ("polling", "websocket"))):
            tablet = Tablet(name, sid, None, transports)
            tablets.append(tablet)
            await tablet.login(proxy, "chief")
            await tablet.connect(proxy)
        await _until(lambda: all(t.synced.is_set() for t in tablets), "the first catch-ups")

        # (a) A write sent straight to A reaches, live, the sockets on B and on C.
        async with writer.post(
                f"{victim.url}/api/v1/sittings/{sid}/candidates/{tickets[0]}/attendance",
                json={"status": "present", "id_checked": True}) as answer:
            assert answer.status == 200, await answer.text()
        seq_a = _event_seqs(app, sid)[-1]
        await _until(lambda: all(seq_a in t.seen for t in tablets), f"seq {seq_a} everywhere")
        for tablet in tablets:
            assert seq_a in tablet.live, (tablet.name, tablet.process, tablet.live)

        # (b) A writer goes on, one write after another (straight to B and C in turn), before
        # A is killed with its sockets, while they find another process, and after.
        on_victim = [t for t in tablets if t.process == _address(victim)]
        others = [t for t in tablets if t not in on_victim]
        statuses: list[int] = []

        async def write() -> None:
            path, body = _warning(sid, tickets, len(statuses))
            async with writer.post(survivors[len(statuses) % 2].url + path, json=body) as answer:
                statuses.append(answer.status)
            await asyncio.sleep(0.02)

        def back() -> bool:
            return all(t.synced.is_set() and t.process != _address(victim) for t in on_victim)

        for _ in range(WRITES_BEFORE):
            await write()
        before = {t.name: list(t.upstreams) for t in tablets}
        victim.kill()
        killed_at = time.monotonic()
        while not back():
            assert time.monotonic() < killed_at + TIMEOUT, "the sockets of A did not come back"
            await write()
        back_after, written_meanwhile = time.monotonic() - killed_at, len(statuses)
        for _ in range(WRITES_AFTER):
            await write()
        assert statuses == [201] * len(statuses), statuses

        expected = _event_seqs(app, sid)
        assert expected == list(range(1, len(expected) + 1)), expected  # seq: one per event
        await _until(lambda: all(t.synced.is_set() and t.last_seq == expected[-1]
                                 for t in tablets), "every tablet has the last event")
        for tablet in tablets:
            assert not tablet.errors, (tablet.name, tablet.errors)
            assert sorted(tablet.applied) == expected, (tablet.name, tablet.applied)
            assert len(tablet.applied) == len(set(tablet.applied)), tablet.applied
            # Sequential writes arrive in seq order, across processes and through Redis.
            assert tablet.applied == expected, (tablet.name, "out of order", tablet.applied)
        for tablet in tablets:  # until the kill, every request of a socket reached one process
            assert len({_answered_by(u) for u in before[tablet.name]}) == 1, (
                tablet.name, before[tablet.name])
        for tablet in on_victim:  # back through nginx, on another process
            after = tablet.upstreams[len(before[tablet.name]):]
            assert after and _address(victim) not in {_answered_by(u) for u in after}, (
                tablet.name, tablet.upstreams)
            assert len(tablet.catch_ups) >= 2, (tablet.name, tablet.catch_ups)
        for tablet in others:  # undisturbed: the same process, no second connect
            assert {_answered_by(u) for u in tablet.upstreams} == {tablet.process}, (
                tablet.name, tablet.upstreams)
            assert len(tablet.catch_ups) == 1, (tablet.name, tablet.catch_ups)
        return {"tablets": {t.name: {"transports": t.transports,
                                     "processes": _runs([_answered_by(u) for u in t.upstreams]),
                                     "retried": [u for u in t.upstreams if "," in u],
                                     "catch_ups": t.catch_ups, "repeats": t.repeats}
                            for t in tablets},
                "events": len(expected), "writes": len(statuses), "victim": _address(victim),
                "back_after_s": round(back_after, 2),
                "writes_before_back": written_meanwhile - WRITES_BEFORE}
    finally:
        await writer.close()
        await asyncio.gather(*(tablet.close() for tablet in tablets), return_exceptions=True)


def test_nginx_in_front_of_three_processes(app: Flask, database_url: str, make_sitting: Any,
                                           make_user: Any, tmp_path: Path) -> None:
    if not os.path.exists(NGINX):
        if os.environ.get("CI"):
            pytest.fail("nginx is missing: .ci/run installs Debian's nginx")
        pytest.skip("nginx is not installed (apt-get install nginx)")
    import redis

    redis.Redis.from_url(str(REDIS_URL)).ping()  # an unreachable Redis fails the test
    sitting = make_sitting(candidates=6)
    watch_token, write_token = _bearer(app, "chief"), _bearer(app, "chief")
    limited = f"limit{uuid.uuid4().hex[:8]}"  # a name of this run's own in the shared Redis
    make_user(limited, "invigilator")
    env = {"PROCTOR_MESSAGE_QUEUE": str(REDIS_URL),
           # Redis delivers a publication to every subscriber, whatever its database number:
           # a channel of its own keeps runs side by side apart.
           "PROCTOR_MESSAGE_QUEUE_CHANNEL": f"proctor-test-{uuid.uuid4().hex}",
           "PROCTOR_LOGIN_LIMIT_PER_ACCOUNT": "5 per minute",
           "PROCTOR_TRUSTED_PROXIES": "1", "PROCTOR_DATA_DIR": str(tmp_path / "shared-data")}
    with live_servers(database_url, tmp_path / "app", 3, extra_env=env) as servers, \
            nginx(tmp_path / "nginx", [server.port for server in servers]) as proxy:
        assert requests.get(proxy + "/healthz", timeout=TIMEOUT).status_code == 200
        check_shared_login_limit(servers, limited)
        check_client_address(app, proxy)
        report = asyncio.run(check_live(app, proxy, servers, sitting, watch_token, write_token))
        print(json.dumps(report, indent=1))
        for server in servers[1:]:
            assert not _tracebacks(server.log()), _tracebacks(server.log())
