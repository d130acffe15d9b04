"""Live updates under a venue's load: `python -m bench.live [--tablets 100,1000] [--seconds 30]`.

For each size N: a sitting of N/2 rooms with two invigilators' tablets each and a chief's board,
N+1 Socket.IO connections (WebSocket) held by one client process; tablets check candidates in
at a steady rate (20 writes/s by default, open loop: each write leaves on time whatever the
answers do). Measured: the time from a check-in's POST leaving a tablet to its
`attendance_recorded` event at the room's other tablet and at the chief's board (p50/p95/p99),
the events that never came, and the server's CPU per write.

The floor, in the same run and the same way: a bare python-socketio server in the same mode
(gunicorn's gevent worker) whose POST handler makes one durable SQLite insert (WAL, the app's
pragmas) and emits to the room (bench/live_floor.py). Target: the app's p99 at most 2× the
floor's at 1 000 tablets. Then 1 000 tablets at 60 writes/s (`--peak-rate`): does one process
keep up (every event delivered, p99 under 1 s)? Exit 1 when a target is missed.

The app's database is built with its own migrations and services in a temporary folder and
served with `python run.py --no-access-log`; tablets authenticate with bearer tokens.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import server

TICKETS_PER_ROOM = 4
TARGET_RATIO = 2.0


# -- the app's database ------------------------------------------------------------------------

def build_app_data(folder: Path, rooms: int) -> dict[str, Any]:
    """A migrated SQLite database with one sitting of `rooms` rooms, two invigilators each, a
    chief, TICKETS_PER_ROOM seated candidates per room, and a bearer token per account."""
    os.environ["PROCTOR_DATA_DIR"] = str(folder)
    from datetime import UTC, datetime, timedelta

    from flask_migrate import upgrade

    from proctor import MIGRATIONS_DIR, create_app
    from proctor.extensions import db
    from proctor.idnumber import make_id_number
    from proctor.models import User
    from proctor.services import sittings
    from proctor.services.accounts import create_api_token, hash_password
    from proctor.services.floor import set_seat
    from proctor.services.people import register_candidate

    app = create_app({"DATA_DIR": str(folder)})
    with app.app_context():
        upgrade(directory=MIGRATIONS_DIR)
        now = datetime.now(UTC).astimezone(sittings.venue_zone())
        start, end = now - timedelta(hours=1), now + timedelta(hours=2)
        day = start.date() if start.date() == end.date() else now.date()
        if start.date() != end.date():  # near midnight: the whole venue day
            start, end = now.replace(hour=0, minute=1), now.replace(hour=23, minute=59)
        sitting = sittings.create_sitting("人工智能训练师", 4, day, [
            ("theory", "理论知识", start.timetz().replace(tzinfo=None),
             end.timetz().replace(tzinfo=None))])
        password = hash_password("benchmark password 1")
        chief = User(username="chief", role="chief", display_name="主考", password_hash=password)
        db.session.add(chief)
        db.session.flush()
        sittings.assign_staff(sitting, "chief", "chief", None)
        plan: dict[str, Any] = {"sitting_id": sitting.id, "chief": create_api_token(chief),
                                "rooms": []}
        body = chief
        for index in range(rooms):
            room = sittings.add_room(sitting, f"第{index + 1}考场", 5, 6, None)
            tokens = []
            for k in (1, 2):
                user = User(username=f"inv{index + 1}-{k}", role="invigilator",
                            display_name=f"监考{index + 1}-{k}", password_hash=password)
                db.session.add(user)
                db.session.flush()
                sittings.assign_staff(sitting, user.username, "invigilator", room.id)
                tokens.append(create_api_token(user))
            tickets = []
            for seat in range(1, TICKETS_PER_ROOM + 1):
                number = index * TICKETS_PER_ROOM + seat
                ticket = f"B{number:06d}"
                candidate, _ = register_candidate(
                    sitting, ticket, f"考生{number}",
                    make_id_number("310101", datetime(1990, 1, 1).date()
                                   + timedelta(days=number // 900), number % 900), None)
                set_seat(sitting, candidate, room, seat, False, body)
                tickets.append(ticket)
            plan["rooms"].append({"id": room.id, "tokens": tokens, "tickets": tickets})
            if index % 50 == 49:
                db.session.commit()
        db.session.commit()
        db.engine.dispose()
    return plan


def floor_plan(rooms: int) -> dict[str, Any]:
    return {"sitting_id": 1, "chief": "", "rooms": [
        {"id": index + 1, "tokens": ["", ""],
         "tickets": [f"B{index * TICKETS_PER_ROOM + seat:06d}"
                     for seat in range(1, TICKETS_PER_ROOM + 1)]} for index in range(rooms)]}


# -- servers -----------------------------------------------------------------------------------

@dataclass
class Served:
    kind: str
    url: str
    process: subprocess.Popen[bytes]

    def cpu_seconds(self) -> float:
        """User + system time of the server's processes (the arbiter and its worker)."""
        total = 0.0
        ticks = os.sysconf("SC_CLK_TCK")
        for pid in [self.process.pid, *_children(self.process.pid)]:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += (int(fields[11]) + int(fields[12])) / ticks
        return total

    def rss_mb(self) -> float:
        total = 0
        for pid in [self.process.pid, *_children(self.process.pid)]:
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
            except OSError:
                continue
        return total / 1024

    def stop(self) -> None:
        server.stop(self.process)


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def serve(kind: str, folder: Path, app_args: tuple[str, ...] = ()) -> Served:
    """The app (`run.py --no-access-log [app_args]`) or the floor, on a free loopback port."""
    env = {"PROCTOR_MAX_SOCKETS": "20000"}
    if kind == "app":
        process, port = server.serve(folder, args=("--no-access-log", *app_args), env=env)
    else:
        process, port = server.serve(
            folder, args=("--db", str(folder / "floor.sqlite3")), env=env,
            command=[sys.executable, "-m", "bench.live_floor"])
    return Served(kind, f"http://127.0.0.1:{port}", process)


# -- the tablets -------------------------------------------------------------------------------

@dataclass
class Write:
    room: int
    writer: int
    sent: float
    peer_at: float | None = None
    chief_at: float | None = None
    status: int | None = None


@dataclass
class Run:
    kind: str
    tablets: int
    rate: float
    seconds: float
    writes: list[Write] = field(default_factory=list)
    connect_seconds: float = 0.0
    cpu_ms_per_write: float = 0.0
    idle_cpu_percent: float = 0.0
    rss_mb: float = 0.0
    achieved_rate: float = 0.0

    def latencies(self, who: str) -> list[float]:
        values = [getattr(w, f"{who}_at") for w in self.writes]
        return sorted((at - w.sent) * 1000 for at, w in zip(values, self.writes, strict=True)
                      if at is not None)

    def lost(self) -> int:
        return sum(1 for w in self.writes if w.peer_at is None or w.chief_at is None)

    def failed(self) -> int:
        return sum(1 for w in self.writes if w.status != 200)


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


async def run_load(served: Served, plan: dict[str, Any], tablets: int, rate: float,
                   seconds: float) -> Run:
    import aiohttp
    import socketio

    rooms = plan["rooms"][: tablets // 2]
    result = Run(served.kind, tablets, rate, seconds)
    pending: dict[str, Write] = {}
    clients: list[Any] = []

    def on_event(room: int, position: int) -> Any:
        async def handler(payload: dict[str, Any]) -> None:
            write = pending.get(payload["data"]["ticket_no"])
            if write is None or (position >= 0 and write.room != room):
                return
            now = time.monotonic()
            if position < 0:
                write.chief_at = write.chief_at or now
            elif position != write.writer:
                write.peer_at = write.peer_at or now
        return handler

    async def connect(auth: dict[str, Any], room: int, position: int) -> None:
        client = socketio.AsyncClient(reconnection=False)
        client.on("attendance_recorded", on_event(room, position))
        await client.connect(served.url, auth=auth, transports=["websocket"], wait_timeout=60)
        clients.append(client)

    gate = asyncio.Semaphore(50)

    async def gated(auth: dict[str, Any], room: int, position: int) -> None:
        async with gate:
            await connect(auth, room, position)

    started = time.monotonic()
    chief_auth = {"token": plan["chief"]} if served.kind == "app" else {"chief": True}
    jobs = [gated(chief_auth, 0, -1)]
    for room in rooms:
        for position, token in enumerate(room["tokens"]):
            auth = {"token": token} if served.kind == "app" else {"room_id": room["id"]}
            jobs.append(gated(auth, room["id"], position))
    await asyncio.gather(*jobs)
    result.connect_seconds = time.monotonic() - started
    await asyncio.sleep(2)
    idle_from, idle_cpu = time.monotonic(), served.cpu_seconds()
    await asyncio.sleep(3)
    idle_rate = (served.cpu_seconds() - idle_cpu) / (time.monotonic() - idle_from)
    result.idle_cpu_percent = idle_rate * 100

    connector = aiohttp.TCPConnector(limit=200)
    async with aiohttp.ClientSession(connector=connector) as http:
        counts: dict[int, int] = {}

        async def send(room: dict[str, Any]) -> None:
            # Each room's tablets take turns; each write goes to the room's next ticket, whose
            # status flips each time round (the previous write on it is long done).
            index = counts[room["id"]] = counts.get(room["id"], -1) + 1
            writer = index % 2
            ticket = room["tickets"][index % len(room["tickets"])]
            status = ("present", "late")[(index // len(room["tickets"])) % 2]
            write = Write(room["id"], writer, time.monotonic())
            pending[ticket] = write
            result.writes.append(write)
            if served.kind == "app":
                url = (f"{served.url}/api/v1/sittings/{plan['sitting_id']}"
                       f"/candidates/{ticket}/attendance")
                body = {"status": status, "id_checked": True, "subject": "theory"}
                headers = {"Authorization": f"Bearer {room['tokens'][writer]}"}
            else:
                url = f"{served.url}/write"
                body = {"room_id": room["id"], "ticket_no": ticket, "status": status}
                headers = {}
            async with http.post(url, json=body, headers=headers) as response:
                await response.read()
                write.status = response.status

        order = list(range(len(rooms)))
        random.Random(7).shuffle(order)
        total = int(rate * seconds)
        cpu_before, began = served.cpu_seconds(), time.monotonic()
        tasks = []
        for number in range(total):
            due = began + number / rate
            delay = due - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            room = rooms[order[number % len(rooms)]]
            tasks.append(asyncio.create_task(send(room)))
        await asyncio.gather(*tasks, return_exceptions=True)
        elapsed = time.monotonic() - began
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and result.lost():
            await asyncio.sleep(0.1)
        busy = served.cpu_seconds() - cpu_before - idle_rate * (time.monotonic() - began)
        result.cpu_ms_per_write = busy / max(1, total) * 1000
        result.achieved_rate = total / elapsed
        result.rss_mb = served.rss_mb()
    await asyncio.gather(*(c.disconnect() for c in clients), return_exceptions=True)
    return result


# -- the run -----------------------------------------------------------------------------------

def measure(kind: str, folder: Path, plan: dict[str, Any], tablets: int, rate: float,
            seconds: float, app_args: tuple[str, ...] = ()) -> Run:
    served = serve(kind, folder, app_args)
    try:
        return asyncio.run(run_load(served, plan, tablets, rate, seconds))
    finally:
        served.stop()


def row(run: Run) -> str:
    peer, chief = run.latencies("peer"), run.latencies("chief")
    return (f"{run.kind:<5} {run.tablets:>6} {run.rate:>5.0f}/s {run.achieved_rate:>6.1f}/s "
            f"{pct(peer, 50):>7.1f} {pct(peer, 95):>7.1f} {pct(peer, 99):>7.1f} "
            f"{pct(chief, 50):>7.1f} {pct(chief, 95):>7.1f} {pct(chief, 99):>7.1f} "
            f"{run.lost():>5} {run.failed():>5} {run.cpu_ms_per_write:>7.2f} "
            f"{run.idle_cpu_percent:>5.1f}% {run.rss_mb:>6.0f} {run.connect_seconds:>6.1f}")


HEADER = (f"{'':<5} {'tablets':>6} {'rate':>7} {'done':>8} "
          f"{'peer p50':>7} {'p95':>7} {'p99':>7} {'chief50':>7} {'p95':>7} {'p99':>7} "
          f"{'lost':>5} {'fail':>5} {'cpu ms':>7} {'idle':>6} {'RSS MB':>6} {'conn s':>6}")


def p99(run: Run) -> float:
    return max(pct(run.latencies("peer"), 99), pct(run.latencies("chief"), 99))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tablets", default="100,1000", help="sizes, comma-separated")
    parser.add_argument("--rate", type=float, default=20.0, help="writes per second")
    parser.add_argument("--peak-rate", type=float, default=60.0,
                        help="the peak run at the largest size (0: skip)")
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--capacity", type=int, default=2000,
                        help="then the app alone with this many tablets at --rate (0: skip)")
    parser.add_argument("--app-args", default="",
                        help="more arguments for run.py, e.g. '--mode threading --threads 2200'")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args(argv)
    sizes = [int(n) for n in args.tablets.split(",")]
    app_args = tuple(args.app_args.split())
    folder = Path(tempfile.mkdtemp(prefix="bench-live-"))
    rooms = max([*sizes, args.capacity]) // 2
    print(f"building a sitting of {rooms} rooms in {folder} …", flush=True)
    began = time.monotonic()
    app_plan = build_app_data(folder, rooms)
    print(f"built in {time.monotonic() - began:.0f} s", flush=True)
    runs: list[tuple[Run, Run]] = []
    print("latencies in ms: POST leaving a tablet → event at the room's peer / the chief")
    print(HEADER)
    for size in sizes:
        pair = (measure("floor", folder, floor_plan(rooms), size, args.rate, args.seconds),
                measure("app", folder, app_plan, size, args.rate, args.seconds, app_args))
        for run in pair:
            print(row(run), flush=True)
        runs.append(pair)
    peak = capacity = None
    if args.peak_rate:
        peak = measure("app", folder, app_plan, max(sizes), args.peak_rate, args.seconds,
                       app_args)
        print(row(peak), flush=True)
    if args.capacity:
        capacity = measure("app", folder, app_plan, args.capacity, args.rate, args.seconds,
                           app_args)
        print(row(capacity), flush=True)
    failures = []
    print()
    for floor, app in runs:
        ratio = p99(app) / p99(floor)
        verdict = "ok"
        if app.lost() or app.failed():
            verdict = "MISSED (events lost or writes failed)"
        elif app.tablets == max(sizes) and ratio > TARGET_RATIO:
            verdict = f"MISSED (target ≤ {TARGET_RATIO:.0f}×)"
        if verdict != "ok":
            failures.append(app.tablets)
        print(f"{app.tablets:>5} tablets at {args.rate:.0f}/s: app p99 {p99(app):.1f} ms, "
              f"floor p99 {p99(floor):.1f} ms, ratio {ratio:.2f}× — {verdict}")
    if peak is not None:
        keeps_up = (not peak.lost() and not peak.failed() and p99(peak) < 1000
                    and peak.achieved_rate >= 0.95 * args.peak_rate)
        print(f"{peak.tablets:>5} tablets at {args.peak_rate:.0f}/s: p99 {p99(peak):.1f} ms, "
              f"{peak.achieved_rate:.1f} writes/s done, {peak.cpu_ms_per_write:.1f} ms CPU "
              f"a write — {'keeps up' if keeps_up else 'DOES NOT keep up'}")
        if not keeps_up:
            failures.append(-1)
    if capacity is not None:
        holds = not capacity.lost() and not capacity.failed() and p99(capacity) < 1000
        print(f"{capacity.tablets:>5} tablets in one process at {args.rate:.0f}/s: every event "
              f"{'delivered' if not capacity.lost() else 'NOT delivered'}, p99 "
              f"{p99(capacity):.1f} ms, RSS {capacity.rss_mb:.0f} MB, connected in "
              f"{capacity.connect_seconds:.1f} s — {'holds' if holds else 'DOES NOT hold'}")
        if not holds:
            failures.append(-2)
    if args.keep:
        print(f"kept {folder}")
    else:
        import shutil

        shutil.rmtree(folder, ignore_errors=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
