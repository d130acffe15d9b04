"""The candidate's own page (issue 11, item 2): `/c/<token>` opens one letter, after the ticket
number and the last 6 characters of the ID number; wrong answers are limited per link. The
candidate reads the letter in Chinese, states their case or waives within the window, and asks
for review (复核) within its window; each submission is recorded, audited, hashed, announced
live and answered with a receipt number. No account: the forms carry the CSRF token.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from datetime import timedelta

import pytest
from helpers import id_number
from media import encode, upright_scene

STATEMENT = "本人当时只是查看时间，并未使用手机搜索答案。"
LINK = re.compile(r"/c/([A-Za-z0-9_-]{43})")


@pytest.fixture
def w(app, make_sitting, auth, make_incident, issue_notices):
    app.config.update(PRE_NOTICE_TIERS=(2, 3), STATEMENT_DAYS=7, CANDIDATE_CHECK_LIMIT="3 per hour")
    s = make_sitting(candidates=4)
    return {"s": s, "app": app, "auth": auth, "inv": auth.login("inv1"),
            "chief": auth.login("chief"), "make_incident": make_incident,
            "issue_notices": issue_notices}


def today(app):
    with app.app_context():
        from proctor.services.sittings import venue_today

        return venue_today()


def tail(w, index):
    return id_number(w["s"]["id"] * 100 + index)[-6:]


def propose(w, ticket_index=0, photo=None):
    made = w["make_incident"](w["inv"], w["s"], "T2.1", tickets=[w["s"]["tickets"][ticket_index]])
    if photo is not None:
        form = {"file": (io.BytesIO(photo), "photo.jpg"), "client_id": f"ev-{made['id']}",
                "source": "tablet_camera", "taken_at": made["observed_at"]}
        added = w["inv"].post(f"/api/v1/incidents/{made['id']}/evidence", data=form,
                              content_type="multipart/form-data")
        assert added.status_code == 201, added.get_json()
    answer = w["chief"].post(f"/api/v1/incidents/{made['id']}/decision",
                             json={"decision": "propose", "note": "拟取消全部科目成绩"})
    assert answer.status_code == 200, answer.get_json()
    pre = w["chief"].post(f"/api/v1/incidents/{made['id']}/pre-notices").get_json()[0]
    return made["id"], pre


def serve(w, pre, days_ago=0):
    with w["app"].app_context():
        from proctor.extensions import db
        from proctor.models import PreNotice

        row = db.session.get(PreNotice, pre["id"])
        row.issued_on -= timedelta(days=days_ago)
        db.session.commit()
    served_on = today(w["app"]) - timedelta(days=days_ago)
    answer = w["chief"].post(f"/api/v1/pre-notices/{pre['id']}/service",
                             json={"method": "in_person", "served_on": served_on.isoformat()})
    assert answer.status_code == 200, answer.get_json()


def printed_token(w, url):
    """The token as the chief's printed letter shows it (link and QR code)."""
    page = w["chief"].get(url).get_data(as_text=True)
    assert "<svg" in page  # the QR code
    return LINK.search(page).group(1)


class Candidate:
    """A phone with no account: reads the CSRF token from the page, as the browser does."""

    def __init__(self, app, token):
        self.raw, self.token, self.csrf = app.test_client(), token, ""

    def get(self, path=""):
        response = self.raw.get(f"/c/{self.token}{path}")
        found = re.search(r'name="csrf_token" value="([^"]+)"', response.get_data(as_text=True))
        if found:
            self.csrf = found.group(1)
        return response

    def post(self, path="", **form):
        return self.raw.post(f"/c/{self.token}{path}", data={"csrf_token": self.csrf, **form},
                             content_type="multipart/form-data")

    def check(self, ticket, id_tail):
        self.get()
        return self.post(ticket_no=ticket, id_tail=id_tail)


def statements_of(app, pre_notice_id):
    with app.app_context():
        from proctor.extensions import db
        from proctor.models import Statement

        return [{"text": s.text, "sha256": s.sha256, "received_via": s.received_via,
                 "attachments": s.attachments, "recorded_by": s.recorded_by}
                for s in db.session.scalars(db.select(Statement).where(
                    Statement.pre_notice_id == pre_notice_id).order_by(Statement.id))]


def audit_actions(app, actor):
    with app.app_context():
        from proctor.extensions import db
        from proctor.models import AuditEntry

        return [e.action for e in db.session.scalars(
            db.select(AuditEntry).where(AuditEntry.actor == actor).order_by(AuditEntry.seq))]


def test_identity_check_fails_then_is_limited_and_a_right_answer_opens_the_letter(w):
    _iid, pre = propose(w)
    token = printed_token(w, f"/pre-notices/{pre['id']}")
    phone = Candidate(w["app"], token)
    first = phone.get()
    assert first.status_code == 200 and first.headers["Cache-Control"] == "no-store"
    shown = first.get_data(as_text=True)
    assert "准考证号" in shown and "考生1" not in shown
    assert phone.post(ticket_no=w["s"]["tickets"][0], id_tail="000000").status_code == 401
    no_csrf = phone.raw.post(f"/c/{token}", data={"ticket_no": w["s"]["tickets"][0],
                                                 "id_tail": tail(w, 0)})
    assert no_csrf.status_code == 400  # the app's CSRF check holds without an account
    assert phone.post(ticket_no="T999", id_tail=tail(w, 0)).status_code == 401
    assert phone.post(ticket_no=w["s"]["tickets"][1], id_tail=tail(w, 1)).status_code == 401
    limited = phone.post(ticket_no=w["s"]["tickets"][0], id_tail=tail(w, 0))
    assert limited.status_code == 429
    assert "尝试次数过多" in limited.get_data(as_text=True)
    # The limit is the link's: another candidate's link still opens.
    _iid2, pre2 = propose(w, ticket_index=2)
    other = Candidate(w["app"], printed_token(w, f"/pre-notices/{pre2['id']}"))
    assert other.check(w["s"]["tickets"][2], tail(w, 2).lower()).status_code == 302
    page = other.get().get_data(as_text=True)
    assert "考生3" in page and pre2["notice_no"] in page and "处理事先告知书" in page
    assert "考生1" not in page and pre["notice_no"] not in page
    assert audit_actions(w["app"], f"candidate:{pre['notice_no']}").count(
        "candidate_check_failed") == 3


def test_a_token_opens_its_own_letter_only(w):
    _iid, pre = propose(w)
    _iid2, pre2 = propose(w, ticket_index=2)
    first = Candidate(w["app"], printed_token(w, f"/pre-notices/{pre['id']}"))
    assert first.check(w["s"]["tickets"][0], tail(w, 0)).status_code == 302
    second_token = printed_token(w, f"/pre-notices/{pre2['id']}")
    assert second_token != first.token
    # Passing one link's check opens no other link, even on the same phone.
    first.token = second_token
    page = first.get().get_data(as_text=True)
    assert "考生1" not in page and "考生3" not in page and "准考证号" in page
    # The second candidate's answers do not open the first one's letter.
    assert first.check(w["s"]["tickets"][0], tail(w, 0)).status_code == 401
    with w["app"].app_context():
        from proctor.extensions import db
        from proctor.models import CandidateLink

        stored = {link.token_sha256 for link in db.session.scalars(db.select(CandidateLink))}
    assert second_token not in stored and len(stored) == 2  # only hashes are kept


def test_statement_with_a_photo_is_recorded_audited_announced_and_receipted(w, monkeypatch):
    from proctor import publisher

    iid, pre = propose(w)
    serve(w, pre, days_ago=2)
    phone = Candidate(w["app"], printed_token(w, f"/pre-notices/{pre['id']}"))
    assert phone.check(w["s"]["tickets"][0], tail(w, 0)).status_code == 302
    page = phone.get().get_data(as_text=True)
    assert "data-statement-form" in page
    sent = []
    original = publisher.publish

    def announce(event, *args, **kw):
        sent.append(event)
        return original(event, *args, **kw)

    monkeypatch.setattr(publisher, "publish", announce)
    picture = encode(upright_scene(64, 48), ".jpg")
    answer = phone.post("/statement", text=STATEMENT, action="state", client_id="c-1",
                        file=(io.BytesIO(picture), "photo.jpg"))
    assert answer.status_code == 200, answer.get_data(as_text=True)[:400]
    body = answer.get_data(as_text=True)
    receipt = re.search(r'class="receipt-no">([^<]+)<', body).group(1)
    assert receipt.startswith(pre["notice_no"] + "-S")
    assert "statement_received" in sent and "evidence_added" in sent
    items = statements_of(w["app"], pre["id"])
    assert [s["text"] for s in items] == [STATEMENT]
    assert len(items[0]["sha256"]) == 64 and items[0]["received_via"] == "electronic"
    assert items[0]["recorded_by"] is None  # no staff member: the candidate sent it
    assert items[0]["attachments"][0]["media_type"] == "image/jpeg"
    assert items[0]["sha256"] in body
    actions = audit_actions(w["app"], f"candidate:{pre['notice_no']}")
    assert {"statement_file_added", "statement_received", "candidate_submission"} <= set(actions)
    # The same form sent twice records one statement.
    again = phone.post("/statement", text=STATEMENT, action="state", client_id="c-1")
    assert receipt in again.get_data(as_text=True)
    assert iid


def test_waiver_then_no_more_statements(w):
    _iid, pre = propose(w)
    serve(w, pre)
    phone = Candidate(w["app"], printed_token(w, f"/pre-notices/{pre['id']}"))
    phone.check(w["s"]["tickets"][0], tail(w, 0))
    phone.get()
    waived = phone.post("/statement", action="waive", client_id="w-1")
    assert waived.status_code == 200 and "放弃" in waived.get_data(as_text=True)
    page = phone.get().get_data(as_text=True)
    assert "data-statement-form" not in page
    refused = phone.post("/statement", text=STATEMENT, action="state", client_id="w-2")
    assert refused.status_code == 409


def test_after_the_window_the_link_is_gone_and_a_statement_refused(w):
    _iid, pre = propose(w)
    serve(w, pre, days_ago=7)  # the last day of the window is today
    phone = Candidate(w["app"], printed_token(w, f"/pre-notices/{pre['id']}"))
    phone.check(w["s"]["tickets"][0], tail(w, 0))
    phone.get()
    with w["app"].app_context():
        from proctor.extensions import db
        from proctor.models import PreNotice

        row = db.session.get(PreNotice, pre["id"])
        row.served_on -= timedelta(days=1)  # the window closed yesterday
        db.session.commit()
    refused = phone.post("/statement", text=STATEMENT, action="state", client_id="late-1")
    assert refused.status_code == 404
    assert "链接无效" in refused.get_data(as_text=True)
    assert statements_of(w["app"], pre["id"]) == []
    assert phone.get().status_code == 404


def test_unknown_token_is_a_chinese_404(w):
    answer = w["app"].test_client().get("/c/" + "x" * 43)
    assert answer.status_code == 404
    assert "链接无效" in answer.get_data(as_text=True)


def test_review_request_within_its_window(w):
    iid, pre = propose(w)
    serve(w, pre, days_ago=10)
    assert w["chief"].post(f"/api/v1/incidents/{iid}/decision",
                           json={"decision": "confirm", "reasons": "无陈述。"}).status_code == 200
    notice = w["issue_notices"](w["chief"], iid)[0]
    served = w["chief"].post(f"/api/v1/notices/{notice['id']}/service",
                             json={"method": "in_person",
                                   "served_on": today(w["app"]).isoformat()})
    assert served.status_code == 200, served.get_json()
    token = printed_token(w, notice["html_url"])
    phone = Candidate(w["app"], token)
    phone.check(w["s"]["tickets"][0], tail(w, 0))
    page = phone.get().get_data(as_text=True)
    assert "处理决定书" in page and "data-review-form" in page
    assert "送达回证" not in page  # the staff's proof of service is not the candidate's
    answer = phone.post("/review", grounds="事实认定有误，请求复核。")
    assert answer.status_code == 200
    receipt = re.search(r'class="receipt-no">([^<]+)<', answer.get_data(as_text=True)).group(1)
    assert receipt.startswith(notice["number"] + "-R")
    reviews = w["chief"].get(f"/api/v1/notices/{notice['id']}").get_json()
    assert reviews["reviews"][0]["grounds"] == "事实认定有误，请求复核。"
    assert "review_requested" in audit_actions(w["app"], f"candidate:{notice['number']}")
    again = phone.post("/review", grounds="再次")
    assert again.status_code == 409


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")
def test_the_pdf_prints_the_same_link_and_a_qr_code(w, tmp_path):
    _iid, pre = propose(w)
    token = printed_token(w, f"/pre-notices/{pre['id']}")
    pdf = w["chief"].get(f"/pre-notices/{pre['id']}.pdf")
    assert pdf.status_code == 200
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf.data, capture_output=True,
                          check=True).stdout.decode()
    assert f"/c/{token}" in text and "身份证号码后6位" in text
    assert f"/c/{token}" in qr_codes_in(pdf.data, tmp_path)[-1]


def qr_codes_in(pdf, folder):
    """What the QR codes on the PDF's pages say, read back by OpenCV from 200 dpi PNGs."""
    import cv2

    (folder / "letter.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "200", "-png", str(folder / "letter.pdf"),
                    str(folder / "page")], check=True)
    found = []
    for page in sorted(folder.glob("page*.png")):
        text, _points, _code = cv2.QRCodeDetector().detectAndDecode(cv2.imread(str(page)))
        if text:
            found.append(text)
    return found


def test_the_printed_link_uses_the_public_address_when_set(w):
    w["app"].config["CANDIDATE_BASE_URL"] = "https://exam.example.org/"
    _iid, pre = propose(w)
    page = w["chief"].get(f"/pre-notices/{pre['id']}").get_data(as_text=True)
    assert re.search(r"https://exam\.example\.org/c/[A-Za-z0-9_-]{43}<", page)


def test_the_photos_the_letter_cites_show_as_thumbnails_to_its_candidate_only(w):
    _iid, pre = propose(w, photo=encode(upright_scene(640, 480), ".jpg"))
    token = printed_token(w, f"/pre-notices/{pre['id']}")
    phone = Candidate(w["app"], token)
    shown = re.compile(rf"/c/{token}/photos/(\d+)")
    assert phone.get("/photos/1").status_code == 302  # not before the identity check
    phone.check(w["s"]["tickets"][0], tail(w, 0))
    eid = shown.search(phone.get().get_data(as_text=True)).group(1)
    thumb = phone.raw.get(f"/c/{token}/photos/{eid}")
    thumb.get_data()
    thumb.close()  # a file answer holds its file open until read
    assert thumb.status_code == 200 and thumb.mimetype == "image/jpeg"
    assert thumb.headers["Cache-Control"] == "no-store"
    assert phone.get(f"/photos/{int(eid) + 1}").status_code == 404
    _iid2, pre2 = propose(w, ticket_index=2)
    other = Candidate(w["app"], printed_token(w, f"/pre-notices/{pre2['id']}"))
    other.check(w["s"]["tickets"][2], tail(w, 2))
    assert other.get(f"/photos/{eid}").status_code == 404  # another letter's photo


def test_a_decision_notice_link_ends_with_the_review_window(w):
    iid, pre = propose(w)
    serve(w, pre, days_ago=10)
    w["chief"].post(f"/api/v1/incidents/{iid}/decision",
                    json={"decision": "confirm", "reasons": "无陈述。"})
    notice = w["issue_notices"](w["chief"], iid)[0]
    token = printed_token(w, notice["html_url"])
    assert Candidate(w["app"], token).get().status_code == 200  # not served yet: it works
    with w["app"].app_context():
        from proctor.extensions import db
        from proctor.models import Notice

        row = db.session.get(Notice, notice["id"])
        row.issued_on -= timedelta(days=20)
        row.served_on, row.service_method = today(w["app"]) - timedelta(days=16), "in_person"
        db.session.commit()
    assert Candidate(w["app"], token).get().status_code == 404  # 15 days from service: over
