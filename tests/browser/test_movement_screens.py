"""The movement log (离座/返回) in real Chromium at 768x1024: one tablet records, the other
tablet of the room shows it live; offline with a reload it waits and then lands once; an
absence past the limit alerts the tablets and the chief's board, once.

Demo data: room 1 (第一考场, inv1 and inv2) holds the even-indexed candidates on seats 1..28.
"""

from __future__ import annotations

import shutil
import subprocess
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from browser_kit import SCREENSHOTS, api

pytestmark = pytest.mark.browser

LIVE_WITHIN_MS = 2_000


def test_a_leaving_shows_on_the_other_tablet_within_two_seconds(tablets):
    a, b = tablets("inv1"), tablets("inv2")
    a.open_room()
    b.open_room()
    a.card(4)
    escorts = a.page.locator("#card-body .movement select option").all_inner_texts()
    assert "无人陪同" in escorts and "其他人员（填写姓名）" in escorts
    a.check_layout()
    a.shoot("movement-card")
    a.page.select_option("#card-body .movement select", label=escorts[1])
    a.page.click("#card-body .movement button.leave-button[data-reason='toilet']")
    a.page.wait_for_selector("#card-body .movement[data-state='out']")
    a.shoot("movement-card-out")
    a.close_dialogs()
    b.page.wait_for_selector(f"{b.seat(4)}.is-out", timeout=LIVE_WITHIN_MS)
    badge = b.page.inner_text(f"{b.seat(4)} .badge.out")
    assert badge.startswith("离座 ") and f"· {escorts[1]}" in badge
    a.check_layout()
    a.shoot("movement-seat-out")
    # the card's record says it too, and the return reaches the other tablet as fast
    b.card(4)
    assert "离座：如厕" in b.page.inner_text("#card-body .record")
    b.page.click("#card-body .movement button.returned-button")
    b.close_dialogs()
    a.page.wait_for_selector(f"{a.seat(4)}:not(.is-out)", timeout=LIVE_WITHIN_MS)
    a.card(4)
    assert "已返回" in a.page.inner_text("#card-body .record")


def test_a_leaving_recorded_offline_survives_a_reload_then_syncs(tablets):
    a, b = tablets("inv1"), tablets("inv2")
    a.open_room()
    a.page.wait_for_selector("html[data-offline-ready='1']")
    b.open_room()
    ticket = a.ticket(8)
    a.page.context.set_offline(True)
    a.card(8)
    a.page.select_option("#card-body .movement select", value="__other")
    a.page.fill("#card-body .movement input[type=text]", "保安 刘强")
    a.page.click("#card-body .movement button.leave-button[data-reason='illness']")
    a.close_dialogs()
    a.page.wait_for_function("document.querySelector('#sync').dataset.waiting === '1'")
    a.page.reload()
    a.page.wait_for_selector(f"{a.seat(8)}.is-out")
    a.page.wait_for_function("document.querySelector('#sync').dataset.waiting === '1'")
    assert a.page.locator(f"{a.seat(8)} .badge.pending").count() == 1  # shown as waiting
    assert "保安 刘强" in a.page.inner_text(f"{a.seat(8)} .badge.out")
    assert b.page.locator(f"{b.seat(8)}.is-out").count() == 0  # not on the server yet
    a.page.context.set_offline(False)
    a.page.wait_for_function("document.querySelector('#sync').dataset.waiting === '0'",
                             timeout=20_000)
    b.page.wait_for_selector(f"{b.seat(8)}.is-out", timeout=5_000)
    state = api(b.page, b.server.url, "get", "/api/v1/sittings/1/rooms/1/state")
    seat, = [s for s in state["seats"] if s["ticket_no"] == ticket]
    assert [(m["kind"], m["reason"], m["escort"]) for m in seat["movements"]] == [
        ("left", "illness", "保安 刘强")]


def test_an_absence_past_the_limit_alerts_the_tablet_and_the_board_once(tablets):
    a, chief = tablets("inv1"), tablets("chief")
    a.open_room()
    ticket = a.ticket(16)
    name = a.page.inner_text(f"{a.seat(16)} .seat-name")
    left = api(a.page, a.server.url, "post", "/api/v1/sittings/1/movements", {
        "client_id": uuid.uuid4().hex, "ticket_no": ticket, "kind": "left",
        "reason": "toilet", "escort": "王老师",
        "observed_at": (datetime.now(UTC) - timedelta(minutes=11)).isoformat()})
    a.page.wait_for_selector(f"{a.seat(16)}.out-overdue", timeout=LIVE_WITHIN_MS)
    a.page.wait_for_selector("#absence-alert:not([hidden])")
    assert name in a.page.inner_text("#absence-alert") and "超过 10 分钟" in a.page.inner_text(
        "#absence-alert")
    a.page.wait_for_function("document.documentElement.dataset.absenceAlerts === '1'")
    assert "离座已超过 10 分钟" in a.page.inner_text("#toast")
    a.shoot("movement-alert")
    a.page.reload()  # still shown, not alerted again
    a.page.wait_for_selector("#absence-alert:not([hidden])")
    a.page.wait_for_timeout(500)
    assert a.page.evaluate("document.documentElement.dataset.absenceAlerts") is None

    chief.open("/review/sittings/1")
    chief.page.wait_for_selector(".room-tile.out-overdue")
    chief.page.wait_for_selector("#alert-badge:not([hidden])")
    assert name in chief.page.inner_text("#alert-badge")
    assert chief.page.get_attribute("#alert-badge", "data-absence") == str(left["id"])
    tile = chief.page.inner_text(".room-tile.out-overdue")
    assert name in tile and "离座" in tile
    chief.check_layout()
    chief.shoot("movement-board")
    chief.page.reload()
    chief.page.wait_for_selector(".room-tile.out-overdue")
    chief.page.wait_for_timeout(500)
    assert chief.page.is_hidden("#alert-badge")  # one alert per absence


def test_the_room_record_lists_the_movements(tablets):
    a = tablets("inv1")
    a.open_room()
    ticket = a.ticket(18)
    subject = a.page.evaluate("JSON.parse(document.getElementById('boot').textContent)"
                              ".subjects[0].code")
    for kind, minutes in (("left", -14), ("returned", -2)):
        api(a.page, a.server.url, "post", "/api/v1/sittings/1/movements", {
            "client_id": uuid.uuid4().hex, "ticket_no": ticket, "kind": kind,
            "reason": "illness", "escort": "王老师", "subject": subject,
            "observed_at": (datetime.now(UTC) + timedelta(minutes=minutes)).isoformat()})
    a.open(f"/floor/sittings/1/rooms/1/record/{subject}")
    text = a.page.inner_text(f"#movements tr.movement[data-ticket='{ticket}']")
    assert "身体不适" in text and "王老师" in text and "12 分钟" in text, text
    a.check_layout()
    a.shoot("movement-room-record")
    a.page.locator("#movements").screenshot(
        path=str(a.shoot("movement-room-record").with_name("movement-room-record-section.png")))
    # and on paper: the printed record carries the section
    pdf = SCREENSHOTS / "movement-room-record.pdf"
    a.page.emulate_media(media="print")
    a.page.pdf(path=str(pdf), format="A4")
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                              text=True, check=True).stdout
        assert "离座记录" in text and "12 分钟" in text and "王老师" in text, text[-1500:]
