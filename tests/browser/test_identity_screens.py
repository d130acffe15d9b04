"""The identity check (人证核验) in real Chromium at 768×1024: the evaluation body imports the
registration photos (checked first, then imported), the invigilator's card shows the photo
large and, after a photo at the door, both faces side by side at one size; a mismatch reaches
the chief's board live (two browser contexts), and the T3.4 report gets both pictures as
evidence."""

from __future__ import annotations

import face_media
import pytest
from browser_kit import SCREENSHOTS, api, room_a_candidates

pytestmark = pytest.mark.browser

SAME_SIZE_JS = """() => [...document.querySelectorAll('#card-body .photo-pair img')].map((img) => {
  const box = img.getBoundingClientRect();
  return [Math.round(box.width), Math.round(box.height), img.naturalWidth, img.naturalHeight,
          img.complete];
})"""


def import_photos(body, tickets: list[str]) -> None:
    body.open("/authority/sittings/1")
    content = face_media.zip_of({f"{t}.jpg": face_media.jpeg(face_media.variant(i))
                                 for i, t in enumerate(tickets)} | {"stranger.jpg": b"x"})
    body.page.set_input_files("#photos-form input[name=file]", files=[{
        "name": "photos.zip", "mimeType": "application/zip", "buffer": content}])
    body.page.click("#photos-form button[type=submit]")
    body.page.wait_for_selector("#photos-problems:not([hidden])")
    assert "stranger.jpg" in body.page.inner_text("#photos-problems")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    body.page.locator("#photos").screenshot(
        path=str(SCREENSHOTS / f"photos-preview-problems-zh-{body.size}.png"))
    good = face_media.zip_of({f"{t}.jpg": face_media.jpeg(face_media.variant(i))
                              for i, t in enumerate(tickets)})
    body.page.set_input_files("#photos-form input[name=file]", files=[{
        "name": "photos.zip", "mimeType": "application/zip", "buffer": good}])
    body.page.click("#photos-form button[type=submit]")
    body.page.wait_for_selector("#photos-ready:not([hidden])")
    shown = [int(body.page.inner_text(f"#photos-preview [data-count='{key}']"))
             for key in ("new", "unchanged")]
    assert sum(shown) == len(tickets)  # new, or imported by an earlier test of the module
    body.page.locator("#photos").screenshot(
        path=str(SCREENSHOTS / f"photos-preview-zh-{body.size}.png"))
    body.page.click("#photos-import")
    body.page.wait_for_selector("#photos-message.success")
    assert "照片已导入" in body.page.inner_text("#photos-message")


def test_card_shows_the_photo_and_a_mismatch_reaches_the_board(tablets):
    inv, chief, body = tablets("inv1"), tablets("chief", "1024x768"), tablets("authority")
    room_a, seated = room_a_candidates(inv)
    import_photos(body, [c["ticket_no"] for c in seated])
    chief.open("/review/sittings/1")
    chief.page.wait_for_selector(".room-tile")
    chief.page.wait_for_selector("html[data-live='1']")
    assert chief.page.is_hidden("#identity-alerts")

    inv.open_room()
    inv.page.wait_for_selector(".seat img.seat-photo")
    first = seated[0]
    seat_no = first["seat"]["seat_no"]
    inv.card(seat_no)
    inv.page.wait_for_function("document.querySelector('#card-body .id-photo.registration img')"
                               "?.naturalWidth > 0")
    sizes = inv.page.evaluate(SAME_SIZE_JS)
    assert len(sizes) == 1 and sizes[0][0] >= 200  # the registration photo, large
    inv.shoot("identity-card-registration-zh")

    inv.page.set_input_files("#card-body input[type=file][capture]", files=[{
        "name": "door.jpg", "mimeType": "image/jpeg", "buffer": face_media.door_photo()}])
    inv.page.wait_for_selector("#card-body .photo-pair.compare .id-photo.checkin img")
    inv.page.wait_for_function("[...document.querySelectorAll('#card-body .photo-pair img')]"
                               ".every((i) => i.complete && i.naturalWidth > 0)")
    sizes = inv.page.evaluate(SAME_SIZE_JS)
    assert len(sizes) == 2
    assert sizes[0][:2] == sizes[1][:2]  # side by side at one size on the screen
    assert sizes[0][2:4] == sizes[1][2:4] == [240, 300]  # both face crops, the same size
    assert "未检测到人脸" not in inv.page.inner_text("#card-body .photo-pair")
    inv.page.click("#card-body .verdict button[data-photo='mismatch']")
    chief.page.wait_for_selector(f"#identity-list li[data-ticket='{first['ticket_no']}']",
                                 timeout=5_000)
    assert chief.page.is_visible("#alert-badge")
    assert "人像不一致" in chief.page.inner_text("#alert-badge")
    chief.shoot("board-identity-mismatch-zh")
    inv.page.wait_for_selector("#card-body button[data-action='report-impostor']")
    inv.page.wait_for_selector("#card-body .verdict button[data-photo='mismatch']"
                               "[aria-pressed='true']")
    inv.check_layout()
    inv.shoot("identity-card-compare-zh")

    inv.page.click("#card-body button[data-action='report-impostor']")
    inv.page.wait_for_selector("#incident[open]")
    assert inv.page.is_visible("#incident-body .rule-choice.chosen[data-rule='T3.4']")
    inv.shoot("identity-report-t34-zh")
    inv.page.click("#save-incident")
    inv.page.wait_for_selector("#incident[open]", state="detached")
    incidents = api(inv.page, inv.server.url, "get", "/api/v1/sittings/1/incidents")
    rows = incidents["incidents"] if isinstance(incidents, dict) else incidents
    mine = [i for i in rows if i["rule_code"] == "T3.4"]
    assert mine, rows
    evidence = api(inv.page, inv.server.url, "get", f"/api/v1/incidents/{mine[-1]['id']}/evidence")
    assert sorted(e["source"] for e in evidence) == ["checkin", "registration"]
    assert all(len(e["sha256"]) == 64 for e in evidence)


def test_a_picture_without_a_face_says_so(tablets):
    inv, body = tablets("inv1"), tablets("authority")
    _, seated = room_a_candidates(inv)
    import_photos(body, [c["ticket_no"] for c in seated[:2]])
    inv.open_room()
    inv.card(seated[1]["seat"]["seat_no"])
    inv.page.set_input_files("#card-body input[type=file][capture]", files=[{
        "name": "door.jpg", "mimeType": "image/jpeg", "buffer": face_media.no_face()}])
    inv.page.wait_for_selector("#card-body .id-photo.checkin .face-note")
    assert inv.page.inner_text("#card-body .id-photo.checkin .face-note") == "未检测到人脸"
    inv.page.set_input_files("#card-body input[type=file][capture]", files=[{
        "name": "door.jpg", "mimeType": "image/jpeg", "buffer": face_media.two_faces()}])
    inv.page.wait_for_function("document.querySelector('#card-body .id-photo.checkin .face-note')"
                               "?.innerText === '检测到多张人脸'")
    inv.shoot("identity-card-two-faces-zh")
