"""The conduct screens (/authority/conduct) in real Chromium at both tablet sizes: the evaluation
body records an invigilator's misconduct, attaches a photo, and another member of the body
decides it and issues the notice, all through the pages; the notice shows its number, hash and
venue time, in Chinese. Every page is photographed (test-artifacts/screenshots/conduct-*.png)
and checked for touch targets and overflow."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import cv2
import numpy as np
import pytest
from browser_kit import api

if TYPE_CHECKING:
    from browser_kit import Tablet

pytestmark = pytest.mark.browser

PASSWORD = "a long password for body2"
ENGLISH = re.compile(r"\b(staff|training|record|decision|notice|measure|evidence|null|None|"
                     r"UTC|reported|confirmed)\b", re.IGNORECASE)


def jpeg() -> bytes:
    pixels = np.random.default_rng(7).integers(0, 255, (480, 640, 3), dtype=np.uint8)
    cv2.rectangle(pixels, (200, 150), (440, 330), (0, 0, 255), -1)
    return cv2.imencode(".jpg", pixels)[1].tobytes()


# Every page keeps to its Content-Security-Policy: no violation, no script error.
LISTEN_JS = """
window.__violations = [];
document.addEventListener('securitypolicyviolation', (e) => window.__violations.push(
  `${e.violatedDirective} blocked ${e.blockedURI || 'inline'}`));
"""


def shoot(tablet: Tablet, name: str) -> None:
    tablet.page.evaluate("window.scrollTo(0, 0)")
    assert tablet.page.evaluate("() => window.__violations") == [], tablet.page.url
    tablet.shoot(name)


def no_english(text: str) -> None:
    words = [w for w in ENGLISH.findall(text)]
    assert words == [], words


def test_record_attach_decide_and_issue_through_the_pages(tablet: Tablet) -> None:
    page = tablet.page
    errors: list[str] = []
    page.context.add_init_script(LISTEN_JS)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda m: errors.append(f"{m.text} {m.location.get('url')}")
            if m.type == "error" and not m.location.get("url", "").endswith("/favicon.ico")
            else None)
    tablet.login("authority")
    second = f"body{tablet.size.replace('x', '')}"
    tablet.open("/authority/")
    api(page, tablet.server.url, "post", "/api/v1/users",
        {"username": second, "role": "authority", "password": PASSWORD,
         "display_name": "评价机构复核员"})

    with page.expect_navigation():
        page.click("nav.authority-nav a[href='/authority/conduct/']")
    assert page.inner_text("h1") == "工作人员及培训机构违纪违规"
    tablet.check_layout()
    with page.expect_navigation():
        page.click("a[href='/authority/conduct/new']")
    form = page.locator("#new-conduct")
    # The codes follow the kind of subject: B codes for a training body, S codes for staff.
    page.check("input[name=subject_kind][value=training_body]")
    assert page.locator("#new-conduct select[name=code] option:not([disabled])").first \
        .get_attribute("value") == "B1.1"
    page.check("input[name=subject_kind][value=staff]")
    page.fill("#new-conduct [name=staff_username]", "inv1")
    page.select_option("#new-conduct [name=sitting_id]", index=1)
    page.select_option("#new-conduct [name=code]", "S1.1")
    assert "使用手机" in page.inner_text("#code-text")
    page.fill("#new-conduct [name=observed_at]", "2025-06-28T10:05")
    page.fill("#new-conduct [name=description]",
              "第一考场监考员在考试期间多次使用手机浏览与考务无关的内容。")
    tablet.check_layout()
    no_english(page.inner_text("main"))
    shoot(tablet, "conduct-new")
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    assert re.search(r"/authority/conduct/\d+$", page.url), page.url
    record_url = page.url.removeprefix(tablet.server.url)
    assert "2025-06-28 10:05" in page.inner_text(".conduct-record")
    assert "待处理" in page.inner_text(".conduct-record")

    page.set_input_files("#conduct-file input[name=file]",
                         {"name": "现场照片.jpg", "mimeType": "image/jpeg", "buffer": jpeg()})
    with page.expect_navigation():
        page.click("#conduct-file button[type=submit]")
    page.wait_for_selector(".conduct-files img")
    assert page.evaluate("document.querySelector('.conduct-files img').naturalWidth") > 0
    # The one who recorded it is not offered the decision.
    assert page.locator("#conduct-decision").count() == 0
    tablet.check_layout()
    no_english(page.inner_text("main"))
    shoot(tablet, "conduct-record-reported")

    page.context.clear_cookies()
    tablet.login(second, PASSWORD)
    tablet.open(record_url)
    page.click("[data-measure='暂停监考资格']")
    assert page.input_value("#conduct-decision [name=measure]") == "暂停监考资格"
    page.fill("#conduct-decision [name=reasons]", "巡考记录与考场监控录像一致，本人亦承认。")
    tablet.check_layout()
    shoot(tablet, "conduct-decide")
    with page.expect_navigation():
        page.click("#conduct-decision button[type=submit]")
    assert page.inner_text(".measure") == "暂停监考资格"
    assert "评价机构复核员" in page.inner_text("main")  # who decided, by name
    with page.expect_navigation():
        page.click("#issue-notice")
    number = page.inner_text(".notice-number")
    assert re.fullmatch(r"JL-\d{4}-\d{3}", number), number
    tablet.check_layout()
    no_english(page.inner_text("main"))
    shoot(tablet, "conduct-record-decided")

    with page.expect_navigation():
        page.click("a:has-text('打开通知书')")
    sheet = page.inner_text(".notice-sheet")
    for expected in ("工作人员违纪违规处理通知书", number, "2025年6月28日10时05分",
                     "暂停监考资格", "巡考记录与考场监控录像一致", "SHA-256"):
        assert expected in sheet.replace(" ", "") or expected in sheet, expected
    assert re.search(r"SHA-256 [0-9a-f]{64}", sheet)
    no_english(sheet.replace("SHA-256", ""))
    shoot(tablet, "conduct-notice")

    tablet.open("/authority/conduct/")
    assert number in page.inner_text(".conduct-table")
    shoot(tablet, "conduct-list")
    # English is one tap away, with the code's own English wording.
    tablet.open(record_url)
    tablet.switch_language("English")
    assert "Did not perform exam duties as required" in page.inner_text("main")
    tablet.check_layout()
    shoot(tablet, "conduct-record-en")
    assert errors == []
