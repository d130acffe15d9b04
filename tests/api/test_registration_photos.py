"""Registration photos: the ZIP import (dry run first, all or nothing, re-import replaces with an
audit entry), its refusals (ZIP bombs, paths, non-images, unknown tickets) and who may see a
photo (the staff of the candidate's room, the sitting's chief, the evaluation body)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import cv2
import face_media
import numpy as np
from helpers import id_number


def upload(api, sid: int, content: bytes, dry_run: bool = False, name: str = "photos.zip"):
    query = "?dry_run=true" if dry_run else ""
    return api.post(f"/api/v1/sittings/{sid}/photos{query}",
                    data={"file": (io.BytesIO(content), name)},
                    content_type="multipart/form-data")


def counts(app) -> tuple[int, int, int]:
    """Registration photos, audit entries, files kept."""
    from proctor.extensions import db
    from proctor.models import AuditEntry, RegistrationPhoto

    with app.app_context():
        photos = db.session.scalar(db.select(db.func.count()).select_from(RegistrationPhoto))
        audits = db.session.scalar(db.select(db.func.count()).select_from(AuditEntry))
    store = Path(app.config["DATA_DIR"]) / "evidence"
    files = sum(1 for p in store.rglob("*") if p.is_file()) if store.exists() else 0
    return photos, audits, files


def test_dry_run_then_import_then_serve(app, auth, make_sitting):
    sitting = make_sitting()
    sid, tickets = sitting["id"], sitting["tickets"]
    body = auth.login("body")
    content = face_media.zip_of({
        f"{tickets[0]}.jpg": face_media.one_face(),
        f"{id_number(sid * 100 + 1)}.png": face_media.png(face_media.portrait()),  # by ID number
    })
    before = counts(app)
    preview = upload(body, sid, content, dry_run=True)
    assert preview.status_code == 200, preview.get_json()
    assert preview.get_json() == {"matched": 2, "new": 2, "replaced": 0, "unchanged": 0,
                                  "unmatched": [], "errors": []}
    assert counts(app) == before  # a dry run writes nothing: no row, no audit entry, no file
    done = upload(body, sid, content)
    assert done.status_code == 200 and done.get_json()["matched"] == 2
    photos, audits, files = counts(app)
    assert photos == 2 and audits == before[1] + 1 and files == 6  # original, display, thumb

    inv1, inv3, chief = auth.login("inv1"), auth.login("inv3"), auth.login("chief")
    url = f"/api/v1/sittings/{sid}/candidates/{tickets[0]}/photo"
    for who in (inv1, chief, body):
        shown = who.get(url)
        assert shown.status_code == 200 and shown.mimetype == "image/jpeg"
        assert shown.headers["Cache-Control"] == "no-store"
        image = cv2.imdecode(np.frombuffer(shown.data, np.uint8), cv2.IMREAD_COLOR)
        assert image.shape[:2] == (441, 358)
    thumb = inv1.get(url + "?variant=thumb")
    assert thumb.status_code == 200
    assert max(cv2.imdecode(np.frombuffer(thumb.data, np.uint8), 1).shape[:2]) == 160
    refused = inv3.get(url)  # an invigilator of room B: not this candidate's room
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "forbidden"
    assert inv1.get(f"/api/v1/sittings/{sid}/candidates/{tickets[1]}/photo").status_code == 403
    assert inv3.get(f"/api/v1/sittings/{sid}/candidates/{tickets[1]}/photo").status_code == 200
    none = chief.get(f"/api/v1/sittings/{sid}/candidates/{tickets[2]}/photo")
    assert none.status_code == 404 and none.get_json()["error"]["code"] == "photo_not_found"
    assert inv1.get(url + "?variant=face").get_json()["error"]["code"] == "no_face_crop"
    bad = inv1.get(url + "?variant=original")
    assert bad.status_code == 422


def test_room_state_says_who_has_a_photo_and_masks_id_numbers(app, auth, make_sitting):
    sitting = make_sitting()
    sid, tickets = sitting["id"], sitting["tickets"]
    body = auth.login("body")
    assert upload(body, sid, face_media.zip_of({f"{tickets[0]}.jpg":
                                                face_media.one_face()})).status_code == 200
    inv1 = auth.login("inv1")
    state = inv1.get(f"/api/v1/sittings/{sid}/rooms/{sitting['rooms'][0]}/state").get_json()
    seats = {s["ticket_no"]: s for s in state["seats"]}
    assert seats[tickets[0]]["photo"] is True and seats[tickets[2]]["photo"] is False
    full = id_number(sid * 100)
    assert seats[tickets[0]]["id_number"] == full[:3] + "*" * 11 + full[-4:]


def test_reimport_replaces_with_an_audit_entry(app, auth, make_sitting):
    from proctor.extensions import db
    from proctor.models import AuditEntry, RegistrationPhoto

    sitting = make_sitting()
    sid, ticket = sitting["id"], sitting["tickets"][0]
    body = auth.login("body")
    first = face_media.one_face()
    assert upload(body, sid, face_media.zip_of({f"{ticket}.jpg": first})).status_code == 200
    again = upload(body, sid, face_media.zip_of({f"{ticket}.jpg": first}))
    assert again.get_json()["unchanged"] == 1
    second = face_media.jpeg(face_media.variant(7))
    preview = upload(body, sid, face_media.zip_of({f"{ticket}.JPG": second}), dry_run=True)
    assert preview.get_json()["replaced"] == 1
    done = upload(body, sid, face_media.zip_of({f"{ticket}.JPG": second}))
    assert done.status_code == 200 and done.get_json()["replaced"] == 1
    with app.app_context():
        row = db.session.scalar(db.select(RegistrationPhoto))
        replaced = db.session.scalars(db.select(AuditEntry).where(
            AuditEntry.action == "registration_photo_replaced")).all()
    import hashlib

    assert row.sha256 == hashlib.sha256(second).hexdigest()
    assert len(replaced) == 1
    assert replaced[0].data["previous_sha256"] == hashlib.sha256(first).hexdigest()
    assert replaced[0].data["ticket_no"] == ticket


def _bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("T01001.jpg", b"\xff\xd8\xff" + bytes(12 * 1024 * 1024))
    return buffer.getvalue()


def _lying_size(real: bytes) -> bytes:
    """A member whose header declares fewer bytes than it inflates to."""
    content = bytearray(face_media.zip_of({"T01001.jpg": real}, zipfile.ZIP_DEFLATED))
    declared = (len(real) // 2).to_bytes(4, "little")
    local = content.index(b"PK\x03\x04")
    content[local + 22:local + 26] = declared
    central = content.index(b"PK\x01\x02")
    content[central + 24:central + 28] = declared
    return bytes(content)


def test_zips_refused_as_a_whole(app, auth, make_sitting):
    sitting = make_sitting()
    sid = sitting["id"]
    body = auth.login("body")
    before = counts(app)
    cases = {
        "zip_bomb": _bomb(),
        "not_a_zip": b"just some text, not an archive",
    }
    for code, content in cases.items():
        for dry_run in (True, False):
            answer = upload(body, sid, content, dry_run=dry_run)
            assert answer.status_code == 422, (code, answer.get_json())
            assert answer.get_json()["error"]["code"] == code
            assert answer.get_json()["error"]["message"]
    lying = upload(body, sid, _lying_size(face_media.one_face()))
    assert lying.status_code == 422
    assert lying.get_json()["error"]["code"] in {"zip_bomb", "zip_damaged"}
    app.config["PHOTO_ZIP_MAX_FILES"] = 3
    many = upload(body, sid, face_media.zip_of({f"x{i}.jpg": b"x" for i in range(4)}))
    assert many.status_code == 413 and many.get_json()["error"]["code"] == "zip_too_many_files"
    app.config["PHOTO_ZIP_MAX_FILES"] = 20_000
    app.config["PHOTO_ZIP_MAX_UNPACKED"] = 10_000
    big = upload(body, sid, face_media.zip_of({"T01001.jpg": face_media.one_face()}))
    assert big.status_code == 413 and big.get_json()["error"]["code"] == "zip_too_large"
    assert counts(app) == before


def test_bad_members_and_unknown_tickets_import_nothing(app, auth, make_sitting):
    sitting = make_sitting()
    sid, tickets = sitting["id"], sitting["tickets"]
    body = auth.login("body")
    good = face_media.one_face()
    content = face_media.zip_of({
        f"{tickets[0]}.jpg": good,
        f"../{tickets[1]}.jpg": good,
        f"a/{tickets[2]}.jpg": good,
        f"/{tickets[3]}.jpg": good,
        "notes.txt": b"hello",
        f"{tickets[4]}.jpg": b"this is no picture at all",
        f"{tickets[5]}.png": face_media.jpeg(face_media.portrait())[:500],  # cut short
        "X9999.jpg": good,
    })
    before = counts(app)
    preview = upload(body, sid, content, dry_run=True)
    assert preview.status_code == 200
    result = preview.get_json()
    assert result["matched"] == 1 and result["unmatched"] == ["X9999.jpg"]
    codes = {e["name"]: e["code"] for e in result["errors"]}
    assert codes == {f"../{tickets[1]}.jpg": "zip_member_path",
                     f"a/{tickets[2]}.jpg": "zip_member_path",
                     f"/{tickets[3]}.jpg": "zip_member_path", "notes.txt": "not_an_image",
                     f"{tickets[4]}.jpg": "not_an_image", f"{tickets[5]}.png": "corrupt_image"}
    assert all(e["message"] for e in result["errors"])
    done = upload(body, sid, content)
    assert done.status_code == 422
    error = done.get_json()["error"]
    assert error["code"] == "photos_invalid" and error["unmatched"] == ["X9999.jpg"]
    assert len(error["errors"]) == 6
    assert counts(app) == before  # nothing half-written
    zh = body.post(f"/api/v1/sittings/{sid}/photos",
                   data={"file": (io.BytesIO(content), "p.zip")},
                   headers={"Accept-Language": "zh-CN"}, content_type="multipart/form-data")
    assert "未导入" in zh.get_json()["error"]["message"]


def test_only_the_body_imports_and_a_file_is_needed(app, auth, make_sitting):
    sitting = make_sitting()
    content = face_media.zip_of({f"{sitting['tickets'][0]}.jpg": face_media.one_face()})
    for name in ("chief", "inv1"):
        assert upload(auth.login(name), sitting["id"], content).status_code == 403
    body = auth.login("body")
    missing = body.post(f"/api/v1/sittings/{sitting['id']}/photos", data={},
                        content_type="multipart/form-data")
    assert missing.status_code == 422 and missing.get_json()["error"]["code"] == "file_required"


def test_a_zip_larger_than_the_request_limit_is_accepted(app, auth, make_sitting):
    """The ZIP may exceed MAX_CONTENT_LENGTH (thousands of photos): PHOTO_ZIP_MAX_BYTES
    bounds it instead."""
    sitting = make_sitting()
    app.config["MAX_CONTENT_LENGTH"] = 150_000
    content = face_media.zip_of({f"{sitting['tickets'][i]}.jpg": face_media.jpeg(
        face_media.variant(i)) for i in range(6)})
    assert len(content) > 150_000
    body = auth.login("body")
    assert upload(body, sitting["id"], content).status_code == 200
    app.config["PHOTO_ZIP_MAX_BYTES"] = 100_000
    assert upload(body, sitting["id"], content).status_code == 413
