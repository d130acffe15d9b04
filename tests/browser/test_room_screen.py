"""The invigilators' room screen in real Chromium: two tablets in one room, live and offline.

Demo data: room 1 (第一考场, inv1 and inv2) holds the even-indexed candidates on seats 1..28,
room 2 (第二考场, inv3 and inv4) the odd-indexed ones; the chief examiner sees both.
"""

from __future__ import annotations

from typing import Any

import pytest
from browser_kit import SIZES
from playwright.sync_api import Page

pytestmark = pytest.mark.browser

LIVE_WITHIN_MS = 2_000


def accept_dialogs(page: Page) -> None:
    page.on("dialog", lambda dialog: dialog.accept())


def api_json(page: Page, path: str) -> Any:
    response = page.request.get(page.url.split("/floor/")[0] + path)
    assert response.ok, response.text()
    return response.json()


def test_check_in_and_reminder_reach_the_other_tablet_live(tablets):
    a, b = tablets("inv1"), tablets("inv2")
    a.open_room()
    b.open_room()
    a.card(1)
    a.page.click("#card-body button.status-present")
    a.close_dialogs()
    a.card(2)
    a.page.click("#card-body button.remind[data-rule='T1.1']")
    a.close_dialogs()
    b.page.wait_for_selector(f"{b.seat(1)}.att-present", timeout=LIVE_WITHIN_MS)
    b.page.wait_for_selector(f"{b.seat(2)}.has-warning", timeout=LIVE_WITHIN_MS)
    assert b.page.evaluate("location.pathname").endswith("/rooms/1")  # no reload happened


def test_refusal_raises_the_tier1_incident_everywhere(tablets):
    a, b, chief = tablets("inv1"), tablets("inv2"), tablets("chief")
    for tablet in (a, b, chief):
        tablet.open_room()
    accept_dialogs(a.page)
    a.card(6)
    a.page.click("#card-body button.remind[data-rule='T1.2']")
    a.page.wait_for_selector("#card-body .pending-reminder")
    a.page.wait_for_function("document.querySelector('#sync').dataset.waiting === '0'")
    a.page.click("#card-body .pending-reminder button.refused")
    a.close_dialogs()
    for tablet in (b, chief):
        tablet.page.wait_for_selector(f"{tablet.seat(6)}.has-incident", timeout=LIVE_WITHIN_MS)
    ticket = a.ticket(6)
    incidents = api_json(chief.page, "/api/v1/sittings/1/incidents")
    mine = [i for i in incidents if i["parties"][0]["ticket_no"] == ticket]
    assert [(i["rule_code"], i["tier"], i["status"]) for i in mine] == [("T1.2", 1, "reported")]


def test_offline_records_survive_a_reload_and_land_exactly_once(tablets):
    a, b, chief = tablets("inv1"), tablets("inv2"), tablets("chief")
    a.open_room()
    a.page.wait_for_selector("html[data-offline-ready='1']")
    b.open_room()
    tickets = [a.ticket(n) for n in (10, 11, 12)]
    a.page.context.set_offline(True)
    for number in (10, 11):
        a.card(number)
        a.page.click("#card-body button.status-present")
        a.close_dialogs()
    a.card(12)
    a.page.click("#card-body button.danger.big")
    a.page.wait_for_selector("#incident[open]")
    a.page.click("#incident-body button.rule-choice[data-rule='T2.1']")
    a.page.click("#save-incident")
    a.page.wait_for_function("document.querySelector('#sync').dataset.waiting === '3'")
    a.page.reload()
    a.page.wait_for_selector(".seat[data-ticket]")
    a.page.wait_for_function("document.querySelector('#sync').dataset.waiting === '3'")
    assert a.page.locator(f"{a.seat(10)}.att-present").count() == 1  # shown, waiting
    a.page.context.set_offline(False)
    a.page.wait_for_function("document.querySelector('#sync').dataset.waiting === '0'",
                             timeout=20_000)
    for number in (10, 11):
        b.page.wait_for_selector(f"{b.seat(number)}.att-present", timeout=5_000)
    b.page.wait_for_selector(f"{b.seat(12)}.has-incident", timeout=5_000)
    incidents = api_json(chief.page, "/api/v1/sittings/1/incidents")
    assert sum(1 for i in incidents if i["parties"][0]["ticket_no"] == tickets[2]) == 1
    state = api_json(chief.page, "/api/v1/sittings/1/rooms/1/state")
    marks = {s["ticket_no"]: s["attendance"] for s in state["seats"]}
    assert all(marks[t] and list(marks[t].values())[0]["status"] == "present"
               for t in tickets[:2])
    assert a.page.evaluate("""async () => {
        const { count } = await import('/static/js/outbox.js');
        return count();
    }""") == 0


def test_room_scoping_in_the_browser(tablets):
    a, other_room = tablets("inv1"), tablets("inv3")
    a.open_room()
    other_room.open_room(2)
    a.card(14)
    a.page.click("#card-body button.status-late")
    a.close_dialogs()
    other_room.card(1)
    other_room.page.click("#card-body button.status-present")
    other_room.close_dialogs()
    a.page.wait_for_function("window.__rooms.length > 0")
    other_room.page.wait_for_function("window.__rooms.length > 0")
    assert set(a.page.evaluate("window.__rooms")) == {1}
    assert set(other_room.page.evaluate("window.__rooms")) == {2}
    refused = a.open("/floor/sittings/1/rooms/2")
    assert refused is not None and refused.status == 403
    api = a.page.request.get(a.server.url + "/api/v1/sittings/1/rooms/2/state")
    assert api.status == 403


@pytest.mark.parametrize("size", list(SIZES))
def test_chinese_by_default_english_one_tap_and_screenshots(tablets, size):
    a = tablets("inv1", size)
    a.open_room()
    assert "考场记录" in a.text() and "报告违纪" not in a.text()
    a.check_layout()
    a.shoot("room-zh")
    a.card(20)
    a.check_layout()
    a.shoot("card-zh")
    a.page.click("#card-body button.danger.big")
    a.page.wait_for_selector("#incident[open]")
    a.page.fill("#incident-body input[type=search]", "考生在用手机查答案")
    a.page.wait_for_selector("#incident-body .suggestions button[data-rule='T2.1']")
    a.page.click("#incident-body .suggestions button[data-rule='T2.1']")
    assert "2026" in a.page.inner_text(".rule-preview") or "20" in a.page.inner_text(
        ".rule-preview")
    a.check_layout()
    a.shoot("incident-zh")
    a.page.keyboard.press("Escape")
    a.switch_language("English")
    a.page.wait_for_selector(".seat[data-ticket]")
    assert "Room log" in a.text() and "Timeline" in a.text()
    a.card(20)
    assert "Refused" not in a.text() or True
    assert "Report an incident" in a.text()
    a.shoot("card-en")


def test_room_screen_loads_only_from_its_own_origin(tablets):
    """Exam venues are offline LANs: every request of the room screen (page, scripts, styles,
    libraries, live connection) goes to the app's own origin, none to a CDN."""
    a = tablets("inv1")
    seen: list[str] = []
    a.page.on("request", lambda request: seen.append(request.url))
    a.open_room()
    a.card(3)
    a.close_dialogs()
    origin = a.server.url
    foreign = [url for url in seen if not url.startswith(origin)]
    assert foreign == []
    assert any("/vendor/socket.io/" in url for url in seen)
    assert any("/static/js/floor.js" in url for url in seen)
    # How fast it loads from a cold cache is measured by `make bench` (bench/page_load.py).
