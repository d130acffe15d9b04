"""The deadlines on the chief examiner's board: decisions due, reviews due and overdue, review
windows still open, in venue dates, against a clock moved forward; and who may ask."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from test_appeals import ask_review, serve, today


@pytest.fixture
def move_clock(app, monkeypatch):
    """Move the venue's calendar (`venue_today`) `days` forward, as if that much time passed."""
    def move(days):
        moved = datetime.now(UTC) + timedelta(days=days)
        monkeypatch.setattr("proctor.services.sittings.utcnow", lambda: moved)

    return move


def kinds(listed):
    return [(d["kind"], d["incident_id"], d["due_on"], d["overdue"]) for d in listed]


def test_decisions_and_reviews_fall_due_then_overdue(app, make_sitting, auth, make_incident,
                                                     decide, issue_notices, move_clock):
    s = make_sitting()
    inv, chief, body = auth.login("inv1"), auth.login("chief"), auth.login("body")
    day = today(app)
    url = f"/api/v1/sittings/{s['id']}/deadlines"
    assert chief.get(url).get_json() == []
    waiting = make_incident(inv, s, "T2.1", tickets=[s["tickets"][2]])["id"]
    reviewed = make_incident(inv, s, "T2.1")["id"]
    served_only = make_incident(inv, s, "T2.2", tickets=[s["tickets"][4]])["id"]
    for iid in (reviewed, served_only):
        decide(chief, iid)
    first, = issue_notices(chief, reviewed)
    second, = issue_notices(chief, served_only)
    serve(chief, first, day)
    serve(chief, second, day)
    review = ask_review(chief, first, day)

    listed = chief.get(url).get_json()
    assert kinds(listed) == [
        ("decision_due", waiting, (day + timedelta(days=1)).isoformat(), False),
        ("review_window", served_only, (day + timedelta(days=15)).isoformat(), False),
        ("review_due", reviewed, (day + timedelta(days=30)).isoformat(), False)]
    decision, window, due = listed
    assert decision["person"]["ticket_no"] == s["tickets"][2]
    assert decision["person"]["name"] == "考生3" and decision["room"] == "A"
    assert decision["days_left"] == 1 and decision["rule_code"] == "T2.1"
    assert window["notice_id"] == second["id"] and window["person"]["name"] == "考生5"
    assert due["review_id"] == review["id"] and due["notice_id"] == first["id"]
    assert body.get(url).get_json() == listed

    move_clock(2)  # the decision is late; the windows and the review are not
    assert [(d["kind"], d["overdue"], d["days_left"]) for d in chief.get(url).get_json()] == [
        ("decision_due", True, -1), ("review_window", False, 13), ("review_due", False, 28)]
    move_clock(16)  # the review window has closed: the decision stands, nothing is due
    assert [d["kind"] for d in chief.get(url).get_json()] == ["decision_due", "review_due"]
    move_clock(31)
    late = chief.get(url).get_json()
    assert [(d["kind"], d["overdue"]) for d in late] == [("decision_due", True),
                                                         ("review_due", True)]

    # Decided, they are no longer due.
    decide(chief, waiting, "dismiss")
    assert body.post(f"/api/v1/reviews/{review['id']}/outcome",
                     json={"outcome": "upheld"}).status_code == 200
    assert chief.get(url).get_json() == []


def test_the_decision_deadline_is_a_setting(app, make_sitting, auth, make_incident):
    app.config["INCIDENT_DECISION_DAYS"] = 3
    s = make_sitting()
    inv, chief = auth.login("inv1"), auth.login("chief")
    iid = make_incident(inv, s, "T2.1")["id"]
    listed = chief.get(f"/api/v1/sittings/{s['id']}/deadlines").get_json()
    assert kinds(listed) == [("decision_due", iid,
                              (today(app) + timedelta(days=3)).isoformat(), False)]


def test_only_the_sittings_managers_see_its_deadlines(app, make_sitting, auth, make_incident):
    s, other = make_sitting(), make_sitting()
    inv = auth.login("inv1")
    make_incident(inv, s, "T2.1")
    url = f"/api/v1/sittings/{s['id']}/deadlines"
    with app.app_context():
        from proctor.extensions import db
        from proctor.models import Sitting
        from proctor.services.sittings import assign_staff

        assign_staff(db.session.get_one(Sitting, other["id"]), "chief2", "chief", None)
        db.session.commit()
    refused = auth.login("chief2").get(url)
    assert refused.status_code in (403, 404)
    assert "考生" not in refused.get_data(as_text=True)
    assert inv.get(url).status_code == 403
    assert auth.client().get(url).status_code == 401
    assert len(auth.login("chief").get(url).get_json()) == 1


def test_statements_do_not_grow_with_the_deadlines(app, make_sitting, auth, make_incident,
                                                   decide, issue_notices):
    """Reviews and open review windows too (test_query_counts holds the decisions due)."""
    from test_query_counts import _statements

    sittings = [make_sitting(2 * count) for count in (1, 6)]
    chief, inv = auth.login("chief"), auth.login("inv1")
    day = today(app)
    for count, s in zip((1, 6), sittings, strict=True):
        for index in range(count):
            for ticket, asked in ((s["tickets"][4 * index % len(s["tickets"])], True),
                                  (s["tickets"][(4 * index + 2) % len(s["tickets"])], False)):
                iid = make_incident(inv, s, "T2.1", tickets=[ticket])["id"]
                decide(chief, iid)
                notice, = issue_notices(chief, iid)
                serve(chief, notice, day)
                if asked:
                    ask_review(chief, notice, day)
            make_incident(inv, s, "T2.1", tickets=[s["tickets"][0]])
    url = "/api/v1/sittings/{}/deadlines"
    few, many = (_statements(app, chief, url.format(s["id"])) for s in sittings)
    assert len(chief.get(url.format(sittings[1]["id"])).get_json()) == 18
    assert len(few) == len(many), (len(few), len(many))


def test_a_new_source_is_one_function(app, make_sitting, auth, monkeypatch):
    """The proposal stage's statement windows will be one more source: a source's deadlines
    join the others, in date order."""
    from proctor.services import deadlines

    s = make_sitting()
    day = today(app)

    def windows(sitting, today_):
        yield deadlines.Deadline("statement_window", 1, today_ - timedelta(days=1), today_)

    monkeypatch.setattr(deadlines, "SOURCES", [*deadlines.SOURCES, windows])
    listed = auth.login("chief").get(f"/api/v1/sittings/{s['id']}/deadlines").get_json()
    assert [(d["kind"], d["due_on"], d["overdue"], d["days_left"]) for d in listed] == [
        ("statement_window", (day - timedelta(days=1)).isoformat(), True, -1)]


def test_statement_windows_then_the_decision_fall_due(app, make_sitting, auth, make_incident,
                                                      move_clock):
    """A served pre-decision notice opens a statement window due on its last day; once it has
    closed the proposed incident's decision is due, and a waiver closes the window at once."""
    app.config.update(PRE_NOTICE_TIERS=(2, 3), STATEMENT_DAYS=7, INCIDENT_DECISION_DAYS=1)
    s = make_sitting(candidates=4)
    inv, chief = auth.login("inv1"), auth.login("chief")
    day = today(app)

    def proposed(ticket):
        iid = make_incident(inv, s, "T2.1", tickets=[ticket])["id"]
        assert chief.post(f"/api/v1/incidents/{iid}/decision",
                          json={"decision": "propose"}).status_code == 200
        notice = chief.post(f"/api/v1/incidents/{iid}/pre-notices").get_json()[0]
        served = chief.post(f"/api/v1/pre-notices/{notice['id']}/service",
                            json={"method": "in_person", "served_on": day.isoformat()})
        assert served.status_code == 200, served.get_json()
        return iid, notice

    heard, _notice = proposed(s["tickets"][0])
    waived, waiver_notice = proposed(s["tickets"][2])
    answer = chief.post(f"/api/v1/pre-notices/{waiver_notice['id']}/statements",
                        json={"waived": True, "witness": "监考员 张明",
                              "received_on": day.isoformat()})
    assert answer.status_code == 201, answer.get_json()

    listed = chief.get(f"/api/v1/sittings/{s['id']}/deadlines").get_json()
    last_day = (day + timedelta(days=7)).isoformat()
    assert ("statement_window", heard, last_day, False) in kinds(listed)
    assert ("decision_due", waived, (day + timedelta(days=8)).isoformat(), False) \
        in kinds(listed)
    assert not any(d["kind"] == "statement_window" and d["incident_id"] == waived
                   for d in listed)

    move_clock(8)  # the window has closed: the decision is due that day
    listed = chief.get(f"/api/v1/sittings/{s['id']}/deadlines").get_json()
    assert ("decision_due", heard, (day + timedelta(days=8)).isoformat(), False) \
        in kinds(listed)
    assert not any(d["kind"] == "statement_window" for d in listed)
