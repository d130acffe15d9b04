"""Review: a rule changed with a reason (the old code kept), the countersignature on every
decision, the board; the room record and its sign-off."""

from __future__ import annotations

from helpers import cid, now_iso


def test_rule_change_keeps_the_old_code_and_needs_a_reason(make_sitting, auth, make_incident,
                                                           decide):
    s = make_sitting()
    inv, chief = auth.login("inv1"), auth.login("chief")
    iid = make_incident(inv, s, "T2.5", subject="theory")["id"]
    no_reason = chief.post(f"/api/v1/incidents/{iid}/rule", json={"rule_code": "T2.1"})
    assert no_reason.status_code == 422
    reminder_rule = chief.post(f"/api/v1/incidents/{iid}/rule",
                               json={"rule_code": "T1.1", "reason": "only had it"})
    assert reminder_rule.status_code == 422
    assert reminder_rule.get_json()["error"]["code"] == "warning_required"
    own = inv.post(f"/api/v1/incidents/{iid}/rule", json={"rule_code": "T2.1", "reason": "x"})
    assert own.status_code == 403
    changed = chief.post(f"/api/v1/incidents/{iid}/rule",
                         json={"rule_code": "T2.1", "reason": "照片显示正在使用手机"})
    assert changed.status_code == 200, changed.get_json()
    body = changed.get_json()
    assert (body["rule_code"], body["tier"], body["status"]) == ("T2.1", 2, "reported")
    assert body["decisions"][0]["rule_code_before"] == "T2.5"
    assert body["decisions"][0]["note"] == "照片显示正在使用手机"
    confirmed = decide(chief, iid, note="确认")
    assert len(confirmed["decisions"][1]["record_hash"]) == 64  # the countersignature
    late = chief.post(f"/api/v1/incidents/{iid}/rule", json={"rule_code": "T2.2", "reason": "x"})
    assert late.status_code == 409


def test_board_counts_rooms(make_sitting, auth, make_incident):
    s = make_sitting()
    inv, chief = auth.login("inv1"), auth.login("chief")
    inv.post(f"/api/v1/sittings/{s['id']}/candidates/{s['tickets'][0]}/attendance",
             json={"status": "present", "subject": "theory"})
    make_incident(inv, s, "T2.1", subject="theory")
    board = chief.get(f"/api/v1/sittings/{s['id']}/board")
    assert board.status_code == 200
    room_a = board.get_json()["rooms"][0]
    assert (room_a["seated"], room_a["incidents_waiting"]) == (3, 1)
    assert board.get_json()["incidents_waiting"] == 1
    assert inv.get(f"/api/v1/sittings/{s['id']}/board").status_code == 403
    page = chief.get(f"/review/sittings/{s['id']}")
    assert page.status_code == 200 and "review.js" in page.get_data(as_text=True)
    assert inv.get(f"/review/sittings/{s['id']}").status_code == 403


def test_review_page_shows_what_the_chief_needs(make_sitting, auth, make_warning):
    s = make_sitting()
    inv, chief = auth.login("inv1"), auth.login("chief")
    refused = make_warning(inv, s, rule="T1.1", outcome="refused")
    page = chief.get(f"/review/incidents/{refused['incident_id']}").get_data(as_text=True)
    assert "T1.1" in page and "考生1" in page
    assert "id=\"decision\"" in page  # the chief may decide …
    own = inv.get(f"/review/incidents/{refused['incident_id']}")
    assert own.status_code == 403  # … an invigilator may not even open it


def test_room_record_and_sign_off(make_sitting, auth, make_incident):
    s = make_sitting()
    inv1, inv2, chief = auth.login("inv1"), auth.login("inv2"), auth.login("chief")
    sid, room = s["id"], s["rooms"][0]
    inv1.post(f"/api/v1/sittings/{sid}/candidates/{s['tickets'][0]}/attendance",
              json={"status": "present", "subject": "theory"})
    inv1.post(f"/api/v1/sittings/{sid}/candidates/{s['tickets'][2]}/attendance",
              json={"status": "absent", "subject": "theory"})
    inv1.post(f"/api/v1/sittings/{sid}/rooms/{room}/log", json={
        "client_id": cid(), "kind": "subject_started", "subject": "theory",
        "observed_at": now_iso()})
    make_incident(inv1, s, "T2.1", subject="theory")
    url = f"/api/v1/sittings/{sid}/rooms/{room}/record/theory"
    record = inv1.get(url).get_json()
    assert record["counts"] == {"expected": 3, "present": 1, "late": 0, "absent": 1,
                                "unrecorded": 1}
    assert [a["status"] for a in record["absentees"]] == ["absent", "unrecorded"]
    assert [e["kind"] for e in record["log"]] == ["subject_started"]
    assert record["incidents"][0]["rule_code"] == "T2.1" and record["closed"] is False
    assert inv1.post(url + "/signoff").status_code == 409  # the papers are not counted yet
    inv1.put(url + "/closeout", json={"client_id": cid(), "handed_out": 1, "collected": 1})
    assert inv1.post(url + "/explanations", json={
        "client_id": cid(), "discrepancy": f"unrecorded:{s['tickets'][4]}",
        "text": "缺考，漏记"}).status_code == 201
    record = inv1.get(url).get_json()
    first = inv1.post(url + "/signoff")
    assert first.status_code == 200 and first.get_json()["closed"] is False
    assert first.get_json()["record_hash"] == record["hash"]
    assert chief.post(url + "/signoff").status_code == 403
    second = inv2.post(url + "/signoff")
    assert second.get_json()["closed"] is True
    page = inv1.get(f"/floor/sittings/{sid}/rooms/{room}/record/theory")
    assert page.status_code == 200 and 'data-closed="1"' in page.get_data(as_text=True)
    assert auth.login("inv3").get(url).status_code == 403


def test_migrations_do_not_silence_the_apps_logs(app):
    """run.py migrates before it serves: Alembic's logging setup must leave our loggers on,
    or a 500 would never reach the log."""
    import logging

    import proctor.errors  # noqa: F401  (creates its logger)

    assert logging.getLogger("proctor.errors").disabled is False


def test_candidate_page_explains_the_sanction(make_sitting, auth, make_incident, decide):
    s = make_sitting()
    inv, chief = auth.login("inv1"), auth.login("chief")
    decide(chief, make_incident(inv, s, "T2.1", subject="theory")["id"])
    page = chief.get(f"/review/sittings/{s['id']}/candidates/{s['tickets'][0]}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "2025-06-28 – 2025-12-31" in text and "T2.1" in text
    assert "取消当次全部科目成绩" in text  # the engine's explanation, in Chinese by default
