"""The movement log (离座/返回): recording, listing, scope, and every bad input refused whole."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from helpers import cid, id_number, now_iso


def _at(minutes: float = 0) -> str:
    return (datetime.now(UTC) + timedelta(minutes=minutes)).isoformat()


def move(api, s, ticket: str, kind: str, **fields: Any):
    body = {"client_id": cid(), "ticket_no": ticket, "kind": kind, "observed_at": now_iso(),
            **fields}
    if kind == "left":
        body.setdefault("reason", "toilet")
    return api.post(f"/api/v1/sittings/{s['id']}/movements", json=body)


def count(api, s) -> int:
    listed = api.get(f"/api/v1/sittings/{s['id']}/rooms/{s['rooms'][0]}/movements")
    assert listed.status_code == 200, listed.get_json()
    return len(listed.get_json()["movements"])


def test_a_leaving_and_its_return_are_listed_with_the_absence(make_sitting, auth):
    s = make_sitting()
    inv = auth.login("inv1")
    ticket = s["tickets"][0]
    left = move(inv, s, ticket, "left", reason="illness", escort="王老师",
                observed_at=_at(-12), subject="theory")
    assert left.status_code == 201, left.get_json()
    out = left.get_json()
    assert (out["kind"], out["reason"], out["escort"], out["subject"]) == (
        "left", "illness", "王老师", "theory")
    assert out["seat_no"] == 1 and out["recorded_by"] == "inv1" and "*" in out["id_number"]
    state = inv.get(f"/api/v1/sittings/{s['id']}/rooms/{s['rooms'][0]}/state").get_json()
    seat = next(x for x in state["seats"] if x["ticket_no"] == ticket)
    assert [m["kind"] for m in seat["movements"]] == ["left"]
    assert state["absence_alert_minutes"] == 10
    back = move(inv, s, ticket, "returned", observed_at=_at(-1))
    assert back.status_code == 201, back.get_json()
    returned = back.get_json()
    assert returned["reason"] == "illness" and returned["left_id"] == out["id"]
    assert 655 <= returned["duration_seconds"] <= 665
    listed = inv.get(f"/api/v1/sittings/{s['id']}/candidates/{ticket}/movements").get_json()
    assert [m["kind"] for m in listed["movements"]] == ["left", "returned"]
    absence, = listed["absences"]
    assert absence["overdue"] is True and absence["returned_at"] is not None
    assert inv.get(f"/api/v1/sittings/{s['id']}/rooms/{s['rooms'][0]}/movements"
                   "?subject=practical").get_json()["movements"] == []
    events = inv.get(f"/api/v1/sittings/{s['id']}/events?room_id={s['rooms'][0]}").get_json()
    recorded = [e for e in events if e["type"] == "movement_recorded"]
    assert [e["data"]["movement"] for e in recorded] == ["left", "returned"]
    assert recorded[1]["data"]["duration_seconds"] == returned["duration_seconds"]


def test_a_replayed_client_id_answers_the_movement_it_made(make_sitting, auth):
    s = make_sitting()
    inv = auth.login("inv1")
    body = {"client_id": cid(), "ticket_no": s["tickets"][0], "kind": "left",
            "reason": "toilet", "observed_at": now_iso()}
    url = f"/api/v1/sittings/{s['id']}/movements"
    first = inv.post(url, json=body)
    again = inv.post(url, json=body)  # the outbox sent it twice: the answer was lost
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json()["id"] == first.get_json()["id"] and count(inv, s) == 1
    # and the other tablet of the room, replaying what the first one made, gets it too
    assert auth.login("inv2").post(url, json=body).get_json()["id"] == first.get_json()["id"]


def test_an_escort_chosen_from_the_room_staff_is_recorded_by_name(make_sitting, auth, app):
    s = make_sitting()
    with app.app_context():
        from proctor.extensions import db
        from proctor.models import User

        db.session.scalar(db.select(User).where(User.username == "inv2")).display_name = "李老师"
        db.session.commit()
    inv = auth.login("inv1")
    left = move(inv, s, s["tickets"][0], "left", escort_username="inv2")
    assert left.status_code == 201 and left.get_json()["escort"] == "李老师"
    stranger = move(inv, s, s["tickets"][2], "left", escort_username="inv3")  # room B's
    assert stranger.status_code == 422
    assert stranger.get_json()["error"] == {
        "code": "escort_not_staff", "field": "escort_username",
        "message": stranger.get_json()["error"]["message"]}


@pytest.mark.parametrize("case", [
    "returned_without_left", "left_twice", "unknown_ticket", "future", "unknown_reason",
    "no_reason", "returned_before_left", "not_my_room", "replay_in_another_room"])
def test_bad_inputs_are_refused_and_nothing_is_written(make_sitting, auth, case):
    s = make_sitting()
    inv, inv3 = auth.login("inv1"), auth.login("inv3")
    mine, other_room = s["tickets"][0], s["tickets"][1]
    url = f"/api/v1/sittings/{s['id']}/movements"
    if case in ("left_twice", "returned_before_left"):
        assert move(inv, s, mine, "left").status_code == 201
    replayed = cid()
    if case == "replay_in_another_room":
        assert move(inv, s, mine, "left", client_id=replayed).status_code == 201
    before = count(inv, s), count(inv3, {**s, "rooms": s["rooms"][1:]})
    seq = inv.get(f"/api/v1/sittings/{s['id']}/rooms/{s['rooms'][0]}/state").get_json()
    sent, expect = {
        "returned_without_left": ((inv, mine, "returned", {}), (409, "not_out")),
        "left_twice": ((inv, mine, "left", {}), (409, "already_out")),
        "unknown_ticket": ((inv, "NOPE-1", "left", {}), (422, "unknown_ticket_no")),
        "future": ((inv, mine, "left", {"observed_at": _at(30)}), (422, "observed_in_future")),
        "unknown_reason": ((inv, mine, "left", {"reason": "smoke"}), (422, "validation_error")),
        "no_reason": ((inv, mine, "left", {"reason": None}), (422, "reason_required")),
        "returned_before_left": ((inv, mine, "returned", {"observed_at": _at(-60)}),
                                 (422, "returned_before_left")),
        "not_my_room": ((inv, other_room, "left", {}), (403, "forbidden")),
        "replay_in_another_room": ((inv3, other_room, "left", {"client_id": replayed}),
                                   (409, "client_id_conflict")),
    }[case]
    api, ticket, kind, extra = sent
    body = {"client_id": cid(), "ticket_no": ticket, "kind": kind, "observed_at": now_iso(),
            **({"reason": "toilet"} if kind == "left" else {}), **extra}
    answer = api.post(url, json={k: v for k, v in body.items() if v is not None})
    assert (answer.status_code, answer.get_json()["error"]["code"]) == expect, answer.get_json()
    assert set(answer.get_json()) == {"error"} and answer.get_json()["error"]["message"]
    assert (count(inv, s), count(inv3, {**s, "rooms": s["rooms"][1:]})) == before
    after = inv.get(f"/api/v1/sittings/{s['id']}/rooms/{s['rooms'][0]}/state").get_json()
    assert after["last_seq"] == seq["last_seq"]  # no event went out either


def test_the_future_is_the_server_clock_plus_the_allowed_skew(make_sitting, auth):
    s = make_sitting()
    inv = auth.login("inv1")
    assert move(inv, s, s["tickets"][0], "left", observed_at=_at(4)).status_code == 201
    assert move(inv, s, s["tickets"][2], "left", observed_at=_at(6)).status_code == 422


def test_a_chinese_tablet_reads_the_refusal_in_chinese(make_sitting, auth):
    s = make_sitting()
    inv = auth.login("inv1")
    answer = inv.raw.post(f"/api/v1/sittings/{s['id']}/movements", headers={
        "X-CSRFToken": inv.csrf, "Accept-Language": "zh-CN"}, json={
        "client_id": cid(), "ticket_no": s["tickets"][0], "kind": "returned",
        "observed_at": now_iso()})
    assert answer.status_code == 409
    assert answer.get_json()["error"]["message"].startswith("该考生没有离座记录")


def test_listings_are_scoped_and_id_numbers_masked_for_invigilators(make_sitting, auth):
    s = make_sitting()
    inv, inv3, chief = auth.login("inv1"), auth.login("inv3"), auth.login("chief")
    ticket = s["tickets"][0]
    assert move(inv, s, ticket, "left").status_code == 201
    room_a = f"/api/v1/sittings/{s['id']}/rooms/{s['rooms'][0]}/movements"
    of_ticket = f"/api/v1/sittings/{s['id']}/candidates/{ticket}/movements"
    assert inv3.get(room_a).status_code == 403
    assert inv3.get(of_ticket).status_code == 403
    assert move(inv3, s, ticket, "returned").status_code == 403
    seen = inv.get(room_a).get_json()["movements"][0]["id_number"]
    full = chief.get(room_a).get_json()["movements"][0]["id_number"]
    assert "*" in seen and "*" not in full and seen[-4:] == full[-4:]
    assert "absences" in chief.get(of_ticket).get_json()


def test_the_chief_may_record_and_the_body_may_only_read(make_sitting, auth):
    s = make_sitting()
    chief, body = auth.login("chief"), auth.login("body")
    assert move(chief, s, s["tickets"][1], "left").status_code == 201
    assert move(body, s, s["tickets"][1], "returned").status_code == 403
    assert body.get(f"/api/v1/sittings/{s['id']}/rooms/{s['rooms'][1]}/movements"
                    ).status_code == 200


def test_two_tablets_recording_the_same_leaving_at_once_make_one(make_sitting, auth, app):
    """The UNIQUE order of a candidate's movements settles a race the check cannot see."""
    s = make_sitting()
    inv = auth.login("inv1")
    with app.app_context():
        from proctor.extensions import db
        from proctor.models import Candidate, Movement, Sitting, User
        from proctor.services import movements

        sitting = db.session.get(Sitting, s["id"])
        candidate = db.session.scalar(db.select(Candidate).where(
            Candidate.ticket_no == s["tickets"][0], Candidate.sitting_id == s["id"]))
        who = db.session.scalar(db.select(User).where(User.username == "inv1"))
        real = movements.last_movement
        movements.last_movement = lambda c: None  # both see the candidate in the room
        try:
            with app.test_request_context():
                from flask_login import login_user
                login_user(who)
                kwargs = dict(kind="left", reason="toilet", escort=None, escort_username=None,
                              note=None, subject_code=None, observed_at=datetime.now(UTC),
                              who=who)
                movements.record_movement(sitting, candidate, client_id=cid(), **kwargs)
                with pytest.raises(Exception) as refused:
                    movements.record_movement(sitting, candidate, client_id=cid(), **kwargs)
                db.session.commit()
        finally:
            movements.last_movement = real
        assert getattr(refused.value, "code", None) == "already_out"
        assert db.session.scalar(db.select(db.func.count()).select_from(Movement)) == 1
    assert count(inv, s) == 1


def _out_and_back(inv, s, ticket: str, minutes: int, **fields: Any) -> None:
    assert move(inv, s, ticket, "left", observed_at=_at(-minutes - 1), subject="theory",
                **fields).status_code == 201
    assert move(inv, s, ticket, "returned", observed_at=_at(-1)).status_code == 201


def test_the_room_record_lists_the_movements_with_venue_times_and_durations(make_sitting, auth):
    s = make_sitting()
    inv = auth.login("inv1")
    first, second = s["tickets"][0], s["tickets"][2]
    _out_and_back(inv, s, first, 12, reason="illness", escort="王老师")
    assert move(inv, s, second, "left", reason="toilet", subject="theory").status_code == 201
    record = inv.get(f"/api/v1/sittings/{s['id']}/rooms/{s['rooms'][0]}/record/theory").get_json()
    back, out = record["movements"]
    assert (back["ticket_no"], back["reason"], back["escort"]) == (first, "illness", "王老师")
    assert 715 <= back["duration_seconds"] <= 725 and back["returned_at"]
    assert out["ticket_no"] == second and out["returned_at"] is None
    page = inv.get(f"/floor/sittings/{s['id']}/rooms/{s['rooms'][0]}/record/theory")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'id="movements"' in html
    rows = html.split('class="movement"')
    assert len(rows) == 3 and "王老师" in rows[1] and "12 分钟" in rows[1]
    assert "尚未返回" in rows[2]
    from zoneinfo import ZoneInfo

    venue = datetime.fromisoformat(back["left_at"]).astimezone(ZoneInfo("Asia/Shanghai"))
    assert f'>{venue:%H:%M}</time>' in rows[1]  # venue time, not UTC


def test_a_t12_incident_shows_the_candidates_movements_in_review_and_case_file(
        make_sitting, auth, make_warning):
    s = make_sitting()
    inv, chief = auth.login("inv1"), auth.login("chief")
    ticket = s["tickets"][0]
    _out_and_back(inv, s, ticket, 15, reason="other", escort="王老师")
    assert move(inv, s, s["tickets"][2], "left").status_code == 201  # someone else's
    refused = make_warning(inv, s, ticket=ticket, rule="T1.2", outcome="refused")
    other = make_warning(inv, s, ticket=ticket, rule="T1.3", outcome="refused")
    page = chief.get(f"/review/incidents/{refused['incident_id']}").get_data(as_text=True)
    section = page.split('id="movements"')[1].split("</section>")[0]
    assert "王老师" in section and "15 分钟" in section and s["tickets"][2] not in section
    assert "超过 10 分钟" in section
    assert 'id="movements"' not in chief.get(
        f"/review/incidents/{other['incident_id']}").get_data(as_text=True)
    import io
    import json
    import zipfile

    archive = zipfile.ZipFile(io.BytesIO(chief.get(
        f"/api/v1/incidents/{refused['incident_id']}/case-file").get_data()))
    filed = json.loads(archive.read("movements.json"))
    assert [m["kind"] for m in filed["movements"]] == ["left", "returned"]
    assert filed["absences"][0]["left_at"]["venue"].endswith("+08:00")
    audit = json.loads(archive.read("audit.json"))
    assert {e["action"] for e in audit["entries"]} >= {"movement_recorded"}


def test_the_board_shows_who_is_out_of_each_room(make_sitting, auth):
    s = make_sitting()
    inv, chief = auth.login("inv1"), auth.login("chief")
    assert move(inv, s, s["tickets"][0], "left", observed_at=_at(-11)).status_code == 201
    _out_and_back(inv, s, s["tickets"][2], 3)
    board = chief.get(f"/api/v1/sittings/{s['id']}/board").get_json()
    room_a, room_b = board["rooms"]
    assert room_a["out"] == 1 and room_b["out"] == 0 and board["absence_alert_minutes"] == 10
    who, = room_a["out_now"]
    assert (who["ticket_no"], who["name"], who["seat_no"]) == (s["tickets"][0], "考生1", 1)


def test_a_candidate_without_a_seat_cannot_leave_a_room(make_sitting, auth, app):
    s = make_sitting()
    with app.app_context():
        from proctor.extensions import db
        from proctor.models import Sitting
        from proctor.services.people import register_candidate

        register_candidate(db.session.get(Sitting, s["id"]), "U001", "未排座", id_number(990),
                           None)
        db.session.commit()
    answer = move(auth.login("chief"), s, "U001", "left")
    assert (answer.status_code, answer.get_json()["error"]["code"]) == (422, "not_seated")
    assert move(auth.login("inv1"), s, "U001", "left").status_code == 403
    bad_subject = move(auth.login("inv1"), s, s["tickets"][0], "left", subject="music")
    assert (bad_subject.status_code, bad_subject.get_json()["error"]["field"]) == (422, "subject")
