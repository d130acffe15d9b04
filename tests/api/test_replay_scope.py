"""Issue #9, items 12–15 and 18: what a user sees is true, and no record leaks across rooms.

Each test names the item it pins. Sitting 1 comes from `make_sitting` (rooms A: inv1+inv2,
B: inv3; chief `chief`); sitting 2 is built here with staff of its own (chief `chief2`,
invigilator `inv4` in room C), so "another sitting" really is out of everyone's scope but the
evaluation body's.
"""

from __future__ import annotations

import io
from datetime import date, time

import cv2
import numpy as np
from helpers import PASSWORD, cid, id_number, now_iso


def jpeg(seed: int = 1) -> bytes:
    image = np.random.default_rng(seed).integers(0, 255, (48, 64, 3), dtype=np.uint8)
    return cv2.imencode(".jpg", image)[1].tobytes()


def png() -> bytes:
    canvas = np.full((60, 160, 3), 255, np.uint8)
    cv2.line(canvas, (5, 50), (150, 10), (0, 0, 0), 3)
    return cv2.imencode(".png", canvas)[1].tobytes()


def second_sitting(app, shared_id_number: str | None = None) -> dict:
    """Sitting 2: room C, chief2 and inv4, two candidates (the first may be a person who is
    also a candidate of sitting 1)."""
    from proctor.extensions import db
    from proctor.models import User
    from proctor.services import sittings
    from proctor.services.accounts import create_user
    from proctor.services.floor import set_seat
    from proctor.services.people import register_candidate

    with app.app_context():
        if db.session.scalar(db.select(User).where(User.username == "inv4")) is None:
            create_user("inv4", "invigilator", PASSWORD)
        body = db.session.scalar(db.select(User).where(User.username == "body"))
        sitting = sittings.create_sitting("人工智能训练师", 3, date(2025, 7, 5), [
            ("theory", "理论知识", time(9, 0), time(10, 30))])
        room = sittings.add_room(sitting, "C", 4, 4, None)
        sittings.assign_staff(sitting, "chief2", "chief", None)
        sittings.assign_staff(sitting, "inv4", "invigilator", room.id)
        tickets = []
        for index, number in enumerate([shared_id_number or id_number(900), id_number(901)]):
            ticket = f"S2-{index + 1:03d}"
            candidate, _ = register_candidate(sitting, ticket, f"二号考生{index + 1}", number, None)
            set_seat(sitting, candidate, room, index + 1, False, body)
            tickets.append(ticket)
        db.session.commit()
        return {"id": sitting.id, "rooms": [room.id], "tickets": tickets}


def photo(api, iid, client_id=None, seed=1):
    form = {"file": (io.BytesIO(jpeg(seed)), "p.jpg")}
    if client_id is not None:
        form["client_id"] = client_id
    return api.post(f"/api/v1/incidents/{iid}/evidence", data=form,
                    content_type="multipart/form-data")


def signature(api, iid, client_id):
    return api.post(f"/api/v1/incidents/{iid}/signature",
                    data={"file": (io.BytesIO(png()), "s.png"), "client_id": client_id},
                    content_type="multipart/form-data")


def assert_conflict(response, *secrets: str) -> None:
    assert response.status_code == 409, (response.status_code, response.get_json())
    body = response.get_json()
    assert body["error"]["code"] == "client_id_conflict", body
    assert set(body) == {"error"} and set(body["error"]) <= {"code", "message", "field"}
    text = response.get_data(as_text=True)
    for secret in secrets:
        assert secret not in text


# -- item 12: voided_subjects lists every voided subject ---------------------------------------
def test_tier2_and_tier3_list_every_subject_as_voided(make_sitting, auth, make_incident, decide):
    s = make_sitting()
    inv, chief = auth.login("inv1"), auth.login("chief")
    for ticket, rule, severity in ((s["tickets"][0], "T2.1", None),
                                   (s["tickets"][2], "T3.1", "minor")):
        iid = make_incident(inv, s, rule, tickets=[ticket])["id"]
        decided = decide.post(chief, iid, severity=severity)
        assert decided.status_code == 200, decided.get_json()
        result = chief.get(f"/api/v1/sittings/{s['id']}/candidates/{ticket}/sanctions").get_json()
        assert result["all_subjects_voided"] is True
        assert result["voided_subjects"] == ["practical", "theory"], (rule, result)


# -- item 13: a bare multipart `file` is evidence ----------------------------------------------
def test_evidence_takes_a_bare_file_and_keeps_client_id_for_tablets(make_sitting, auth,
                                                                      make_incident):
    s = make_sitting()
    inv = auth.login("inv1")
    iid = make_incident(inv, s)["id"]
    bare = photo(inv, iid)
    assert bare.status_code == 201, bare.get_json()
    again = photo(inv, iid)  # no client_id: no replay protection, a second record
    assert again.status_code == 201 and again.get_json()["id"] != bare.get_json()["id"]
    key = cid()
    first, replay = photo(inv, iid, key, seed=2), photo(inv, iid, key, seed=2)
    assert first.status_code == 201 and replay.status_code == 200
    assert replay.get_json()["id"] == first.get_json()["id"]


# -- item 14: a client_id replay never returns someone else's record ---------------------------
def test_replays_across_rooms_and_sittings_are_conflicts_without_data(app, make_sitting, auth,
                                                                        make_incident,
                                                                        make_warning):
    s1 = make_sitting()
    s2 = second_sitting(app)
    inv1, inv3, inv4 = auth.login("inv1"), auth.login("inv3"), auth.login("inv4")
    a_ticket, b_ticket = s1["tickets"][0], s1["tickets"][1]
    i_a = make_incident(inv1, s1, tickets=[a_ticket], description="secret of room A")["id"]
    i_a2 = make_incident(inv1, s1, tickets=[s1["tickets"][2]])["id"]
    i_a3 = make_incident(inv1, s1, tickets=[s1["tickets"][4]])["id"]
    i_b = make_incident(inv3, s1, tickets=[b_ticket])["id"]
    i_c = make_incident(inv4, s2, tickets=[s2["tickets"][0]])["id"]
    keys = {name: cid() for name in ("warning", "incident", "log", "photo", "signature",
                                     "refusal", "addendum", "seized")}
    made = {
        "warning": make_warning.post(inv1, s1, ticket=a_ticket, client_id=keys["warning"],
                                     note="secret note A"),
        "incident": make_incident.post(inv1, s1, tickets=[a_ticket], client_id=keys["incident"],
                                       description="secret incident A"),
        "log": inv1.post(f"/api/v1/sittings/{s1['id']}/rooms/{s1['rooms'][0]}/log", json={
            "client_id": keys["log"], "kind": "other", "note": "secret log A",
            "observed_at": now_iso()}),
        "photo": photo(inv1, i_a, keys["photo"]),
        "signature": signature(inv1, i_a, keys["signature"]),
        "refusal": inv1.post(f"/api/v1/incidents/{i_a2}/refusal",
                             json={"client_id": keys["refusal"]}),
        "addendum": inv1.post(f"/api/v1/incidents/{i_a}/addenda", json={
            "client_id": keys["addendum"], "text": "secret addendum A"}),
        "seized": inv1.post(f"/api/v1/incidents/{i_a}/seized", json={
            "client_id": keys["seized"], "description": "secret phone A", "kept_at": "box",
            "seized_at": now_iso()}),
    }
    for name, response in made.items():
        assert response.status_code == 201, (name, response.get_json())
    secrets = ["secret", made["photo"].get_json()["sha256"],
               made["signature"].get_json()["record_hash"], "考生1"]

    def replays(api, sitting, rid, ticket, iid):
        yield make_warning.post(api, sitting, ticket=ticket, client_id=keys["warning"])
        yield make_incident.post(api, sitting, tickets=[ticket], client_id=keys["incident"])
        yield api.post(f"/api/v1/sittings/{sitting['id']}/rooms/{rid}/log", json={
            "client_id": keys["log"], "kind": "rules_read", "observed_at": now_iso()})
        yield photo(api, iid, keys["photo"])
        yield api.post(f"/api/v1/incidents/{iid}/evidence/camera",
                       json={"client_id": keys["photo"]})
        yield signature(api, iid, keys["signature"])
        yield api.post(f"/api/v1/incidents/{iid}/refusal", json={"client_id": keys["refusal"]})
        yield api.post(f"/api/v1/incidents/{iid}/addenda", json={
            "client_id": keys["addendum"], "text": "mine"})
        yield api.post(f"/api/v1/incidents/{iid}/seized", json={
            "client_id": keys["seized"], "description": "mine", "kept_at": "here",
            "seized_at": now_iso()})

    # Another room of the same sitting, another sitting, and the same room but another target.
    for response in replays(inv3, s1, s1["rooms"][1], b_ticket, i_b):
        assert_conflict(response, *secrets)
    for response in replays(inv4, s2, s2["rooms"][0], s2["tickets"][0], i_c):
        assert_conflict(response, *secrets)
    other_target = list(replays(inv1, s1, s1["rooms"][0], s1["tickets"][2], i_a3))
    # An incident's target is its sitting, a log entry's its room: there, the caller's own
    # record comes back; every other record belongs to another candidate or incident.
    assert [r.status_code for r in other_target[1:3]] == [200, 200]
    for index, response in enumerate(other_target):
        if index not in (1, 2):
            assert_conflict(response)
    # The same target: the record it made.
    assert photo(inv1, i_a, keys["photo"]).get_json()["id"] == made["photo"].get_json()["id"]
    again = inv1.post(f"/api/v1/incidents/{i_a}/seized", json={
        "client_id": keys["seized"], "description": "secret phone A", "kept_at": "box",
        "seized_at": now_iso()})
    assert again.status_code == 200 and again.get_json()["id"] == made["seized"].get_json()["id"]


# -- item 15: every object named in a body is checked like the one in the URL -------------------
def test_a_seized_item_names_only_a_party_the_caller_may_see(make_sitting, auth, make_incident):
    s = make_sitting()
    inv1, chief = auth.login("inv1"), auth.login("chief")
    iid = make_incident(inv1, s)["id"]

    def seize(api, ticket):
        return api.post(f"/api/v1/incidents/{iid}/seized", json={
            "client_id": cid(), "ticket_no": ticket, "description": "phone", "kept_at": "box",
            "seized_at": now_iso()})

    room_b = seize(inv1, s["tickets"][1])
    assert room_b.status_code == 403, room_b.get_json()
    not_a_party = seize(chief, s["tickets"][1])
    assert not_a_party.status_code == 422 and not_a_party.get_json()["error"] == {
        "code": "not_a_party", "field": "ticket_no",
        "message": not_a_party.get_json()["error"]["message"]}
    assert chief.get(f"/api/v1/incidents/{iid}/seized").get_json() == []
    assert seize(inv1, s["tickets"][0]).status_code == 201


def test_a_chiefs_candidate_page_shows_only_their_sitting(app, make_sitting, auth, make_incident,
                                                          decide):
    s1 = make_sitting()
    shared = id_number(100 * s1["id"])  # the first candidate of sitting 1 sits sitting 2 too
    s2 = second_sitting(app, shared)
    inv4, chief2 = auth.login("inv4"), auth.login("chief2")
    other = make_incident(inv4, s2)["id"]
    assert decide.post(chief2, other).status_code == 200
    chief = auth.login("chief")
    page = chief.get(f"/review/sittings/{s1['id']}/candidates/{s1['tickets'][0]}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert f'/review/incidents/{other}"' not in text
    assert "T2.1" not in text and "2025-12-31" not in text  # its rule, its ban


def test_invigilators_never_read_a_camera_source(make_sitting, auth):
    s = make_sitting()
    body = auth.login("body")
    for rid, source in zip(s["rooms"], ("rtsp://cam:pw@a.invalid/1", "rtsp://cam:pw@b.invalid/2"),
                           strict=True):
        assert body.raw.patch(f"/api/v1/sittings/{s['id']}/rooms/{rid}",
                              json={"camera_source": source},
                              headers={"X-CSRFToken": body.csrf}).status_code == 200
    inv1 = auth.login("inv1")
    for url in (f"/api/v1/sittings/{s['id']}", "/api/v1/sittings"):
        text = inv1.get(url).get_data(as_text=True)
        assert "rtsp://" not in text, url
    chief = auth.login("chief")
    assert "rtsp://cam:pw@b.invalid/2" in chief.get(f"/api/v1/sittings/{s['id']}").get_data(
        as_text=True)


# -- item 18: a ticket's person never changes silently ----------------------------------------
def test_reposting_a_ticket_with_another_id_number_is_refused(make_sitting, auth, make_incident,
                                                              decide):
    s = make_sitting()
    inv, chief, body = auth.login("inv1"), auth.login("chief"), auth.login("body")
    ticket = s["tickets"][0]
    iid = make_incident(inv, s, tickets=[ticket])["id"]
    assert decide.post(chief, iid).status_code == 200
    innocent = id_number(777)
    moved = body.post(f"/api/v1/sittings/{s['id']}/candidates", json={
        "ticket_no": ticket, "name": "无辜者", "id_number": innocent})
    assert moved.status_code == 409, moved.get_json()
    assert moved.get_json()["error"]["code"] == "ticket_taken"
    card = body.get(f"/api/v1/sittings/{s['id']}/candidates/{ticket}").get_json()
    assert card["name"] == "考生1" and card["id_number"] == id_number(100 * s["id"])
    assert body.get(f"/api/v1/sittings/{s['id']}/candidates/{ticket}/sanctions").get_json()[
        "all_subjects_voided"] is True
    revoked = body.get("/api/v1/certificates/revoked").get_json()["revocations"]
    assert innocent not in {r["id_number"] for r in revoked}
    # The same ID number with other subjects is still an update.
    same = body.post(f"/api/v1/sittings/{s['id']}/candidates", json={
        "ticket_no": ticket, "name": "考生1", "id_number": id_number(100 * s["id"]),
        "subjects": ["theory"]})
    assert same.status_code == 200 and same.get_json()["subjects"] == ["theory"]


def test_a_roster_row_repointing_a_ticket_imports_nothing(make_sitting, auth):
    s = make_sitting(candidates=2)
    body = auth.login("body")
    rows = ["准考证号,姓名,身份证号", f"NEW1,新人,{id_number(555)}",
            f"{s['tickets'][0]},冒名,{id_number(556)}"]
    response = body.post(f"/api/v1/sittings/{s['id']}/roster", data={
        "file": (io.BytesIO(("\r\n".join(rows) + "\r\n").encode()), "roster.csv")},
        content_type="multipart/form-data")
    assert response.status_code == 422, response.get_json()
    error = response.get_json()["error"]
    assert error["code"] == "roster_invalid"
    assert [(r["row"], r.get("field")) for r in error["rows"]] == [(3, "id_number")]
    tickets = [c["ticket_no"] for c in body.get(f"/api/v1/sittings/{s['id']}/candidates")
               .get_json()]
    assert "NEW1" not in tickets


def test_an_identity_correction_is_explicit_audited_and_keeps_records_right(make_sitting, auth,
                                                                             make_incident,
                                                                             decide):
    s = make_sitting()
    inv, chief, body = auth.login("inv1"), auth.login("chief"), auth.login("body")
    clean, reported, decided = s["tickets"][0], s["tickets"][2], s["tickets"][4]
    url = f"/api/v1/sittings/{s['id']}/candidates/{{}}/identity"
    right = {"id_number": id_number(801), "name": "真名", "reason": "登记时身份证号录错"}
    assert chief.post(url.format(clean), json=right).status_code == 403
    missing_reason = body.post(url.format(clean), json={**right, "reason": " "})
    assert missing_reason.status_code == 422
    fixed = body.post(url.format(clean), json=right)
    assert fixed.status_code == 200, fixed.get_json()
    assert (fixed.get_json()["name"], fixed.get_json()["id_number"]) == ("真名", id_number(801))
    assert body.post(url.format(clean), json=right).status_code == 200  # a retry changes nothing
    # An undecided, unsigned incident follows the ticket to the right person.
    iid = make_incident(inv, s, tickets=[reported])["id"]
    moved = body.post(url.format(reported), json={**right, "id_number": id_number(802)})
    assert moved.status_code == 200, moved.get_json()
    party = body.get(f"/api/v1/incidents/{iid}").get_json()["parties"][0]
    assert (party["ticket_no"], party["id_number"]) == (reported, id_number(802))
    # Once decided, the record names its person for good: 409, nothing changes.
    done = make_incident(inv, s, tickets=[decided])["id"]
    assert decide.post(chief, done).status_code == 200
    refused = body.post(url.format(decided), json={**right, "id_number": id_number(803)})
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == \
        "ticket_has_records"
    assert body.get(f"/api/v1/sittings/{s['id']}/candidates/{decided}").get_json()[
        "id_number"] == id_number(100 * s["id"] + 4)
    taken = body.post(url.format(clean), json={**right, "id_number": id_number(802),
                                               "name": "真名"})
    assert taken.status_code == 409 and taken.get_json()["error"]["code"] == \
        "person_already_registered"
    actions = [e["action"] for e in body.get("/api/v1/audit?action=candidate_identity_corrected")
               .get_json()["entries"]]
    assert actions == ["candidate_identity_corrected"] * 2
