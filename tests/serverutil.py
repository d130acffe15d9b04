"""Start the real server (`python run.py`: gunicorn) for a test, on loopback.

    with live_server(database_url, tmp_path) as server:
        requests.get(server.url + "/healthz")

The server runs in its own process group on a free 127.0.0.1 port, against the given database
(already migrated; run.py's upgrade is then a no-op), with its data folder and log file under
`folder`. It is stopped on leaving the block, also when the test fails. `live_servers` starts
several side by side on one database (the scale-out setup).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from helpers import AUDIT_KEY

ROOT = Path(__file__).resolve().parents[1]
START_TIMEOUT = 30.0
STOP_TIMEOUT = 15.0


@dataclass
class LiveServer:
    url: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])

    def kill(self) -> None:
        """SIGKILL to the server's process group: gunicorn's arbiter and its worker die at once,
        as in a crash (nothing is closed cleanly, no worker is restarted)."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=STOP_TIMEOUT)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/healthz", timeout=2) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM to gunicorn's arbiter (a graceful stop), SIGKILL to its group if it hangs."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)  # the group this helper created for it
        process.wait(timeout=STOP_TIMEOUT)


def _server_env(database_url: str, folder: Path,
                extra_env: dict[str, str] | None) -> dict[str, str]:
    env = {**os.environ}
    env.pop("PROCTOR_MESSAGE_QUEUE", None)  # only what the test asks for
    env.update({"PROCTOR_DATABASE_URL": database_url, "PROCTOR_DATA_DIR": str(folder / "data"),
                "PROCTOR_SECRET_KEY": "live-test-secret", "PROCTOR_AUDIT_KEY": AUDIT_KEY,
                "PYTHONUNBUFFERED": "1",
                "PROCTOR_PRE_NOTICE_TIERS": "",  # today's one-step confirm unless a test asks
                "XDG_RUNTIME_DIR": str(folder), **(extra_env or {})})
    return env


def _spawn(env: dict[str, str], port: int, log_path: Path,
           threads: int) -> subprocess.Popen[bytes]:
    with open(log_path, "ab") as log:
        return subprocess.Popen(
            [sys.executable, str(ROOT / "run.py"), "--host", "127.0.0.1", "--port", str(port),
             "--threads", str(threads)],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True)


def _wait_healthy(process: subprocess.Popen[bytes], url: str, deadline: float) -> bool:
    while time.monotonic() < deadline and process.poll() is None:
        if _healthy(url):
            return True
        time.sleep(0.1)
    return False


@contextmanager
def live_server(database_url: str, folder: Path, threads: int = 16,
                extra_env: dict[str, str] | None = None) -> Iterator[LiveServer]:
    folder.mkdir(parents=True, exist_ok=True)
    log_path = folder / "server.log"
    env = _server_env(database_url, folder, extra_env)
    for attempt in range(3):  # the free port may be taken between the probe and the bind
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        process = _spawn(env, port, log_path, threads)
        try:
            if not _wait_healthy(process, url, time.monotonic() + START_TIMEOUT):
                _stop(process)
                if attempt < 2 and "Address already in use" in log_path.read_text(errors="replace"):
                    continue
                raise RuntimeError(f"the server did not start:\n{log_path.read_text()[-4000:]}")
            yield LiveServer(url, process, log_path)
            return
        finally:
            _stop(process)
    raise RuntimeError("no free port")


@contextmanager
def live_servers(database_url: str, folder: Path, count: int, threads: int = 16,
                 extra_env: dict[str, str] | None = None) -> Iterator[list[LiveServer]]:
    """`count` servers on one database (data and log in folder/0, folder/1, …), started side
    by side: the scale-out setup. All are stopped on leaving the block (SIGTERM to all at once,
    then SIGKILL to a group that hangs), also when the test fails or has killed some itself."""
    spawned: list[subprocess.Popen[bytes]] = []
    try:
        servers: list[LiveServer | None] = [None] * count
        for attempt in range(3):  # a free port may be taken between the probe and the bind
            batch = []
            for index in [i for i, server in enumerate(servers) if server is None]:
                sub = folder / str(index)
                sub.mkdir(parents=True, exist_ok=True)
                port = free_port()
                process = _spawn(_server_env(database_url, sub, extra_env), port,
                                 sub / "server.log", threads)
                spawned.append(process)
                batch.append((index, LiveServer(f"http://127.0.0.1:{port}", process,
                                                sub / "server.log")))
            deadline = time.monotonic() + START_TIMEOUT
            for index, server in batch:
                if _wait_healthy(server.process, server.url, deadline):
                    servers[index] = server
                    continue
                _stop(server.process)
                if attempt == 2 or "Address already in use" not in server.log():
                    raise RuntimeError(f"a server did not start:\n{server.log()[-4000:]}")
            if all(servers):
                break
        else:
            raise RuntimeError("no free ports")
        yield [server for server in servers if server is not None]
    finally:
        stop_all(spawned)


def stop_all(processes: list[subprocess.Popen[bytes]]) -> None:
    """Stop several servers at once (their graceful stops run side by side)."""
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in processes:
        _stop(process)
