"""The room record's close-out (考场情况记录表): papers handed out and collected, the
discrepancies the record raises, their explanations, and the sign-off they hold back."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from html import unescape

import pytest
from helpers import cid

ZH = {"Accept-Language": "zh-CN"}
LATE_AT = datetime(2025, 6, 28, 1, 20, tzinfo=UTC).isoformat()   # 09:20 venue time


@pytest.fixture
def room(make_sitting, auth):
    """Room A: 考生1 present (inv1); 考生3 absent (inv1), then late (inv2); 考生5 unrecorded."""
    s = make_sitting()
    inv1, inv2 = auth.login("inv1"), auth.login("inv2")
    sid, rid = s["id"], s["rooms"][0]
    t1, t3, t5 = s["tickets"][0], s["tickets"][2], s["tickets"][4]
    attend = f"/api/v1/sittings/{sid}/candidates/{{}}/attendance"
    for who, ticket, mark in ((inv1, t1, {"status": "present"}),
                              (inv1, t1, {"status": "present", "id_checked": True}),  # no twice
                              (inv1, t3, {"status": "absent"}), (inv2, t3, {"status": "late"})):
        assert who.post(attend.format(ticket), json={**mark, "subject": "theory"}) \
            .status_code == 200
    base = f"/api/v1/sittings/{sid}/rooms/{rid}/record/theory"
    return {"s": s, "sid": sid, "rid": rid, "inv1": inv1, "inv2": inv2, "t1": t1, "t3": t3,
            "t5": t5, "base": base}


def counts(app):
    with app.app_context():
        from proctor.extensions import db
        from proctor.models import AuditEntry, DiscrepancyExplanation, RoomCloseout

        return tuple(db.session.scalar(db.select(db.func.count()).select_from(m))
                     for m in (RoomCloseout, DiscrepancyExplanation, AuditEntry))


def keys(answer) -> list[str]:
    return [d["key"] for d in answer["discrepancies"]]


def test_counts_discrepancies_explanations_and_the_sign_off(room, app):
    inv1, inv2, base = room["inv1"], room["inv2"], room["base"]
    record = inv1.get(base).get_json()
    assert record["counts"] == {"expected": 3, "present": 1, "late": 1, "absent": 0,
                                "unrecorded": 1}
    assert record["closeout"] is None
    assert keys(record) == [f"checked_in_twice:{room['t3']}", f"unrecorded:{room['t5']}"]
    twice = record["discrepancies"][0]["facts"]
    assert [(m["status"], m["by"]) for m in twice["marks"]] == [("absent", "inv1"),
                                                                ("late", "inv2")]
    assert [c["ticket_no"] for c in record["late"]] == [room["t3"]]

    # No sign-off before the papers are counted.
    refused = inv1.post(base + "/signoff", headers=ZH)
    assert refused.status_code == 409
    assert refused.get_json()["error"]["code"] == "closeout_required"

    put = inv1.put(base + "/closeout", json={"client_id": cid(), "handed_out": 2,
                                             "collected": 1})
    assert put.status_code == 200, put.get_json()
    answer = put.get_json()
    assert answer["closeout"]["handed_out"] == 2 and answer["closeout"]["collected"] == 1
    assert answer["closeout"]["recorded_by"] == "inv1"
    assert keys(answer) == ["collected_vs_handed_out", "collected_vs_present",
                            f"checked_in_twice:{room['t3']}", f"unrecorded:{room['t5']}"]
    assert answer["unexplained"] == 4

    # Refused, in Chinese, listing every unexplained discrepancy.
    refused = inv2.post(base + "/signoff", headers=ZH)
    assert refused.status_code == 409
    error = refused.get_json()["error"]
    assert error["code"] == "unexplained_discrepancy" and "未说明" in error["message"]
    assert [d["key"] for d in error["discrepancies"]] == keys(answer)
    assert counts(app)[1] == 0

    for key in keys(answer)[:-1]:
        made = inv2.post(base + "/explanations", json={
            "client_id": cid(), "discrepancy": key, "text": f"说明 {key}"})
        assert made.status_code == 201, made.get_json()
    left = made.get_json()
    assert left["unexplained"] == 1 and left["recorded_by"] == "inv2"
    refused = inv1.post(base + "/signoff").get_json()["error"]
    assert [d["key"] for d in refused["discrepancies"]] == [f"unrecorded:{room['t5']}"]
    assert inv1.post(base + "/explanations", json={
        "client_id": cid(), "discrepancy": f"unrecorded:{room['t5']}",
        "text": "考生5 未到，漏记缺考"}).status_code == 201

    record = inv1.get(base).get_json()
    explanation = record["discrepancies"][-1]["explanation"]
    assert explanation["text"] == "考生5 未到，漏记缺考" and explanation["by"] == "inv1"
    assert datetime.fromisoformat(explanation["at"]).tzinfo is not None
    signed = inv1.post(base + "/signoff")
    assert signed.status_code == 200, signed.get_json()
    assert signed.get_json()["record_hash"] == record["hash"]
    # The hash covers the figures and the explanations: it is the digest of that content.
    from proctor.hashing import digest

    content = {k: v for k, v in record.items() if k not in ("hash", "signoffs", "closed")}
    assert digest(content) == record["hash"]
    assert content["closeout"]["collected"] == 1
    assert digest({**content, "closeout": {**content["closeout"], "collected": 2}}) \
        != record["hash"]
    second = inv2.post(base + "/signoff")
    assert second.status_code == 200 and second.get_json()["closed"] is True


def test_an_explanation_holds_only_for_the_facts_it_explains(room):
    inv1, base = room["inv1"], room["base"]
    inv1.put(base + "/closeout", json={"client_id": cid(), "handed_out": 2, "collected": 1})
    assert inv1.post(base + "/explanations", json={
        "client_id": cid(), "discrepancy": "collected_vs_handed_out",
        "text": "一份试卷被撕毁，已另行报告"}).status_code == 201
    again = inv1.put(base + "/closeout", json={"client_id": cid(), "handed_out": 2,
                                               "collected": 0}).get_json()
    first = again["discrepancies"][0]
    assert first["key"] == "collected_vs_handed_out" and first["explanation"] is None
    assert first["facts"] == {"handed_out": 2, "collected": 0}
    fixed = room["inv1"].put(base + "/closeout", json={"client_id": cid(), "handed_out": 2,
                                                       "collected": 2}).get_json()
    assert "collected_vs_handed_out" not in keys(fixed)
    assert "collected_vs_present" not in keys(fixed)


def test_another_rooms_invigilator_and_the_chief_are_refused(room, auth, app):
    base = room["base"]
    before = counts(app)
    other, chief = auth.login("inv3"), auth.login("chief")
    for caller in (other, chief):
        put = caller.put(base + "/closeout", json={"client_id": cid(), "handed_out": 1,
                                                   "collected": 1})
        assert put.status_code == 403, put.get_json()
        post = caller.post(base + "/explanations", json={
            "client_id": cid(), "discrepancy": f"unrecorded:{room['t5']}", "text": "x"})
        assert post.status_code == 403
        assert set(post.get_json()) == {"error"}
    assert counts(app)[:2] == before[:2]


@pytest.mark.parametrize("body, field", [
    ({"handed_out": -1, "collected": 0}, "handed_out"),
    ({"handed_out": 3, "collected": -2}, "collected"),
    ({"handed_out": "3", "collected": 3}, "handed_out"),
    ({"handed_out": 3.5, "collected": 3}, "handed_out"),
    ({"handed_out": 3}, "collected"),
    ({"handed_out": 100001, "collected": 3}, "handed_out"),
])
def test_bad_counts_are_refused_and_nothing_is_written(room, app, body, field):
    before = counts(app)
    answer = room["inv1"].put(room["base"] + "/closeout", json={"client_id": cid(), **body},
                              headers=ZH)
    assert answer.status_code == 422
    error = answer.get_json()["error"]
    assert error["code"] == "validation_error" and error["field"] == field
    assert re.search(r"[\u4e00-\u9fff]", error["message"])
    assert counts(app) == before


def test_unknown_subject_and_unknown_discrepancy_are_clear_errors(room, app):
    inv1 = room["inv1"]
    before = counts(app)
    unknown = f"/api/v1/sittings/{room['sid']}/rooms/{room['rid']}/record/chemistry"
    answer = inv1.put(unknown + "/closeout", json={"client_id": cid(), "handed_out": 1,
                                                   "collected": 1})
    assert answer.status_code == 422
    assert answer.get_json()["error"]["code"] == "unknown_subject"
    answer = inv1.post(room["base"] + "/explanations", json={
        "client_id": cid(), "discrepancy": "collected_vs_handed_out", "text": "x"}, headers=ZH)
    assert answer.status_code == 422   # no figures yet: the record raises no such discrepancy
    error = answer.get_json()["error"]
    assert error["code"] == "unknown_discrepancy" and error["field"] == "discrepancy"
    assert "没有这一项异常" in error["message"]
    assert sorted(error["discrepancies"]) == sorted([f"checked_in_twice:{room['t3']}",
                                                     f"unrecorded:{room['t5']}"])
    blank = inv1.post(room["base"] + "/explanations", json={
        "client_id": cid(), "discrepancy": f"unrecorded:{room['t5']}", "text": "   "})
    assert blank.status_code == 422 and blank.get_json()["error"]["field"] == "text"
    assert counts(app)[:2] == before[:2]


def test_replays_answer_the_first_record_and_never_cross_rooms(room, auth, app):
    inv1, base = room["inv1"], room["base"]
    key = cid()
    first = inv1.put(base + "/closeout", json={"client_id": key, "handed_out": 2,
                                               "collected": 2}).get_json()
    replay = inv1.put(base + "/closeout", json={"client_id": key, "handed_out": 9,
                                                "collected": 9})
    assert replay.status_code == 200
    assert replay.get_json()["id"] == first["id"]
    assert replay.get_json()["entry"]["handed_out"] == 2
    assert replay.get_json()["closeout"]["handed_out"] == 2
    assert counts(app)[0] == 1
    before = counts(app)
    practical = base.replace("/theory", "/practical")
    crossed = inv1.put(practical + "/closeout", json={"client_id": key, "handed_out": 2,
                                                      "collected": 2})
    assert crossed.status_code == 409 and set(crossed.get_json()) == {"error"}
    assert crossed.get_json()["error"]["code"] == "client_id_conflict"
    room_b = f"/api/v1/sittings/{room['sid']}/rooms/{room['s']['rooms'][1]}/record/theory"
    other = auth.login("inv3").put(room_b + "/closeout", json={
        "client_id": key, "handed_out": 2, "collected": 2})
    assert other.status_code == 409 and set(other.get_json()) == {"error"}
    assert str(first["id"]) not in other.get_data(as_text=True)

    said = cid()
    made = inv1.post(base + "/explanations", json={
        "client_id": said, "discrepancy": f"unrecorded:{room['t5']}", "text": "缺考漏记"})
    again = inv1.post(base + "/explanations", json={
        "client_id": said, "discrepancy": f"unrecorded:{room['t5']}", "text": "改了"})
    assert made.status_code == 201 and again.status_code == 200
    assert again.get_json()["id"] == made.get_json()["id"]
    assert again.get_json()["text"] == "缺考漏记"
    elsewhere = inv1.post(base + "/explanations", json={
        "client_id": said, "discrepancy": f"checked_in_twice:{room['t3']}", "text": "x"})
    assert elsewhere.status_code == 409 and set(elsewhere.get_json()) == {"error"}
    assert counts(app)[:2] == (before[0], before[1] + 1)


def test_nothing_changes_once_signed_and_the_other_tablet_hears_of_it(room, app):
    inv1, inv2, base = room["inv1"], room["inv2"], room["base"]
    key = cid()
    inv1.put(base + "/closeout", json={"client_id": key, "handed_out": 2, "collected": 2})
    for d in inv1.get(base).get_json()["discrepancies"]:
        inv2.post(base + "/explanations", json={"client_id": cid(), "discrepancy": d["key"],
                                                "text": "已核实"})
    assert inv1.post(base + "/signoff").status_code == 200
    late = inv2.put(base + "/closeout", json={"client_id": cid(), "handed_out": 3,
                                              "collected": 3}, headers=ZH)
    assert late.status_code == 409 and late.get_json()["error"]["code"] == "record_signed"
    assert "已有监考员签署" in late.get_json()["error"]["message"]
    assert inv1.put(base + "/closeout", json={"client_id": key, "handed_out": 2,
                                              "collected": 2}).status_code == 200  # a replay
    events = inv2.get(f"/api/v1/sittings/{room['sid']}/events?after_seq=0").get_json()
    ours = [(e["type"], e["room_id"]) for e in events
            if e["type"] in ("closeout_recorded", "discrepancy_explained", "room_record_signed")]
    assert ours == [("closeout_recorded", room["rid"]), ("discrepancy_explained", room["rid"]),
                    ("discrepancy_explained", room["rid"]), ("room_record_signed", room["rid"])]
    closed = next(e for e in events if e["type"] == "closeout_recorded")
    assert closed["data"]["handed_out"] == 2 and closed["data"]["unexplained"] == 2
    with app.app_context():
        from proctor.extensions import db
        from proctor.models import AuditEntry

        actions = list(db.session.scalars(db.select(AuditEntry.action).where(
            AuditEntry.action.in_(("room_closeout_recorded", "discrepancy_explained")))
            .order_by(AuditEntry.seq)))
    assert actions == ["room_closeout_recorded", "discrepancy_explained",
                       "discrepancy_explained"]


def test_the_page_shows_counts_discrepancies_explanations_and_venue_times(room, app):
    inv1, base = room["inv1"], room["base"]
    sid, rid = room["sid"], room["rid"]
    for kind in ("misprint", "power_cut"):
        assert inv1.post(f"/api/v1/sittings/{sid}/rooms/{rid}/log", json={
            "client_id": cid(), "kind": kind, "subject": "theory", "observed_at": LATE_AT,
            "note": "第3页缺印" if kind == "misprint" else None}).status_code == 201
    inv1.put(base + "/closeout", json={"client_id": cid(), "handed_out": 2, "collected": 1})
    inv1.post(base + "/explanations", json={"client_id": cid(),
                                            "discrepancy": "collected_vs_handed_out",
                                            "text": "考生3 提前交卷后试卷被收走两次"})
    html = inv1.get(f"/floor/sittings/{sid}/rooms/{rid}/record/theory").get_data(as_text=True)
    text = unescape(re.sub(r"<[^>]+>", " ", html[html.index("<article"):]))
    for words in ("发出试卷", "收回试卷", "交卷清点与异常说明", "试卷印刷错误", "停电", "09:20",
                  "收回试卷（1 份）与发出试卷（2 份）不符", "考生3 提前交卷后试卷被收走两次",
                  "的签到被记录了不止一次", "缺考", "迟到", "没有记录其到考情况", "尚未说明",
                  "迟到考生"):
        assert words in text, words
    assert "01:20" not in text and "UTC" not in text
    assert 'id="closeout-form"' in html and 'class="explain no-print"' in html


def test_the_other_tablet_of_the_room_hears_the_counts_live(room, app, auth):
    from proctor.extensions import socketio

    tablet_b = socketio.test_client(app, flask_test_client=room["inv2"].raw)
    other_room = socketio.test_client(app, flask_test_client=auth.login("inv3").raw)
    for client in (tablet_b, other_room):
        assert client.is_connected()
        client.get_received()
    room["inv1"].put(room["base"] + "/closeout", json={"client_id": cid(), "handed_out": 2,
                                                       "collected": 2})
    room["inv1"].post(room["base"] + "/explanations", json={
        "client_id": cid(), "discrepancy": f"unrecorded:{room['t5']}", "text": "缺考漏记"})
    heard = [(e["name"], e["args"][0]["data"]) for e in tablet_b.get_received()]
    assert [name for name, _ in heard] == ["closeout_recorded", "discrepancy_explained"]
    assert heard[0][1]["handed_out"] == 2 and heard[0][1]["subject"] == "theory"
    assert heard[1][1]["note"] == "缺考漏记"
    assert other_room.get_received() == []


def test_a_candidate_still_out_at_the_end_must_be_explained(room):
    """The movement log feeds the close-out: a leaving with no return is a discrepancy until
    the return is recorded (then it is gone) or it is explained."""
    inv1, base, sid, t1 = room["inv1"], room["base"], room["sid"], room["t1"]

    def move(kind: str, **fields):
        return inv1.post(f"/api/v1/sittings/{sid}/movements", json={
            "client_id": cid(), "ticket_no": t1, "kind": kind, "subject": "theory",
            "observed_at": datetime.now(UTC).isoformat(), **fields})

    assert move("left", reason="toilet").status_code == 201
    record = inv1.get(base).get_json()
    out = [d for d in record["discrepancies"] if d["kind"] == "still_out"]
    assert [d["key"] for d in out] == [f"still_out:{t1}"]
    assert out[0]["facts"]["seat_no"] and datetime.fromisoformat(out[0]["facts"]["out_since"])
    page = inv1.get(f"/floor/sittings/{sid}/rooms/{room['rid']}/record/theory",
                    headers=ZH).get_data(as_text=True)
    assert "离开考场后未登记返回" in unescape(page)

    assert move("returned").status_code == 201
    assert f"still_out:{t1}" not in keys(inv1.get(base).get_json())
