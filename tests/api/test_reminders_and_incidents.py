"""The exam-day paths through the API: reminders, incidents, decisions, sanctions."""

from __future__ import annotations

from helpers import cid, id_number


def sanctions(api, sid, ticket):
    response = api.get(f"/api/v1/sittings/{sid}/candidates/{ticket}/sanctions")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_reminder_complied_brings_nothing(make_sitting, auth, make_warning):
    s = make_sitting()
    inv, chief = auth.login("inv1"), auth.login("chief")
    ticket = s["tickets"][0]
    created = make_warning.post(inv, s, ticket=ticket)
    assert created.status_code == 201, created.get_json()
    warning = created.get_json()
    assert warning["outcome"] == "pending" and warning["incident_id"] is None
    done = inv.post(f"/api/v1/warnings/{warning['id']}/outcome", json={"outcome": "complied"})
    assert done.status_code == 200
    assert done.get_json()["outcome"] == "complied" and done.get_json()["incident_id"] is None
    result = sanctions(chief, s["id"], ticket)
    assert result["voided_subjects"] == [] and result["ban"] is None
    assert chief.get(f"/api/v1/sittings/{s['id']}/incidents").get_json() == []


def test_reminder_refused_confirmed_voids_only_that_subject(make_sitting, auth, make_warning,
                                                            decide):
    s = make_sitting()
    inv, chief = auth.login("inv1"), auth.login("chief")
    ticket = s["tickets"][0]
    warning = make_warning(inv, s, ticket=ticket, rule="T1.2", subject="practical")
    refused = inv.post(f"/api/v1/warnings/{warning['id']}/outcome", json={"outcome": "refused"})
    assert refused.status_code == 200
    iid = refused.get_json()["incident_id"]
    assert iid is not None
    incident = chief.get(f"/api/v1/incidents/{iid}").get_json()
    assert (incident["rule_code"], incident["tier"], incident["status"]) == ("T1.2", 1,
                                                                              "reported")
    assert incident["subject"] == "practical" and incident["warning_id"] == warning["id"]
    # A reported incident is a proposal only.
    assert sanctions(chief, s["id"], ticket)["voided_subjects"] == []
    confirmed = decide.post(chief, iid)
    assert confirmed.status_code == 200, confirmed.get_json()
    assert confirmed.get_json()["status"] == "confirmed"
    result = sanctions(chief, s["id"], ticket)
    assert result["voided_subjects"] == ["practical"]
    assert result["all_subjects_voided"] is False and result["ban"] is None
    assert result["incidents"] == [iid]
    assert "T1.2" in result["explanations"][0]["zh"] and "T1.2" in result["explanations"][0]["en"]
    # Replaying the refusal from an outbox changes nothing; the other outcome is a conflict.
    again = inv.post(f"/api/v1/warnings/{warning['id']}/outcome", json={"outcome": "refused"})
    assert again.status_code == 200 and again.get_json()["incident_id"] == iid
    other = inv.post(f"/api/v1/warnings/{warning['id']}/outcome", json={"outcome": "complied"})
    assert other.status_code == 409
    assert other.get_json()["error"]["code"] == "warning_already_resolved"


def test_t1_1_to_t1_3_cannot_be_posted_as_incidents(make_sitting, auth, make_incident):
    s = make_sitting()
    inv = auth.login("inv1")
    for rule in ("T1.1", "T1.2", "T1.3"):
        response = make_incident.post(inv, s, rule, subject="theory")
        assert response.status_code == 422
        assert response.get_json()["error"]["code"] == "warning_required"


def test_t1_4_needs_a_subject_but_no_warning(make_sitting, auth, make_incident, decide):
    s = make_sitting()
    inv, chief = auth.login("inv1"), auth.login("chief")
    ticket = s["tickets"][0]
    missing = make_incident.post(inv, s, "T1.4", tickets=[ticket])
    assert missing.status_code == 422
    assert missing.get_json()["error"] == {"code": "subject_required", "field": "subject",
                                           "message": missing.get_json()["error"]["message"]}
    created = make_incident.post(inv, s, "T1.4", tickets=[ticket], subject="theory")
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["tier"] == 1 and created.get_json()["status"] == "reported"
    decide(chief, created.get_json()["id"])
    assert sanctions(chief, s["id"], ticket)["voided_subjects"] == ["theory"]


def test_warning_rules_only_for_reminders(make_sitting, auth, make_warning):
    s = make_sitting()
    inv = auth.login("inv1")
    response = make_warning.post(inv, s, rule="T2.1")
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "not_a_warning_rule"


def test_tier2_voids_everything_and_bars_to_year_end(make_sitting, auth, make_incident, decide):
    s = make_sitting()
    inv, chief = auth.login("inv1"), auth.login("chief")
    ticket = s["tickets"][0]
    iid = make_incident(inv, s, "T2.1", tickets=[ticket], subject="theory")["id"]
    assert decide.post(chief, iid).status_code == 200
    result = sanctions(chief, s["id"], ticket)
    assert result["all_subjects_voided"] is True
    assert result["ban"] == {"from": "2025-06-28", "until": "2025-12-31", "tier": 2,
                             "rule_codes": ["T2.1"], "referral": False}


def test_copier_and_helper_both_sanctioned(make_sitting, auth, make_incident, decide):
    s = make_sitting()
    inv, chief = auth.login("inv1"), auth.login("chief")
    copier, helper = s["tickets"][0], s["tickets"][2]  # both in room A
    iid = make_incident(inv, s, "T2.2", tickets=[copier, helper])
    decide(chief, iid["id"])
    for ticket in (copier, helper):
        assert sanctions(chief, s["id"], ticket)["ban"]["until"] == "2025-12-31"


def test_tier3_needs_severity_minor_two_years_serious_five_and_referral(make_sitting, auth,
                                                                         make_incident, decide):
    s = make_sitting(candidates=4)
    inv, chief = auth.login("inv1"), auth.login("chief")
    first, second = s["tickets"][0], s["tickets"][2]
    iid1 = make_incident(inv, s, "T3.3", tickets=[first])["id"]
    iid2 = make_incident(inv, s, "T3.5", tickets=[second], severity="serious")["id"]
    missing = decide.post(chief, iid1)
    assert missing.status_code == 422
    assert missing.get_json()["error"]["code"] == "severity_required"
    assert decide.post(chief, iid1, severity="minor").status_code == 200
    assert decide.post(chief, iid2, severity="serious").status_code == 200
    minor, serious = sanctions(chief, s["id"], first), sanctions(chief, s["id"], second)
    assert minor["ban"] == {"from": "2025-06-28", "until": "2027-06-27", "tier": 3,
                            "rule_codes": ["T3.3"], "referral": False}
    assert serious["ban"]["until"] == "2030-06-27" and serious["ban"]["referral"] is True
    assert minor["all_subjects_voided"] and serious["all_subjects_voided"]


def test_severity_only_for_tier3(make_sitting, auth, make_incident, decide):
    s = make_sitting()
    inv, chief = auth.login("inv1"), auth.login("chief")
    bad = make_incident.post(inv, s, "T2.1", severity="minor")
    assert bad.status_code == 422
    assert bad.get_json()["error"]["code"] == "severity_not_applicable"
    iid = make_incident(inv, s, "T2.1")["id"]
    wrong = decide.post(chief, iid, severity="serious")
    assert wrong.status_code == 422


def test_impostor_is_banned_by_id_number(make_sitting, auth, client, make_incident, decide):
    s = make_sitting()
    inv, chief, body = auth.login("inv1"), auth.login("chief"), auth.login("body")
    impostor_id = id_number(999)
    iid = make_incident(inv, s, "T3.4", parties=[
        {"ticket_no": s["tickets"][0]},
        {"name": "冒名者", "id_number": impostor_id, "role": "impostor"}])
    assert iid["parties"][1]["role"] == "impostor"
    assert "*" in iid["parties"][1]["id_number"]  # masked for the invigilator
    decide(chief, iid["id"], severity="serious")
    answer = body.get(f"/api/v1/eligibility?id_number={impostor_id}&date=2026-01-10").get_json()
    assert answer["eligible"] is False
    assert answer["bans"][0]["until"] == "2030-06-27" and answer["bans"][0]["referral"] is True
    later = body.get(f"/api/v1/eligibility?id_number={impostor_id}&date=2030-06-28").get_json()
    assert later["eligible"] is True
    bans = body.get("/api/v1/bans?as_of=2026-01-10").get_json()
    assert {b["id_number"] for b in bans["bans"]} == {impostor_id, id_number(s["id"] * 100)}


def test_misconduct_found_after_the_exam_revokes_the_certificate(make_sitting, auth,
                                                                   make_incident, decide):
    s = make_sitting()
    body, chief, inv = auth.login("body"), auth.login("chief"), auth.login("inv1")
    ticket = s["tickets"][1]
    denied = make_incident.post(inv, s, "T3.1", discovered_after_exam=True)
    assert denied.status_code == 403
    made = make_incident.post(body, s, "T3.1", tickets=[ticket], discovered_after_exam=True)
    assert made.status_code == 201, made.get_json()
    assert decide.post(chief, made.get_json()["id"], severity="minor").status_code == 200
    result = sanctions(body, s["id"], ticket)
    assert result["certificate_revoked"] is True and result["ban"]["until"] == "2027-06-27"
    revoked = body.get("/api/v1/certificates/revoked").get_json()["revocations"]
    assert [r["ticket_no"] for r in revoked] == [ticket]
    csv_text = body.get("/api/v1/certificates/revoked?format=csv").get_data(as_text=True)
    assert csv_text.startswith("\ufeffname,id_number,ticket_no") and ticket in csv_text


def test_dismissed_incident_has_no_effect(make_sitting, auth, make_incident, decide):
    s = make_sitting()
    inv, chief = auth.login("inv1"), auth.login("chief")
    ticket = s["tickets"][0]
    iid = make_incident(inv, s, "T2.1", tickets=[ticket])["id"]
    dismissed = decide.post(chief, iid, "dismiss", note="it was a calculator")
    assert dismissed.status_code == 200 and dismissed.get_json()["status"] == "dismissed"
    result = sanctions(chief, s["id"], ticket)
    assert result["ban"] is None and not result["all_subjects_voided"]
    again = decide.post(chief, iid, "confirm")
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "already_decided"
    record = chief.get(f"/api/v1/incidents/{iid}").get_json()
    assert record["status"] == "dismissed"
    assert record["decisions"][0]["note"] == "it was a calculator"


def test_two_incidents_combined(make_sitting, auth, make_incident, decide):
    s = make_sitting()
    inv, chief = auth.login("inv1"), auth.login("chief")
    ticket = s["tickets"][0]
    t14 = make_incident(inv, s, "T1.4", tickets=[ticket], subject="theory")
    decide(chief, t14["id"])
    assert sanctions(chief, s["id"], ticket)["voided_subjects"] == ["theory"]
    t3 = make_incident(inv, s, "T3.7", tickets=[ticket])
    decide(chief, t3["id"], severity="minor")
    t2 = make_incident(inv, s, "T2.4", tickets=[ticket])
    decide(chief, t2["id"])
    result = sanctions(chief, s["id"], ticket)
    assert result["all_subjects_voided"] is True
    assert result["ban"]["until"] == "2027-06-27" and result["ban"]["tier"] == 3
    assert result["ban"]["rule_codes"] == ["T2.4", "T3.7"]
    assert sorted(result["incidents"]) == sorted([t14["id"], t3["id"], t2["id"]])


def test_repeated_client_id_returns_the_first_record(make_sitting, auth, make_incident,
                                                      make_warning):
    s = make_sitting()
    inv, inv2 = auth.login("inv1"), auth.login("inv2")
    key = cid()
    first = make_incident.post(inv, s, "T2.1", client_id=key)
    second = make_incident.post(inv2, s, "T2.1", client_id=key)
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.get_json()["id"] == second.get_json()["id"]
    assert len(inv.get(f"/api/v1/sittings/{s['id']}/incidents").get_json()) == 1
    wkey = cid()
    w1, w2 = make_warning.post(inv, s, client_id=wkey), make_warning.post(inv, s, client_id=wkey)
    assert (w1.status_code, w2.status_code) == (201, 200)
    assert w1.get_json()["id"] == w2.get_json()["id"]


def test_reporter_never_decides_own_incident(make_sitting, auth, make_incident, decide):
    s = make_sitting()
    chief = auth.login("chief")
    made = make_incident.post(chief, s, "T2.1")
    assert made.status_code == 201
    response = decide.post(chief, made.get_json()["id"])
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "separation_of_duties"
    body = auth.login("body")
    assert decide.post(body, made.get_json()["id"]).status_code == 200


def test_only_the_sittings_chief_or_the_body_decides(make_sitting, auth, make_incident, decide):
    s = make_sitting()
    inv, inv2, chief2 = auth.login("inv1"), auth.login("inv2"), auth.login("chief2")
    iid = make_incident(inv, s, "T2.1")["id"]
    for api in (inv2, chief2):
        response = decide.post(api, iid)
        assert response.status_code == 403
        assert response.get_json()["error"]["code"] == "forbidden"


def test_invigilator_scope(make_sitting, auth, make_incident, make_warning):
    s = make_sitting()
    inv3 = auth.login("inv3")  # room B
    in_room_a = s["tickets"][0]
    assert make_warning.post(inv3, s, ticket=in_room_a).status_code == 403
    assert make_incident.post(inv3, s, "T2.1", tickets=[in_room_a]).status_code == 403
    attendance = inv3.post(f"/api/v1/sittings/{s['id']}/candidates/{in_room_a}/attendance",
                           json={"status": "present", "id_checked": True})
    assert attendance.status_code == 403
    listed = inv3.get(f"/api/v1/sittings/{s['id']}/candidates").get_json()
    assert {c["ticket_no"] for c in listed} == set(s["tickets"][1::2])
    assert all("*" in c["id_number"] for c in listed)
    other = auth.login("body").post("/api/v1/sittings", json={
        "occupation": "人工智能训练师", "level": 3, "date": "2025-07-26",
        "subjects": [{"code": "theory", "name": "理论知识", "starts_at": "09:00",
                      "ends_at": "10:30"}]})
    assert other.status_code == 201, other.get_json()
    denied = inv3.get(f"/api/v1/sittings/{other.get_json()['id']}")
    assert denied.status_code == 403 and denied.get_json()["error"]["code"] == "forbidden"
    assert inv3.get(f"/api/v1/sittings/{s['id']}").status_code == 200


def test_unknown_codes_tickets_and_subjects(make_sitting, auth, make_incident, make_warning):
    s = make_sitting()
    inv = auth.login("inv1")
    cases = [
        (make_incident.post(inv, s, "T9.9"), "unknown_rule_code"),
        (make_incident.post(inv, s, "T2.1", tickets=["NOPE"]), "unknown_ticket_no"),
        (make_incident.post(inv, s, "T1.4", subject="art"), "unknown_subject"),
        (make_warning.post(inv, s, ticket="NOPE"), "unknown_ticket_no"),
        (make_incident.post(inv, s, "T3.4", parties=[
            {"ticket_no": s["tickets"][0]}, {"name": "X", "id_number": "310101199001011235"}]),
         "invalid_id_number"),
    ]
    for response, code in cases:
        assert response.status_code == 422, response.get_json()
        assert response.get_json()["error"]["code"] == code
