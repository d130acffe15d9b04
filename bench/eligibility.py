"""Benchmark of eligibility look-ups in a registry of a million bans:
`python -m bench.eligibility [--bans N] [--seconds S] [--clients C] [--keep]`.

Builds a SQLite database in a temporary folder (the app's migrations, then persons, sittings,
candidates and bans bulk inserted through sqlite3, bench/data.py's `fill_registry`) and
measures, in one run:

  (a) the look-up in-process: `bans.bans_of(number, day)` in an app context (the statement
      the app builds, run through SQLAlchemy, rows made into the answer's dicts), interleaved
      with its floor, the same SELECT through the sqlite3 module as a prepared statement,
      for many random ID numbers (hits, misses by date, unknown numbers): median and p99 of
      each and the ratio of the medians (target ≤ 3×);
  (b) single look-ups through the real HTTP API: `python run.py` on a free port against the
      database, --clients keep-alive clients (threads with http.client) for --seconds each:
      GET /api/v1/eligibility with a bearer token, and as its floor the server's bare
      per-request cost, GET /healthz, measured the same way (target ≥ 1 000 look-ups/s and
      p99 < 20 ms);
  (c) the 1 000-number batch, POST /api/v1/eligibility, on the same server: time per batch
      against its floor, the batch's SELECT through sqlite3 (target < 200 ms);

then, in-process with Flask's test client, where a look-up request's time goes (cProfile's
shares, scaled to the unprofiled median). Every answer is checked against the layout the data
was built with. Prints a table; exits 1 when a target is missed or an answer is wrong.
Run it from the repository's root.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import http.client
import json
import logging
import pstats
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from contextlib import closing
from pathlib import Path
from typing import Any

from bench.data import AS_OF, ban_state, fill_registry, person_number
from bench.server import load, quantiles, serve, stop, wrk_load

DATABASE = "proctor.sqlite3"  # the name run.py looks for in PROCTOR_DATA_DIR
LOOKUPS = 20_000  # in-process look-ups of each kind
BATCH = 1000
TARGET_RATIO, TARGET_RATE, TARGET_P99_MS, TARGET_BATCH_MS = 3.0, 1000.0, 20.0, 200.0


def config(folder: Path) -> dict[str, Any]:
    return {"DATA_DIR": str(folder), "SECRET_KEY": "bench",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / DATABASE}",
            "ARGON2_TIME_COST": 1, "ARGON2_MEMORY_COST": 1024}


def build(folder: Path, bans: int) -> tuple[int, str, float]:
    """Migrate, make the registry's API user and token, fill; returns (persons, token, s)."""
    from flask_migrate import upgrade

    from proctor import MIGRATIONS_DIR, create_app
    from proctor.extensions import db
    from proctor.services.accounts import create_api_token, create_user

    started = time.perf_counter()
    app = create_app(config(folder))
    with app.app_context():
        logging.disable(logging.INFO)  # alembic's "Running upgrade …" lines
        try:
            upgrade(directory=MIGRATIONS_DIR)
        finally:
            logging.disable(logging.NOTSET)
        token = create_api_token(create_user("registry", "authority", "bench password 1"))
        db.session.commit()
        db.engine.dispose()
    persons = fill_registry(str(folder / DATABASE), bans)
    return persons, token, time.perf_counter() - started


def sample(persons: int, count: int, seed: int) -> list[tuple[str, int]]:
    """(ID number, bans in force on AS_OF) for `count` distinct random persons, a fifth of them
    unknown to the registry (numbers beyond the last person)."""
    picked = []
    population = range(persons * 5 // 4)
    for i in random.Random(seed).sample(population, min(count, len(population))):
        expected = 0 if i >= persons else int(ban_state(i) in ("in_force", "last_day"))
        picked.append((person_number(i), expected))
    return picked


def floor_sql(batch: bool, count: int = 1) -> str:
    """The app's look-up statement as SQLite SQL with ? parameters (id numbers, then the date
    twice), to run through the sqlite3 module."""
    from sqlalchemy.dialects import sqlite

    from proctor.services import bans

    params = bans.eligibility_params(["x"] * count if batch else ["x"], AS_OF)
    stmt = bans.eligibility_statement(batch).params(params)
    return str(stmt.compile(dialect=sqlite.dialect(),
                            compile_kwargs={"render_postcompile": True}))


def in_process(folder: Path, picked: list[tuple[str, int]]) -> dict[str, Any]:
    """(a): bans_of and the sqlite3 floor for each number, in random order of the two."""
    from proctor import create_app
    from proctor.services import bans

    with open(folder / DATABASE, "rb") as handle:  # both start from the OS's page cache
        while handle.read(1 << 24):
            pass
    sql, day = floor_sql(False), AS_OF.isoformat()
    app = create_app(config(folder))
    rnd = random.Random(1)
    times: dict[str, list[float]] = {"app": [], "floor": [], "hit": [], "miss": []}
    wrong = 0
    with app.app_context(), closing(sqlite3.connect(folder / DATABASE)) as conn:
        for number, _ in picked[:500]:  # warm both up
            bans.bans_of(number, AS_OF)
            conn.execute(sql, (number, day, day)).fetchall()
        gc.collect()
        gc.freeze()  # the app's long-lived objects: a full collection is not the query's cost
        for number, expected in picked:
            app_first = rnd.random() < 0.5
            for which in ("app", "floor") if app_first else ("floor", "app"):
                started = time.perf_counter()
                if which == "app":
                    found = len(bans.bans_of(number, AS_OF))
                else:
                    rows = len(conn.execute(sql, (number, day, day)).fetchall())
                times[which].append(time.perf_counter() - started)
            times["hit" if expected else "miss"].append(times["app"][-1])
            wrong += found != expected or rows != expected
        gc.unfreeze()
    return {"times": times, "wrong": wrong}


def batches(port: int, token: str, picked: list[tuple[str, int]], seconds: float) -> dict[str, Any]:
    """(c): POST 1 000 numbers at a time on one keep-alive connection, for `seconds`."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    times: list[float] = []
    wrong = k = 0
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline or len(times) < 5:
        chunk = [picked[(k + j) % len(picked)] for j in range(BATCH)]
        k += BATCH
        payload = json.dumps({"id_numbers": [n for n, _ in chunk], "date": AS_OF.isoformat()})
        started = time.perf_counter()
        conn.request("POST", "/api/v1/eligibility", body=payload, headers=headers)
        response = conn.getresponse()
        body = response.read()
        times.append(time.perf_counter() - started)
        results = json.loads(body)["results"] if response.status == 200 else []
        wrong += len(results) != BATCH or any(
            r["id_number"] != n or len(r["bans"]) != e
            for r, (n, e) in zip(results, chunk, strict=True))
    conn.close()
    return {"times": times, "wrong": wrong}


def batch_floor(folder: Path, picked: list[tuple[str, int]], repeat: int) -> list[float]:
    """(c)'s floor: the batch's SELECT through sqlite3, prepared once (a batch of `picked` has
    BATCH distinct numbers, so always the same SQL), for batches of numbers not seen before."""
    sql, day, times = floor_sql(True, BATCH), AS_OF.isoformat(), []
    with closing(sqlite3.connect(folder / DATABASE)) as conn:
        for k in range(repeat + 1):
            numbers = [picked[(k * BATCH + j) % len(picked)][0] for j in range(BATCH)]
            started = time.perf_counter()
            conn.execute(sql, (*numbers, day, day)).fetchall()
            times.append(time.perf_counter() - started)
    return times[1:]  # the first one prepared the statement


# -- where a look-up request's time goes ----------------------------------------------------------
# (label, file suffix, function): cumulative times inside one request, none inside another.
PARTS = (
    ("bearer token → user (proctor/auth/sessions.py)", "proctor/auth/sessions.py",
     "load_bearer_user"),
    ("audit entry (proctor/services/audit.py record)", "proctor/services/audit.py", "record"),
    ("commit", "sqlalchemy/orm/scoping.py", "commit"),
    ("query string (proctor/api/spec.py parse_query)", "proctor/api/spec.py", "parse_query"),
    ("look-up (proctor/services/bans.py bans_of)", "proctor/services/bans.py", "bans_of"),
    ("answer models (registry_views._answer)", "proctor/api/registry_views.py", "_answer"),
    ("JSON response (proctor/api/spec.py render)", "proctor/api/spec.py", "render"),
    ("after_request hooks (proctor.hooks, headers, api)", "flask/app.py", "process_response"),
)


def breakdown(folder: Path, token: str, picked: list[tuple[str, int]],
              count: int = 1500) -> dict[str, Any]:
    """GET /api/v1/eligibility and GET /healthz through Flask's test client: the median of
    each, and the eligibility request's time by part (cProfile's shares of a profiled run,
    scaled to the unprofiled median; the rest is Flask, Werkzeug and the test client)."""
    from proctor import create_app

    app = create_app(config(folder))
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    day = AS_OF.isoformat()

    def lookup(k: int) -> None:
        number = picked[k % len(picked)][0]
        response = client.get(f"/api/v1/eligibility?id_number={number}&date={day}",
                              headers=headers)
        assert response.status_code == 200, response.get_data(as_text=True)

    def healthz(_: int) -> None:
        assert client.get("/healthz").status_code == 200

    medians = {}
    for name, call in (("healthz", healthz), ("lookup", lookup)):
        for k in range(200):
            call(k)
        times = []
        for k in range(count):
            started = time.perf_counter()
            call(k)
            times.append(time.perf_counter() - started)
        medians[name] = statistics.median(times)
    profile = cProfile.Profile()
    profile.enable()
    for k in range(count):
        lookup(k)
    profile.disable()
    stats: dict[Any, Any] = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    total = sum(ct for (file, _, name), (_, _, _, ct, _) in stats.items()
                if name == "wsgi_app" and file.endswith("flask/app.py"))
    parts = []
    for label, suffix, function in PARTS:
        spent = sum(ct for (file, _, name), (_, _, _, ct, _) in stats.items()
                    if name == function and file.endswith(suffix))
        parts.append((label, spent / total))
    parts.append(("the rest: Flask, Werkzeug, extensions' hooks", 1 - sum(s for _, s in parts)))
    return {"medians": medians, "parts": parts}


# -- the run -------------------------------------------------------------------------------------
def us(seconds: float) -> str:
    return f"{seconds * 1e6:.0f} µs"


def ms(seconds: float) -> str:
    return f"{seconds * 1e3:.1f} ms"


Row = tuple[str, str, str, str, str, bool]  # figure, app, floor, ratio, target, met


def local_rows(result: dict[str, Any]) -> list[Row]:
    t = result["times"]
    (a50, a99), (f50, f99) = quantiles(t["app"]), quantiles(t["floor"])
    return [("look-up in-process, median", us(a50), us(f50), f"{a50 / f50:.2f}×",
             f"≤ {TARGET_RATIO:g}× floor", a50 / f50 <= TARGET_RATIO),
            ("look-up in-process, p99", us(a99), us(f99), f"{a99 / f99:.2f}×", "", True),
            (f"  … the {len(t['hit'])} hits, median", us(quantiles(t["hit"])[0]), "", "", "",
             True),
            (f"  … the {len(t['miss'])} misses, median", us(quantiles(t["miss"])[0]), "", "",
             "", True)]


def over_http(folder: Path, token: str, picked: list[tuple[str, int]], seconds: float,
              clients: int) -> dict[str, Any]:
    """(b) and (c) on one server: /healthz, single look-ups, then batches."""
    headers = {"Authorization": f"Bearer {token}"}

    def lookup_path(k: int) -> str:
        return f"/api/v1/eligibility?id_number={picked[k % len(picked)][0]}&date={AS_OF}"

    def lookup_ok(k: int, status: int, body: bytes) -> bool:
        banned = picked[k % len(picked)][1]
        answer = json.loads(body) if status == 200 else {}
        return status == 200 and len(answer["bans"]) == banned \
            and answer["eligible"] is not bool(banned)

    server, port = serve(folder)
    try:
        # Every answer checked (bans and eligibility against the data), briefly, from Python;
        # then the throughput from wrk, so the client's own cost stays out of the figures.
        checked = load(port, 2, min(2.0, seconds), lookup_path, lookup_ok, headers)
        paths = [lookup_path(k) for k in range(len(picked))]
        health = wrk_load(port, clients, seconds, ["/healthz"], headers) or load(
            port, clients, seconds, lambda k: "/healthz",
            lambda k, status, body: status == 200, headers)
        look = wrk_load(port, clients, seconds, paths, headers) or load(
            port, clients, seconds, lookup_path, lookup_ok, headers)
        look["wrong"] += checked["wrong"]
        batch = batches(port, token, picked, max(seconds / 2, 2.0))
    finally:
        stop(server)
    return {"health": health, "look": look, "batch": batch,
            "batch_floor": batch_floor(folder, picked, 5)}


def http_rows(result: dict[str, Any], clients: int) -> list[Row]:
    look, health = result["look"], result["health"]
    b50, b99 = quantiles(result["batch"]["times"])
    floor50 = statistics.median(result["batch_floor"])
    return [
        (f"HTTP look-ups/s, {clients} clients", f"{look['rate']:.0f}/s",
         f"{health['rate']:.0f}/s", f"{health['rate'] / look['rate']:.2f}× slower",
         f"≥ {TARGET_RATE:g}/s", look["rate"] >= TARGET_RATE),
        ("HTTP look-up latency p50", ms(look["p50"]), ms(health["p50"]),
         f"{look['p50'] / health['p50']:.2f}×", "", True),
        ("HTTP look-up latency p99", ms(look["p99"]), ms(health["p99"]),
         f"{look['p99'] / health['p99']:.2f}×", f"< {TARGET_P99_MS:g} ms",
         look["p99"] * 1e3 < TARGET_P99_MS),
        (f"batch of {BATCH} (HTTP POST), median", ms(b50), ms(floor50),
         f"{b50 / floor50:.2f}×", f"< {TARGET_BATCH_MS:g} ms", b50 * 1e3 < TARGET_BATCH_MS),
        (f"batch of {BATCH}, p99", ms(b99), "", "", "", True),
        ("batch: numbers/s at the median", f"{BATCH / b50:.0f}/s", f"{BATCH / floor50:.0f}/s",
         "", f"≥ {BATCH / TARGET_BATCH_MS * 1e3:g}/s", b50 * 1e3 < TARGET_BATCH_MS)]


def notes_of(result: dict[str, Any], profile: dict[str, Any], seconds: float) -> list[str]:
    look, health = result["look"], result["health"]
    whole = profile["medians"]["lookup"]
    return [
        f"HTTP: {look['count']} look-ups and {health['count']} GET /healthz in {seconds:g} s "
        f"each, {len(result['batch']['times'])} batches. The HTTP rows' floor is GET /healthz, "
        f"the server's bare per-request cost: {ms(1 / health['rate'])} of server time a "
        f"request against {ms(1 / look['rate'])} for a look-up "
        f"({100 * look['rate'] / health['rate']:.0f}% of it).",
        f"In-process (Flask's test client, one thread): a look-up request {ms(whole)} median, "
        f"GET /healthz {ms(profile['medians']['healthz'])}; the look-up request by part "
        f"(cProfile's shares of the app's time × the median):",
        *(f"  {share * 100:5.1f}%  {ms(share * whole):>8}  {label}"
          for label, share in profile["parts"])]


def print_table(rows: list[Row], notes: list[str]) -> None:
    header = ("figure", "app", "floor", "ratio", "target")
    widths = [max([len(h)] + [len(str(r[i])) for r in rows]) for i, h in enumerate(header)]
    print()
    for row in [(*header, "")] + [(*r[:5], "ok" if r[5] else "MISSED") for r in rows]:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, [*widths, 6],
                                                                 strict=True)).rstrip())
    print()
    for note in notes:
        print(note)


def main() -> int:
    from bench.__main__ import machine

    parser = argparse.ArgumentParser(prog="python -m bench.eligibility", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bans", type=int, default=1_000_000, help="bans in the registry")
    parser.add_argument("--seconds", type=float, default=10.0, help="per HTTP measurement")
    parser.add_argument("--clients", type=int, default=8, help="HTTP keep-alive clients")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()
    if args.bans < 2 * BATCH:
        parser.error(f"--bans: at least {2 * BATCH} (a batch asks {BATCH} distinct numbers)")
    folder = Path(tempfile.mkdtemp(prefix="proctor-eligibility-"))
    print(f"machine: {machine()}")
    try:
        persons, token, built = build(folder, args.bans)
        with closing(sqlite3.connect(folder / DATABASE)) as conn:
            count = conn.execute("SELECT count(*) FROM bans").fetchone()[0]
        print(f"built {count} bans of {persons} persons in {built:.1f} s "
              f"({(folder / DATABASE).stat().st_size / 1e6:.0f} MB); look-ups on {AS_OF}")
        picked = sample(persons, LOOKUPS, seed=8)
        local = in_process(folder, picked)
        remote = over_http(folder, token, picked, args.seconds, args.clients)
        profile = breakdown(folder, token, picked)
        rows = local_rows(local) + http_rows(remote, args.clients)
        notes = notes_of(remote, profile, args.seconds)
        wrong = local["wrong"] + sum(remote[k]["wrong"] for k in ("health", "look", "batch"))
    finally:
        if args.keep:
            print(f"database kept in {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)
    print_table(rows, notes)
    missed = [r[0].strip() for r in rows if not r[5]]
    if wrong:
        print(f"\nbench: {wrong} wrong answers", file=sys.stderr)
    if missed:
        print(f"\nbench: target missed: {'; '.join(missed)}", file=sys.stderr)
    return 1 if wrong or missed else 0


if __name__ == "__main__":
    sys.exit(main())
