"""Due process: decision notice, service, review within the window, outcome within the deadline.

The whole path (reported → confirmed → notice issued → served → review in time → overturned)
must take the ban out of the export and the eligibility answer on the very next request, while
the incident and every decision stay on record.
"""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest

AS_OF = "2025-07-01"


def today(app):
    with app.app_context():
        from proctor.services.sittings import venue_today

        return venue_today()


def serve(chief, notice, served_on):
    answer = chief.post(f"/api/v1/notices/{notice['id']}/service",
                        json={"method": "in_person", "served_on": served_on.isoformat()})
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()


def ask_review(chief, notice, received_on, status=201):
    answer = chief.post(f"/api/v1/notices/{notice['id']}/review",
                        json={"received_on": received_on.isoformat(),
                              "grounds": "本人未使用手机，请求复核"})
    assert answer.status_code == status, answer.get_json()
    return answer.get_json()


def move_back(app, notice_id, days):
    """Pretend the notice was issued `days` ago (tests cannot wait for the calendar)."""
    with app.app_context():
        from proctor.extensions import db
        from proctor.models import Notice

        notice = db.session.get(Notice, notice_id)
        notice.issued_on -= timedelta(days=days)
        db.session.commit()


def banned_ids(body, fmt="json"):
    if fmt == "csv":
        raw = body.get(f"/api/v1/bans?as_of={AS_OF}&format=csv").get_data().decode("utf-8-sig")
        rows = [r for r in csv.DictReader(io.StringIO(raw)) if not r["name"].startswith("#")]
        return {r["id_number"] for r in rows}
    return {b["id_number"] for b in body.get(f"/api/v1/bans?as_of={AS_OF}").get_json()["bans"]}


def eligible(body, number):
    answer = body.get(f"/api/v1/eligibility?id_number={number}&date={AS_OF}").get_json()
    return answer["eligible"]


@pytest.fixture
def confirmed_notice(make_incident, decide, issue_notices):
    def make(s, reporter, chief, rule="T2.1", *, severity=None, confirmer=None):
        """An incident reported by `reporter` and confirmed by `confirmer` (the chief examiner
        by default), and its one notice, issued by the chief: (the incident's id, the notice)."""
        iid = make_incident(reporter, s, rule)["id"]
        decide(confirmer or chief, iid, severity=severity)
        notice, = issue_notices(chief, iid)
        return iid, notice

    return make


def test_whole_path_overturned_ban_gone_everywhere_at_once(app, make_sitting, auth, make_incident,
                                                           decide, issue_notices):
    s = make_sitting()
    inv, chief, body = auth.login("inv1"), auth.login("chief"), auth.login("body")
    copier, helper = s["tickets"][0], s["tickets"][2]
    iid = make_incident(inv, s, "T2.2", tickets=[copier, helper])["id"]
    decide(chief, iid)
    parties = chief.get(f"/api/v1/incidents/{iid}").get_json()["parties"]
    numbers = {p["id_number"] for p in parties}
    assert banned_ids(body) == numbers == banned_ids(body, "csv")
    notices = issue_notices(chief, iid)
    assert len(notices) == 2 and {n["id_number"] for n in notices} == numbers
    assert notices[0]["content"]["rule"]["code"] == "T2.2"
    assert notices[0]["content"]["sanction"]["bans"][0]["until"] == "2025-12-31"
    assert issue_notices(chief, iid) == notices     # issuing again returns the same notices
    day = today(app)
    served = serve(chief, notices[0], day)
    assert served["service"]["method"] == "in_person"
    assert served["review_last_day"] == (day + timedelta(days=15)).isoformat()
    review = ask_review(chief, notices[0], day)
    assert review["status"] == "pending" and review["overdue"] is False
    assert review["due_on"] == (day + timedelta(days=30)).isoformat()
    decided = body.post(f"/api/v1/reviews/{review['id']}/outcome",
                        json={"outcome": "overturned", "note": "证据不足"})
    assert decided.status_code == 200, decided.get_json()
    assert decided.get_json()["status"] == "overturned"
    # The very next requests: gone from the JSON and CSV exports; eligible again.
    assert banned_ids(body) == set() == banned_ids(body, "csv")
    assert all(eligible(body, number) for number in numbers)
    record = chief.get(f"/api/v1/incidents/{iid}").get_json()
    assert record["status"] == "overturned"
    assert [d["decision"] for d in record["decisions"]] == ["confirm", "overturned"]
    assert "证据不足" in record["decisions"][1]["note"]
    ticket = s["tickets"][0]
    sanctions = chief.get(f"/api/v1/sittings/{s['id']}/candidates/{ticket}/sanctions").get_json()
    assert sanctions["ban"] is None and sanctions["all_subjects_voided"] is False
    # The notice itself is unchanged: it is what was issued.
    assert chief.get(f"/api/v1/notices/{notices[0]['id']}").get_json()["sha256"] == \
        notices[0]["sha256"]


def test_late_review_refused_with_the_dates(app, make_sitting, auth, confirmed_notice):
    s = make_sitting()
    inv, chief = auth.login("inv1"), auth.login("chief")
    _, first = confirmed_notice(s, inv, chief)
    move_back(app, first["id"], 40)
    day = today(app)
    serve(chief, first, day - timedelta(days=16))
    late = ask_review(chief, first, day, status=422)["error"]
    assert late["code"] == "review_window_closed" and late["field"] == "received_on"
    assert (day - timedelta(days=16)).isoformat() in late["message"]
    assert (day - timedelta(days=1)).isoformat() in late["message"]
    # The last day itself is still in time (15 days, inclusive).
    ask_review(chief, first, day - timedelta(days=1))


def test_review_needs_service_and_only_one_open(app, make_sitting, auth, confirmed_notice):
    s = make_sitting()
    inv, chief = auth.login("inv1"), auth.login("chief")
    _, first = confirmed_notice(s, inv, chief)
    day = today(app)
    assert ask_review(chief, first, day, 409)["error"]["code"] == "notice_not_served"
    future = chief.post(f"/api/v1/notices/{first['id']}/service",
                        json={"method": "post", "served_on": (day + timedelta(1)).isoformat()})
    assert future.status_code == 422 and future.get_json()["error"]["code"] == "date_in_future"
    early = chief.post(f"/api/v1/notices/{first['id']}/service",
                       json={"method": "post", "served_on": (day - timedelta(1)).isoformat()})
    assert early.get_json()["error"]["code"] == "served_before_issue"
    serve(chief, first, day)
    again = chief.post(f"/api/v1/notices/{first['id']}/service",
                       json={"method": "electronic", "served_on": day.isoformat()})
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "already_served"
    ask_review(chief, first, day)
    assert ask_review(chief, first, day, 409)["error"]["code"] == "review_pending"


def test_upheld_leaves_the_ban(app, make_sitting, auth, confirmed_notice):
    s = make_sitting()
    inv, chief, body = auth.login("inv1"), auth.login("chief"), auth.login("body")
    iid, first = confirmed_notice(s, inv, chief)
    serve(chief, first, today(app))
    review = ask_review(chief, first, today(app))
    decided = chief.post(f"/api/v1/reviews/{review['id']}/outcome",
                         json={"outcome": "upheld", "note": "事实清楚"}).get_json()
    assert decided["status"] == "upheld" and decided["decided_by"] == "chief"
    assert banned_ids(body) == {first["id_number"]}
    assert chief.get(f"/api/v1/incidents/{iid}").get_json()["status"] == "confirmed"
    again = chief.post(f"/api/v1/reviews/{review['id']}/outcome", json={"outcome": "overturned"})
    assert again.status_code == 409
    assert again.get_json()["error"]["code"] == "review_already_decided"


def test_changed_serious_to_minor_shortens_the_ban_to_two_years(app, make_sitting, auth,
                                                                confirmed_notice):
    s = make_sitting()
    inv, chief, body = auth.login("inv1"), auth.login("chief"), auth.login("body")
    iid, first = confirmed_notice(s, inv, chief, "T3.2", severity="serious")
    assert first["content"]["sanction"]["bans"][0]["until"] == "2030-06-27"
    serve(chief, first, today(app))
    review = ask_review(chief, first, today(app))
    nothing = chief.post(f"/api/v1/reviews/{review['id']}/outcome",
                         json={"outcome": "changed", "severity": "serious"})
    assert nothing.status_code == 422 and nothing.get_json()["error"]["code"] == "nothing_changed"
    decided = chief.post(f"/api/v1/reviews/{review['id']}/outcome",
                         json={"outcome": "changed", "severity": "minor", "note": "情节轻微"})
    assert decided.status_code == 200, decided.get_json()
    out = decided.get_json()
    assert (out["old_severity"], out["new_severity"]) == ("serious", "minor")
    bans = body.get(f"/api/v1/bans?as_of={AS_OF}").get_json()["bans"]
    assert [(b["until"], b["referral"]) for b in bans] == [("2027-06-27", False)]
    record = chief.get(f"/api/v1/incidents/{iid}").get_json()
    assert record["severity"] == "minor" and record["status"] == "confirmed"
    assert [(d["decision"], d["severity"]) for d in record["decisions"]] == [
        ("confirm", "serious"), ("changed", "minor")]


def test_changed_rule_code_keeps_the_old_one(app, make_sitting, auth, confirmed_notice):
    s = make_sitting()
    inv, chief, body = auth.login("inv1"), auth.login("chief"), auth.login("body")
    _, first = confirmed_notice(s, inv, chief, "T3.2", severity="minor")
    serve(chief, first, today(app))
    review = ask_review(chief, first, today(app))
    out = chief.post(f"/api/v1/reviews/{review['id']}/outcome",
                     json={"outcome": "changed", "rule_code": "T2.5"}).get_json()
    assert (out["old_rule_code"], out["new_rule_code"]) == ("T3.2", "T2.5")
    assert (out["old_severity"], out["new_severity"]) == ("minor", None)
    bans = body.get(f"/api/v1/bans?as_of={AS_OF}").get_json()["bans"]
    assert [(b["until"], b["rule_codes"]) for b in bans] == [("2025-12-31", ["T2.5"])]


def test_reporter_cannot_review(app, make_sitting, auth, confirmed_notice):
    s = make_sitting()
    chief, body = auth.login("chief"), auth.login("body")
    _, first = confirmed_notice(s, chief, chief, confirmer=body)
    serve(chief, first, today(app))
    review = ask_review(chief, first, today(app))
    refused = chief.post(f"/api/v1/reviews/{review['id']}/outcome", json={"outcome": "overturned"})
    assert refused.status_code == 403
    assert refused.get_json()["error"]["code"] == "separation_of_duties"
    assert body.post(f"/api/v1/reviews/{review['id']}/outcome",
                     json={"outcome": "overturned"}).status_code == 200


def test_overdue_reviews_flagged(app, make_sitting, auth, confirmed_notice):
    s = make_sitting()
    inv, chief, body = auth.login("inv1"), auth.login("chief"), auth.login("body")
    _, first = confirmed_notice(s, inv, chief)
    serve(chief, first, today(app))
    review = ask_review(chief, first, today(app))
    assert chief.get("/api/v1/reviews/overdue").get_json() == []
    with app.app_context():
        from proctor.extensions import db
        from proctor.models import ReviewRequest

        row = db.session.get(ReviewRequest, review["id"])
        row.received_on -= timedelta(days=31)
        row.due_on -= timedelta(days=31)
        db.session.commit()
    listed = chief.get(f"/api/v1/sittings/{s['id']}/reviews").get_json()
    assert [(r["id"], r["overdue"]) for r in listed] == [(review["id"], True)]
    assert [r["id"] for r in body.get("/api/v1/reviews/overdue").get_json()] == [review["id"]]
    assert chief.get(f"/api/v1/notices/{first['id']}").get_json()["reviews"][0]["overdue"]
    body.post(f"/api/v1/reviews/{review['id']}/outcome", json={"outcome": "upheld"})
    assert chief.get("/api/v1/reviews/overdue").get_json() == []


@pytest.mark.parametrize("decision", [None, "dismiss"])
def test_no_notice_unless_confirmed(make_sitting, auth, decision, make_incident, decide):
    s = make_sitting()
    inv, chief = auth.login("inv1"), auth.login("chief")
    iid = make_incident(inv, s, "T2.1")["id"]
    if decision:
        decide(chief, iid, decision)
    refused = chief.post(f"/api/v1/incidents/{iid}/notices", json={})
    assert refused.status_code == 409
    assert refused.get_json()["error"]["code"] == "incident_not_confirmed"


def test_invigilators_refused_everywhere(app, make_sitting, auth, confirmed_notice):
    s = make_sitting()
    inv, chief = auth.login("inv1"), auth.login("chief")
    iid, first = confirmed_notice(s, inv, chief)
    serve(chief, first, today(app))
    review = ask_review(chief, first, today(app))
    day = today(app).isoformat()
    for method, url, payload in (
            ("post", f"/api/v1/incidents/{iid}/notices", {}),
            ("get", f"/api/v1/incidents/{iid}/notices", None),
            ("get", f"/api/v1/notices/{first['id']}", None),
            ("post", f"/api/v1/notices/{first['id']}/service",
             {"method": "post", "served_on": day}),
            ("post", f"/api/v1/notices/{first['id']}/review", {"received_on": day}),
            ("post", f"/api/v1/reviews/{review['id']}/outcome", {"outcome": "overturned"}),
            ("get", f"/api/v1/sittings/{s['id']}/reviews", None),
            ("get", "/api/v1/reviews/overdue", None)):
        answer = getattr(inv, method)(url, **({"json": payload} if payload is not None else {}))
        assert answer.status_code == 403, url
        assert answer.get_json()["error"]["code"] == "forbidden"
    for path in (f"/notices/{first['id']}", f"/notices/{first['id']}.pdf"):
        assert inv.get(path).status_code == 403


def test_other_sittings_chief_refused(make_sitting, auth, make_user, confirmed_notice):
    s = make_sitting()
    inv, chief = auth.login("inv1"), auth.login("chief")
    _, first = confirmed_notice(s, inv, chief)
    other = auth.login("chief2")
    assert other.get(f"/api/v1/notices/{first['id']}").status_code == 403
    assert other.get(f"/notices/{first['id']}").status_code == 403
    assert other.get("/api/v1/reviews/overdue").get_json() == []


def test_notice_page_and_pdf(app, make_sitting, auth, confirmed_notice):
    s = make_sitting()
    inv, chief = auth.login("inv1"), auth.login("chief")
    _, first = confirmed_notice(s, inv, chief, "T3.2", severity="serious")
    first = serve(chief, first, today(app))
    page = chief.get(f"/notices/{first['id']}")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    html = page.get_data(as_text=True)
    for text in ("处理决定书", first["name"], first["id_number"], first["number"],
                 "《职业技能等级认定考生须知》第四条第2项",
                 first["content"]["rule"]["text"]["zh"], "2025年6月28日", "2030年6月27日",
                 "上海市人工智能行业协会", "15", "复核"):
        assert text in html, text
    assert "T3.2" not in html   # the candidate reads the attachment's numbering, not our code
    last_day = date.fromisoformat(first["review_last_day"])
    assert f"{last_day.year}年{last_day.month}月{last_day.day}日" in html
    english = chief.get(f"/notices/{first['id']}?lang=en").get_data(as_text=True)
    assert "Decision notice" in english and first["content"]["rule"]["text"]["en"] in english
    assert "27 June 2030" in english
    pdf = chief.get(f"/notices/{first['id']}.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.headers["Cache-Control"] == "no-store"
    assert pdf.headers["Content-Disposition"].startswith("attachment")
    data = pdf.get_data()
    assert data.startswith(b"%PDF") and data.count(b"/Type /Page\n") + data.count(
        b"/Type /Page ") >= 1
    # Issue 11: the Chinese font is embedded (TrueType, /FontFile2), not Adobe's STSong-Light.
    assert b"STSong-Light" not in data and b"/FontFile2" in data
    assert chief.get("/notices/999999").status_code == 404


def test_one_person_only_and_not_a_party(make_sitting, auth, make_incident, decide, issue_notices):
    s = make_sitting()
    inv, chief = auth.login("inv1"), auth.login("chief")
    iid = make_incident(inv, s, "T2.2", tickets=[s["tickets"][0], s["tickets"][2]])["id"]
    decide(chief, iid)
    first = chief.post(f"/api/v1/incidents/{iid}/notices", json={"person_id": 1})
    people = [n["person_id"] for n in issue_notices(chief, iid)]
    assert first.status_code in (201, 422)
    one = chief.post(f"/api/v1/incidents/{iid}/notices", json={"person_id": people[1]})
    assert one.status_code == 200 and [n["person_id"] for n in one.get_json()] == [people[1]]
    stranger = chief.post(f"/api/v1/incidents/{iid}/notices", json={"person_id": 999999})
    assert stranger.status_code == 422 and stranger.get_json()["error"]["code"] == "not_a_party"
