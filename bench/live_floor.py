"""The floor for bench/live.py: a bare python-socketio server in the app's own mode.

`python -m bench.live_floor --port P --db FILE` serves, with gunicorn's gevent worker (as
`python run.py` does), Socket.IO plus one HTTP route: POST /write `{room_id, ticket_no, status}`
makes one durable SQLite insert (WAL, the app's pragmas: synchronous NORMAL, busy timeout) and
emits `attendance_recorded` to the room's channel and the sitting's. Sockets say where they
belong on connect: `auth: {room_id}` or `auth: {chief: true}`. Nothing else: no auth, no audit,
no ORM, no validation — what any server must at least do to carry a tablet's write to the room.
"""

from __future__ import annotations

import sys

if __name__ == "__main__":
    from gevent import monkey

    monkey.patch_all()

import argparse  # noqa: E402
import json  # noqa: E402
import sqlite3  # noqa: E402
import time  # noqa: E402
from typing import Any  # noqa: E402

import socketio  # noqa: E402
from gunicorn.app.base import BaseApplication  # noqa: E402

SCHEMA = ("CREATE TABLE IF NOT EXISTS attendance_log (id INTEGER PRIMARY KEY, room_id INTEGER,"
          " ticket_no TEXT, status TEXT, at REAL)")


def build(db_path: str) -> Any:
    sio = socketio.Server(async_mode="gevent", cors_allowed_origins=None)
    connection = sqlite3.connect(db_path, isolation_level=None, check_same_thread=False)
    for pragma in ("journal_mode = WAL", "synchronous = NORMAL", "busy_timeout = 15000",
                   "foreign_keys = ON"):
        connection.execute(f"PRAGMA {pragma}")
    connection.execute(SCHEMA)

    @sio.event
    def connect(sid: str, environ: dict[str, Any], auth: dict[str, Any] | None) -> bool:
        auth = auth or {}
        sio.enter_room(sid, "sitting" if auth.get("chief") else f"room:{auth.get('room_id')}")
        return True

    def write(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        size = int(environ.get("CONTENT_LENGTH") or 0)
        body = json.loads(environ["wsgi.input"].read(size))
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("INSERT INTO attendance_log (room_id, ticket_no, status, at) "
                           "VALUES (?, ?, ?, ?)",
                           (body["room_id"], body["ticket_no"], body["status"], time.time()))
        connection.execute("COMMIT")
        payload = {"type": "attendance_recorded", "room_id": body["room_id"],
                   "data": {"ticket_no": body["ticket_no"], "status": body["status"]}}
        sio.emit("attendance_recorded", payload, to=[f"room:{body['room_id']}", "sitting"])
        start_response("200 OK", [("Content-Type", "application/json")])
        return [b'{"ok": true}']

    def http(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        # As the app does at the end of each request: let the other connections have a turn.
        sio.sleep(0)
        if environ["PATH_INFO"] == "/write" and environ["REQUEST_METHOD"] == "POST":
            return write(environ, start_response)
        start_response("200 OK", [("Content-Type", "application/json")])
        return [b'{"status": "ok"}']

    return socketio.WSGIApp(sio, http)


class Server(BaseApplication):  # type: ignore[misc]
    def __init__(self, db_path: str, options: dict[str, object]) -> None:
        self.db_path, self.options = db_path, options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        return build(self.db_path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--db", required=True)
    args = parser.parse_args()
    Server(args.db, {"bind": f"127.0.0.1:{args.port}", "workers": 1, "worker_class": "gevent",
                     "worker_connections": 10000, "backlog": 2048, "accesslog": None,
                     "errorlog": "-", "loglevel": "warning",
                     "control_socket_disable": True}).run()


if __name__ == "__main__":
    sys.exit(main())
