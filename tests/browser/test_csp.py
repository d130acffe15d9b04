"""Issue #9, item 17: every page under its Content-Security-Policy in real Chromium.

Each page is opened as the role that uses it, with a listener installed before any script of
the page runs: no `securitypolicyviolation` event, no console error, no uncaught exception.
Inline event handlers are compiled on the spot (reading `el.onclick` compiles it, as a click
would, without printing), so a handler the policy refuses is caught too. The camera is allowed
by Permissions-Policy on the room screen only.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from browser_kit import RoomTablet, api, decide, issue_notice, report_incident, room_a_candidates
from playwright.sync_api import ConsoleMessage

pytestmark = pytest.mark.browser

LISTEN_JS = """
window.__violations = [];
document.addEventListener('securitypolicyviolation', (e) => window.__violations.push(
  `${e.violatedDirective} blocked ${e.blockedURI || 'inline'} at ${e.sourceFile}:${e.lineNumber}`
  + ` sample=${e.sample}`));
"""

# Compile every inline handler (what a click would do) and report what the page holds.
COMPILE_HANDLERS_JS = """() => {
  const found = [];
  for (const el of document.querySelectorAll('*')) {
    for (const attr of el.getAttributeNames()) {
      if (attr.startsWith('on')) { found.push(`${el.tagName}.${attr}`); void el[attr]; }
    }
  }
  return found;
}"""

CAMERA_ALLOWED_JS = """() => {
  const policy = document.featurePolicy || document.permissionsPolicy;
  return policy ? policy.allowsFeature('camera') : null;
}"""


class Watch:
    """Console errors and uncaught exceptions of one page, with the listener installed."""

    def __init__(self, tablet: RoomTablet) -> None:
        self.tablet = tablet
        self.errors: list[str] = []
        tablet.page.context.add_init_script(LISTEN_JS)
        tablet.page.on("console", self._console)
        tablet.page.on("pageerror", lambda exc: self.errors.append(f"pageerror: {exc}"))
        self.expected: set[str] = set()

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error" and not any(e in message.text for e in self.expected):
            self.errors.append(f"console: {message.text} ({message.location})")

    def visit(self, path: str, status: int = 200, ready: str | None = None) -> bool | None:
        self.errors.clear()
        response = self.tablet.open(path)
        assert response is not None and response.status == status, (path, response)
        if ready:
            self.tablet.page.wait_for_selector(ready)
        self.tablet.page.wait_for_load_state("networkidle")
        handlers = self.tablet.page.evaluate(COMPILE_HANDLERS_JS)
        violations = self.tablet.page.evaluate("() => window.__violations")
        assert violations == [], (path, handlers, violations)
        assert self.errors == [], (path, self.errors)
        camera: bool | None = self.tablet.page.evaluate(CAMERA_ALLOWED_JS)
        return camera


def _records(inv: RoomTablet, chief: RoomTablet) -> dict[str, Any]:
    """An incident of room 1 with a seized item, confirmed, with its notice issued."""
    base = chief.server.url
    room, seated = room_a_candidates(chief)
    target = seated[0]
    now = datetime.now(UTC).isoformat()
    made = report_incident(inv, target["ticket_no"], "T2.1", observed_at=now, subject="theory",
                           description="CSP check")
    item = api(inv.page, base, "post", f"/api/v1/incidents/{made['id']}/seized", {
        "client_id": uuid.uuid4().hex, "description": "手机", "kept_at": "保管箱",
        "seized_at": now})
    decide(chief, made["id"])
    notice = issue_notice(chief, made["id"])
    return {"room": room, "incident": made["id"], "item": item["id"], "notice": notice["id"],
            "ticket": target["ticket_no"]}


def test_every_page_keeps_to_its_content_security_policy(tablets):
    inv, chief, body = tablets("inv1"), tablets("chief", "1024x768"), tablets("authority")
    made = _records(inv, chief)
    watch = Watch(inv)
    assert watch.visit("/") is False
    assert watch.visit(f"/floor/sittings/1/rooms/{made['room']}",
                       ready="html[data-live='1']") is True  # the live socket is connected
    assert watch.visit(f"/floor/sittings/1/rooms/{made['room']}/record/theory") is False
    assert watch.visit(f"/floor/seized/{made['item']}/receipt") is False
    watch.expected = {"403"}  # the refusal itself is logged by Chromium as a failed load
    assert watch.visit("/review/", status=403) is False
    watch = Watch(chief)
    for path in ("/", "/review/sittings/1", f"/review/incidents/{made['incident']}",
                 f"/review/sittings/1/candidates/{made['ticket']}", f"/notices/{made['notice']}"):
        assert watch.visit(path, ready="main") is False, path
    watch = Watch(body)
    for path in ("/", "/authority/", "/authority/sittings/1", "/authority/accounts",
                 "/authority/audit", "/authority/exports"):
        assert watch.visit(path, ready="main") is False, path


def test_the_login_page_keeps_to_its_policy(tablet):
    errors: list[str] = []
    tablet.page.context.add_init_script(LISTEN_JS)
    tablet.page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    response = tablet.open("/login")
    assert response is not None and response.status == 200
    assert "script-src 'self'" in response.headers["content-security-policy"]
    tablet.page.wait_for_load_state("networkidle")
    assert tablet.page.evaluate("() => window.__violations") == [] and errors == []
