"""The candidate's own page on a phone (390×844), in real Chromium: the candidate opens the
link printed on the pre-decision notice, fails the identity check until the limit is shown,
passes it once the limit has passed, sends a statement with a photo and gets a receipt number;
the chief examiner's board, open all along, names the statement live."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from browser_kit import DemoServer, Tablet, api, report_incident, room_a_candidates, serve_demo
from media import encode, upright_scene

pytestmark = pytest.mark.browser

STATEMENT = "我当时只是看了一下时间，没有使用手机查答案。"
LIMIT_SECONDS = 4


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoServer]:
    with serve_demo(tmp_path_factory.mktemp("demo-candidate"),
                    {"PROCTOR_PRE_NOTICE_TIERS": "2,3",
                     "PROCTOR_CANDIDATE_CHECK_LIMIT": f"2 per {LIMIT_SECONDS} seconds"}) as server:
        yield server


@pytest.fixture
def phone(chromium_browser, demo_server) -> Iterator[Tablet]:
    context = chromium_browser.new_context(viewport={"width": 390, "height": 844},
                                           device_scale_factor=1, has_touch=True,
                                           is_mobile=True, locale="zh-CN",
                                           timezone_id="Asia/Shanghai")
    context.set_default_timeout(15_000)
    try:
        yield Tablet(context.new_page(), demo_server, "390x844")
    finally:
        context.close()


def test_the_candidate_answers_from_a_phone_and_the_chief_sees_it(tablets, phone):
    inv, chief = tablets("inv1"), tablets("chief", "1024x768")
    inv.open("/")
    _room, seated = room_a_candidates(inv)
    ticket = seated[0]["ticket_no"]
    incident = report_incident(inv, ticket, "T2.1")
    base = chief.server.url
    chief.open("/review/sittings/1")
    chief.page.wait_for_selector("html[data-live='1']")
    api(chief.page, base, "post", f"/api/v1/incidents/{incident['id']}/decision",
        {"decision": "propose", "note": "拟取消本次全部科目成绩"})
    pre, = api(chief.page, base, "post", f"/api/v1/incidents/{incident['id']}/pre-notices", {})
    api(chief.page, base, "post", f"/api/v1/pre-notices/{pre['id']}/service",
        {"method": "in_person",  # the venue's day (it is tomorrow's from 16:00 UTC)
         "served_on": datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()})

    letter = chief.page.context.new_page()
    letter.goto(base + f"/pre-notices/{pre['id']}")
    link = letter.inner_text(".candidate-link .url").strip()
    assert letter.is_visible(".candidate-link .qr svg")
    id_tail = letter.inner_text(".id-number").strip()[-6:]
    letter.close()
    chief.open("/review/sittings/1")
    chief.page.wait_for_selector("html[data-live='1']")

    page = phone.page
    page.goto(link)
    assert "身份证号码后6位" in phone.text()
    for _attempt in range(2):
        page.fill("input[name=ticket_no]", ticket)
        page.fill("input[name=id_tail]", "000000")
        with page.expect_navigation():
            page.click("form.stack button[type=submit]")
        assert "不符" in phone.text()
    page.fill("input[name=ticket_no]", ticket)
    page.fill("input[name=id_tail]", "000000")
    with page.expect_navigation():
        page.click("form.stack button[type=submit]")
    page.wait_for_selector("[data-candidate-limited]")
    assert "尝试次数过多" in phone.text()

    time.sleep(LIMIT_SECONDS + 1)
    page.goto(link)
    page.fill("input[name=ticket_no]", ticket)
    page.fill("input[name=id_tail]", id_tail)
    with page.expect_navigation():
        page.click("form.stack button[type=submit]")
    page.wait_for_selector("[data-statement-form]")
    text = phone.text()
    assert "处理事先告知书" in text and pre["notice_no"] in text
    assert "送达回证" not in text
    phone.check_layout()

    page.fill("[data-statement-form] textarea[name=text]", STATEMENT)
    page.set_input_files("[data-statement-form] input[type=file]", files=[{
        "name": "note.jpg", "mimeType": "image/jpeg",
        "buffer": encode(upright_scene(640, 480), ".jpg")}])
    phone.shoot("candidate-page")
    with page.expect_navigation():
        page.click("[data-statement-form] button[value=state]")
    page.wait_for_selector("[data-candidate-receipt]")
    receipt = page.inner_text(".receipt-no")
    assert receipt.startswith(pre["notice_no"] + "-S")
    phone.shoot("candidate-receipt")

    chief.page.wait_for_selector("#alert-badge[data-answer=statement_received]")
    assert pre["notice_no"] in chief.page.inner_text("#alert-badge")
    statements = api(chief.page, base, "get", f"/api/v1/pre-notices/{pre['id']}")
    assert [s["text"] for s in statements["statements"]] == [STATEMENT]
    assert statements["statements"][0]["attachments"][0]["media_type"] == "image/jpeg"

    # English is one tap away, from the receipt too: back on the letter, which lists it.
    phone.switch_language("English")
    assert receipt in phone.text()
    assert "Photos cited in this letter" in phone.text()
