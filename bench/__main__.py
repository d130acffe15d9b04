"""Benchmark of the ban registry's CSV export: `python -m bench` (or `make bench`).

Builds SQLite databases of 10 000 and 100 000 bans in a temporary folder (the app's real
migrations, then bulk inserts) and, in the same run, for each size:

  app    GET /api/v1/bans?format=csv end to end through the WSGI app (Flask's test client,
         consuming the stream into a file), in a fresh process per size: wall time (best of
         --repeat), tracemalloc's peak over one more export, and the process's peak RSS over
         the timed exports (Linux VmHWM, reset once the app is loaded) and how much that is
         above the RSS before them;
  floor  the same SQL written by the sqlite3 command line's CSV mode to a file (best of --repeat,
         run in turn with the app's exports so that both meet the same load).

Fails (exit 1) when app/floor exceeds --max-ratio (3×) at the largest size, when memory is not
flat (the largest size's tracemalloc peak, or the RSS its exports add, more than 1.5× the
smallest size's plus a little slack, MEMORY_SLACK_*), or when the file read back has the wrong
rows or a digest that does not match its manifest (fetched apart, as a receiver does:
GET /api/v1/bans/manifest?audit_head=<the export's X-Audit-Head>). Run it from the repository's
root.
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import os
import platform
import re
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import tracemalloc
from contextlib import closing
from pathlib import Path
from typing import Any

SIZES = (10_000, 100_000)
PASSWORD = "benchmark password 1"
BAN_COLUMNS = ("name", "id_number", "ticket_no", "from", "until", "tier", "rule_codes",
               "referral", "sitting_id", "incident_ids")  # as the receiver expects them
MEMORY_SLACK_TRACED = 512 * 1024  # bytes
MEMORY_SLACK_RSS = 4 * 1024 * 1024  # bytes


def _config(folder: Path) -> dict[str, Any]:
    return {"DATA_DIR": str(folder), "SECRET_KEY": "bench",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'db.sqlite3'}",
            "ARGON2_TIME_COST": 1, "ARGON2_MEMORY_COST": 1024}


def build(folder: Path, rows: int) -> float:
    """Migrate a fresh database in `folder` and fill it with `rows` bans; returns seconds."""
    from flask_migrate import upgrade

    from bench.data import insert_bans
    from proctor import MIGRATIONS_DIR, create_app
    from proctor.extensions import db
    from proctor.services.accounts import create_user

    started = time.perf_counter()
    folder.mkdir(parents=True, exist_ok=True)
    app = create_app(_config(folder))
    with app.app_context():
        logging.disable(logging.INFO)  # alembic's "Running upgrade …" lines
        try:
            upgrade(directory=MIGRATIONS_DIR)
        finally:
            logging.disable(logging.NOTSET)
        create_user("body", "authority", PASSWORD)
        insert_bans(rows)
        db.session.commit()
        db.engine.dispose()
    with closing(sqlite3.connect(folder / "db.sqlite3")) as conn:
        conn.execute("ANALYZE")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return time.perf_counter() - started


def floor_sql() -> str:
    """The app's export query, as SQL text for the sqlite3 command line."""
    from sqlalchemy.dialects import sqlite

    from bench.data import AS_OF
    from proctor.services.bans import export_statement

    compiled = export_statement(AS_OF).compile(dialect=sqlite.dialect(),
                                               compile_kwargs={"literal_binds": True})
    return str(compiled)


def floor_command(folder: Path) -> list[str]:
    command = shutil.which("sqlite3")
    if command is None:
        sys.exit("bench: the floor needs the sqlite3 command line (apt-get install sqlite3)")
    return [command, "-csv", "-header", str(folder / "db.sqlite3"), floor_sql()]


def time_floor(command: list[str], out: Path) -> float:
    started = time.perf_counter()
    with open(out, "wb") as sink:
        subprocess.run(command, stdout=sink, check=True)
    return time.perf_counter() - started


def worker(folder: Path, repeat: int) -> dict[str, Any]:
    """In a fresh process: export `repeat` times, each followed by a run of the floor (the best
    time of each counts), then once more under tracemalloc; the stream is written to a file as
    it comes, as the floor's output is. The peak RSS is the timed exports' (reset once the app
    is loaded; the floor runs in processes of its own)."""
    from bench.data import AS_OF
    from proctor import create_app

    app = create_app(_config(folder))
    client = app.test_client()
    answer = client.post("/api/v1/auth/login", json={"username": "body", "password": PASSWORD})
    assert answer.status_code == 200, answer.get_data(as_text=True)
    url = f"/api/v1/bans?as_of={AS_OF.isoformat()}&format=csv"
    out = folder / "app.csv"
    rss_before = reset_peak_rss()

    def export() -> str:
        response = client.get(url)
        assert response.status_code == 200, response.status
        with open(out, "wb") as sink:
            for piece in response.response:
                sink.write(piece.encode() if isinstance(piece, str) else piece)
        response.close()
        return str(response.headers["X-Audit-Head"])

    floor_run = floor_command(folder)
    best = floor = float("inf")
    for _ in range(repeat):  # (a) and (b) in turn, so that both meet the same machine load
        started = time.perf_counter()
        export()
        best = min(best, time.perf_counter() - started)
        floor = min(floor, time_floor(floor_run, folder / "floor.csv"))
    rss_peak = peak_rss()  # before tracemalloc, which takes memory of its own
    tracemalloc.start()
    head = export()
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    manifest = client.get(f"/api/v1/bans/manifest?audit_head={head}").get_json()
    return {"seconds": best, "floor": floor, "bytes": out.stat().st_size,
            "traced_peak": traced_peak,
            "maxrss": rss_peak, "rss_growth": max(rss_peak - rss_before, 0),
            **check(out, manifest)}


def _status(field: str) -> int | None:
    try:
        text = Path("/proc/self/status").read_text()
    except OSError:
        return None
    found = re.search(rf"^{field}:\s+(\d+) kB", text, re.MULTILINE)
    return int(found.group(1)) * 1024 if found else None


def reset_peak_rss() -> int:
    """Reset the process's peak RSS (Linux: VmHWM, cleared by writing 5 to clear_refs), so that
    the peak measured afterwards is the exports' own; returns the RSS now."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return _status("VmRSS") or 0
    except OSError:  # elsewhere: the lifetime peak, imports included
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024

def peak_rss() -> int:
    return _status("VmHWM") or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def check(path: Path, manifest: dict[str, Any]) -> dict[str, Any]:
    """Read the export back as a receiver would: rows (a cell neutralised against formulas
    has its quote taken off), digest, against the manifest fetched apart."""
    from proctor.hashing import JsonLinesDigest
    from proctor.services.tables import undefuse

    digest = JsonLinesDigest()
    with open(path, encoding="utf-8-sig", newline="") as handle:
        lines = csv.reader(handle)
        header = next(lines)
        for cells in lines:
            name, number, ticket, starts, until, tier, codes, referral, sitting, incidents = map(
                undefuse, cells)
            digest.add({"name": name, "id_number": number, "ticket_no": ticket or None,
                        "from": starts, "until": until,
                        "tier": int(tier), "rule_codes": codes.split(),
                        "referral": referral == "true",
                        "sitting_id": int(sitting) if sitting else None,
                        "incident_ids": [int(i) for i in incidents.split()]})
    return {"rows": digest.count, "header_ok": header == list(BAN_COLUMNS),
            "digest_ok": manifest.get("sha256") == digest.hexdigest()
            and manifest.get("rows") == digest.count}


def run_worker(folder: Path, repeat: int) -> dict[str, Any]:
    done = subprocess.run([sys.executable, "-m", "bench", "--worker", str(folder),
                           "--repeat", str(repeat)], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.exit(f"bench: the export worker failed:\n{done.stderr}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def mib(value: float) -> str:
    return f"{value / 1024 / 1024:.1f} MiB"


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (f"{os.cpu_count()} cores, {cpu}; Python {platform.python_version()}, "
            f"SQLite {sqlite3.sqlite_version}")


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=lambda s: [int(x) for x in s.split(",")],
                        default=list(SIZES), help="ban counts, smallest first (10000,100000)")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs, the best counts")
    parser.add_argument("--max-ratio", type=float, default=3.0)
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, args.repeat)))
        return 0

    root = Path(tempfile.mkdtemp(prefix="proctor-bench-"))
    print(f"machine: {machine()}")
    results = []
    try:
        for rows in args.sizes:
            folder = root / str(rows)
            built = build(folder, rows)
            app = run_worker(folder, args.repeat)
            if app["rows"] != rows or not app["header_ok"] or not app["digest_ok"]:
                print(f"bench: the export of {rows} bans is wrong: {app}", file=sys.stderr)
                return 1
            results.append({"rows": rows, "built": built, **app})
    finally:
        if args.keep:
            print(f"databases kept in {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)

    print(f"\n{'rows':>8} {'app CSV':>9} {'sqlite3 CSV':>11} {'ratio':>6} {'file MB':>8} "
          f"{'traced peak':>12} {'peak RSS':>10} {'RSS growth':>11}")
    print(f"{'':>8} {'(a)':>9} {'(b) floor':>11} {'a/b':>6} {'':>8} {'(a)':>12} {'(a)':>10} "
          f"{'(a)':>11}")
    for r in results:
        print(f"{r['rows']:>8} {r['seconds']:>8.3f}s {r['floor']:>10.3f}s "
              f"{r['seconds'] / r['floor']:>5.2f}× {r['bytes'] / 1e6:>8.1f} "
              f"{mib(r['traced_peak']):>12} {mib(r['maxrss']):>10} {mib(r['rss_growth']):>11}")
    small, large = results[0], results[-1]
    ratio = large["seconds"] / large["floor"]
    failures = []
    if ratio > args.max_ratio:
        failures.append(f"the app's CSV export of {large['rows']} bans took {ratio:.2f}× the "
                        f"sqlite3 floor (target ≤ {args.max_ratio:g}×)")
    for key, slack in (("traced_peak", MEMORY_SLACK_TRACED), ("rss_growth", MEMORY_SLACK_RSS)):
        if large[key] > 1.5 * small[key] + slack:
            failures.append(f"memory is not flat: {key} {mib(large[key])} at {large['rows']} "
                            f"rows against {mib(small[key])} at {small['rows']}")
    for failure in failures:
        print(f"FAIL: {failure}", file=sys.stderr)
    if not failures:
        print(f"\nOK: ratio {ratio:.2f}× ≤ {args.max_ratio:g}×; memory flat from "
              f"{small['rows']} to {large['rows']} rows")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
