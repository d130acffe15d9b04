"""The decision notice (处理决定书) in real Chromium: renders in Chinese and prints to an A4 PDF."""

from __future__ import annotations

from typing import Any

import pytest
from browser_kit import ROOT, api, decide, issue_notice, report_incident, room_a_candidates

pytestmark = pytest.mark.browser


def confirmed_incident(inv, chief) -> tuple[int, dict[str, Any]]:
    """inv1 reports a T2.1 in room A; the chief examiner confirms it."""
    _, seated = room_a_candidates(chief)
    target = seated[0]
    made = report_incident(inv, target["ticket_no"], "T2.1", subject="theory",
                           description="考生在理论知识考试中使用手机查阅答案，经制止后交出手机。")
    decide(chief, made["id"], note="事实清楚")
    return made["id"], target


def test_notice_renders_in_chinese_and_prints_to_pdf(tablets, tmp_path):
    inv, chief = tablets("inv1"), tablets("chief")
    iid, candidate = confirmed_incident(inv, chief)
    base = chief.server.url
    notice = issue_notice(chief, iid)
    api(chief.page, base, "post", f"/api/v1/notices/{notice['id']}/service",
        {"method": "in_person", "served_on": notice["issued_on"]})
    response = chief.open(f"/notices/{notice['id']}")
    assert response is not None and response.status == 200
    sheet = chief.page.inner_text(".notice-sheet")
    for text in ("处理决定书", candidate["name"], notice["id_number"],
                 "《职业技能等级认定考生须知》第三条第1项", "上海市人工智能行业协会", "复核",
                 notice["number"]):
        assert text in sheet, text
    assert "T2.1" not in sheet   # the attachment's numbering, never the internal code
    assert len(notice["id_number"]) == 18 and "*" not in notice["id_number"]
    # Chinese glyphs really render: the title is as wide as five CJK characters, not boxes.
    width = chief.page.evaluate(
        "() => document.querySelector('.notice-sheet h1').getBoundingClientRect().width")
    assert width > 100
    chief.shoot("notice-zh")
    # Printed: no top bar, no buttons; A4.
    chief.page.emulate_media(media="print")
    assert not chief.page.is_visible(".topbar") and not chief.page.is_visible(".notice-tools")
    target = tmp_path / "notice.pdf"
    chief.page.pdf(path=str(target), format="A4", print_background=True)
    data = target.read_bytes()
    assert data.startswith(b"%PDF") and len(data) > 5_000
    (ROOT / "test-artifacts").mkdir(exist_ok=True)
    (ROOT / "test-artifacts" / "notice-zh-chromium.pdf").write_bytes(data)
    chief.page.emulate_media(media="screen")
    # The server's own PDF (reportlab) downloads too.
    download = chief.page.request.get(f"{base}/notices/{notice['id']}.pdf")
    assert download.ok and download.body().startswith(b"%PDF")
    assert download.headers["cache-control"] == "no-store"
    (ROOT / "test-artifacts" / "notice-zh-reportlab.pdf").write_bytes(download.body())


def test_invigilator_cannot_open_the_notice(tablets):
    inv, chief = tablets("inv1"), tablets("chief")
    iid, _ = confirmed_incident(inv, chief)
    notice = issue_notice(chief, iid)
    response = inv.open(f"/notices/{notice['id']}")
    assert response is not None and response.status == 403
    assert notice["id_number"] not in inv.text()
