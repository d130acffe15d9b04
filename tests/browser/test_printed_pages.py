"""The papers as the chief examiner prints them: Chromium prints the room record, the decision
notice and the seized-item receipt to A4 PDFs; pdftotext reads what is on them, and each
first page is kept as a PNG in test-artifacts/screenshots/ to look at (issue #9, items 6–8)."""

from __future__ import annotations

import re
import shutil
import subprocess
import uuid
from datetime import UTC, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from browser_kit import SCREENSHOTS, api, decide, issue_notice, report_incident, room_a_candidates
from playwright.sync_api import Page

pytestmark = pytest.mark.browser

VENUE = ZoneInfo("Asia/Shanghai")   # the demo's PROCTOR_TIMEZONE (the default)
WHAT = "考生在理论知识考试中使用手机查阅答案，经制止后交出手机。"
CITATION = "《职业技能等级认定考生须知》第三条第1项"
ENGLISH = re.compile(r"[A-Za-z]{2,}[\s,.;:'’]+[A-Za-z]{2,}")
A4_WIDTH_PT, A4_HEIGHT_PT = 595.3, 841.9
MM = 72 / 25.4


def venue_moment(hour: int, minute: int) -> datetime:
    """Today (the demo sitting's day) at hour:minute venue time."""
    return datetime.combine(datetime.now(VENUE).date(), time(hour, minute), tzinfo=VENUE)


def tools() -> None:
    for tool in ("pdftotext", "pdftoppm"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is missing: apt-get install poppler-utils")


def print_a4(page: Page, target: Path) -> Path:
    """What "Print" gives on A4 in headless Chromium."""
    page.emulate_media(media="print")
    page.pdf(path=str(target), format="A4", print_background=True)
    page.emulate_media(media="screen")
    assert target.read_bytes().startswith(b"%PDF")
    return target


def pdf_text(pdf: Path) -> str:
    """The text in the order it was drawn (-raw): a table cell's lines stay together."""
    return subprocess.run(["pdftotext", "-raw", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout


def flat(text: str) -> str:
    return re.sub(r"\s", "", text)


def words_box(pdf: Path) -> tuple[float, float, float, float]:
    """The smallest box holding every word on every page, in points: left, top, right, bottom."""
    html = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    boxes = [tuple(float(v) for v in m) for m in re.findall(
        r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)"', html)]
    assert boxes, "no text on the PDF"
    return (min(b[0] for b in boxes), min(b[1] for b in boxes),
            max(b[2] for b in boxes), max(b[3] for b in boxes))


def assert_margins(pdf: Path, at_least_mm: float = 15) -> None:
    left, top, right, bottom = words_box(pdf)
    edge = at_least_mm * MM
    assert left >= edge and top >= edge, (left / MM, top / MM)
    assert A4_WIDTH_PT - right >= edge and A4_HEIGHT_PT - bottom >= edge, (
        (A4_WIDTH_PT - right) / MM, (A4_HEIGHT_PT - bottom) / MM)


def keep_png(pdf: Path, name: str) -> Path:
    """Page 1 as test-artifacts/screenshots/<name>.png (later pages as <name>-2.png …)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(pdf), str(SCREENSHOTS / name)],
                   check=True)
    pages = sorted(SCREENSHOTS.glob(f"{name}-*.png"))
    assert pages, f"pdftoppm wrote no page for {name}"
    first = SCREENSHOTS / f"{name}.png"
    pages[0].replace(first)
    for number, extra in enumerate(pages[1:], 2):
        extra.replace(SCREENSHOTS / f"{name}-{number}.png")
    return first


def assert_chinese_letter(text: str) -> None:
    for internal in ("T1.", "T2.", "T3.", "事件 #", "事件#"):
        assert internal not in text, (internal, text)
    assert not re.search(r"#\s*\d", text), text
    assert not ENGLISH.search(text), ENGLISH.search(text)


def test_printed_room_record_notice_and_receipt(tablets, tmp_path):
    tools()
    inv, chief = tablets("inv1"), tablets("chief")
    base = chief.server.url
    room_a, seated = room_a_candidates(chief)
    target, other = seated[0], seated[1]
    seat = target["seat"]["seat_no"]
    observed, started = venue_moment(15, 42), venue_moment(9, 5)
    api(inv.page, base, "post", f"/api/v1/sittings/1/rooms/{room_a}/log", {
        "client_id": uuid.uuid4().hex, "kind": "subject_started", "subject": "theory",
        "observed_at": started.isoformat()})
    made = report_incident(inv, target["ticket_no"], "T2.1", subject="theory",
                           observed_at=observed.isoformat(), description=WHAT)
    item = api(inv.page, base, "post", f"/api/v1/incidents/{made['id']}/seized", {
        "client_id": uuid.uuid4().hex, "description": "手机一部（黑色）",
        "kept_at": "考务办公室保管箱 3 号", "seized_at": observed.isoformat()})
    decide(chief, made["id"], note="事实清楚")
    warning = api(inv.page, base, "post", "/api/v1/sittings/1/warnings", {
        "client_id": uuid.uuid4().hex, "ticket_no": other["ticket_no"], "subject": "theory",
        "rule_code": "T1.2", "observed_at": venue_moment(9, 35).isoformat()})
    api(inv.page, base, "post", f"/api/v1/warnings/{warning['id']}/outcome",
        {"outcome": "refused"})
    notice = issue_notice(chief, made["id"])
    api(chief.page, base, "post", f"/api/v1/notices/{notice['id']}/service",
        {"method": "in_person", "served_on": notice["issued_on"]})
    utc_hhmm = observed.astimezone(UTC).strftime("%H:%M")

    # 6. The room record, as the chief prints it.
    chief.open(f"/floor/sittings/1/rooms/{room_a}/record/theory")
    record_pdf = print_a4(chief.page, tmp_path / "record.pdf")
    record = pdf_text(record_pdf)
    keep_png(record_pdf, "room-record-a4")
    assert flat(record).count("考场情况记录表") == 1, record
    assert "监考员监考员" not in flat(record) and "张明" in record
    assert "15:42" in record and utc_hhmm not in record
    assert "09:05" in record and started.astimezone(UTC).strftime("%H:%M") not in record
    assert "UTC" not in record
    for words in (target["name"], target["ticket_no"], "使用规定以外的电子设备", "已确认",
                  "取消当次全部科目成绩", other["name"], "09:35经提醒拒不改正", "已报告"):
        assert flat(words) in flat(record), (words, record)
    assert_margins(record_pdf)

    # 7. The decision notice: printed from the page, and the server's own PDF.
    chief.open(f"/notices/{notice['id']}")
    notice_pdf = print_a4(chief.page, tmp_path / "notice.pdf")
    keep_png(notice_pdf, "notice-a4")
    download = chief.page.request.get(f"{base}/notices/{notice['id']}.pdf")
    assert download.ok
    reportlab_pdf = tmp_path / "notice-reportlab.pdf"
    reportlab_pdf.write_bytes(download.body())
    keep_png(reportlab_pdf, "notice-reportlab-a4")
    rule_text = notice["content"]["rule"]["text"]["zh"]
    when = f"{observed.year}年{observed.month}月{observed.day}日15时42分"
    for printed in (pdf_text(notice_pdf), pdf_text(reportlab_pdf)):
        for words in ("处理决定书", target["name"], target["ticket_no"], CITATION, when,
                      f"座位号：{seat}", WHAT, rule_text, "取消你本次评价全部科目", "复核"):
            assert flat(words) in flat(printed), (words, printed)
        assert flat(printed).count(flat(rule_text)) == 1
        assert_chinese_letter(printed)
    assert_margins(notice_pdf)

    # 8. The receipt for the seized phone: ticket and seat on it.
    inv.open(item["receipt_url"])
    receipt_pdf = print_a4(inv.page, tmp_path / "receipt.pdf")
    keep_png(receipt_pdf, "receipt-a4")
    receipt = pdf_text(receipt_pdf)
    for words in ("手机一部（黑色）", target["name"], target["ticket_no"], "座位号", str(seat),
                  "考务办公室保管箱", "15:42"):
        assert flat(words) in flat(receipt), (words, receipt)
    assert_margins(receipt_pdf)
    # … and the chief sees the item on the incident's review page, with the receipt's link.
    chief.open(f"/review/incidents/{made['id']}")
    seized = chief.page.inner_text("#seized")
    assert "手机一部（黑色）" in seized and target["name"] in seized and "15:42" in seized
    assert chief.page.locator(f"#seized a[href='{item['receipt_url']}']").count() == 1
