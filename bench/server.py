"""The real server for the benchmarks, and keep-alive HTTP clients to load it.

    process, port = serve(folder)      # python run.py --host 127.0.0.1 --port <free port>
    try:
        result = load(port, 8, 10.0, lambda k: "/healthz", lambda k, status, body: status == 200)
    finally:
        stop(process)

The server runs in its own process group with PROCTOR_DATA_DIR = `folder` (its database must be
there, migrated: run.py's upgrade is then a no-op) and its log in `folder`/server.log. Whatever
serving mode run.py uses, nothing here depends on it.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def quantiles(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve(folder: Path, args: tuple[str, ...] = ("--no-access-log",),
          env: dict[str, str] | None = None,
          command: list[str] | None = None) -> tuple[subprocess.Popen[bytes], int]:
    """`python run.py` (or `command`, given --port) on a free loopback port with
    PROCTOR_DATA_DIR = the bench's folder; `env` adds PROCTOR_* settings."""
    environ = {key: value for key, value in os.environ.items()
               if not key.startswith("PROCTOR_")}  # only the bench's database, no message queue
    environ.update({"PROCTOR_DATA_DIR": str(folder), "PROCTOR_SECRET_KEY": "bench",
                    "XDG_RUNTIME_DIR": str(folder), "PYTHONUNBUFFERED": "1", **(env or {})})
    port = free_port()
    argv = (command or [sys.executable, "run.py", "--host", "127.0.0.1"]) + [
        "--port", str(port), *args]
    with open(folder / "server.log", "ab") as log:
        process = subprocess.Popen(argv, cwd=ROOT, env=environ, stdout=log,
                                   stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                   start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                return process, port
        except OSError:
            time.sleep(0.2)
    stop(process)
    sys.exit(f"bench: the server did not start:\n{(folder / 'server.log').read_text()[-3000:]}")


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)  # the group started for it above
            process.wait(timeout=15)


def load(port: int, clients: int, seconds: float, path_of: Callable[[int], str],
         check: Callable[[int, int, bytes], bool],
         headers: dict[str, str] | None = None) -> dict[str, Any]:
    """`clients` threads, one keep-alive connection each, requesting `path_of(k)` for `seconds`;
    `check(k, status, body)` says whether an answer is right."""
    latencies: list[list[float]] = [[] for _ in range(clients)]
    wrong = [0] * clients
    go, end = threading.Event(), [0.0]

    def client(slot: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        k = slot
        go.wait()
        while time.perf_counter() < end[0]:
            started = time.perf_counter()
            conn.request("GET", path_of(k), headers=headers or {})
            response = conn.getresponse()
            body = response.read()
            latencies[slot].append(time.perf_counter() - started)
            wrong[slot] += not check(k, response.status, body)
            k += clients
        conn.close()

    threads = [threading.Thread(target=client, args=(slot,)) for slot in range(clients)]
    for thread in threads:
        thread.start()
    started = time.perf_counter()
    end[0] = started + seconds
    go.set()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    every = [x for per in latencies for x in per]
    p50, p99 = quantiles(every)
    return {"rate": len(every) / elapsed, "p50": p50, "p99": p99, "wrong": sum(wrong),
            "count": len(every)}


_WRK_SCRIPT = """
local paths = {%(paths)s}
local headers = {%(headers)s}
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i %% #paths) + 1], headers)
end
done = function(summary, latency, requests)
  io.write(string.format("WRK %%d %%d %%d %%d %%d\\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99),
    summary.errors.status + summary.errors.connect + summary.errors.read
    + summary.errors.write + summary.errors.timeout))
end
"""


def wrk_load(port: int, clients: int, seconds: float, paths: list[str],
             headers: dict[str, str] | None = None) -> dict[str, Any] | None:
    """The same load from Debian's `wrk` (a C client: the load generator's own cost stays out
    of the figures, as Python client threads fighting for the GIL would not); None without
    wrk. Non-2xx answers and socket errors count as wrong."""
    import shutil
    import tempfile

    if shutil.which("wrk") is None:
        return None

    def lua(text: str) -> str:
        return json.dumps(text)  # a double-quoted Lua string, for these ASCII paths

    script = _WRK_SCRIPT % {
        "paths": ", ".join(lua(p) for p in paths[:20000]),
        "headers": ", ".join(f"[{lua(k)}] = {lua(v)}" for k, v in (headers or {}).items())}
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
    try:
        run = subprocess.run(["wrk", "-t1", f"-c{clients}", f"-d{max(1, int(seconds))}s",
                              "--timeout", "10s", "-s", handle.name,
                              f"http://127.0.0.1:{port}{paths[0]}"],
                             capture_output=True, text=True, timeout=seconds + 60, check=False)
    finally:
        os.unlink(handle.name)
    line = next((x for x in run.stdout.splitlines() if x.startswith("WRK ")), None)
    if line is None:
        raise RuntimeError(f"wrk failed: {run.stdout}\n{run.stderr}")
    count, duration, p50, p99, wrong = (int(x) for x in line.split()[1:])
    return {"rate": count / (duration / 1e6), "p50": p50 / 1e6, "p99": p99 / 1e6,
            "wrong": wrong, "count": count, "client": "wrk"}
