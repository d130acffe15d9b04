"""The 08:30 login storm: `python -m bench.logins [--logins 500] [--seconds 60]`.

A whole venue logs in within a minute, from one NAT address: `--logins` accounts (each its own
argon2id hash, made with the parameters under test) log in once each at moments spread at random
over `--seconds` (open loop: a login leaves on time whatever the others do), through the real
server (`python run.py`, gevent). Meanwhile a probe asks /healthz every 100 ms. Measured: each
login's time (p50/p95/p99/max), failures (a 429 or a 5xx counts), the probe's worst time, and
the server's peak RSS.

Each parameter set given with `--params` (memory KiB:time cost, comma-separated; the default
compares the app's own default with OWASP's argon2id minimums) is run in turn, in one run.
Target for the app's default: every login succeeds, p99 under 2 s, /healthz always under 1 s,
and the RSS within 100 MB plus MAX_CONCURRENT_HASHES hashes' memory above the server at rest.
Exit 1 when missed.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import server

DEFAULT_PARAMS = "47104:1,19456:2"  # the app's default first; OWASP's first two rows
PASSWORD = "venue password 0830"
TARGET_P99_S = 2.0


def build(folder: Path, logins: int, memory: int, time_cost: int) -> None:
    """A migrated database with `logins` invigilator accounts, each with its own hash."""
    from concurrent.futures import ThreadPoolExecutor

    from argon2 import PasswordHasher
    from flask_migrate import upgrade

    from proctor import MIGRATIONS_DIR, create_app
    from proctor.extensions import db
    from proctor.models import User

    hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory, parallelism=1)
    with ThreadPoolExecutor(2) as pool:  # argon2 releases the GIL: both cores
        hashes = list(pool.map(lambda _: hasher.hash(PASSWORD), range(logins)))
    app = create_app({"DATA_DIR": str(folder)})
    with app.app_context():
        upgrade(directory=MIGRATIONS_DIR)
        for index, stored in enumerate(hashes):
            db.session.add(User(username=f"inv{index:04d}", role="invigilator",
                                display_name=f"监考{index}", password_hash=stored))
        db.session.commit()
        db.engine.dispose()


def rss_mb(pid: int) -> float:
    total = 0
    for each in [pid, *_children(pid)]:
        try:
            for line in Path(f"/proc/{each}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


async def storm(url: str, pid: int, logins: int, seconds: float) -> dict[str, Any]:
    import aiohttp

    chance = random.Random(830)
    moments = sorted(chance.uniform(0, seconds) for _ in range(logins))
    times: list[float] = []
    failures: list[int] = []
    probes: list[float] = []
    peak = [rss_mb(pid)]
    done = asyncio.Event()

    async def login(http: aiohttp.ClientSession, index: int, at: float, began: float) -> None:
        await asyncio.sleep(max(0.0, began + at - time.monotonic()))
        started = time.monotonic()
        async with http.post(f"{url}/api/v1/auth/login",
                             json={"username": f"inv{index:04d}", "password": PASSWORD},
                             timeout=aiohttp.ClientTimeout(total=120)) as response:
            await response.read()
            times.append(time.monotonic() - started)
            if response.status != 200:
                failures.append(response.status)

    async def probe(http: aiohttp.ClientSession) -> None:
        while not done.is_set():
            started = time.monotonic()
            async with http.get(f"{url}/healthz") as response:
                await response.read()
            probes.append(time.monotonic() - started)
            peak[0] = max(peak[0], rss_mb(pid))
            await asyncio.sleep(0.1)

    # Every tablet its own session (cookies), all from 127.0.0.1: one NAT address.
    sessions = [aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
                for _ in range(logins)]
    async with aiohttp.ClientSession() as prober:
        watcher = asyncio.create_task(probe(prober))
        began = time.monotonic()
        await asyncio.gather(*(login(sessions[i], i, at, began)
                               for i, at in enumerate(moments)))
        done.set()
        await watcher
    await asyncio.gather(*(s.close() for s in sessions))
    ordered = sorted(times)

    def pct(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]

    return {"p50": pct(50), "p95": pct(95), "p99": pct(99), "max": ordered[-1],
            "failed": len(failures), "statuses": sorted(set(failures)), "probe_max": max(probes),
            "peak_mb": peak[0]}


def run_one(memory: int, time_cost: int, logins: int, seconds: float) -> dict[str, Any]:
    folder = Path(tempfile.mkdtemp(prefix="bench-logins-"))
    build(folder, logins, memory, time_cost)
    env = {"PROCTOR_ARGON2_MEMORY_COST": str(memory), "PROCTOR_ARGON2_TIME_COST": str(time_cost)}
    process, port = server.serve(folder, env=env)
    try:
        time.sleep(1)
        rest = rss_mb(process.pid)
        result = asyncio.run(storm(f"http://127.0.0.1:{port}", process.pid, logins, seconds))
        result["rest_mb"] = rest
        return result
    finally:
        server.stop(process)
        import shutil

        shutil.rmtree(folder, ignore_errors=True)


def hash_ms(memory: int, time_cost: int) -> float:
    from argon2 import PasswordHasher

    hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory, parallelism=1)
    stored = hasher.hash(PASSWORD)
    started = time.perf_counter()
    for _ in range(5):
        hasher.verify(stored, PASSWORD)
    return (time.perf_counter() - started) / 5 * 1000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--logins", type=int, default=500)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--params", default=DEFAULT_PARAMS,
                        help="memory KiB:time cost pairs; the first is the one judged")
    args = parser.parse_args(argv)
    pairs = [tuple(int(x) for x in pair.split(":")) for pair in args.params.split(",")]
    print(f"{args.logins} logins from one address within {args.seconds:.0f} s; times in ms")
    print(f"{'argon2id m, t':>14} {'1 hash':>7} {'p50':>7} {'p95':>7} {'p99':>7} {'max':>7} "
          f"{'failed':>6} {'healthz max':>11} {'RSS rest':>8} {'RSS peak':>8}")
    verdicts = []
    for index, (memory, time_cost) in enumerate(pairs):
        one = hash_ms(memory, time_cost)
        r = run_one(memory, time_cost, args.logins, args.seconds)
        print(f"{f'{memory // 1024} MiB, {time_cost}':>14} {one:>7.0f} {r['p50'] * 1000:>7.0f} "
              f"{r['p95'] * 1000:>7.0f} {r['p99'] * 1000:>7.0f} {r['max'] * 1000:>7.0f} "
              f"{r['failed']:>6} {r['probe_max'] * 1000:>11.0f} {r['rest_mb']:>7.0f}M "
              f"{r['peak_mb']:>7.0f}M", flush=True)
        if index == 0:
            bound = r["rest_mb"] + 100 + 2 * memory / 1024
            verdicts = [
                ("every login succeeds", r["failed"] == 0),
                (f"p99 under {TARGET_P99_S:.0f} s", r["p99"] < TARGET_P99_S),
                ("/healthz always under 1 s", r["probe_max"] < 1.0),
                (f"peak RSS under {bound:.0f} MB", r["peak_mb"] < bound),
            ]
    print()
    for what, ok in verdicts:
        print(f"{'ok    ' if ok else 'MISSED'} {what}")
    return 0 if all(ok for _, ok in verdicts) else 1


if __name__ == "__main__":
    sys.exit(main())
