"""The patrol (巡考): flags raised on a seat or a room, answered by the room's invigilators,
the patrol's visits and signed record, and the patrol's read-only scope."""

from __future__ import annotations

import io
from typing import Any

import cv2
import numpy as np
import pytest
from helpers import cid, now_iso

from proctor.idnumber import mask_id_number


def _image() -> bytes:
    pixels = np.random.default_rng(11).integers(0, 255, (30, 40, 3), dtype=np.uint8)
    return cv2.imencode(".jpg", pixels)[1].tobytes()


@pytest.fixture
def world(app, make_sitting, make_user, auth) -> dict[str, Any]:
    """Sitting 1 (rooms A, B) patrolled by patrol1; sitting 2 patrolled by patrol2. The
    evaluation body assigns them as it assigns chiefs and invigilators."""
    s1, s2 = make_sitting(), make_sitting()
    make_user("patrol1", "patrol")
    make_user("patrol2", "patrol")
    body = auth.login("body")
    for sitting, name in ((s1, "patrol1"), (s2, "patrol2")):
        answer = body.post(f"/api/v1/sittings/{sitting['id']}/staff",
                           json={"username": name, "role": "patrol"})
        assert answer.status_code == 201, answer.get_json()
    return {"s1": s1, "s2": s2, "patrol": auth.login("patrol1"),
            "other_patrol": auth.login("patrol2"), "inv1": auth.login("inv1"),
            "inv3": auth.login("inv3"), "body": body}


def _flag(api, room_id: int, **fields: Any):
    return api.post(f"/api/v1/rooms/{room_id}/flags", json={
        "client_id": cid(), "note": "考生频繁低头看桌下", "observed_at": now_iso(), **fields})


def _count(app, model) -> int:
    from proctor.extensions import db

    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(model))


def test_flag_round_trip_reaches_the_room_and_the_answer_reaches_the_patrol(app, world):
    from proctor.models import CandidateWarning, Incident

    patrol, inv1, s1 = world["patrol"], world["inv1"], world["s1"]
    room_a = s1["rooms"][0]
    warnings, incidents = _count(app, CandidateWarning), _count(app, Incident)
    made = _flag(patrol, room_a, seat_no=2)
    assert made.status_code == 201, made.get_json()
    flag = made.get_json()
    assert flag["open"] is True and flag["seat_no"] == 2 and flag["raised_by"] == "patrol1"
    photo = patrol.post(f"/api/v1/flags/{flag['id']}/photos", data={
        "file": (io.BytesIO(_image()), "f.jpg"), "client_id": cid()},
        content_type="multipart/form-data")
    assert photo.status_code == 201, photo.get_json()
    assert len(photo.get_json()["sha256"]) == 64
    # the room's invigilator sees it, with its photo, and the live event is stored
    listed = inv1.get(f"/api/v1/rooms/{room_a}/flags").get_json()
    assert [f["id"] for f in listed] == [flag["id"]]
    assert listed[0]["photos"][0]["id"] == photo.get_json()["id"]
    thumb = inv1.get(f"/api/v1/flag-photos/{photo.get_json()['id']}/thumb")
    assert thumb.status_code == 200 and thumb.data[:2] == b"\xff\xd8"
    events = inv1.get(f"/api/v1/sittings/{s1['id']}/events?after_seq=0").get_json()
    assert [e["type"] for e in events if e["type"].startswith("patrol_")] == [
        "patrol_flagged", "patrol_flag_photo_added"]
    # a flag sanctions nobody by itself
    assert (_count(app, CandidateWarning), _count(app, Incident)) == (warnings, incidents)
    answered = inv1.post(f"/api/v1/flags/{flag['id']}/answer",
                         json={"outcome": "nothing_found", "note": "考生在系鞋带"})
    assert answered.status_code == 200, answered.get_json()
    assert answered.get_json()["answer"]["outcome"] == "nothing_found"
    assert answered.get_json()["answer"]["by"] == "inv1"
    seen = patrol.get(f"/api/v1/rooms/{room_a}/flags").get_json()[0]
    assert seen["open"] is False and seen["answer"]["note"] == "考生在系鞋带"
    events = patrol.get(f"/api/v1/sittings/{s1['id']}/events?after_seq=0").get_json()
    assert events[-1]["type"] == "patrol_flag_answered"
    assert events[-1]["data"]["answer"]["outcome"] == "nothing_found"
    # answering twice: 409, and the first answer stands
    again = inv1.post(f"/api/v1/flags/{flag['id']}/answer", json={"outcome": "reminded"})
    assert again.status_code == 409
    assert again.get_json()["error"]["code"] == "flag_already_answered"
    assert patrol.get(f"/api/v1/rooms/{room_a}/flags").get_json()[0]["answer"][
        "outcome"] == "nothing_found"


def test_a_replayed_client_id_answers_the_same_flag(world):
    patrol, room_a = world["patrol"], world["s1"]["rooms"][0]
    key = cid()
    first = _flag(patrol, room_a, client_id=key)
    second = _flag(patrol, room_a, client_id=key)
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.get_json()["id"] == second.get_json()["id"]
    elsewhere = _flag(patrol, world["s1"]["rooms"][1], client_id=key)
    assert elsewhere.status_code == 409 and set(elsewhere.get_json()) == {"error"}


def test_answers_link_a_reminder_or_an_incident_of_that_room_only(app, world, make_warning,
                                                                  make_incident):
    from proctor.models import PatrolFlag

    patrol, inv1, inv3, s1 = world["patrol"], world["inv1"], world["inv3"], world["s1"]
    room_a = s1["rooms"][0]
    flag = _flag(patrol, room_a, seat_no=1).get_json()
    ticket_a, ticket_b = s1["tickets"][0], s1["tickets"][1]  # rooms A and B
    warning_a = make_warning(inv1, s1, ticket=ticket_a)
    incident_b = make_incident(inv3, s1, tickets=[ticket_b])

    def answer(**body: Any):
        return inv1.post(f"/api/v1/flags/{flag['id']}/answer", json=body)

    cases = [
        ({"outcome": "looked_away"}, 422, "validation_error", "outcome"),
        ({"outcome": "reminded"}, 422, "warning_id_required", "warning_id"),
        ({"outcome": "incident_reported", "incident_id": incident_b["id"]}, 422,
         "link_other_room", "incident_id"),
        ({"outcome": "incident_reported", "incident_id": 999999}, 422, "link_not_found",
         "incident_id"),
        ({"outcome": "nothing_found", "warning_id": warning_a["id"]}, 422, "link_not_expected",
         "warning_id"),
    ]
    for body, status, code, field in cases:
        response = answer(**body)
        error = response.get_json()["error"]
        assert (response.status_code, error["code"], error.get("field")) == (
            status, code, field), body
        assert error["message"]  # in Chinese, by default
    with app.app_context():
        from proctor.extensions import db

        assert db.session.get(PatrolFlag, flag["id"]).outcome is None  # nothing half-written
    linked = answer(outcome="reminded", warning_id=warning_a["id"])
    assert linked.status_code == 200, linked.get_json()
    assert linked.get_json()["answer"]["warning_id"] == warning_a["id"]


def test_bad_flags_are_refused_with_nothing_written(app, world):
    from proctor.models import PatrolFlag

    patrol, room_a = world["patrol"], world["s1"]["rooms"][0]
    for fields, code, field in (({"seat_no": 31}, "seat_out_of_room", "seat_no"),
                                ({"note": "   "}, "flag_note_required", "note"),
                                ({"note": ""}, "validation_error", "note"),
                                ({"observed_at": "yesterday"}, "validation_error",
                                 "observed_at")):
        response = _flag(patrol, room_a, **fields)
        assert response.status_code == 422, fields
        assert (response.get_json()["error"]["code"],
                response.get_json()["error"].get("field")) == (code, field)
    assert _count(app, PatrolFlag) == 0
    assert _flag(patrol, 999999).status_code == 404


def test_scope_of_patrols_and_invigilators(world, make_warning, make_incident):
    patrol, other, inv1, inv3 = (world["patrol"], world["other_patrol"], world["inv1"],
                                 world["inv3"])
    s1 = world["s1"]
    room_a, room_b = s1["rooms"]
    flag = _flag(patrol, room_a).get_json()
    # the patrol of another sitting: 403 on sitting 1's rooms, flags and record
    assert _flag(other, room_a).status_code == 403
    assert other.get(f"/api/v1/rooms/{room_a}/flags").status_code == 403
    assert other.get(f"/api/v1/sittings/{s1['id']}/rooms/{room_a}/state").status_code == 403
    assert other.get(f"/api/v1/sittings/{s1['id']}/patrol/record").status_code == 403
    assert other.get(f"/api/v1/sittings/{s1['id']}/patrol/record?patrol=patrol1"
                     ).status_code == 403
    assert other.post(f"/api/v1/sittings/{s1['id']}/patrol/visits", json={
        "client_id": cid(), "room_id": room_a, "visited_at": now_iso(), "rules_read": True,
    }).status_code == 403
    assert other.post(f"/api/v1/flags/{flag['id']}/photos", data={
        "file": (io.BytesIO(_image()), "f.jpg")}, content_type="multipart/form-data"
    ).status_code == 403
    # an invigilator of room B neither answers nor reads a flag of room A, nor raises one
    refused = inv3.post(f"/api/v1/flags/{flag['id']}/answer", json={"outcome": "nothing_found"})
    assert refused.status_code == 403
    assert inv3.get(f"/api/v1/rooms/{room_a}/flags").status_code == 403
    assert _flag(inv1, room_a).status_code == 403
    # the patrol reads every room of its sitting, with ID numbers masked
    for room in (room_a, room_b):
        state = patrol.get(f"/api/v1/sittings/{s1['id']}/rooms/{room}/state")
        assert state.status_code == 200
        numbers = [seat["id_number"] for seat in state.get_json()["seats"]]
        assert numbers and all("*" in n for n in numbers)
    candidate = patrol.get(f"/api/v1/sittings/{s1['id']}/candidates/{s1['tickets'][0]}")
    assert candidate.status_code == 200
    assert candidate.get_json()["id_number"] == mask_id_number(candidate.get_json()[
        "id_number"]) and "*" in candidate.get_json()["id_number"]
    # …but writes nothing else: attendance, reminders, incidents, seats, log, decisions
    warning = make_warning(inv1, s1)
    incident = make_incident(inv1, s1)
    ticket = s1["tickets"][0]
    writes = [
        (f"/api/v1/sittings/{s1['id']}/candidates/{ticket}/attendance",
         {"status": "present", "id_checked": True, "subject": "theory"}),
        (f"/api/v1/sittings/{s1['id']}/warnings", {
            "client_id": cid(), "ticket_no": ticket, "subject": "theory", "rule_code": "T1.1",
            "observed_at": now_iso()}),
        (f"/api/v1/warnings/{warning['id']}/outcome", {"outcome": "refused"}),
        (f"/api/v1/sittings/{s1['id']}/incidents", {
            "client_id": cid(), "rule_code": "T2.1", "observed_at": now_iso(),
            "description": "x", "parties": [{"ticket_no": ticket}]}),
        (f"/api/v1/incidents/{incident['id']}/decision", {"decision": "confirm"}),
        (f"/api/v1/incidents/{incident['id']}/addenda", {"client_id": cid(), "text": "x"}),
        (f"/api/v1/sittings/{s1['id']}/rooms/{room_a}/log", {
            "client_id": cid(), "kind": "rules_read", "observed_at": now_iso()}),
        (f"/api/v1/flags/{flag['id']}/answer", {"outcome": "nothing_found"}),
    ]
    for url, body in writes:
        response = patrol.post(url, json=body)
        assert response.status_code == 403, (url, response.get_json())
        assert response.get_json()["error"]["code"] == "forbidden"
    seat = patrol.put(f"/api/v1/sittings/{s1['id']}/candidates/{ticket}/seat",
                      json={"room_id": room_a, "seat_no": 9})
    assert seat.status_code == 403


def test_the_patrol_record_lists_visits_with_their_flags_and_is_signed(world):
    patrol, inv1, s1 = world["patrol"], world["inv1"], world["s1"]
    room_a, room_b = s1["rooms"]
    sid = s1["id"]
    visit = patrol.post(f"/api/v1/sittings/{sid}/patrol/visits", json={
        "client_id": cid(), "room_id": room_a, "visited_at": "2025-06-28T09:20:00+08:00",
        "invigilators": ["inv1", "inv2"], "rules_read": True, "remarks": "秩序良好"})
    assert visit.status_code == 201, visit.get_json()
    stranger = patrol.post(f"/api/v1/sittings/{sid}/patrol/visits", json={
        "client_id": cid(), "room_id": room_b, "visited_at": now_iso(),
        "invigilators": ["inv1"], "rules_read": False})
    assert stranger.status_code == 422
    assert stranger.get_json()["error"]["code"] == "not_an_invigilator_of_this_room"
    flag = _flag(patrol, room_a, seat_no=3).get_json()
    inv1.post(f"/api/v1/flags/{flag['id']}/answer", json={"outcome": "nothing_found"})
    record = patrol.get(f"/api/v1/sittings/{sid}/patrol/record").get_json()
    row, = record["content"]["visits"]
    assert row["room"] == "A" and row["rules_read"] is True and row["remarks"] == "秩序良好"
    assert [i["username"] for i in row["invigilators"]] == ["inv1", "inv2"]
    assert [f["id"] for f in row["flags"]] == [flag["id"]]
    assert row["flags"][0]["answer"]["outcome"] == "nothing_found"
    assert record["signed"] is False
    # the sitting's managers read it by the patrol's name; an invigilator does not
    by_body = world["body"].get(f"/api/v1/sittings/{sid}/patrol/record?patrol=patrol1")
    assert by_body.get_json()["record_hash"] == record["record_hash"]
    assert inv1.get(f"/api/v1/sittings/{sid}/patrol/record").status_code == 403
    signed = patrol.post(f"/api/v1/sittings/{sid}/patrol/record/signoff")
    assert signed.status_code == 200
    assert signed.get_json()["record_hash"] == record["record_hash"]
    after = patrol.get(f"/api/v1/sittings/{sid}/patrol/record").get_json()
    assert after["signed"] is True and after["signed_hash"] == record["record_hash"]
    late = _flag(patrol, room_a)
    assert late.status_code == 409 and late.get_json()["error"]["code"] == "patrol_record_signed"


def test_the_contract_form_names_the_room_in_the_body(app, world, make_incident):
    """`POST /sittings/{sid}/flags {room_id, seat_no?, note}` (DESIGN.md) makes the same flag,
    a room of another sitting is refused with its field, and the answer's `incident` is the
    contract's word for a linked incident."""
    from proctor.models import PatrolFlag

    patrol, inv1, s1, s2 = world["patrol"], world["inv1"], world["s1"], world["s2"]
    room_a = s1["rooms"][0]
    before = _count(app, PatrolFlag)
    made = patrol.post(f"/api/v1/sittings/{s1['id']}/flags",
                       json={"room_id": room_a, "seat_no": 3, "note": "考生东张西望"})
    assert made.status_code == 201, made.get_json()
    flag = made.get_json()
    assert (flag["room_id"], flag["seat_no"], flag["open"]) == (room_a, 3, True)
    assert [f["id"] for f in inv1.get(f"/api/v1/rooms/{room_a}/flags").get_json()] == [
        flag["id"]]
    events = inv1.get(f"/api/v1/sittings/{s1['id']}/events?after_seq=0").get_json()
    assert [e["data"]["id"] for e in events if e["type"] == "patrol_flagged"] == [flag["id"]]

    foreign = patrol.post(f"/api/v1/sittings/{s1['id']}/flags",
                          json={"room_id": s2["rooms"][0], "note": "x"})
    assert foreign.status_code == 404 and foreign.get_json()["error"]["field"] == "room_id"
    other = world["other_patrol"].post(f"/api/v1/sittings/{s1['id']}/flags",
                                       json={"room_id": room_a, "note": "x"})
    assert other.status_code == 403
    assert _count(app, PatrolFlag) == before + 1

    incident = make_incident(inv1, s1, tickets=[s1["tickets"][0]])
    answered = inv1.post(f"/api/v1/flags/{flag['id']}/answer",
                         json={"outcome": "incident", "incident_id": incident["id"]})
    assert answered.status_code == 200, answered.get_json()
    assert answered.get_json()["answer"]["outcome"] == "incident_reported"
