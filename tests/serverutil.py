"""Start the real server (`python run.py`: gunicorn, threaded worker) for a test, on loopback.

    with live_server(database_url, tmp_path) as server:
        requests.get(server.url + "/healthz")

The server runs in its own process group on a free 127.0.0.1 port, against the given database
(already migrated; run.py's upgrade is then a no-op), with its data folder and log file under
`folder`. It is stopped on leaving the block, also when the test fails.
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


@contextmanager
def live_server(database_url: str, folder: Path, threads: int = 16,
                extra_env: dict[str, str] | None = None) -> Iterator[LiveServer]:
    folder.mkdir(parents=True, exist_ok=True)
    log_path = folder / "server.log"
    env = {**os.environ}
    env.pop("PROCTOR_MESSAGE_QUEUE", None)  # only what the test asks for
    env.update({"PROCTOR_DATABASE_URL": database_url, "PROCTOR_DATA_DIR": str(folder / "data"),
                "PROCTOR_SECRET_KEY": "live-test-secret", "PYTHONUNBUFFERED": "1",
                "XDG_RUNTIME_DIR": str(folder), **(extra_env or {})})
    for attempt in range(3):  # the free port may be taken between the probe and the bind
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        with open(log_path, "ab") as log:
            process = subprocess.Popen(
                [sys.executable, str(ROOT / "run.py"), "--host", "127.0.0.1", "--port", str(port),
                 "--threads", str(threads)],
                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, start_new_session=True)
        try:
            deadline = time.monotonic() + START_TIMEOUT
            while time.monotonic() < deadline and process.poll() is None:
                if _healthy(url):
                    break
                time.sleep(0.1)
            else:
                _stop(process)
                if attempt < 2 and "Address already in use" in log_path.read_text(errors="replace"):
                    continue
                raise RuntimeError(f"the server did not start:\n{log_path.read_text()[-4000:]}")
            yield LiveServer(url, process, log_path)
            return
        finally:
            _stop(process)
    raise RuntimeError("no free port")
