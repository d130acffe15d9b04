"""Browser test kit shared by the fixtures and the tests: server control, Tablet helper.

Chromium is not downloaded by Playwright: we drive /usr/bin/chromium (apt `chromium`). Without
it the tests are skipped, unless PROCTOR_REQUIRE_BROWSER=1 (CI), where they fail instead.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, Response

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update"]
SIZES = {"768x1024": (768, 1024), "1024x768": (1024, 768)}
MIN_TARGET_PX = 44
STARTUP_SECONDS = 60

# Every visible control a finger must hit; reports the ones smaller than the minimum.
_SMALL_TARGETS_JS = """(min) => {
  const small = [];
  for (const el of document.querySelectorAll('button, a.button, input, select')) {
    if (el.type === 'hidden') continue;
    const box = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    if (box.width === 0 || box.height === 0 || style.visibility === 'hidden') continue;
    if (box.height < min || box.width < min) {
      const label = (el.innerText || el.name || el.value || '').trim().slice(0, 40);
      const size = `${box.width.toFixed(0)}x${box.height.toFixed(0)}`;
      small.push(`${el.tagName.toLowerCase()} "${label}" ${size}`);
    }
  }
  return small;
}"""

# Elements wider than the viewport or poking out of its right edge (horizontal overflow).
_OVERFLOW_JS = """() => {
  const root = document.documentElement;
  const width = root.clientWidth;
  const out = [];
  if (root.scrollWidth > width) out.push(`page ${root.scrollWidth}px wide`);
  for (const el of document.body.querySelectorAll('*')) {
    const box = el.getBoundingClientRect();
    const name = `${el.tagName.toLowerCase()}.${el.className}`;
    if (box.width > 0 && box.right > width + 1) out.push(`${name} right=${box.right.toFixed(0)}`);
  }
  return out;
}"""


def _browser_missing(reason: str) -> None:
    if os.environ.get("PROCTOR_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason} (PROCTOR_REQUIRE_BROWSER=1 makes browser tests mandatory)")
    pytest.skip(reason)


def _has_cjk_font() -> bool:
    if shutil.which("fc-list") is None:
        return False
    found = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True,
                           check=False)
    return bool(found.stdout.strip())


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class DemoServer:
    url: str
    passwords: dict[str, str]  # username -> password, from demo-logins.json
    log: Path


def _wait_until_healthy(process: subprocess.Popen[bytes], url: str, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"run.py --demo exited with {process.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as answer:
                if answer.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    pytest.fail(f"server did not answer /healthz within {STARTUP_SECONDS}s:\n{log.read_text()}")


@contextmanager
def serve_demo(data_dir: Path, extra_env: dict[str, str] | None = None) -> Iterator[DemoServer]:
    """`python run.py --demo` on a free port with its own data folder; stopped even on failure."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    # XDG_RUNTIME_DIR: gunicorn puts its control socket there, not in the shared ~/.gunicorn.
    env = {**os.environ, "PROCTOR_DATA_DIR": str(data_dir), "XDG_RUNTIME_DIR": str(data_dir),
           "PYTHONUNBUFFERED": "1",
           "PROCTOR_PRE_NOTICE_TIERS": "",  # today's one-step confirm unless a test asks
           **(extra_env or {})}
    log = data_dir / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "run.py", "--demo", "--host", "127.0.0.1", "--port", str(port)],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        _wait_until_healthy(process, url, log)
        logins = json.loads((data_dir / "demo-logins.json").read_text())
        yield DemoServer(url, {row["username"]: row["password"] for row in logins}, log)
    finally:
        _stop(process)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=15)



@dataclass
class Tablet:
    """One browser context at one tablet size, with the checks every page must pass."""

    page: Page
    server: DemoServer
    size: str
    shots: list[Path] = field(default_factory=list)

    def open(self, path: str) -> Response | None:
        return self.page.goto(self.server.url + path)

    def login(self, username: str, password: str | None = None) -> None:
        self.open("/login")
        self.page.fill("input[name=username]", username)
        self.page.fill("input[name=password]", password or self.server.passwords[username])
        with self.page.expect_navigation():
            self.page.click("form.stack button[type=submit]")

    def switch_language(self, label: str) -> None:
        with self.page.expect_navigation():
            self.page.click(f"nav.lang a:has-text('{label}')")

    def text(self) -> str:
        return self.page.inner_text("body")

    def shoot(self, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}-{self.size}.png"
        self.page.screenshot(path=str(path), full_page=True)
        self.shots.append(path)
        return path

    def check_layout(self) -> None:
        """Touch targets of at least 44 px both ways, and nothing wider than the screen."""
        small: Any = self.page.evaluate(_SMALL_TARGETS_JS, MIN_TARGET_PX)
        assert small == [], f"touch targets under {MIN_TARGET_PX}px on {self.page.url}"
        overflow: Any = self.page.evaluate(_OVERFLOW_JS)
        assert overflow == [], f"horizontal overflow on {self.page.url}: {overflow[:8]}"


RECORD_EVENTS_JS = """() => {
  window.__rooms = [];
  window.addEventListener('live-event', (e) => window.__rooms.push(e.detail.room_id));
}"""


class RoomTablet(Tablet):
    def open_room(self, room: int = 1) -> None:
        response = self.open(f"/floor/sittings/1/rooms/{room}")
        assert response is not None and response.status == 200
        self.page.wait_for_selector(".seat[data-ticket]")
        self.page.wait_for_selector("html[data-live='1']")
        self.page.evaluate(RECORD_EVENTS_JS)

    def seat(self, number: int) -> str:
        return f".seat[data-seat='{number}']"

    def ticket(self, number: int) -> str:
        return str(self.page.get_attribute(self.seat(number), "data-ticket"))

    def card(self, number: int) -> None:
        self.page.click(self.seat(number))
        self.page.wait_for_selector("#card[open]")

    def report(self, seat: int, rule: str = "T2.1") -> None:
        """Report an incident against the candidate at `seat` on the room screen, as a finger
        does: the card's incident button, the rule, save."""
        self.card(seat)
        self.page.click("#card-body button.danger.big")
        self.page.wait_for_selector("#incident[open]")
        self.page.click(f"#incident-body button.rule-choice[data-rule='{rule}']")
        self.page.click("#save-incident")
        self.page.wait_for_selector("#incident[open]", state="detached")

    def open_incident(self, seat: int) -> None:
        """The incident sheet of the candidate at `seat`, from its card."""
        self.card(seat)
        self.page.click("#card-body .incident-list button")
        self.page.wait_for_selector("#detail[open]")

    def close_dialogs(self) -> None:
        self.page.keyboard.press("Escape")
        self.page.wait_for_selector("#card[open]", state="detached")

    def waiting(self) -> int:
        return int(self.page.get_attribute("#sync", "data-waiting") or 0)


# -- the demo's sitting 1 through the JSON API, with a tablet's session ----------------------------
def api(page: Page, base: str, method: str, path: str, body: Any = None) -> Any:
    """The JSON answer of an API call made with the page's session (and, on a write, the CSRF
    token of the page it shows); the call must succeed."""
    kwargs: dict[str, Any] = {}
    if method != "get":
        token = page.get_attribute("meta[name=csrf-token]", "content") or ""
        kwargs["headers"] = {"X-CSRFToken": token}
    if body is not None:
        kwargs["data"] = body
    response = getattr(page.request, method)(base + path, **kwargs)
    assert response.ok, f"{method.upper()} {path}: {response.status} {response.text()}"
    return response.json()


def room_a_candidates(tablet: Tablet) -> tuple[int, list[dict[str, Any]]]:
    """Room A's id, and the candidates seated in it in the order the API lists them."""
    base = tablet.server.url
    room_a = api(tablet.page, base, "get", "/api/v1/sittings/1")["rooms"][0]["id"]
    candidates = api(tablet.page, base, "get", "/api/v1/sittings/1/candidates")
    return room_a, [c for c in candidates if c["seat"] and c["seat"]["room_id"] == room_a]


def report_incident(tablet: Tablet, ticket: str, rule: str = "T2.1", **fields: Any) -> Any:
    """The record of an incident the tablet's user reports against one candidate."""
    return api(tablet.page, tablet.server.url, "post", "/api/v1/sittings/1/incidents", {
        "client_id": uuid.uuid4().hex, "observed_at": datetime.now(UTC).isoformat(), **fields,
        "rule_code": rule, "parties": [{"ticket_no": ticket}]})


def decide(tablet: Tablet, incident_id: int, decision: str = "confirm", **fields: Any) -> Any:
    return api(tablet.page, tablet.server.url, "post",
               f"/api/v1/incidents/{incident_id}/decision", {"decision": decision, **fields})


def issue_notice(tablet: Tablet, incident_id: int) -> Any:
    """The one decision notice of a confirmed incident with one party."""
    notice, = api(tablet.page, tablet.server.url, "post",
                  f"/api/v1/incidents/{incident_id}/notices", {})
    return notice
