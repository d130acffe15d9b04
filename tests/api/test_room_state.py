"""A room's state for the tablet, and the room log."""

from __future__ import annotations

from helpers import cid, now_iso


def test_room_state_shows_what_happened_in_the_room(make_sitting, auth, make_warning,
                                                    make_incident):
    s = make_sitting()
    inv = auth.login("inv1")
    sid, room_a = s["id"], s["rooms"][0]
    ticket = s["tickets"][0]
    inv.post(f"/api/v1/sittings/{sid}/candidates/{ticket}/attendance",
             json={"status": "late", "id_checked": True, "subject": "theory"})
    make_warning(inv, s, ticket=ticket, rule="T1.3")
    make_incident(inv, s, "T2.1", tickets=[ticket])
    state = inv.get(f"/api/v1/sittings/{sid}/rooms/{room_a}/state")
    assert state.status_code == 200, state.get_json()
    data = state.get_json()
    assert data["room"]["rows"] == 5 and len(data["seats"]) == 3
    seat = data["seats"][0]
    assert seat["ticket_no"] == ticket and seat["seat_no"] == 1 and "*" in seat["id_number"]
    assert seat["attendance"]["theory"]["status"] == "late"
    assert [w["rule_code"] for w in seat["warnings"]] == ["T1.3"]
    assert [(i["rule_code"], i["status"]) for i in seat["incidents"]] == [("T2.1", "reported")]
    assert data["last_seq"] >= 3
    other_room = inv.get(f"/api/v1/sittings/{sid}/rooms/{s['rooms'][1]}/state")
    assert other_room.status_code == 403


def test_room_log(make_sitting, auth):
    s = make_sitting()
    inv = auth.login("inv1")
    url = f"/api/v1/sittings/{s['id']}/rooms/{s['rooms'][0]}/log"
    key = cid()
    first = inv.post(url, json={"client_id": key, "kind": "subject_started",
                                "subject": "theory", "observed_at": now_iso()})
    assert first.status_code == 201, first.get_json()
    assert inv.post(url, json={"client_id": key, "kind": "subject_started",
                               "subject": "theory", "observed_at": now_iso()}).status_code == 200
    no_note = inv.post(url, json={"client_id": cid(), "kind": "other", "observed_at": now_iso()})
    assert no_note.status_code == 422 and no_note.get_json()["error"]["code"] == "note_required"
    bad_kind = inv.post(url, json={"client_id": cid(), "kind": "party", "observed_at": now_iso()})
    assert bad_kind.status_code == 422
    log = inv.get(f"/api/v1/sittings/{s['id']}/rooms/{s['rooms'][0]}/state").get_json()["log"]
    assert [e["kind"] for e in log] == ["subject_started"]
    assert auth.login("inv3").post(url, json={"client_id": cid(), "kind": "rules_read",
                                              "observed_at": now_iso()}).status_code == 403
