"""What the invigilator sees is what the server holds (issue #9, items 1–4), at 768×1024:
the incident sheet after each kind of save, a refusal shown in Chinese in front of the sheet,
the ID check recorded whenever it is ticked, and the words on the card, the form and the board.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import cv2
import numpy as np
import pytest
from browser_kit import api
from playwright.sync_api import Page

from proctor.idnumber import make_id_number

pytestmark = pytest.mark.browser
SYNCED = "document.querySelector('#sync').dataset.waiting === '0'"


def no_native_dialogs(page: Page) -> list[str]:
    """Record every alert/confirm/prompt (and accept confirms: a refusal asks for one)."""
    seen: list[str] = []

    def on_dialog(dialog: Any) -> None:
        seen.append(f"{dialog.type}: {dialog.message}")
        dialog.accept()

    page.on("dialog", on_dialog)
    return seen


def report(tablet, seat: int, rule: str) -> None:
    """Reported on the screen, and synced: the seat shows the incident."""
    tablet.report(seat, rule)
    tablet.page.wait_for_function(SYNCED)
    tablet.page.wait_for_selector(f"{tablet.seat(seat)}.has-incident")


def draw_signature(page: Page) -> None:
    box = page.locator("#detail-body canvas.signature").bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + 30, box["y"] + box["height"] * 0.6)
    page.mouse.down()
    for step in range(1, 14):
        page.mouse.move(box["x"] + 30 + step * 28, box["y"] + box["height"] * (0.6 - step * 0.03))
    page.mouse.up()


def test_the_sheet_shows_what_the_server_holds_after_each_save(tablets, tmp_path):
    a = tablets("inv1")
    asked = no_native_dialogs(a.page)
    a.open_room()
    report(a, 5, "T2.2")
    a.open_incident(5)
    sheet = a.page.locator("#detail-body")

    image = np.full((600, 800, 3), 200, np.uint8)
    cv2.putText(image, "notes", (200, 300), cv2.FONT_HERSHEY_SIMPLEX, 3, (0, 0, 0), 6)
    path = tmp_path / "notes.jpg"
    cv2.imwrite(str(path), image)
    a.page.set_input_files("#detail-body input[type=file]", str(path))
    a.page.wait_for_selector("#detail-body .thumbs img")
    a.page.wait_for_function(SYNCED)
    assert not re.search(r"\d+ 张照片待同步", sheet.inner_text()), sheet.inner_text()
    a.shoot("sheet-after-photo")

    draw_signature(a.page)
    a.page.click("#detail-body button[data-action='save-signature']")
    a.page.wait_for_selector("#detail-body .ack-body p.done")
    assert "考生已于" in sheet.inner_text()
    assert a.page.locator("#detail-body canvas.signature").count() == 0, "an empty pad again"
    shown = a.page.wait_for_selector("#detail-body img.signature-shown")
    thumb = a.page.request.get(a.server.url + str(shown.get_attribute("src")))
    pixels = cv2.imdecode(np.frombuffer(thumb.body(), np.uint8), cv2.IMREAD_COLOR)
    assert pixels.mean() > 200, "the signature must show on white, not as a black box"
    a.shoot("sheet-after-signature")

    a.page.locator("#detail-body .seized input").nth(0).fill("手机一部（黑色）")
    a.page.locator("#detail-body .seized input").nth(1).fill("考务办公室保管箱 3 号")
    a.page.click("#detail-body button[data-action='seize']")
    a.page.wait_for_selector("#detail-body .seized-list li[data-seized]")
    assert "手机一部（黑色）" in sheet.inner_text()
    assert "待同步" not in a.page.inner_text("#detail-body .seized-list")
    a.shoot("sheet-after-seized")

    a.page.fill("#detail-body .addenda textarea", "考生称手机为他人所放。")
    a.page.click("#detail-body button[data-action='add-addendum']")
    a.page.wait_for_function("document.querySelector('#detail-body .addenda-list')"
                             ".innerText.includes('考生称手机为他人所放')")
    a.page.wait_for_function(SYNCED)
    assert "待同步" not in a.page.inner_text("#detail-body .addenda-list")
    a.shoot("sheet-after-addendum")

    a.page.click("#detail-body button[data-action='give-back']")
    a.page.fill("#detail-body li[data-seized] input", "考生本人")
    # Another save redraws the sheet (as a live event does): the open form and what was typed
    # in it stay where the finger is.
    a.page.fill("#detail-body .addenda textarea", "物品已当场归还。")
    a.page.click("#detail-body button[data-action='add-addendum']")
    a.page.wait_for_function("document.querySelector('#detail-body .addenda-list')"
                             ".innerText.includes('物品已当场归还')")
    a.page.wait_for_function(SYNCED)
    assert a.page.input_value("#detail-body li[data-seized] input") == "考生本人"
    a.page.click("#detail-body button[data-action='confirm-return']")
    a.page.wait_for_function("document.querySelector('#detail-body .seized-list')"
                             ".innerText.includes('已于')")
    assert "考生本人" in a.page.inner_text("#detail-body .seized-list")
    assert asked == [], f"native dialogs: {asked}"


def test_a_refusal_from_the_server_is_shown_in_chinese_in_front_of_the_sheet(tablets):
    a = tablets("inv1")
    no_native_dialogs(a.page)
    a.open_room()
    report(a, 7, "T2.1")
    a.open_incident(7)
    a.page.click("#detail-body button[data-action='refuse']")
    a.page.wait_for_selector("#detail-body button[data-action='attest']")
    a.page.click("#detail-body button[data-action='attest']")  # one's own refusal: refused
    a.page.wait_for_function("document.querySelector('#toast').matches(':popover-open')"
                             " && document.querySelector('#toast').dataset.kind === 'error'")
    toast = a.page.locator("#toast")
    text = toast.inner_text()
    assert text.startswith("未能记录"), text
    assert not re.search(r"[A-Za-z]{3,}", text), f"English on a Chinese screen: {text}"
    box = toast.bounding_box()
    assert box is not None
    on_top = a.page.evaluate("([x, y]) => document.elementFromPoint(x, y)?.id",
                             [box["x"] + box["width"] / 2, box["y"] + box["height"] / 2])
    assert on_top == "toast", "the message must be in front of the sheet, not behind it"
    a.shoot("sheet-refused-in-front")


def test_the_id_check_ticked_after_the_status_is_recorded(tablets):
    a = tablets("inv1")
    a.open_room()
    ticket = a.ticket(9)
    a.card(9)
    a.page.click("#card-body button.status-present")
    a.page.wait_for_function(SYNCED)
    a.page.check("#id-checked")
    marks: list[dict[str, Any]] = []
    for _ in range(50):  # the write goes through the outbox: poll the server, at most 10 s
        state = api(a.page, a.server.url, "get", "/api/v1/sittings/1/rooms/1/state")
        seat = next(s for s in state["seats"] if s.get("ticket_no") == ticket)
        marks = list(seat["attendance"].values())
        if any(m["id_checked"] for m in marks):
            break
        a.page.wait_for_timeout(200)
    assert any(m["status"] == "present" and m["id_checked"] for m in marks), marks
    a.page.wait_for_function(SYNCED)
    a.close_dialogs()
    a.card(9)  # drawn again from the server's state: the tick is there
    a.page.wait_for_function("document.querySelector('#id-checked').checked", timeout=5000)


def test_words_on_the_card_the_form_and_the_board(tablets):
    a, chief = tablets("inv1"), tablets("chief")
    asked = no_native_dialogs(a.page)
    a.open_room()
    a.card(11)
    body = a.page.inner_text("#card-body")
    assert "null" not in body and "undefined" not in body, body
    a.page.click("#card-body button.remind[data-rule='T1.1']")
    a.page.wait_for_selector("#card-body .pending-reminder")
    reminder = a.page.inner_text("#card-body .pending-reminder p")
    assert "已提醒：请将违规物品放到指定位置" in reminder, reminder
    assert "拒不改正" not in reminder, reminder
    a.close_dialogs()

    a.card(12)
    a.page.click("#card-body button.danger.big")
    a.page.wait_for_selector("#incident[open]")
    a.page.click("#incident-body button.rule-choice[data-rule='T1.4']")
    preview = a.page.inner_text("#incident-body .rule-preview")
    assert "一类违纪" in preview and "第 1 级" not in preview, preview
    assert re.search(r"（(理论知识|操作技能)）", preview) and "theory" not in preview, preview
    a.page.click("#incident-body button.rule-choice[data-rule='T3.4']")
    assert "三类违纪" in a.page.inner_text("#incident-body .rule-preview")
    a.page.click("#incident-body button[data-action='add-impostor']")
    a.page.fill("#incident-body input[name='impostor-name']", "赵替考")
    a.page.fill("#incident-body input[name='impostor-id']",
                make_id_number("110105", date(1990, 3, 7), 123))
    a.page.click("#incident-body button[data-action='confirm-impostor']")
    assert "赵替考" in a.page.inner_text("#incident-body .parties")
    a.shoot("incident-form-impostor")
    a.page.click("#save-incident")
    a.page.wait_for_selector("#incident[open]", state="detached")
    a.page.wait_for_selector(f"{a.seat(12)}.has-incident")
    a.card(12)
    assert "违纪事件" in a.page.inner_text("#card-body .incidents h3")
    a.shoot("card-with-incident")
    assert asked == [], f"native dialogs: {asked}"

    chief.open("/review/")
    chief.page.wait_for_selector("#queue li[data-incident]")
    chief.page.wait_for_selector("html[data-live='1']")
    chief.page.wait_for_timeout(500)  # the connect's catch-up replays the earlier reports
    assert chief.page.is_hidden("#alert-badge"), "old incidents counted as new"
    queue = chief.page.inner_text("#queue")
    assert "三类违纪" in queue or "二类违纪" in queue or "一类违纪" in queue, queue
    chief.shoot("board-words")


def test_a_decided_incident_on_the_board_offers_to_view_it(tablets):
    a, chief = tablets("inv1"), tablets("chief")
    a.open_room()
    report(a, 14, "T2.1")
    incidents = api(chief.page, a.server.url, "get", "/api/v1/sittings/1/incidents")
    ticket = a.ticket(14)
    incident = next(i for i in incidents if i["parties"][0]["ticket_no"] == ticket)
    chief.open("/review/")
    token = chief.page.evaluate("document.querySelector('meta[name=csrf-token]').content")
    answer = chief.page.request.post(
        f"{a.server.url}/api/v1/incidents/{incident['id']}/decision",
        data={"decision": "dismiss", "note": "核实后不成立"}, headers={"X-CSRFToken": token})
    assert answer.ok, answer.text()
    chief.open("/review/")
    row = chief.page.wait_for_selector(f"#decided li[data-incident='{incident['id']}']")
    assert "查看" in row.inner_text() and "审核" not in row.inner_text(), row.inner_text()
