"""The oversight figures at an evaluation body's scale: `python -m bench.analytics [--calls N]
[--database-url URL] [--keep]`.

Builds, in a temporary folder, a migrated SQLite database (or uses --database-url, e.g. an
empty PostgreSQL database, which it migrates and fills) with the seeded world of
tests/analytics_world.py at 200 sittings × 10 rooms × 100 candidates = 20 000 candidates,
1 600 incidents reported directly and 1 600 reminders (a quarter refused, each raising its
Tier-1 incident: about 2 000 incidents in all), their decisions, decision letters, service and
reviews; then times, in one run, `GET /api/v1/analytics?group_by=…` for every grouping through
the whole WSGI app (Flask's test client, logged in with a bearer token as the evaluation body;
median and worst of --calls calls each), the XLSX of the largest (room) and a half period.

Target: every JSON answer under 1 s (the median of its calls; the worst is printed too, as
is the XLSX, which is a download and not held to the target: openpyxl writes 50 000 cells
in pure Python). Prints a table; exits 1 when missed.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench.app import bench_app, migrate

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # the world's generator lives beside the tests using it

GROUP_BYS = ("rule", "tier", "room", "sitting", "training_body", "invigilator", "hour")
TARGET_S = 1.0
SITTINGS, ROOMS, CANDIDATES, INCIDENTS, WARNINGS = 200, 10, 100, 1600, 1600


def build(app) -> tuple[float, int, int]:  # type: ignore[no-untyped-def]
    """Migrate and fill; seconds taken, candidates and incidents written."""
    from analytics_world import make_world, write_world

    from proctor.extensions import db

    started = time.perf_counter()
    world = make_world(seed=2026, sittings=SITTINGS, rooms=ROOMS, candidates=CANDIDATES,
                       warnings=WARNINGS, incidents=INCIDENTS, invigilators=60)
    with app.app_context():
        migrate(app)
        write_world(world)
        db.session.commit()
        db.session.execute(db.text("ANALYZE"))  # the planner's statistics, as a live db has
        db.session.commit()
    return time.perf_counter() - started, len(world.candidates), len(world.incidents)


def token(app) -> str:  # type: ignore[no-untyped-def]
    from proctor.extensions import db
    from proctor.services.accounts import create_api_token, create_user

    with app.app_context():
        body = create_user("bench-body", "authority", "benchmark password 1")
        value = create_api_token(body)
        db.session.commit()
    return value


def timed(client, url: str, bearer: str, calls: int) -> tuple[float, float, int]:  # type: ignore[no-untyped-def]
    times, size = [], 0
    for _ in range(calls):
        started = time.perf_counter()
        answer = client.get(url, headers={"Authorization": f"Bearer {bearer}"})
        size = len(answer.get_data())
        times.append(time.perf_counter() - started)
        if answer.status_code != 200:
            raise SystemExit(f"{url}: {answer.status_code} {answer.get_data(as_text=True)}")
    return statistics.median(times), max(times), size


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=7, help="calls per grouping (default 7)")
    parser.add_argument("--database-url", help="an EMPTY database to migrate and fill "
                        "instead of a temporary SQLite file")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()

    from proctor.config import sqlite_url

    folder = Path(tempfile.mkdtemp(prefix="bench-analytics-"))
    url = args.database_url or sqlite_url(str(folder))
    app = bench_app(folder, url, AUDIT_KEY="bench")
    try:
        seconds, candidates, incidents = build(app)
        print(f"built {candidates} candidates, {incidents} incidents in {SITTINGS} sittings "
              f"in {seconds:.1f} s ({app.config['SQLALCHEMY_DATABASE_URI'].split(':')[0]})")
        bearer, client = token(app), app.test_client()
        rows, missed = [], []
        for group_by in GROUP_BYS:
            median, worst, size = timed(client, f"/api/v1/analytics?group_by={group_by}",
                                        bearer, args.calls)
            rows.append((group_by, median, worst, size))
        # The largest workbook: a row per room (2 000 rows of 25 cells).
        median, worst, size = timed(client, "/api/v1/analytics?group_by=room&format=xlsx",
                                    bearer, args.calls)
        rows.append(("room (xlsx)", median, worst, size))
        median, worst, size = timed(client, "/api/v1/analytics?group_by=room&from=2025-09-01"
                                    "&to=2026-03-31", bearer, args.calls)
        rows.append(("room, half the period", median, worst, size))
        print(f"{'group_by':<24} {'median':>9} {'worst':>9} {'bytes':>9}"
              f"   target < {TARGET_S:.0f} s")
        for name, median, worst, size in rows:
            ok = median < TARGET_S or name.endswith("(xlsx)")
            if not ok:
                missed.append(name)
            verdict = "(download)" if name.endswith("(xlsx)") else "ok" if ok else "MISSED"
            print(f"{name:<24} {median * 1000:>7.0f}ms {worst * 1000:>7.0f}ms {size:>9}"
                  f"   {verdict}")
        with app.app_context():
            from proctor.extensions import db

            db.engine.dispose()
        if missed:
            print(f"target missed: {', '.join(missed)}")
            return 1
        print(f"every JSON answer under {TARGET_S:.0f} s (median)")
        return 0
    finally:
        if args.keep:
            print(f"kept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
