"""The real server under concurrent writes: eight tablets at once, every write replayed.

`python run.py` (gunicorn, threaded worker) serves the test's database: a fresh migrated SQLite
file, or PostgreSQL when PROCTOR_TEST_DATABASE_URL is set. Eight threads, each logged in as an
invigilator or chief examiner of the right room, post reminders and incidents with their own
client_ids, send each of them a second time later (an outbox replay), and, in pairs, send shared
writes at the same moment from two threads. Every write must land exactly once, replays must
answer 200 with the record the first 201 made, nothing may be a 5xx or "database is locked", and
the audit chain must verify.
"""

from __future__ import annotations

import threading
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import requests
from flask import Flask
from helpers import PASSWORD
from serverutil import live_server

THREADS = 8
OWN_WRITES = 12  # per thread: half reminders, half incidents, each sent twice by that thread
SHARED_WRITES = 8  # per pair of threads: sent by both threads at the same moment
TIMEOUT = 30
# (username, rooms it writes in); threads 2k and 2k+1 share a room and race on shared writes.
TABLETS = [("inv1", "A"), ("inv2", "A"), ("inv1", "A"), ("chief", "A"),
           ("inv3", "B"), ("inv3", "B"), ("chief", "B"), ("chief", "B")]


@dataclass
class Write:
    kind: str  # "warning" or "incident"
    url: str
    payload: dict[str, Any]

    @property
    def client_id(self) -> str:
        return str(self.payload["client_id"])


@dataclass
class Outcome:
    client_id: str
    kind: str
    status: int
    record_id: int | None
    body: str
    thread: int


@dataclass
class Results:
    outcomes: list[Outcome] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, outcome: Outcome) -> None:
        with self.lock:
            self.outcomes.append(outcome)


def _writes(sid: int, tickets: list[str], count: int, tag: str) -> list[Write]:
    now = datetime.now(UTC).isoformat()
    writes = []
    for index in range(count):
        ticket = tickets[index % len(tickets)]
        client_id = f"{tag}-{index}-{uuid.uuid4().hex[:12]}"
        if index % 2 == 0:
            writes.append(Write("warning", f"/api/v1/sittings/{sid}/warnings", {
                "client_id": client_id, "ticket_no": ticket, "subject": "theory",
                "rule_code": f"T1.{index % 3 + 1}", "observed_at": now,
                "note": f"{tag} {index}"}))
        else:
            writes.append(Write("incident", f"/api/v1/sittings/{sid}/incidents", {
                "client_id": client_id, "rule_code": "T2.5", "subject": "theory",
                "observed_at": now, "description": f"{tag} {index}",
                "parties": [{"ticket_no": ticket}]}))
    return writes


def _login(base: str, username: str) -> requests.Session:
    session = requests.Session()
    response = session.post(base + "/api/v1/auth/login",
                            json={"username": username, "password": PASSWORD}, timeout=TIMEOUT)
    assert response.status_code == 200, response.text
    session.headers["X-CSRFToken"] = response.json()["csrf_token"]
    return session


def _send(session: requests.Session, base: str, write: Write, thread: int,
          results: Results) -> None:
    try:
        response = session.post(base + write.url, json=write.payload, timeout=TIMEOUT)
    except requests.RequestException as exc:
        results.errors.append(f"thread {thread} {write.client_id}: {exc!r}")
        return
    record_id = None
    if response.headers.get("Content-Type", "").startswith("application/json"):
        record_id = response.json().get("id")
    results.add(Outcome(write.client_id, write.kind, response.status_code, record_id,
                        response.text[:500], thread))


def _tablet(base: str, thread: int, username: str, own: list[Write], shared: list[Write],
            barrier: threading.Barrier, start: threading.Barrier, results: Results) -> None:
    try:
        session = _login(base, username)
        start.wait(timeout=TIMEOUT)
        for index, write in enumerate(own):
            _send(session, base, write, thread, results)
            if index < len(shared):  # the same write as the partner thread, at the same time
                barrier.wait(timeout=TIMEOUT)
                _send(session, base, shared[index], thread, results)
        for write in own:  # the outbox replays everything once the tablet is back online
            _send(session, base, write, thread, results)
    except Exception as exc:  # reported by the main thread; a thread must never hang it
        results.errors.append(f"thread {thread} ({username}): {exc!r}")
        barrier.abort()
        start.abort()


def _count_rows(app: Flask, client_ids: set[str]) -> dict[str, dict[str, int]]:
    from proctor.extensions import db
    from proctor.models import CandidateWarning, Incident

    counts: dict[str, dict[str, int]] = {}
    with app.app_context():
        for kind, model in (("warning", CandidateWarning), ("incident", Incident)):
            rows = db.session.execute(db.select(model.client_id, db.func.count())
                                      .group_by(model.client_id)).all()
            counts[kind] = {str(cid): int(n) for cid, n in rows if cid in client_ids}
            counts[kind + "_total"] = {"": int(db.session.scalar(
                db.select(db.func.count()).select_from(model)) or 0)}
    return counts


def _bearer(app: Flask, username: str) -> str:
    from proctor.extensions import db
    from proctor.models import User
    from proctor.services.accounts import create_api_token

    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.username == username))
        token = create_api_token(user)
        db.session.commit()
        return token


def test_concurrent_writes_land_exactly_once(app: Flask, database_url: str, tmp_path: Path,
                                             make_sitting: Callable[..., dict[str, Any]]
                                             ) -> None:
    sitting = make_sitting(candidates=12)
    sid, tickets = sitting["id"], sitting["tickets"]
    rooms = {"A": tickets[0::2], "B": tickets[1::2]}
    token = _bearer(app, "body")
    own = [_writes(sid, rooms[room], OWN_WRITES, f"t{i}") for i, (_, room) in enumerate(TABLETS)]
    shared = [_writes(sid, rooms[TABLETS[2 * pair][1]], SHARED_WRITES, f"pair{pair}")
              for pair in range(THREADS // 2)]
    results = Results()
    start = threading.Barrier(THREADS)
    barriers = [threading.Barrier(2) for _ in range(THREADS // 2)]

    with live_server(database_url, tmp_path / "server") as server:
        threads = [threading.Thread(
            target=_tablet, name=f"tablet-{i}", daemon=True,
            args=(server.url, i, username, own[i], shared[i // 2], barriers[i // 2], start,
                  results)) for i, (username, _) in enumerate(TABLETS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert not any(thread.is_alive() for thread in threads), "a tablet thread hung"
        verify = requests.get(server.url + "/api/v1/audit/verify", timeout=TIMEOUT,
                              headers={"Authorization": f"Bearer {token}"})
        log = server.log()

    assert not results.errors, results.errors
    assert "database is locked" not in log, log[-4000:]
    assert "Traceback" not in log, log[-4000:]
    server_errors = [o for o in results.outcomes if o.status >= 500]
    assert not server_errors, server_errors[:5]
    assert not any("database is locked" in o.body for o in results.outcomes)

    by_client: dict[str, list[Outcome]] = defaultdict(list)
    for outcome in results.outcomes:
        by_client[outcome.client_id].append(outcome)
    expected = {w.client_id: w.kind for writes in own + shared for w in writes}
    assert set(by_client) == set(expected)
    for client_id, outcomes in by_client.items():
        statuses = sorted(o.status for o in outcomes)
        assert statuses == [200, 201], (client_id, [(o.status, o.body) for o in outcomes])
        assert len({o.record_id for o in outcomes}) == 1, (client_id, outcomes)
        assert outcomes[0].record_id is not None

    counts = _count_rows(app, set(expected))
    for kind in ("warning", "incident"):
        wanted = {cid for cid, k in expected.items() if k == kind}
        assert counts[kind] == dict.fromkeys(wanted, 1), kind
        assert counts[kind + "_total"][""] == len(wanted), kind

    assert verify.status_code == 200, verify.text
    report = verify.json()
    assert report["ok"] is True, report
    assert report["entries"] >= len(expected)


@pytest.fixture(autouse=True)
def _requests_only_to_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    """Belt and braces: this test talks to 127.0.0.1 only."""
    original = requests.Session.request

    def request(self: requests.Session, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        assert url.startswith("http://127.0.0.1:"), url
        return original(self, method, url, *args, **kwargs)

    monkeypatch.setattr(requests.Session, "request", request)
