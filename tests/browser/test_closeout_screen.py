"""The room record's close-out on the tablet (768×1024): the papers counted, the sign-off refused
in Chinese while a discrepancy is unexplained, the explanations entered, the sign-off done and
shown; the other tablet of the room sees the counts live; the record printed to A4 and read
back with pdftotext (counts, discrepancies, explanations, venue times)."""

from __future__ import annotations

import re
import shutil
import subprocess
import uuid
from datetime import UTC, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from browser_kit import SCREENSHOTS, api, room_a_candidates

pytestmark = pytest.mark.browser

VENUE = ZoneInfo("Asia/Shanghai")   # the demo's PROCTOR_TIMEZONE (the default)
LIVE_WITHIN_MS = 3_000
ENGLISH = re.compile(r"[A-Za-z]{2,}[\s,.;:'’]+[A-Za-z]{2,}")


def venue_moment(hour: int, minute: int) -> datetime:
    return datetime.combine(datetime.now(VENUE).date(), time(hour, minute), tzinfo=VENUE)


def flat(text: str) -> str:
    return re.sub(r"\s", "", text)


def pdf_text(pdf: Path) -> str:
    return subprocess.run(["pdftotext", "-raw", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout


def test_closeout_refuses_then_signs_off_and_prints(tablets):
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext is missing: apt-get install poppler-utils")
    a, b = tablets("inv1"), tablets("inv2")
    base = a.server.url
    a.open("/floor/")
    b.open("/floor/")
    room, _ = room_a_candidates(a)
    seated = api(a.page, base, "get",   # those who sit theory: none is checked in yet
                 f"/api/v1/sittings/1/rooms/{room}/record/theory")["absentees"]
    late, *others = seated
    for c in others:
        api(a.page, base, "post", f"/api/v1/sittings/1/candidates/{c['ticket_no']}/attendance",
            {"status": "present", "subject": "theory"})
    api(a.page, base, "post", f"/api/v1/sittings/1/candidates/{late['ticket_no']}/attendance",
        {"status": "absent", "subject": "theory"})
    api(b.page, base, "post", f"/api/v1/sittings/1/candidates/{late['ticket_no']}/attendance",
        {"status": "late", "subject": "theory"})
    power_cut = venue_moment(9, 47)
    api(a.page, base, "post", f"/api/v1/sittings/1/rooms/{room}/log", {
        "client_id": uuid.uuid4().hex, "kind": "power_cut", "subject": "theory",
        "note": "照明中断约五分钟", "observed_at": power_cut.isoformat()})
    present = len(seated)
    path = f"/floor/sittings/1/rooms/{room}/record/theory"
    a.open(path)
    b.open(path)
    b.page.wait_for_timeout(500)   # its live connection is up

    # The counts: one paper fewer collected than handed out.
    a.page.fill("#closeout-form input[name=handed_out]", str(present))
    a.page.fill("#closeout-form input[name=collected]", str(present - 1))
    with a.page.expect_navigation():
        a.page.click("#closeout-form button[type=submit]")
    assert a.page.inner_text("dd.collected") == str(present - 1)
    # The other tablet of the room sees the counts without touching anything.
    b.page.wait_for_selector(f"dd.collected:text-is('{present - 1}')", timeout=LIVE_WITHIN_MS)
    items = a.page.locator("li.discrepancy")
    assert [items.nth(i).get_attribute("data-key") for i in range(items.count())] == [
        "collected_vs_handed_out", "collected_vs_present",
        f"checked_in_twice:{late['ticket_no']}"]

    # Sign-off refused, in Chinese, the unexplained discrepancies marked.
    a.page.click("#signoff")
    a.page.wait_for_selector("#closeout-message:not([hidden])")
    refusal = a.page.inner_text("#closeout-message")
    assert "未说明" in refusal and not ENGLISH.search(refusal), refusal
    assert a.page.locator("li.discrepancy.refused").count() == 3
    screen = a.page.inner_text("main")
    assert not ENGLISH.search(screen) and "null" not in screen, ENGLISH.search(screen)
    a.check_layout()
    a.shoot("closeout-refused")
    assert a.page.get_attribute("article.room-record", "data-closed") == "0"

    # Explain each, one after another (each save reads the record again).
    texts = {"collected_vs_handed_out": "考生在交卷时撕毁一份试卷，已另行报告",
             "collected_vs_present": "同上，撕毁的试卷未收回",
             f"checked_in_twice:{late['ticket_no']}": "开考时未到，九点后到场，改记为迟到"}
    for key, text in texts.items():
        form = f"form.explain[data-key='{key}']"
        a.page.fill(f"{form} textarea", text)
        with a.page.expect_navigation():
            a.page.click(f"{form} button[type=submit]")
    assert a.page.locator("li.discrepancy.open").count() == 0
    with a.page.expect_navigation():
        a.page.click("#signoff")
    signed = a.page.inner_text("article.room-record")
    assert "张明" in signed and a.page.locator("#signoff").count() == 0
    assert a.page.locator("#closeout-form").count() == 0   # nothing is entered once signed
    a.shoot("closeout-signed")
    assert not ENGLISH.search(a.page.inner_text("main")), ENGLISH.search(a.page.inner_text("main"))

    # Printed on A4 and read back.
    record = api(a.page, base, "get", f"/api/v1/sittings/1/rooms/{room}/record/theory")
    late_at = datetime.fromisoformat(record["late"][0]["at"]).astimezone(VENUE)
    a.page.emulate_media(media="print")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    pdf = SCREENSHOTS / "closeout-record-a4.pdf"   # kept to read again
    a.page.pdf(path=str(pdf), format="A4", print_background=True)
    text = pdf_text(pdf)
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "2", str(pdf),
                    str(SCREENSHOTS / "closeout-record-a4")], check=True)
    for words in ("发出试卷", "收回试卷", "交卷清点与异常说明", *texts.values(),
                  f"收回试卷（{present - 1}份）与发出试卷（{present}份）不符",
                  "的签到被记录了不止一次", "迟到考生", late["name"], "停电", "照明中断约五分钟",
                  "09:47", late_at.strftime("%H:%M")):
        assert flat(words) in flat(text), (words, text)
    assert power_cut.astimezone(UTC).strftime("%H:%M") not in text
    assert late_at.astimezone(UTC).strftime("%H:%M") not in text
    assert "UTC" not in text
    assert record["signoffs"][0]["hash"] == record["hash"]
    assert record["closeout"]["collected"] == present - 1
