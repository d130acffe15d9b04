"""The deadlines on the chief examiner's board in real Chromium: a decision due, a review window
and a review outcome due, in venue dates, in Chinese and one tap away in English; a new
incident reported on a tablet appears among them live; each row's case file downloads."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from browser_kit import api, decide, issue_notice, report_incident, room_a_candidates

pytestmark = pytest.mark.browser


def test_board_shows_what_falls_due_and_when(tablets):
    inv, chief = tablets("inv1"), tablets("chief", "1024x768")
    base = chief.server.url
    chief.open("/review/sittings/1")
    _, candidates = room_a_candidates(inv)
    served = report_incident(inv, candidates[0]["ticket_no"], "T2.1")
    reviewed = report_incident(inv, candidates[1]["ticket_no"], "T2.2")
    for incident in (served, reviewed):
        decide(chief, incident["id"], note="事实清楚")
    for incident in (served, reviewed):
        notice = issue_notice(chief, incident["id"])
        api(chief.page, base, "post", f"/api/v1/notices/{notice['id']}/service",
            {"method": "in_person", "served_on": notice["issued_on"]})
        if incident is reviewed:
            api(chief.page, base, "post", f"/api/v1/notices/{notice['id']}/review",
                {"received_on": notice["issued_on"], "grounds": "本人未与他人交流"})
    listed = api(chief.page, base, "get", "/api/v1/sittings/1/deadlines")

    chief.open("/review/sittings/1")
    chief.page.wait_for_selector("html[data-live='1']")
    chief.page.wait_for_function(
        f"document.querySelectorAll('#deadlines li[data-deadline]').length === {len(listed)}")
    section = chief.page.inner_text("#deadlines")
    assert "可申请复核至" in section and "复核决定期限" in section
    assert all(d["due_on"] in section for d in listed)     # venue dates, as the server gave

    waiting = report_incident(inv, candidates[2]["ticket_no"], "T2.1")  # on a tablet: live
    chief.page.wait_for_selector(
        f"#deadlines li[data-deadline='decision_due'][data-incident='{waiting['id']}']",
        timeout=5_000)
    assert "处理决定期限" in chief.page.inner_text("#deadlines")
    chief.check_layout()
    chief.shoot("board-deadlines-zh")

    href = chief.page.get_attribute(
        f"#deadlines li[data-incident='{reviewed['id']}'] a[href*='case-file']", "href")
    assert href is not None
    download = chief.page.request.get(base + href)
    assert download.ok and download.headers["content-type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(download.body()))
    assert json.loads(archive.read("incident.json"))["id"] == reviewed["id"]

    chief.switch_language("English")
    chief.page.wait_for_function(
        "document.querySelectorAll('#deadlines li[data-deadline]').length > 0")
    section = chief.page.inner_text("#deadlines")
    assert "Decision due" in section and "Review outcome due" in section
    chief.check_layout()
    chief.shoot("board-deadlines-en")
