"""Evidence on the tablet in real Chromium: a photo through the file picker while offline
arrives exactly once; the candidate signs on the canvas."""

from __future__ import annotations

import hashlib

import cv2
import numpy as np
import pytest
from browser_kit import api

pytestmark = pytest.mark.browser
WAITING_ZERO = "document.querySelector('#sync').dataset.waiting === '0'"


def photo(tmp_path) -> tuple[str, str]:
    image = np.zeros((900, 1200, 3), np.uint8)
    cv2.rectangle(image, (50, 50), (400, 300), (0, 0, 255), -1)
    cv2.putText(image, "evidence", (450, 500), cv2.FONT_HERSHEY_SIMPLEX, 3, (255, 255, 255), 5)
    path = tmp_path / "phone-on-desk.jpg"
    cv2.imwrite(str(path), image)
    return str(path), hashlib.sha256(path.read_bytes()).hexdigest()


def test_photo_taken_offline_arrives_exactly_once(tablets, tmp_path):
    a, chief = tablets("inv1"), tablets("chief")
    a.open_room()
    a.page.wait_for_selector("html[data-offline-ready='1']")
    path, sha = photo(tmp_path)
    ticket = a.ticket(18)
    a.page.context.set_offline(True)
    a.report(18)                      # the incident itself waits in the outbox …
    a.open_incident(18)
    a.page.set_input_files("#detail-body input[type=file]", path)  # … and so does the photo
    a.page.wait_for_function("document.querySelector('#sync').dataset.waiting === '2'")
    a.page.context.set_offline(False)
    a.page.wait_for_function(WAITING_ZERO, timeout=20_000)
    base = a.server.url
    incidents = [i for i in api(chief.page, base, "get", "/api/v1/sittings/1/incidents")
                 if i["parties"][0]["ticket_no"] == ticket]
    assert len(incidents) == 1
    evidence = api(chief.page, base, "get", f"/api/v1/incidents/{incidents[0]['id']}/evidence")
    assert [(e["kind"], e["sha256"], e["taken_by"]) for e in evidence] == [
        ("photo", sha, "inv1")]
    original = chief.page.request.get(f"{base}/api/v1/evidence/{evidence[0]['id']}/original")
    assert hashlib.sha256(original.body()).hexdigest() == sha
    a.page.keyboard.press("Escape")
    a.open_incident(18)
    a.page.wait_for_selector("#detail-body .thumbs img")
    a.shoot("incident-evidence")


def test_candidate_signs_on_the_canvas(tablets):
    a, chief = tablets("inv1"), tablets("chief")
    a.open_room()
    ticket = a.ticket(22)
    a.report(22, "T2.2")
    a.page.wait_for_function(WAITING_ZERO)
    a.page.wait_for_selector(f"{a.seat(22)}.has-incident")
    a.open_incident(22)
    canvas = a.page.locator("#detail-body canvas.signature")
    box = canvas.bounding_box()
    assert box is not None
    a.page.mouse.move(box["x"] + 20, box["y"] + box["height"] * 0.7)
    a.page.mouse.down()
    for step in range(1, 12):
        a.page.mouse.move(box["x"] + 20 + step * 25, box["y"] + box["height"] * (0.7 - step * 0.04))
    a.page.mouse.up()
    a.shoot("signature")
    a.page.click("#detail-body button[data-action='save-signature']")
    base = a.server.url
    incident = next(i for i in api(chief.page, base, "get", "/api/v1/sittings/1/incidents")
                    if i["parties"][0]["ticket_no"] == ticket)
    url = f"/api/v1/incidents/{incident['id']}/acknowledgements"
    for _ in range(50):  # the PNG is made and sent in the background: poll, at most 10 s
        acks = api(chief.page, base, "get", url)
        if acks:
            break
        chief.page.wait_for_timeout(200)
    assert [(x["kind"], x["complete"]) for x in acks] == [("signed", True)]
    evidence = api(chief.page, base, "get", f"/api/v1/incidents/{incident['id']}/evidence")
    assert evidence[0]["kind"] == "signature" and evidence[0]["media_type"] == "image/png"
    assert evidence[0]["signs_record_hash"] == acks[0]["record_hash"]
