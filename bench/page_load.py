"""The room screen from a cold cache: a fresh browser context each time, logged in, then the
room page timed until its seat grid shows (target under 1 s). Every request must stay on the
app's own origin (exam venues are offline LANs).

Needs Debian's Chromium (/usr/bin/chromium) and runs `python run.py --demo` on a free port.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

TARGET_MS = 1000
ROUNDS = 5
ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _serve(data_dir: str) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    env = {**os.environ, "PROCTOR_DATA_DIR": data_dir, "XDG_RUNTIME_DIR": data_dir}
    process = subprocess.Popen([sys.executable, "run.py", "--demo", "--host", "127.0.0.1",
                                "--port", str(port)], cwd=ROOT, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=1):
                return process, url
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("the server did not start")


def _one_cold_load(browser, url: str, password: str) -> tuple[float, list[str]]:  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 768, "height": 1024})
    page = context.new_page()
    page.goto(url + "/login")
    page.fill("input[name=username]", "inv1")
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.click("form.stack button[type=submit]")
    seen: list[str] = []
    page.on("request", lambda request: seen.append(request.url))
    started = time.perf_counter()
    page.goto(url + "/floor/sittings/1/rooms/1")
    page.wait_for_selector(".seat[data-ticket]")
    elapsed = (time.perf_counter() - started) * 1000
    context.close()
    return elapsed, seen


def run() -> bool:
    if not Path(CHROMIUM).exists():
        print("page load: skipped, no /usr/bin/chromium (apt-get install chromium)")
        return True
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as data_dir:
        process, url = _serve(data_dir)
        try:
            password = {row["username"]: row["password"] for row in json.loads(
                (Path(data_dir) / "demo-logins.json").read_text())}["inv1"]
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
                loads = [_one_cold_load(browser, url, password) for _ in range(ROUNDS)]
                browser.close()
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=15)
    times = [elapsed for elapsed, _ in loads]
    foreign = sorted({u for _, seen in loads for u in seen if not u.startswith(url)})
    median = statistics.median(times)
    print(f"room screen, cold cache, {ROUNDS} loads: median {median:.0f} ms, "
          f"worst {max(times):.0f} ms (target < {TARGET_MS} ms); "
          f"{len(loads[0][1])} requests, {len(foreign)} to other origins")
    for address in foreign:
        print(f"  FOREIGN REQUEST: {address}")
    return median < TARGET_MS and not foreign


if __name__ == "__main__":
    raise SystemExit(0 if run() else 1)
