"""Due process before the decision (issue 11, item 1): propose (拟处理) → pre-decision notice
(处理事先告知书) per party → service → statement (陈述申辩) or waiver → confirm, which records the
statements it considered and its reasons, cited by the decision notice.

The stage is on here for Tiers 2 and 3 (the app's default; the other tests turn it off).
Tests cannot wait for the calendar: a pre-notice is moved back to have been issued days ago and
served on a day in the past.
"""

from __future__ import annotations

import io
import shutil
import subprocess
from datetime import timedelta

import pytest
from media import encode, upright_scene

STATEMENT = "本人当时只是查看时间，并未使用手机搜索答案，请求从轻处理。"


@pytest.fixture
def stage_on(app):
    app.config.update(PRE_NOTICE_TIERS=(2, 3), STATEMENT_DAYS=7)
    return app


@pytest.fixture
def world(stage_on, make_sitting, auth):
    s = make_sitting(candidates=4)
    return {"s": s, "inv": auth.login("inv1"), "chief": auth.login("chief"),
            "body": auth.login("body"), "app": stage_on}


def today(app):
    with app.app_context():
        from proctor.services.sittings import venue_today

        return venue_today()


def issued_days_ago(app, pre_notice_id, days):
    """Pretend the pre-notice was issued `days` ago."""
    with app.app_context():
        from proctor.extensions import db
        from proctor.models import PreNotice

        row = db.session.get(PreNotice, pre_notice_id)
        row.issued_on -= timedelta(days=days)
        db.session.commit()


def proposed(w, rule="T2.1", **fields):
    made = w["make_incident"](w["inv"], w["s"], rule, **fields)
    answer = w["chief"].post(f"/api/v1/incidents/{made['id']}/decision",
                             json={"decision": "propose", "note": "拟取消全部科目成绩"})
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["status"] == "proposed"
    return made["id"]


def pre_notices(w, iid, status=201):
    answer = w["chief"].post(f"/api/v1/incidents/{iid}/pre-notices")
    assert answer.status_code == status, answer.get_json()
    return answer.get_json()


def serve(w, pre_notice, days_ago=0, **extra):
    served_on = today(w["app"]) - timedelta(days=days_ago)
    if days_ago:
        issued_days_ago(w["app"], pre_notice["id"], days_ago)
    return w["chief"].post(f"/api/v1/pre-notices/{pre_notice['id']}/service",
                           json={"method": "in_person", "served_on": served_on.isoformat(),
                                 **extra})


def confirm(w, iid, **fields):
    return w["chief"].post(f"/api/v1/incidents/{iid}/decision",
                           json={"decision": "confirm", **fields})


@pytest.fixture
def w(world, make_incident, issue_notices):
    return {**world, "make_incident": make_incident, "issue_notices": issue_notices}


def sanctions(w, ticket):
    return w["chief"].get(f"/api/v1/sittings/{w['s']['id']}/candidates/{ticket}/sanctions"
                          ).get_json()


def eligible(w, ticket_index):
    from helpers import id_number

    number = id_number(w["s"]["id"] * 100 + ticket_index)
    return w["body"].get(f"/api/v1/eligibility?id_number={number}&date=2025-07-10"
                         ).get_json()["eligible"]


# -- the whole path -------------------------------------------------------------------------
def test_propose_pre_notice_service_statement_confirm_cites_the_statement(w):
    iid = proposed(w)
    notices = pre_notices(w, iid)
    assert len(notices) == 1
    pre = notices[0]
    assert set(pre) >= {"id", "notice_no", "person", "proposed", "statement_deadline"}
    assert pre["person"]["name"] == "考生1"
    assert pre["proposed"]["all_subjects_voided"] is True
    assert pre["proposed"]["voided_subjects"] == ["practical", "theory"]
    assert pre["proposed"]["ban"] == {"from": "2025-06-28", "until": "2025-12-31",
                                      "referral": False}
    assert pre["statement_deadline"] is None  # not served yet
    assert pre_notices(w, iid, status=200) == notices  # issuing again: the same, frozen

    served = serve(w, pre, days_ago=3)
    assert served.status_code == 200, served.get_json()
    deadline = today(w["app"]) - timedelta(days=3) + timedelta(days=7)
    assert served.get_json()["statement_deadline"] == deadline.isoformat()

    body = {"client_id": "stmt-1", "text": STATEMENT, "received_via": "post",
            "received_on": (today(w["app"]) - timedelta(days=1)).isoformat()}
    answer = w["chief"].post(f"/api/v1/pre-notices/{pre['id']}/statements", json=body)
    assert answer.status_code == 201, answer.get_json()
    statement = answer.get_json()
    assert statement["kind"] == "statement" and len(statement["sha256"]) == 64
    replay = w["chief"].post(f"/api/v1/pre-notices/{pre['id']}/statements", json=body)
    assert replay.status_code == 200 and replay.get_json()["id"] == statement["id"]

    too_early = confirm(w, iid, reasons="x")
    assert too_early.status_code == 422
    assert too_early.get_json()["error"]["code"] == "statement_window_open"

    # The window passes (served 8 days ago): the statement stays; reasons are required.
    _serve_earlier(w, pre["id"], days=5)
    no_reasons = confirm(w, iid)
    assert no_reasons.get_json()["error"]["code"] == "reasons_required"
    done = confirm(w, iid, reasons="监控录像显示考生持手机操作，陈述不予采纳。")
    assert done.status_code == 200, done.get_json()
    assert done.get_json()["status"] == "confirmed"
    with w["app"].app_context():
        from proctor.extensions import db
        from proctor.models import Decision, DecisionKind

        row = db.session.scalar(db.select(Decision).where(
            Decision.incident_id == iid, Decision.decision == DecisionKind.CONFIRM))
        assert row.considered_statement_ids == [statement["id"]]
        assert row.reasons.startswith("监控录像")
    assert sanctions(w, w["s"]["tickets"][0])["all_subjects_voided"] is True

    notice = w["issue_notices"](w["chief"], iid)[0]
    hearing = notice["content"]["hearing"]
    assert hearing["pre_notice"]["number"] == pre["notice_no"]
    assert [s["id"] for s in hearing["statements"]] == [statement["id"]]
    page = w["chief"].get(notice["html_url"]).get_data(as_text=True)
    assert STATEMENT in page and "监控录像显示考生持手机操作" in page
    assert pre["notice_no"] in page


def _serve_earlier(w, pre_notice_id, days):
    """Move the recorded service (and the issue) back by `days`."""
    with w["app"].app_context():
        from proctor.extensions import db
        from proctor.models import PreNotice

        row = db.session.get(PreNotice, pre_notice_id)
        row.issued_on -= timedelta(days=days)
        row.served_on -= timedelta(days=days)
        db.session.commit()


def test_confirm_without_pre_notice_is_refused(w):
    iid = proposed(w)
    answer = confirm(w, iid)
    assert answer.status_code == 422
    assert answer.get_json()["error"]["code"] == "pre_notice_required"
    pre_notices(w, iid)  # issued, not served: still refused
    assert confirm(w, iid).get_json()["error"]["code"] == "pre_notice_required"
    # A reported Tier-2 incident cannot skip the stage either.
    direct = w["make_incident"](w["inv"], w["s"], "T2.1", tickets=[w["s"]["tickets"][2]])
    refused = confirm(w, direct["id"])
    assert refused.status_code == 422
    assert refused.get_json()["error"]["code"] == "pre_notice_required"
    assert refused.get_json()["error"]["message"] != ""


def test_every_party_gets_a_pre_notice_and_each_must_be_served(w):
    copier, helper = w["s"]["tickets"][0], w["s"]["tickets"][2]
    iid = proposed(w, "T2.2", tickets=[copier, helper], subject="theory")
    first, second = pre_notices(w, iid)
    assert first["notice_no"] != second["notice_no"]
    assert {first["person"]["role"], second["person"]["role"]} == {"principal", "accomplice"}
    assert serve(w, first, days_ago=10).status_code == 200
    assert confirm(w, iid).get_json()["error"]["code"] == "pre_notice_required"
    assert serve(w, second, days_ago=10).status_code == 200
    assert confirm(w, iid).status_code == 200


def test_a_signed_waiver_allows_the_decision_at_once(w):
    iid = proposed(w)
    pre = pre_notices(w, iid)[0]
    assert serve(w, pre).status_code == 200
    # The contract's `{waived: true}`: the candidate's signed waiver, as received.
    waiver = w["chief"].post(f"/api/v1/pre-notices/{pre['id']}/statements",
                             json={"waived": True})
    assert waiver.status_code == 201, waiver.get_json()
    assert waiver.get_json()["kind"] == "waiver"
    again = w["chief"].post(f"/api/v1/pre-notices/{pre['id']}/statements",
                            json={"waived": True, "witness": "监考员 王二（纸面签字）"})
    assert again.get_json()["error"]["code"] == "statement_waived"
    after = w["chief"].post(f"/api/v1/pre-notices/{pre['id']}/statements",
                            json={"text": STATEMENT})
    assert after.get_json()["error"]["code"] == "statement_waived"
    done = confirm(w, iid)  # no statement: no reasons needed
    assert done.status_code == 200, done.get_json()
    notice = w["issue_notices"](w["chief"], iid)[0]
    assert notice["content"]["hearing"]["waived"] is True


def test_no_statement_and_the_window_passes_then_confirm_is_allowed(w):
    iid = proposed(w)
    pre = pre_notices(w, iid)[0]
    assert serve(w, pre, days_ago=7).status_code == 200  # the last day is today
    assert confirm(w, iid).get_json()["error"]["code"] == "statement_window_open"
    _serve_earlier(w, pre["id"], days=1)
    late = w["chief"].post(f"/api/v1/pre-notices/{pre['id']}/statements",
                           json={"text": STATEMENT})
    assert late.get_json()["error"]["code"] == "statement_window_closed"
    assert confirm(w, iid).status_code == 200


def test_a_proposed_incident_has_no_effect_on_sanctions_bans_or_eligibility(w):
    ticket = w["s"]["tickets"][0]
    iid = proposed(w)
    pre_notices(w, iid)
    iid2 = w["make_incident"](w["inv"], w["s"], "T3.2", tickets=[w["s"]["tickets"][2]])["id"]
    tier3 = w["chief"].post(f"/api/v1/incidents/{iid2}/decision",
                            json={"decision": "propose"})
    assert tier3.get_json()["error"]["code"] == "severity_required"
    assert w["chief"].post(f"/api/v1/incidents/{iid2}/decision",
                           json={"decision": "propose", "severity": "serious"}).status_code == 200
    pre_notices(w, iid2)
    for index, t in ((0, ticket), (2, w["s"]["tickets"][2])):
        got = sanctions(w, t)
        assert got["all_subjects_voided"] is False and got["ban"] is None
        assert got["incidents"] == []
        assert eligible(w, index) is True
    bans = w["body"].get("/api/v1/bans?as_of=2025-07-10").get_json()["bans"]
    assert bans == []
    assert w["body"].get("/api/v1/certificates/revoked").get_json()["revocations"] == []


def test_a_serious_confirm_of_a_minor_proposal_is_refused(w):
    made = w["make_incident"](w["inv"], w["s"], "T3.2")
    assert w["chief"].post(f"/api/v1/incidents/{made['id']}/decision",
                           json={"decision": "propose", "severity": "minor"}).status_code == 200
    pre = pre_notices(w, made["id"])[0]
    assert pre["proposed"]["ban"]["until"] == "2027-06-27"
    serve(w, pre, days_ago=9)
    assert confirm(w, made["id"], severity="serious").get_json()["error"]["code"] == \
        "harsher_than_proposed"
    done = confirm(w, made["id"])
    assert done.status_code == 200 and done.get_json()["severity"] == "minor"


# -- when the stage does not apply -----------------------------------------------------------
def test_tier_one_is_confirmed_in_one_step(w, make_warning):
    refused = make_warning(w["inv"], w["s"], outcome="refused")
    iid = refused["incident_id"]
    answer = w["chief"].post(f"/api/v1/incidents/{iid}/decision", json={"decision": "propose"})
    assert answer.get_json()["error"]["code"] == "proposal_not_applicable"
    assert confirm(w, iid).status_code == 200


def test_the_stage_off_in_the_config_keeps_the_one_step_confirm(w):
    w["app"].config["PRE_NOTICE_TIERS"] = ()
    made = w["make_incident"](w["inv"], w["s"], "T2.1")
    assert confirm(w, made["id"]).status_code == 200
    assert sanctions(w, w["s"]["tickets"][0])["all_subjects_voided"] is True


def test_a_sitting_with_the_stage_off_keeps_the_one_step_confirm(w):
    sid = w["s"]["id"]
    turned = w["body"].put(f"/api/v1/sittings/{sid}/pre-notice-tiers",
                           json={"pre_notice_tiers": []})
    assert turned.status_code == 200, turned.get_json()
    assert turned.get_json()["pre_notice_tiers_in_force"] == []
    made = w["make_incident"](w["inv"], w["s"], "T2.1")
    assert w["chief"].post(f"/api/v1/incidents/{made['id']}/decision",
                           json={"decision": "propose"}).get_json()["error"]["code"] == \
        "proposal_not_applicable"
    assert confirm(w, made["id"]).status_code == 200
    back = w["body"].put(f"/api/v1/sittings/{sid}/pre-notice-tiers",
                         json={"pre_notice_tiers": None})
    assert back.get_json()["pre_notice_tiers_in_force"] == [2, 3]


def test_a_sitting_created_with_its_own_tiers(w):
    created = w["body"].post("/api/v1/sittings", json={
        "occupation": "人工智能训练师", "level": 3, "date": "2025-09-20",
        "pre_notice_tiers": [3], "subjects": [
            {"code": "theory", "name": "理论知识", "starts_at": "09:00", "ends_at": "10:30"}]})
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["pre_notice_tiers"] == [3]
    assert created.get_json()["pre_notice_tiers_in_force"] == [3]


# -- service ----------------------------------------------------------------------------------
def test_public_announcement_only_after_another_method_failed(w):
    iid = proposed(w)
    pre = pre_notices(w, iid)[0]
    when = today(w["app"]).isoformat()
    url = f"/api/v1/pre-notices/{pre['id']}/service"
    first = w["chief"].post(url, json={"method": "public", "served_on": when,
                                       "posted_at": "评价机构公告栏"})
    assert first.get_json()["error"]["code"] == "public_service_not_allowed"
    failed = w["chief"].post(url, json={"method": "post", "served_on": when, "failed": True,
                                        "note": "邮件被退回：查无此人"})
    assert failed.status_code == 200 and failed.get_json()["served_on"] is None
    unplaced = w["chief"].post(url, json={"method": "public", "served_on": when})
    assert unplaced.get_json()["error"]["code"] == "posted_at_required"
    posted = w["chief"].post(url, json={"method": "public", "served_on": when,
                                        "posted_at": "评价机构公告栏及官网"})
    assert posted.status_code == 200, posted.get_json()
    got = posted.get_json()
    assert got["service_method"] == "public" and got["served_on"] == when
    assert [a["failed"] for a in got["services"]] == [True, False]
    assert got["services"][1]["posted_at"] == "评价机构公告栏及官网"


def test_statement_with_a_photo_and_a_pdf_attached(w):
    iid = proposed(w)
    pre = pre_notices(w, iid)[0]
    serve(w, pre)
    url = f"/api/v1/pre-notices/{pre['id']}/files"
    picture = encode(upright_scene(64, 48), ".jpg")
    photo = w["chief"].post(url, data={"file": (io.BytesIO(picture), "证明.jpg"),
                                       "client_id": "file-1"})
    assert photo.status_code == 201, photo.get_json()
    pdf_bytes = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    pdf = w["chief"].post(url, data={"file": (io.BytesIO(pdf_bytes), "说明.pdf")})
    assert pdf.status_code == 201 and pdf.get_json()["media_type"] == "application/pdf"
    bad = w["chief"].post(url, data={"file": (io.BytesIO(b"not a file"), "x.txt")})
    assert bad.status_code in (415, 422)
    ids = [photo.get_json()["id"], pdf.get_json()["id"]]
    answer = w["chief"].post(f"/api/v1/pre-notices/{pre['id']}/statements",
                             json={"text": STATEMENT, "attachment_ids": ids})
    assert answer.status_code == 201, answer.get_json()
    assert [a["sha256"] for a in answer.get_json()["attachments"]] == [
        photo.get_json()["sha256"], pdf.get_json()["sha256"]]
    with w["app"].app_context():
        from proctor.services import evidence_store

        assert evidence_store.rehash(pdf.get_json()["sha256"]) == pdf.get_json()["sha256"]


# -- scope, audit, live events -----------------------------------------------------------------
def test_another_chief_and_invigilators_are_refused(w, make_sitting, auth):
    iid = proposed(w)
    pre = pre_notices(w, iid)[0]
    other = auth.login("chief2")
    inv = w["inv"]
    for caller in (other, inv):
        assert caller.post(f"/api/v1/incidents/{iid}/pre-notices").status_code in (403, 404)
        assert caller.get(f"/api/v1/pre-notices/{pre['id']}").status_code in (403, 404)
        assert caller.post(f"/api/v1/pre-notices/{pre['id']}/statements",
                           json={"text": "x"}).status_code in (403, 404)
        assert caller.get(pre["html_url"]).status_code in (302, 403, 404)
    assert w["chief"].get("/api/v1/pre-notices/99999").get_json()["error"]["code"] == \
        "pre_notice_not_found"


def test_each_act_is_audited_and_announced(w):
    iid = proposed(w)
    pre = pre_notices(w, iid)[0]
    serve(w, pre)
    w["chief"].post(f"/api/v1/pre-notices/{pre['id']}/statements", json={"text": STATEMENT})
    with w["app"].app_context():
        from proctor.extensions import db
        from proctor.models import AuditEntry, LiveEvent

        actions = set(db.session.scalars(db.select(AuditEntry.action)))
        events = set(db.session.scalars(db.select(LiveEvent.type)))
    assert {"incident_proposed", "pre_notice_issued", "pre_notice_served",
            "statement_received"} <= actions
    assert {"pre_notice_issued", "pre_notice_served", "statement_received"} <= events
    assert w["body"].get("/api/v1/audit/verify").get_json()["ok"] is True


# -- the letter ----------------------------------------------------------------------------------
def test_the_pre_notice_page_and_pdf_are_in_chinese(w):
    iid = proposed(w)
    pre = pre_notices(w, iid)[0]
    serve(w, pre)
    page = w["chief"].get(pre["html_url"])
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "处理事先告知书" in html and "考生1" in html
    assert "《职业技能等级认定考生须知》第三条第1项" in html and "T2.1" not in html
    assert "陈述" in html and "送达回证" in html
    assert f"处理事先告知书 {pre['notice_no']}，受送达人：考生1" in html
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    pdf = w["chief"].get(pre["pdf_url"])
    assert pdf.status_code == 200, pdf.get_data(as_text=True)[:300]
    assert pdf.mimetype == "application/pdf"
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf.get_data(), capture_output=True,
                          check=True).stdout.decode()
    flat = "".join(text.split())
    assert "考生1" in flat
    assert "第三条第1项" in flat
    assert "陈述" in flat and "送达回证" in flat
    assert "T2.1" not in flat


def test_a_proposed_incident_still_waits_on_the_board(w):
    """Proposed and told to the candidate, the incident still awaits the chief's decision: the
    board counts it among those waiting until it is confirmed or dismissed."""
    iid = proposed(w)
    board = w["chief"].get(f"/api/v1/sittings/{w['s']['id']}/board").get_json()
    assert board["incidents_waiting"] == 1
    room = next(r for r in board["rooms"] if r["incidents_waiting"])
    assert room["incidents_waiting"] == 1
    assert w["chief"].post(f"/api/v1/incidents/{iid}/decision",
                           json={"decision": "dismiss", "note": "证据不足"}).status_code == 200
    board = w["chief"].get(f"/api/v1/sittings/{w['s']['id']}/board").get_json()
    assert board["incidents_waiting"] == 0
