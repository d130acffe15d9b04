"""Slow blocking work on the real server (`python run.py`, gevent) does not hold up other tablets.

A camera that accepts a connection and never sends a frame keeps its request waiting for the
whole camera timeout; big photos keep OpenCV decoding for a good part of a second each. Under
gevent every connection is a greenlet on one thread, so either would stop the venue if run on
that thread or while holding the database's write lock. Here another tablet checks candidates in
meanwhile, and its check-ins must come back quickly, one after the other, inside that window.
And psycopg, on PostgreSQL, waits for the server cooperatively under gevent's patches.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import cv2
import numpy as np
import pytest
import requests
from helpers import cid, now_iso
from serverutil import ROOT, live_server


def _token(app: Any, username: str) -> str:
    from proctor.extensions import db
    from proctor.services.accounts import create_api_token, find_user

    with app.app_context():
        token = create_api_token(find_user(username))
        db.session.commit()
        return token


@contextmanager
def silent_camera() -> Iterator[str]:
    """A 'camera' on loopback that accepts connections and never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except TimeoutError:
                continue
            except OSError:
                return

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/video.mjpg"
    finally:
        stop.set()
        thread.join(2)
        for conn in held:
            conn.close()
        listener.close()


def _big_jpeg(side: int = 7000) -> bytes:
    """A smooth 49-megapixel JPEG (about 1 MB, a good part of a second to decode)."""
    ramp = np.linspace(0, 255, side, dtype=np.float32).astype(np.uint8)
    image = np.empty((side, side, 3), np.uint8)
    image[:, :, 0], image[:, :, 1], image[:, :, 2] = ramp[None, :], ramp[:, None], 128
    ok, buffer = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 90])
    assert ok
    return buffer.tobytes()


class CheckIns:
    """Another tablet checking candidates in, over and over, timing each answer."""

    def __init__(self, url: str, token: str, sid: int, tickets: list[str]) -> None:
        self.http = requests.Session()
        self.http.headers["Authorization"] = f"Bearer {token}"
        self.url, self.sid, self.tickets = url, sid, tickets
        self.done: list[tuple[float, float, int]] = []  # (started, finished, status)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        index = 0
        while not self.stop.is_set():
            ticket = self.tickets[index % len(self.tickets)]
            status = ("present", "late")[index % 2]
            started = time.monotonic()
            answer = self.http.post(
                f"{self.url}/api/v1/sittings/{self.sid}/candidates/{ticket}/attendance",
                json={"status": status, "id_checked": True, "subject": "theory"}, timeout=30)
            self.done.append((started, time.monotonic(), answer.status_code))
            index += 1

    def within(self, start: float, end: float) -> list[float]:
        return [finished - started for started, finished, _ in self.done
                if started >= start and finished <= end]

    def __enter__(self) -> CheckIns:
        self.thread.start()
        time.sleep(0.3)  # warm: the first answers are not the measure
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop.set()
        self.thread.join(30)
        assert all(status == 200 for _, _, status in self.done), self.done


def _incident(url: str, token: str, sid: int, ticket: str) -> int:
    answer = requests.post(f"{url}/api/v1/sittings/{sid}/incidents", timeout=30,
                           headers={"Authorization": f"Bearer {token}"}, json={
                               "client_id": cid(), "rule_code": "T2.1", "subject": "theory",
                               "observed_at": now_iso(), "description": "phone in use",
                               "parties": [{"ticket_no": ticket}]})
    assert answer.status_code == 201, answer.text
    return int(answer.json()["id"])


def test_a_stalled_camera_and_big_decodes_do_not_delay_another_tablet(
        app, backend, database_url, make_sitting, tmp_path):
    if backend != "sqlite":
        pytest.skip("one process: the embedded database is enough (and the strictest case)")
    s = make_sitting()
    room_a_tickets = s["tickets"][0::2]
    chief, inv1 = _token(app, "chief"), _token(app, "inv1")
    with silent_camera() as camera_url:
        with app.app_context():
            from proctor.extensions import db
            from proctor.models import Room

            db.session.get(Room, s["rooms"][0]).camera_source = camera_url
            db.session.commit()
        env = {"PROCTOR_CAMERA_TIMEOUT_SECONDS": "3"}
        with live_server(database_url, tmp_path / "server", extra_env=env) as server:
            iid = _incident(server.url, chief, s["id"], room_a_tickets[0])
            auth = {"Authorization": f"Bearer {chief}"}
            with CheckIns(server.url, inv1, s["id"], room_a_tickets[1:]) as tablet:
                # 1. The camera never answers: its request waits the whole timeout.
                started = time.monotonic()
                answer = requests.post(f"{server.url}/api/v1/incidents/{iid}/evidence/camera",
                                       headers=auth, json={"client_id": cid()}, timeout=30)
                ended = time.monotonic()
                assert answer.status_code == 503, answer.text
                assert answer.json()["error"]["code"] == "camera_unavailable"
                assert ended - started >= 2.0, ended - started
                waited = tablet.within(started, ended)
                assert len(waited) >= 5, (ended - started, waited)
                assert max(waited) < 1.0, waited

                # 2. Four 49-megapixel photos at once.
                photo = _big_jpeg()
                results: list[int] = []

                def upload() -> None:
                    response = requests.post(
                        f"{server.url}/api/v1/incidents/{iid}/evidence", headers=auth,
                        data={"client_id": cid()}, timeout=60,
                        files={"file": ("big.jpg", photo, "image/jpeg")})
                    results.append(response.status_code)

                uploads = [threading.Thread(target=upload) for _ in range(4)]
                started = time.monotonic()
                for thread in uploads:
                    thread.start()
                for thread in uploads:
                    thread.join(60)
                ended = time.monotonic()
                assert results == [201] * 4, results
                during = tablet.within(started, ended)
                assert len(during) >= 3, (ended - started, during)
                # Were the decodes on the server's one thread, a check-in sent meanwhile would
                # wait for them: here each is answered in well under half the window.
                assert max(during) < (ended - started) / 2, (ended - started, during)
            log = server.log()
    assert "Traceback" not in log, log[-3000:]


def test_psycopg_waits_cooperatively_under_gevent(backend, database_url):
    """A slow PostgreSQL query in one greenlet lets the others run (psycopg's wait functions
    use gevent's patched select): the ticker keeps ticking through a 1 s pg_sleep."""
    if backend != "postgresql":
        pytest.skip("psycopg is the PostgreSQL driver")
    url = database_url.replace("postgresql+psycopg://", "postgresql://")
    script = textwrap.dedent(f"""
        from gevent import monkey
        monkey.patch_all()
        import gevent, time, psycopg
        ticks = []
        def ticker():
            for _ in range(40):
                ticks.append(time.monotonic())
                gevent.sleep(0.02)
        def slow():
            with psycopg.connect({url!r}) as conn:
                conn.execute("SELECT pg_sleep(1)")
        started = time.monotonic()
        gevent.joinall([gevent.spawn(slow), gevent.spawn(ticker)])
        inside = [t for t in ticks if started + 0.2 < t < started + 0.9]
        print(len(inside))
    """)
    run = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                         text=True, timeout=60, check=False)
    assert run.returncode == 0, run.stderr
    assert int(run.stdout.strip().splitlines()[-1]) >= 15, run.stdout
