"""The patrol (巡考) on tablets at 768x1024: the evaluation body assigns a patrol in its staff
screen; the patrol flags a seat with a photo, the room's tablet shows it within 2 s, the
invigilator answers, the patrol sees the answer live; the patrol record prints on A4 in venue
time (two browser contexts, the real server)."""

from __future__ import annotations

import re
import subprocess
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import cv2
import numpy as np
import pytest
from browser_kit import SCREENSHOTS, api

pytestmark = pytest.mark.browser

VENUE = ZoneInfo("Asia/Shanghai")
PASSWORD = "patrol password 1"
NOTE = "考生频繁低头看桌下"


def _photo(path: Path) -> Path:
    pixels = np.full((120, 160, 3), 90, dtype=np.uint8)
    cv2.rectangle(pixels, (20, 20), (140, 100), (30, 160, 220), -1)
    cv2.imwrite(str(path), pixels)
    return path


def _assign_patrol(tablets) -> None:
    body = tablets("authority")
    api(body.page, body.server.url, "post", "/api/v1/users", {
        "username": "patrol1", "role": "patrol", "password": PASSWORD,
        "display_name": "巡考 孙伟"})
    body.open("/authority/sittings/1")
    form = body.page.locator("form.staff-form[data-role='patrol']")
    form.locator("select[name=username]").select_option("patrol1")
    with body.page.expect_navigation():
        form.locator("button[type=submit]").click()
    assert "孙伟" in body.page.inner_text("#staff")
    assert "巡考" in body.page.inner_text("#staff")


def test_patrol_flags_the_tablet_shows_it_the_invigilator_answers(tablets, demo_server,
                                                                   tmp_path):
    _assign_patrol(tablets)
    demo_server.passwords["patrol1"] = PASSWORD
    invigilator = tablets("inv1")
    invigilator.open_room(1)
    patrol = tablets("patrol1")
    patrol.shoot("patrol-home")
    home = patrol.text()
    assert "巡考记录表" in home and "进入考场" in home and "没有待核查的巡考标记" in home
    patrol.open_room(1)
    # read-only: no room-log buttons; a tap on a seat opens the flag form, not the card
    assert patrol.page.locator("#log-buttons").count() == 0
    patrol.page.click(patrol.seat(3))
    patrol.page.wait_for_selector("#flag-dialog[open]")
    assert patrol.page.locator("#card[open]").count() == 0
    patrol.page.fill("#flag-note", NOTE)
    patrol.page.set_input_files("#flag-photo", str(_photo(tmp_path / "seat.jpg")))
    patrol.shoot("patrol-flag-form")
    started = time.monotonic()
    patrol.page.click("#flag-body button.primary")
    invigilator.page.wait_for_selector("#flags-banner:not([hidden])", timeout=2000)
    invigilator.page.wait_for_selector(f"{invigilator.seat(3)} .badge.flag", timeout=2000)
    shown_in = time.monotonic() - started
    assert shown_in < 2.0, f"the flag reached the room's tablet in {shown_in:.2f}s"
    assert NOTE in invigilator.page.inner_text("#flags-banner")
    home_page = patrol.page.context.new_page()  # the patrol's home lists the open flag
    home_page.goto(patrol.server.url + "/")
    assert "1 条巡考标记待核查" in home_page.inner_text("li.tile[data-room='1']")
    home_page.screenshot(path=str(SCREENSHOTS / "patrol-home-flagged-768x1024.png"))
    home_page.close()
    invigilator.page.click("#tab-flags-button")
    invigilator.page.wait_for_selector("#flag-list .flag-photo")  # the photo came along
    invigilator.shoot("patrol-flag-on-tablet")
    invigilator.check_layout()
    # the invigilator answers: nothing found, with a note
    item = invigilator.page.locator("#flag-list .flag-item.open").first
    item.locator("button[data-outcome='nothing_found']").click()
    item.locator("input").fill("考生在系鞋带")
    started = time.monotonic()
    item.locator("button.primary").click()
    patrol.page.wait_for_selector(".flag-answer[data-outcome='nothing_found']",
                                  state="attached", timeout=2000)
    assert time.monotonic() - started < 2.0
    invigilator.page.wait_for_selector("#flags-banner", state="hidden")
    patrol.page.click("#tab-flags-button")
    answer = patrol.page.inner_text("#flag-list")
    assert "未发现异常" in answer and "考生在系鞋带" in answer and "张明" in answer
    # the patrol records the visit, then prints and signs the record
    patrol.page.click("#visit-form button.primary")
    patrol.page.wait_for_selector("#toast:has-text('巡考记录')", state="attached")
    patrol.shoot("patrol-room-view")
    _print_and_sign(patrol, tmp_path)


def _print_and_sign(patrol, tmp_path: Path) -> None:
    base = patrol.server.url
    record = api(patrol.page, base, "get", "/api/v1/sittings/1/patrol/record")
    row, = record["content"]["visits"]
    flag, = row["flags"]
    patrol.open("/floor/sittings/1/patrol-record")
    with patrol.page.expect_navigation():
        patrol.page.click("#signoff")
    assert patrol.page.get_attribute("article.patrol-record", "data-signed") == "1"
    patrol.shoot("patrol-record")
    patrol.page.emulate_media(media="print")
    pdf = tmp_path / "patrol-record.pdf"
    patrol.page.pdf(path=str(pdf), format="A4", print_background=True)
    patrol.page.emulate_media(media="screen")
    text = subprocess.run(["pdftotext", "-raw", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    flat = re.sub(r"\s", "", text)
    visited = datetime.fromisoformat(row["visited_at"]).astimezone(VENUE).strftime("%H:%M")
    flagged = datetime.fromisoformat(flag["observed_at"]).astimezone(VENUE).strftime("%H:%M")
    for expected in ("巡考记录表", "孙伟", row["room"], "张明", "李华", visited, flagged,
                     "3号座", NOTE, "未发现异常", "考生在系鞋带", record["record_hash"]):
        assert re.sub(r"\s", "", expected) in flat, expected
    assert "UTC" not in text and "null" not in text and "None" not in text
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(pdf),
                    str(SCREENSHOTS / "patrol-record-pdf")], check=True)
