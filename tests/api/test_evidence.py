"""Evidence through the API: photos kept byte for byte, viewing rights, verification, purge,
signatures and attested refusals, addenda, seized items."""

from __future__ import annotations

import hashlib
import io
from datetime import timedelta

import cv2
import numpy as np
from helpers import cid, now_iso

from proctor.database import utcnow


def jpeg(width=640, height=480, seed=1) -> bytes:
    rng = np.random.default_rng(seed)
    image = rng.integers(0, 255, (height, width, 3), dtype=np.uint8)
    ok, data = cv2.imencode(".jpg", image)
    assert ok
    return data.tobytes()


def png_signature() -> bytes:
    canvas = np.full((240, 640, 3), 255, np.uint8)
    cv2.line(canvas, (20, 200), (600, 40), (0, 0, 0), 4)
    ok, data = cv2.imencode(".png", canvas)
    assert ok
    return data.tobytes()


def upload(api, iid, data, name="photo.jpg", client_id=None, **fields):
    form = {"file": (io.BytesIO(data), name), "client_id": client_id or cid(),
            "source": "tablet_camera", "taken_at": now_iso(), **fields}
    return api.post(f"/api/v1/incidents/{iid}/evidence", data=form,
                    content_type="multipart/form-data")


def test_photo_is_kept_unchanged_and_replays_are_harmless(app, make_sitting, auth, make_incident):
    s = make_sitting()
    inv = auth.login("inv1")
    iid = make_incident(inv, s)["id"]
    data = jpeg()
    key = cid()
    first = upload(inv, iid, data, client_id=key)
    assert first.status_code == 201, first.get_json()
    body = first.get_json()
    assert body["sha256"] == hashlib.sha256(data).hexdigest()
    assert (body["width"], body["height"]) == (640, 480) and body["taken_by"] == "inv1"
    again = upload(inv, iid, data, client_id=key)
    assert again.status_code == 200 and again.get_json()["id"] == body["id"]
    original = inv.get(f"/api/v1/evidence/{body['id']}/original")
    assert original.status_code == 200 and original.get_data() == data
    assert original.headers["Cache-Control"] == "no-store"
    assert "attachment" in original.headers["Content-Disposition"]
    assert f"evidence-{body['id']}-original.jpeg" in original.headers["Content-Disposition"]
    thumb = inv.get(f"/api/v1/evidence/{body['id']}/thumb")
    assert thumb.status_code == 200 and thumb.get_data()[:2] == b"\xff\xd8"
    assert inv.get(f"/api/v1/evidence/{body['id']}/verify").get_json()["ok"] is True
    listed = inv.get(f"/api/v1/incidents/{iid}/evidence").get_json()
    assert [e["id"] for e in listed] == [body["id"]]


def test_tampered_file_is_caught_by_verify(app, make_sitting, auth, make_incident):
    s = make_sitting()
    inv = auth.login("inv1")
    iid = make_incident(inv, s)["id"]
    body = upload(inv, iid, jpeg(seed=2)).get_json()
    from proctor.services import evidence_store

    with app.app_context():
        path = evidence_store.path_for(body["sha256"])
        path.chmod(0o640)
        path.write_bytes(path.read_bytes() + b"tampered")
    verdict = inv.get(f"/api/v1/evidence/{body['id']}/verify").get_json()
    assert verdict["ok"] is False and verdict["actual"] != verdict["sha256"]


def test_bad_images_get_clear_errors(make_sitting, auth, make_incident):
    s = make_sitting()
    inv = auth.login("inv1")
    iid = make_incident(inv, s)["id"]
    cases = [
        (b"just some text, not a photo", "note.jpg", 422, "not_an_image"),
        (b"PK\x03\x04" + b"\x00" * 60, "archive.jpg", 422, "not_an_image"),
        (jpeg()[:300], "cut.jpg", 422, "corrupt_image"),
    ]
    for data, name, status, code in cases:
        response = upload(inv, iid, data, name=name)
        assert response.status_code == status, response.get_json()
        assert response.get_json()["error"]["code"] == code
    missing = inv.post(f"/api/v1/incidents/{iid}/evidence", data={"client_id": cid()},
                       content_type="multipart/form-data")
    assert missing.status_code == 422
    assert inv.get(f"/api/v1/incidents/{iid}/evidence").get_json() == []


def test_only_staff_of_the_room_see_evidence(make_sitting, auth, make_incident):
    s = make_sitting()
    inv, other_room, chief, body = (auth.login(n) for n in ("inv1", "inv3", "chief", "body"))
    iid = make_incident(inv, s)["id"]
    eid = upload(inv, iid, jpeg(seed=3)).get_json()["id"]
    for api, status in ((other_room, 403), (chief, 200), (body, 200)):
        assert api.get(f"/api/v1/evidence/{eid}/thumb").status_code == status
        assert api.get(f"/api/v1/evidence/{eid}/verify").status_code == status
    assert upload(other_room, iid, jpeg(seed=4)).status_code == 403
    assert auth.client().get(f"/api/v1/evidence/{eid}/original").status_code == 401


def test_signature_binds_the_record_and_a_refusal_needs_a_second_invigilator(make_sitting, auth,
                                                                             make_incident):
    s = make_sitting()
    inv1, inv2 = auth.login("inv1"), auth.login("inv2")
    signed_iid = make_incident(inv1, s, tickets=[s["tickets"][0]])["id"]
    signed = inv1.post(f"/api/v1/incidents/{signed_iid}/signature", data={
        "file": (io.BytesIO(png_signature()), "signature.png"), "client_id": cid()},
        content_type="multipart/form-data")
    assert signed.status_code == 201, signed.get_json()
    assert signed.get_json()["kind"] == "signed" and signed.get_json()["complete"] is True
    record_hash = signed.get_json()["record_hash"]
    evidence = inv1.get(f"/api/v1/incidents/{signed_iid}/evidence").get_json()
    assert evidence[0]["kind"] == "signature"
    assert evidence[0]["signs_record_hash"] == record_hash
    twice = inv1.post(f"/api/v1/incidents/{signed_iid}/refusal", json={"client_id": cid()})
    assert twice.status_code == 409 and twice.get_json()["error"]["code"] == "already_acknowledged"
    addendum = inv1.post(f"/api/v1/incidents/{signed_iid}/addenda",
                         json={"client_id": cid(), "text": "座位号更正为 5"})
    assert addendum.status_code == 201

    refused_iid = make_incident(inv1, s, tickets=[s["tickets"][2]])["id"]
    refusal = inv1.post(f"/api/v1/incidents/{refused_iid}/refusal", json={"client_id": cid()})
    assert refusal.status_code == 201 and refusal.get_json()["complete"] is False
    aid = refusal.get_json()["id"]
    own = inv1.post(f"/api/v1/acknowledgements/{aid}/attest")
    assert own.status_code == 403
    assert own.get_json()["error"]["code"] == "second_invigilator_required"
    attested = inv2.post(f"/api/v1/acknowledgements/{aid}/attest")
    assert attested.status_code == 200
    assert attested.get_json()["complete"] is True and attested.get_json()["attested_by"] == "inv2"


def test_seized_item_and_receipt(make_sitting, auth, make_incident):
    s = make_sitting()
    inv = auth.login("inv1")
    iid = make_incident(inv, s)["id"]
    made = inv.post(f"/api/v1/incidents/{iid}/seized", json={
        "client_id": cid(), "description": "手机一部（黑色）", "kept_at": "考务办公室保管箱 3 号",
        "seized_at": now_iso()})
    assert made.status_code == 201, made.get_json()
    item = made.get_json()
    assert item["ticket_no"] == s["tickets"][0] and item["returned_at"] is None
    receipt = inv.get(item["receipt_url"])
    assert receipt.status_code == 200 and "手机一部（黑色）" in receipt.get_data(as_text=True)
    back = inv.post(f"/api/v1/seized/{item['id']}/return", json={"returned_to": "考生本人"})
    assert back.status_code == 200 and back.get_json()["returned_to"] == "考生本人"
    other = inv.post(f"/api/v1/seized/{item['id']}/return", json={"returned_to": "someone"})
    assert other.status_code == 409


def test_purge_deletes_files_of_dismissed_incidents_only(app, make_sitting, auth, runner,
                                                         make_incident, decide):
    s = make_sitting()
    inv, chief = auth.login("inv1"), auth.login("chief")
    dismissed = make_incident(inv, s, tickets=[s["tickets"][0]])["id"]
    kept = make_incident(inv, s, tickets=[s["tickets"][2]])["id"]
    gone = upload(inv, dismissed, jpeg(seed=5)).get_json()
    stays = upload(inv, kept, jpeg(seed=6)).get_json()
    decide(chief, dismissed, "dismiss")
    from proctor.extensions import db
    from proctor.models import Decision
    from proctor.services import evidence_store

    with app.app_context():
        row = db.session.scalar(db.select(Decision).where(Decision.incident_id == dismissed))
        row.decided_at = utcnow() - timedelta(days=400)
        db.session.commit()
    result = runner.invoke(args=["evidence", "purge", "--days", "180"])
    assert result.exit_code == 0, result.output
    assert "purged 1 evidence record(s), deleted 1 file(s)" in result.output
    with app.app_context():
        assert not evidence_store.path_for(gone["sha256"]).exists()
        assert evidence_store.path_for(stays["sha256"]).exists()
    assert inv.get(f"/api/v1/evidence/{gone['id']}/original").status_code == 410
    assert inv.get(f"/api/v1/evidence/{gone['id']}/verify").get_json()["ok"] is False
    body = auth.login("body")
    audit = body.get("/api/v1/audit/verify").get_json()
    assert audit["ok"] is True


def _set_camera(app, room_id, source):
    from proctor.extensions import db
    from proctor.models import Room

    with app.app_context():
        db.session.get(Room, room_id).camera_source = source
        db.session.commit()


def test_snapshot_from_the_room_camera(app, make_sitting, auth, tmp_path, make_incident):
    import time

    from proctor.camera import make_demo_video

    s = make_sitting()
    _set_camera(app, s["rooms"][0], str(make_demo_video(tmp_path / "cam.avi", seconds=3)))
    inv, body = auth.login("inv1"), auth.login("body")
    iid = make_incident(inv, s)["id"]
    key = cid()
    shot = inv.post(f"/api/v1/incidents/{iid}/evidence/camera", json={"client_id": key})
    assert shot.status_code == 201, shot.get_json()
    assert shot.get_json()["source"] == "room_camera" and shot.get_json()["width"] == 640
    replay = inv.post(f"/api/v1/incidents/{iid}/evidence/camera", json={"client_id": key})
    assert replay.status_code == 200 and replay.get_json()["id"] == shot.get_json()["id"]
    probe = body.post(f"/api/v1/sittings/{s['id']}/rooms/{s['rooms'][0]}/camera/test")
    assert probe.get_json()["ok"] is True
    preview = body.get(f"/api/v1/sittings/{s['id']}/rooms/{s['rooms'][0]}/camera/preview")
    assert preview.status_code == 200 and preview.get_data()[:2] == b"\xff\xd8"

    _set_camera(app, s["rooms"][0], "http://127.0.0.1:9/nothing.mjpg")
    started = time.monotonic()
    dead = inv.post(f"/api/v1/incidents/{iid}/evidence/camera", json={"client_id": cid()})
    assert dead.status_code == 503 and dead.get_json()["error"]["code"] == "camera_unavailable"
    assert time.monotonic() - started < 5.5
    no_camera = make_incident(inv, s, tickets=[s["tickets"][2]])["id"]
    _set_camera(app, s["rooms"][0], None)
    answer = inv.post(f"/api/v1/incidents/{no_camera}/evidence/camera", json={"client_id": cid()})
    assert answer.status_code == 422 and answer.get_json()["error"]["code"] == "no_camera"


def test_phone_photos_through_the_api(make_sitting, auth, make_incident):
    """4032×3024 JPEG, PNG and WebP made with OpenCV, stored rotated with an EXIF orientation:
    the original comes back byte for byte, the thumbnail is upright and carries no EXIF."""
    import media

    s = make_sitting()
    inv = auth.login("inv1")
    iid = make_incident(inv, s)["id"]
    upright = media.upright_scene()
    stored = media.stored_as(upright, 6)  # rotated 90°, to be turned back by orientation 6
    tiff = media.exif_tiff(6)
    files = {
        "jpeg": media.jpeg_with_exif(media.encode(stored, ".jpg"), tiff),
        "png": media.png_with_exif(media.encode(stored, ".png"), tiff),
        "webp": media.webp_with_exif(media.encode(stored, ".webp", cv2.IMWRITE_WEBP_QUALITY, 80),
                                     tiff, stored.shape[1], stored.shape[0]),
    }
    for kind, data in files.items():
        made = upload(inv, iid, data, name=f"photo.{kind}")
        assert made.status_code == 201, (kind, made.get_json())
        body = made.get_json()
        assert body["sha256"] == hashlib.sha256(data).hexdigest() and body["media_type"] == \
            f"image/{kind}"
        assert inv.get(f"/api/v1/evidence/{body['id']}/original").get_data() == data
        thumb = inv.get(f"/api/v1/evidence/{body['id']}/thumb").get_data()
        assert 0xE1 not in media.jpeg_markers(thumb)  # no APP1: no EXIF, no GPS
        image = media.decode(thumb)
        assert image.shape[1] > image.shape[0]  # landscape again: upright
        x, y = media.red_centre(image)
        assert x < 0.25 and y < 0.25  # the marker is top-left
