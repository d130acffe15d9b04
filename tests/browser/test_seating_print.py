"""Fair seating in real Chromium: the evaluation body tries a seed on the sitting page, then
arranges the demo's sitting (56 candidates in two 5 × 6 rooms, 37 of them from one training
body: more than the 30 the rooms hold apart, so the page names the body and lists the pairs
left); the seating plan (座位表), the door list (门贴) and the desk labels (桌贴) are printed to
A4 PDFs, read back with pdftotext and kept as PNGs in test-artifacts/screenshots/; the chief
opens them too, an invigilator may not."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from browser_kit import SCREENSHOTS, api
from playwright.sync_api import Page

pytestmark = pytest.mark.browser

VENUE = ZoneInfo("Asia/Shanghai")
FULL_ID = re.compile(r"\d{17}[\dX]")
MASKED_ID = re.compile(r"\d{3}\*{11}[\dX]{4}")
ENGLISH = re.compile(r"[A-Za-z]{2,}[\s,.;:'’]+[A-Za-z]{2,}")


def tools() -> None:
    for tool in ("pdftotext", "pdftoppm", "pdfinfo"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is missing: apt-get install poppler-utils")


def print_a4(page: Page, target: Path) -> Path:
    page.emulate_media(media="print")
    page.pdf(path=str(target), format="A4", print_background=True, prefer_css_page_size=True)
    page.emulate_media(media="screen")
    assert target.read_bytes().startswith(b"%PDF")
    return target


def pdf_text(pdf: Path) -> str:
    return subprocess.run(["pdftotext", "-raw", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout


def pages_of(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True,
                          check=True).stdout
    return int(re.search(r"Pages:\s+(\d+)", info).group(1))  # type: ignore[union-attr]


def keep_png(pdf: Path, name: str) -> Path:
    """Page 1 of the PDF as test-artifacts/screenshots/<name>.png (at 80 dpi)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile",
                    str(pdf), str(SCREENSHOTS / name)], check=True)
    return SCREENSHOTS / f"{name}.png"


def flat(text: str) -> str:
    return re.sub(r"\s", "", text)


def test_the_body_arranges_the_seats_and_the_sheets_print_in_chinese(tablets, tmp_path):
    tools()
    body = tablets("authority")
    base = body.server.url
    body.open("/authority/sittings/1#seating")
    page = body.page
    page.fill("#seating-form [name=seed]", "20250628")
    page.select_option("#seating-form [name=separate_by]", "training_body")
    page.click("#seating-form button[value=preview]")
    page.wait_for_selector("#seating-message.success")
    assert "未保存" in page.inner_text("#seating-message")
    page.click("#seating-form button[value=run]")
    page.wait_for_function(
        "document.querySelector('#seating-message').textContent.includes('座位已编排')")
    section = page.inner_text("#seating")
    assert "上海某职业技能培训中心：共 37 名考生" in section
    assert "最多只能让同一机构的 30 名" in section
    pairs = page.locator("#seating-pairs tbody tr")
    assert pairs.count() >= 7 and page.inner_text("[data-count=seed]") == "20250628"
    assert "null" not in section and "undefined" not in section
    page.locator("#seating").scroll_into_view_if_needed()
    page.locator("#seating").screenshot(path=str(SCREENSHOTS / "seating-section-768x1024.png"))

    candidates = api(page, base, "get", "/api/v1/sittings/1/candidates")
    assert all(c["seat"] for c in candidates) and len(candidates) == 56
    sitting = api(page, base, "get", "/api/v1/sittings/1")
    theory = next(s for s in sitting["subjects"] if s["code"] == "theory")
    starts = datetime.fromisoformat(theory["starts_at"]).astimezone(VENUE).strftime("%H:%M")
    utc = datetime.fromisoformat(theory["starts_at"]).astimezone(ZoneInfo("UTC")).strftime(
        "%H:%M")

    # 座位表: a sheet per room, the front, every candidate with ticket and masked ID number.
    body.open("/seating/sittings/1/plan")
    body.shoot("seating-plan-screen")
    plan_pdf = print_a4(page, tmp_path / "plan.pdf")
    keep_png(plan_pdf, "seating-plan-a4")
    plan = pdf_text(plan_pdf)
    assert pages_of(plan_pdf) == 2 and flat(plan).count("座位表") == 2
    assert "讲台" in plan and "第一考场" in plan and "第二考场" in plan
    for c in candidates:
        assert flat(c["name"]) in flat(plan) and c["ticket_no"] in plan, c
    assert not FULL_ID.search(plan) and len(MASKED_ID.findall(plan)) == 56
    assert starts in plan and (utc == starts or utc not in plan) and "UTC" not in plan
    assert "20250628" in plan and not ENGLISH.search(plan), ENGLISH.search(plan)

    # 门贴: each room's name, subjects and times, tickets, names and seats; no ID number.
    body.open("/seating/sittings/1/door")
    door_pdf = print_a4(page, tmp_path / "door.pdf")
    keep_png(door_pdf, "seating-door-a4")
    door = pdf_text(door_pdf)
    assert pages_of(door_pdf) == 2 and "理论知识" in door and starts in door
    for c in candidates:
        assert c["ticket_no"] in door and flat(c["name"]) in flat(door)
    assert not FULL_ID.search(door) and not MASKED_ID.search(door)
    assert not ENGLISH.search(door)

    # 桌贴: one label a candidate, ten to a sheet.
    body.open("/seating/sittings/1/labels")
    labels_pdf = print_a4(page, tmp_path / "labels.pdf")
    keep_png(labels_pdf, "seating-labels-a4")
    labels = pdf_text(labels_pdf)
    assert pages_of(labels_pdf) == 6  # 56 labels, 10 a sheet
    assert len(MASKED_ID.findall(labels)) == 56 and not FULL_ID.search(labels)
    assert flat(labels).count("号座") == 56 and not ENGLISH.search(labels)

    # The chief prints the same sheets; an invigilator may not open them.
    chief = tablets("chief")
    chief.open("/review/sittings/1")
    with chief.page.expect_navigation():
        chief.page.click("a.button:has-text('座位表')")
    assert chief.page.locator(".plan-cell[data-ticket]").count() == 56
    inv = tablets("inv1")
    response = inv.open("/seating/sittings/1/door")
    assert response is not None and response.status == 403

    # And once check-in has begun the button is held, saying why.
    ticket = candidates[0]["ticket_no"]
    api(chief.page, base, "post", f"/api/v1/sittings/1/candidates/{ticket}/attendance",
        {"status": "present", "id_checked": True, "subject": "theory"})
    body.open("/authority/sittings/1#seating")
    assert page.locator("#seating-form button[value=run]").is_disabled()
    assert "已开始签到" in page.inner_text("#seating")
