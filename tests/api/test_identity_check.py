"""The identity check at check-in (人证核验): the photo at the door with the faces found in it
and in the registration photo (a count, never a score), `identity` on the check-in beside the
old `id_checked`, a mismatch announced to the chief at once, and the T3.4 report that takes
both pictures as evidence."""

from __future__ import annotations

import hashlib
import io

import cv2
import face_media
import numpy as np
from helpers import cid, now_iso
from test_registration_photos import upload


def door(api, sid: int, ticket: str, content: bytes, client_id: str | None = None):
    data = {"file": (io.BytesIO(content), "door.jpg"), "taken_at": now_iso()}
    if client_id:
        data["client_id"] = client_id
    return api.post(f"/api/v1/sittings/{sid}/candidates/{ticket}/checkin-photos", data=data,
                    content_type="multipart/form-data")


def attend(api, sid: int, ticket: str, **body):
    return api.post(f"/api/v1/sittings/{sid}/candidates/{ticket}/attendance",
                    json={"status": "present", "subject": "theory", **body})


def events(api, sid: int, kind: str) -> list[dict]:
    return [e for e in api.get(f"/api/v1/sittings/{sid}/events?after_seq=0").get_json()
            if e["type"] == kind]


def with_photos(auth, make_sitting):
    sitting = make_sitting()
    body = auth.login("body")
    tickets = sitting["tickets"]
    assert upload(body, sitting["id"], face_media.zip_of({
        f"{tickets[0]}.jpg": face_media.one_face(), f"{tickets[2]}.jpg": face_media.no_face(),
    })).status_code == 200
    return sitting, tickets


def test_door_photo_finds_faces_and_crops_both_to_one_size(app, auth, make_sitting):
    sitting, tickets = with_photos(auth, make_sitting)
    sid = sitting["id"]
    inv1 = auth.login("inv1")
    taken = door(inv1, sid, tickets[0], face_media.door_photo(), cid())
    assert taken.status_code == 201, taken.get_json()
    answer = taken.get_json()
    assert answer["checkin"] == {"faces": 1, "face": True}
    assert answer["registration"] == {"faces": 1, "face": True}
    assert answer["sha256"] == hashlib.sha256(face_media.door_photo()).hexdigest()
    assert "score" not in str(answer) and "similar" not in str(answer)
    crops = []
    for url in (f"/api/v1/sittings/{sid}/candidates/{tickets[0]}/photo?variant=face",
                f"/api/v1/sittings/{sid}/candidates/{tickets[0]}/checkin-photos/"
                f"{answer['id']}?variant=face"):
        shown = inv1.get(url)
        assert shown.status_code == 200 and shown.headers["Cache-Control"] == "no-store"
        crops.append(cv2.imdecode(np.frombuffer(shown.data, np.uint8), cv2.IMREAD_COLOR).shape)
    assert crops[0] == crops[1] == (300, 240, 3)

    none = door(inv1, sid, tickets[2], face_media.no_face()).get_json()
    assert none["checkin"] == {"faces": 0, "face": False}
    assert none["registration"] == {"faces": 0, "face": False}  # its registration photo too
    missing = inv1.get(f"/api/v1/sittings/{sid}/candidates/{tickets[2]}/checkin-photos/"
                       f"{none['id']}?variant=face")
    assert missing.status_code == 404 and missing.get_json()["error"]["code"] == "no_face_crop"
    two = door(inv1, sid, tickets[0], face_media.two_faces()).get_json()
    assert two["checkin"]["faces"] == 2 and two["checkin"]["face"] is False
    no_photo = door(inv1, sid, tickets[4], face_media.door_photo()).get_json()
    assert no_photo["registration"] is None and no_photo["checkin"]["faces"] == 1


def test_door_photo_scope_replay_and_bad_input(app, auth, make_sitting):
    sitting, tickets = with_photos(auth, make_sitting)
    sid = sitting["id"]
    inv1, inv3 = auth.login("inv1"), auth.login("inv3")
    key = cid()
    first = door(inv1, sid, tickets[0], face_media.door_photo(), key)
    again = door(inv1, sid, tickets[0], face_media.door_photo(), key)
    assert again.status_code == 200 and again.get_json()["id"] == first.get_json()["id"]
    other = door(inv1, sid, tickets[2], face_media.door_photo(), key)
    assert other.status_code == 409 and other.get_json()["error"]["code"] == "client_id_conflict"
    assert door(inv3, sid, tickets[0], face_media.door_photo()).status_code == 403
    url = (f"/api/v1/sittings/{sid}/candidates/{tickets[0]}/checkin-photos/"
           f"{first.get_json()['id']}")
    assert inv3.get(url).status_code == 403
    wrong_ticket = inv1.get(url.replace(tickets[0], tickets[2]))
    assert wrong_ticket.status_code == 404
    bad = door(inv1, sid, tickets[0], b"not a picture")
    assert bad.status_code == 422 and bad.get_json()["error"]["code"] == "not_an_image"
    empty = inv1.post(f"/api/v1/sittings/{sid}/candidates/{tickets[0]}/checkin-photos",
                      data={}, content_type="multipart/form-data")
    assert empty.get_json()["error"]["code"] == "file_required"


def test_identity_on_check_in_keeps_id_checked_working(app, auth, make_sitting):
    sitting, tickets = with_photos(auth, make_sitting)
    sid = sitting["id"]
    inv1 = auth.login("inv1")
    old = attend(inv1, sid, tickets[0], id_checked=True)
    assert old.status_code == 200 and old.get_json()["id_checked"] is True
    assert old.get_json()["identity"] is None
    photo = door(inv1, sid, tickets[0], face_media.door_photo()).get_json()
    new = attend(inv1, sid, tickets[0], identity={"id_card": True, "photo": "match",
                                                 "checkin_photo_id": photo["id"]})
    assert new.status_code == 200, new.get_json()
    assert new.get_json()["id_checked"] is True
    assert new.get_json()["identity"] == {"id_card": True, "photo": "match",
                                          "checkin_photo_id": photo["id"]}
    late = attend(inv1, sid, tickets[0], status="late", id_checked=True)  # an old tablet
    assert late.status_code == 200
    state = inv1.get(f"/api/v1/sittings/{sid}/rooms/{sitting['rooms'][0]}/state").get_json()
    mark = next(s for s in state["seats"] if s["ticket_no"] == tickets[0])["attendance"]["theory"]
    assert mark["status"] == "late" and mark["id_checked"] is True
    assert mark["identity"]["photo"] == "match"  # kept until another check is given
    assert mark["identity"]["checkin_photo"] == {"id": photo["id"], "faces": 1,
                                                 "registration_faces": 1}
    conflict = attend(inv1, sid, tickets[0], id_checked=False,
                      identity={"id_card": True, "photo": "match"})
    assert conflict.status_code == 422
    unknown = attend(inv1, sid, tickets[0], identity={"id_card": True, "photo": "fine"})
    assert unknown.status_code == 422
    foreign = door(inv1, sid, tickets[2], face_media.door_photo()).get_json()
    elsewhere = attend(inv1, sid, tickets[0], identity={"id_card": True, "photo": "unsure",
                                                       "checkin_photo_id": foreign["id"]})
    assert elsewhere.status_code == 422
    assert elsewhere.get_json()["error"]["code"] == "checkin_photo_not_found"


def test_a_mismatch_is_announced_once_and_t34_takes_both_pictures(app, auth, make_sitting,
                                                                make_incident):
    from proctor.extensions import db
    from proctor.models import AuditEntry, Evidence

    sitting, tickets = with_photos(auth, make_sitting)
    sid = sitting["id"]
    inv1, chief = auth.login("inv1"), auth.login("chief")
    photo = door(inv1, sid, tickets[0], face_media.door_photo()).get_json()
    check = {"id_card": True, "photo": "mismatch", "checkin_photo_id": photo["id"]}
    assert attend(inv1, sid, tickets[0], identity=check).status_code == 200
    assert attend(inv1, sid, tickets[0], identity=check).status_code == 200  # an outbox replay
    seen = events(chief, sid, "identity_mismatch")
    assert len(seen) == 1
    assert seen[0]["data"]["ticket_no"] == tickets[0] and seen[0]["data"]["seat_no"] == 1
    assert seen[0]["room_id"] == sitting["rooms"][0]
    assert "id_number" not in seen[0]["data"]

    incident = make_incident(inv1, sitting, "T3.4", tickets=[tickets[0]])
    url = f"/api/v1/incidents/{incident['id']}/evidence/identity"
    attached = inv1.post(url, json={"ticket_no": tickets[0]})
    assert attached.status_code == 201, attached.get_json()
    rows = attached.get_json()
    assert sorted(r["source"] for r in rows) == ["checkin", "registration"]
    assert {r["sha256"] for r in rows} == {hashlib.sha256(face_media.one_face()).hexdigest(),
                                           photo["sha256"]}
    twice = inv1.post(url, json={"ticket_no": tickets[0]}).get_json()
    assert [r["id"] for r in twice] == [r["id"] for r in rows]  # not attached again
    for row in rows:
        assert inv1.get(f"/api/v1/evidence/{row['id']}/verify").get_json()["ok"] is True
    with app.app_context():
        added = db.session.scalars(db.select(AuditEntry).where(
            AuditEntry.action == "evidence_added")).all()
        assert {a.data["sha256"] for a in added} >= {r["sha256"] for r in rows}
        assert db.session.scalar(db.select(db.func.count()).select_from(Evidence)) == 2
    not_party = inv1.post(url, json={"ticket_no": tickets[2]})
    assert not_party.status_code == 422 and not_party.get_json()["error"]["code"] == "not_a_party"
    elsewhere = inv1.post(url, json={"ticket_no": tickets[1]})
    assert elsewhere.status_code == 403
