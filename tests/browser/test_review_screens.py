"""The chief examiner's screens in real Chromium: the live board learns of an incident as the
invigilator reports it; the chief confirms it with a reason and a countersignature."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def test_board_updates_live_and_the_chief_confirms(tablets):
    inv, chief = tablets("inv1"), tablets("chief", "1024x768")
    chief.open("/review/sittings/1")
    chief.page.wait_for_selector(".room-tile")
    chief.page.wait_for_selector("html[data-live='1']")
    before = chief.page.locator("#queue li[data-incident]").count()
    inv.open_room()
    inv.card(24)
    inv.page.click("#card-body button.danger.big")
    inv.page.wait_for_selector("#incident[open]")
    inv.page.click("#incident-body button.rule-choice[data-rule='T2.4']")
    inv.page.click("#save-incident")
    chief.page.wait_for_function(
        f"document.querySelectorAll('#queue li[data-incident]').length > {before}",
        timeout=3_000)
    assert chief.page.is_visible("#alert-badge")
    assert "T2.4" in chief.page.inner_text("#alert-badge")
    chief.check_layout()
    chief.shoot("board-zh")
    with chief.page.expect_navigation():
        chief.page.click("#queue li[data-incident] a.button >> nth=-1")
    chief.page.fill("#decision textarea[name=note]", "监控画面与试卷收发记录一致")
    chief.page.check("#decision input[name=countersign]")
    chief.shoot("review-zh")
    with chief.page.expect_navigation():
        chief.page.click("#decision button[value=confirm]")
    assert chief.page.inner_text(".chip.status-confirmed") == "已确认"
    assert "监控画面与试卷收发记录一致" in chief.text()
    # Due process, from the same page: issue the notice, record its service.
    chief.page.click("#due-process button.primary")
    chief.page.wait_for_selector("#due-process .notice-block")
    chief.page.click("#due-process .notice-block form button[type=submit]")
    chief.page.wait_for_function(
        "document.querySelector('#due-process .notice-block').innerText.includes('复核')")
    chief.shoot("due-process-zh")
    notice_url = chief.page.get_attribute("#due-process .notice-block a.button", "href")
    assert notice_url is not None
    chief.open(notice_url)
    assert "处理决定书" in chief.text()
