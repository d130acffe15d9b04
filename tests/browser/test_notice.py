"""The decision notice (处理决定书) in real Chromium: renders in Chinese and prints to an A4 PDF."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from browser_kit import ROOT
from playwright.sync_api import Page

pytestmark = pytest.mark.browser


def api(page: Page, base: str, method: str, path: str, body: Any = None) -> Any:
    token = page.get_attribute("meta[name=csrf-token]", "content") or ""
    call = getattr(page.request, method)
    kwargs = {"headers": {"X-CSRFToken": token}} if method != "get" else {}
    if body is not None:
        kwargs["data"] = body
    response = call(base + path, **kwargs)
    assert response.ok, f"{method.upper()} {path}: {response.status} {response.text()}"
    return response.json()


def confirmed_incident(inv, chief) -> tuple[int, dict[str, Any]]:
    """inv1 reports a T2.1 in room A; the chief examiner confirms it."""
    base = chief.server.url
    candidates = api(chief.page, base, "get", "/api/v1/sittings/1/candidates")
    room_a = api(chief.page, base, "get", "/api/v1/sittings/1")["rooms"][0]["id"]
    target = next(c for c in candidates if c["seat"] and c["seat"]["room_id"] == room_a)
    made = api(inv.page, base, "post", "/api/v1/sittings/1/incidents", {
        "client_id": uuid.uuid4().hex, "rule_code": "T2.1",
        "observed_at": datetime.now(UTC).isoformat(), "subject": "theory",
        "description": "考生在理论知识考试中使用手机查阅答案，经制止后交出手机。",
        "parties": [{"ticket_no": target["ticket_no"]}]})
    api(chief.page, base, "post", f"/api/v1/incidents/{made['id']}/decision",
        {"decision": "confirm", "note": "事实清楚"})
    return made["id"], target


def test_notice_renders_in_chinese_and_prints_to_pdf(tablets, tmp_path):
    inv, chief = tablets("inv1"), tablets("chief")
    iid, candidate = confirmed_incident(inv, chief)
    base = chief.server.url
    notice, = api(chief.page, base, "post", f"/api/v1/incidents/{iid}/notices", {})
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
    notice, = api(chief.page, chief.server.url, "post", f"/api/v1/incidents/{iid}/notices", {})
    response = inv.open(f"/notices/{notice['id']}")
    assert response is not None and response.status == 403
    assert notice["id_number"] not in inv.text()
