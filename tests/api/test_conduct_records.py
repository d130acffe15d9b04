"""Misconduct of staff and training bodies (`/api/v1/conduct-records`): each endpoint, who may
call it, the bad inputs (each a clear 4xx, nothing half-written), the audit chain, the letter
printed to PDF and read back, and the wall between these records and candidates' sanctions."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
from helpers import cid, id_number

URL = "/api/v1/conduct-records"
OBSERVED = "2025-06-28T10:05:00+08:00"  # 10:05 venue time


def photo(seed: int = 1) -> bytes:
    pixels = np.random.default_rng(seed).integers(0, 255, (48, 64, 3), dtype=np.uint8)
    return cv2.imencode(".jpg", pixels)[1].tobytes()


def staff_body(sitting_id: int | None, **fields: Any) -> dict[str, Any]:
    body = {"client_id": cid(), "subject_kind": "staff", "staff_username": "inv1",
            "code": "S1.1", "description": "监考期间在考场内长时间使用手机",
            "observed_at": OBSERVED, **fields}
    if sitting_id is not None:
        body["sitting_id"] = sitting_id
    return body


@pytest.fixture
def world(app, make_sitting, make_user, auth):
    s = make_sitting()
    make_user("body2", "authority")
    return {"s": s, "body": auth.login("body"), "body2": auth.login("body2"),
            "chief": auth.login("chief"), "chief2": auth.login("chief2"),
            "inv": auth.login("inv1")}


def counts(app) -> dict[str, int]:
    from proctor.extensions import db
    from proctor.models import AuditEntry, ConductFile, ConductNotice, ConductRecord

    with app.app_context():
        return {m.__tablename__: db.session.scalar(db.select(db.func.count()).select_from(m))
                for m in (ConductRecord, ConductFile, ConductNotice, AuditEntry)}


def written(app) -> dict[str, int]:
    """The counts of the conduct tables (the audit log also holds refusals)."""
    return {k: v for k, v in counts(app).items() if k != "audit_log"}


def error(response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, (response.status_code, response.get_json())
    body = response.get_json()
    assert set(body) == {"error"} and body["error"]["code"] == code, body
    assert body["error"]["message"]
    return body["error"]


def test_record_replay_list_get_decide_and_issue_the_notice(world):
    body, body2, s = world["body"], world["body2"], world["s"]
    sent = staff_body(s["id"])
    made = body.post(URL, json=sent)
    assert made.status_code == 201, made.get_json()
    record = made.get_json()
    assert record["status"] == "reported" and record["subject"]["username"] == "inv1"
    assert record["subject"]["duty"] == "invigilator"  # from the assignment to the sitting
    assert record["title"]["zh"] == "未按规定履行考务职责"
    assert record["observed_at"].startswith("2025-06-28T02:05:00")  # stored in UTC
    replay = body.post(URL, json=sent)
    assert replay.status_code == 200 and replay.get_json()["id"] == record["id"]

    training = body.post(URL, json={"client_id": cid(), "subject_kind": "training_body",
                                    "training_body": "上海某职业培训学校", "code": "B1.1",
                                    "description": "团体申报材料中多名学员学历证明系伪造",
                                    "observed_at": OBSERVED})
    assert training.status_code == 201, training.get_json()

    listed = body.get(f"{URL}?subject_kind=staff&status=reported").get_json()
    assert [r["id"] for r in listed] == [record["id"]]
    by_body = body.get(f"{URL}?training_body=上海某职业培训学校").get_json()
    assert [r["code"] for r in by_body] == ["B1.1"]
    assert body.get(f"{URL}?staff=inv1").get_json()[0]["id"] == record["id"]
    assert body.get(f"{URL}/{record['id']}").get_json()["description"] == sent["description"]

    error(body.post(f"{URL}/{record['id']}/decision",
                    json={"decision": "confirm", "measure": "通报批评", "reasons": "属实"}),
          403, "separation_of_duties")
    decided = body2.post(f"{URL}/{record['id']}/decision", json={
        "decision": "confirm", "measure": "通报批评，暂停监考资格一年",
        "reasons": "现场视频与巡考记录一致，本人亦承认"})
    assert decided.status_code == 200, decided.get_json()
    assert decided.get_json()["status"] == "confirmed"
    assert decided.get_json()["decided_by"] == "body2"

    letter = body2.post(f"{URL}/{record['id']}/notice")
    assert letter.status_code == 201, letter.get_json()
    notice = letter.get_json()
    assert re.fullmatch(r"JL-\d{4}-001", notice["number"])
    again = body2.post(f"{URL}/{record['id']}/notice")
    assert again.status_code == 200 and again.get_json()["number"] == notice["number"]
    assert body.get(f"{URL}/{record['id']}").get_json()["notice"]["sha256"] == notice["sha256"]


def test_evidence_is_kept_under_its_hash_and_audited(world, app):
    import hashlib

    body, s = world["body"], world["s"]
    record = body.post(URL, json=staff_body(s["id"])).get_json()
    data = photo()
    key = cid()
    sent = body.post(f"{URL}/{record['id']}/evidence",
                     data={"file": (io.BytesIO(data), "phone.jpg"), "client_id": key},
                     content_type="multipart/form-data")
    assert sent.status_code == 201, sent.get_json()
    row = sent.get_json()
    assert row["sha256"] == hashlib.sha256(data).hexdigest() and row["media_type"] == "image/jpeg"
    again = body.post(f"{URL}/{record['id']}/evidence",
                      data={"file": (io.BytesIO(data), "phone.jpg"),
                            "client_id": key}, content_type="multipart/form-data")
    assert again.status_code == 200 and again.get_json()["id"] == row["id"]
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    as_pdf = body.post(f"{URL}/{record['id']}/evidence",
                       data={"file": (io.BytesIO(pdf), "statement.pdf")},
                       content_type="multipart/form-data")
    assert as_pdf.status_code == 201 and as_pdf.get_json()["media_type"] == "application/pdf"
    with app.app_context():
        from proctor.services import evidence_store

        assert evidence_store.rehash(row["sha256"]) == row["sha256"]
    assert [f["id"] for f in body.get(f"{URL}/{record['id']}").get_json()["files"]] == \
        [row["id"], as_pdf.get_json()["id"]]
    verified = body.get("/api/v1/audit/verify").get_json()
    assert verified["ok"] is True
    actions = [e["action"] for e in body.get("/api/v1/audit?limit=50").get_json()["entries"]]
    assert "conduct_recorded" in actions and "conduct_file_added" in actions


def test_bad_inputs_are_clear_errors_and_write_nothing(world, app):
    body, body2, s = world["body"], world["body2"], world["s"]
    before = written(app)
    error(body.post(URL, json=staff_body(s["id"], code="S9.9")), 422, "unknown_conduct_code")
    error(body.post(URL, json=staff_body(s["id"], code="T2.1")), 422, "unknown_conduct_code")
    wrong = body.post(URL, json={"client_id": cid(), "subject_kind": "training_body",
                                 "training_body": "某培训机构", "code": "S1.3",
                                 "description": "x", "observed_at": OBSERVED})
    assert error(wrong, 422, "code_not_for_subject")["field"] == "code"
    error(body.post(URL, json=staff_body(s["id"], code="B1.2")), 422, "code_not_for_subject")
    error(body.post(URL, json=staff_body(s["id"], staff_username=None)), 422, "staff_required")
    error(body.post(URL, json=staff_body(s["id"], staff_username="nobody")), 422, "unknown_user")
    error(body.post(URL, json=staff_body(s["id"], staff_username=None, staff_name="王某",
                                         staff_id_number="123")), 422, "invalid_id_number")
    error(body.post(URL, json=staff_body(None, staff_username="body")), 403, "own_conduct")
    error(body.post(URL, json={"client_id": cid(), "subject_kind": "training_body",
                               "code": "B1.1", "description": "x", "observed_at": OBSERVED}),
          422, "training_body_required")
    error(body.post(URL, json=staff_body(s["id"], observed_at="2025-06-28T10:05:00")),
          422, "validation_error")
    error(body.post(URL, json=staff_body(9999)), 404, "sitting_not_found")
    assert written(app) == before

    record = body.post(URL, json=staff_body(s["id"])).get_json()
    before = written(app)
    text = io.BytesIO(b"just some words, not a photo")
    refused = body.post(f"{URL}/{record['id']}/evidence", data={"file": (text, "notes.txt")},
                        content_type="multipart/form-data")
    assert refused.status_code in (415, 422), refused.get_json()
    assert refused.get_json()["error"]["field"] == "file"
    error(body.post(f"{URL}/{record['id']}/evidence", data={},
                    content_type="multipart/form-data"), 422, "file_required")
    error(body2.post(f"{URL}/{record['id']}/notice"), 409, "not_confirmed")
    error(body2.post(f"{URL}/{record['id']}/decision",
                     json={"decision": "confirm", "reasons": "属实"}), 422, "measure_required")
    error(body2.post(f"{URL}/{record['id']}/decision",
                     json={"decision": "dismiss", "measure": "通报批评", "reasons": "x"}),
          422, "measure_not_applicable")
    error(body2.post(f"{URL}/{record['id']}/decision",
                     json={"decision": "confirm", "measure": "通报批评", "reasons": "  "}),
          422, "conduct_reasons_required")
    error(body2.post(f"{URL}/{record['id']}/decision", json={"decision": "maybe",
                                                             "reasons": "x"}),
          422, "validation_error")
    assert written(app) == before
    with app.app_context():
        from proctor.extensions import db
        from proctor.models import ConductRecord

        row = db.session.get(ConductRecord, record["id"])
        assert (row.status, row.measure, row.decided_by) == ("reported", None, None)

    assert body2.post(f"{URL}/{record['id']}/decision", json={
        "decision": "dismiss", "reasons": "视频显示为考务联络用机"}).status_code == 200
    before = written(app)
    error(body2.post(f"{URL}/{record['id']}/decision",
                     json={"decision": "confirm", "measure": "通报批评", "reasons": "x"}),
          409, "already_decided")
    error(body2.post(f"{URL}/{record['id']}/notice"), 409, "not_confirmed")
    late = body.post(f"{URL}/{record['id']}/evidence",
                     data={"file": (io.BytesIO(photo(2)), "p.jpg")},
                     content_type="multipart/form-data")
    error(late, 409, "already_decided")
    error(body.get(f"{URL}/99999"), 404, "conduct_record_not_found")
    other = body.post(URL, json=staff_body(s["id"])).get_json()
    clash = staff_body(s["id"], client_id=other["client_id"], staff_username="inv2")
    error(body.post(URL, json=clash), 409, "client_id_conflict")
    assert written(app)["conduct_records"] == before["conduct_records"] + 1
    assert body.get("/api/v1/audit/verify").get_json()["ok"] is True


def test_who_may_call_what(world):
    body, body2, chief, chief2, inv, s = (world[k] for k in ("body", "body2", "chief", "chief2",
                                                              "inv", "s"))
    record = body.post(URL, json=staff_body(s["id"])).get_json()
    rid = record["id"]
    for call in (lambda: inv.post(URL, json=staff_body(s["id"], staff_username="inv2")),
                 lambda: inv.get(URL), lambda: inv.get(f"{URL}/{rid}"),
                 lambda: inv.post(f"{URL}/{rid}/decision",
                                  json={"decision": "dismiss", "reasons": "x"}),
                 lambda: inv.post(f"{URL}/{rid}/evidence", data={},
                                  content_type="multipart/form-data"),
                 lambda: inv.post(f"{URL}/{rid}/notice"),
                 lambda: chief.get(f"{URL}/{rid}"),  # the body's record: not the chief's
                 lambda: chief.post(f"{URL}/{rid}/decision",
                                    json={"decision": "dismiss", "reasons": "x"}),
                 lambda: chief.post(f"{URL}/{rid}/notice")):
        error(call(), 403, "forbidden")

    # A chief examiner reports staff of the sitting they lead, sees only what they reported.
    made = chief.post(URL, json=staff_body(s["id"], staff_username="inv3"))
    assert made.status_code == 201, made.get_json()
    mine = made.get_json()
    assert [r["id"] for r in chief.get(URL).get_json()] == [mine["id"]]
    assert chief.get(f"{URL}/{mine['id']}").status_code == 200
    assert chief.post(f"{URL}/{mine['id']}/evidence",
                      data={"file": (io.BytesIO(photo(3)), "p.jpg")},
                      content_type="multipart/form-data").status_code == 201
    assert chief2.get(URL).get_json() == []
    replay = chief2.post(URL, json=staff_body(s["id"], client_id=mine["client_id"],
                                              staff_username="inv3"))
    assert replay.status_code == 403 and "Conduct" not in replay.get_data(as_text=True)
    error(body.post(URL, json=staff_body(s["id"], client_id=mine["client_id"],
                                         staff_username="inv3")), 409, "client_id_conflict")
    error(chief2.get(f"{URL}/{mine['id']}"), 403, "forbidden")
    error(chief2.post(URL, json=staff_body(s["id"], staff_username="inv3")), 403, "forbidden")
    error(chief.post(URL, json=staff_body(None, staff_username="inv3")), 422, "sitting_required")
    error(chief.post(URL, json=staff_body(s["id"], staff_username="chief2")), 422,
          "not_staff_of_sitting")
    error(chief.post(URL, json=staff_body(s["id"], staff_username="chief")), 403, "own_conduct")
    # A chief's record is decided by the body, never by the chief.
    assert body.post(f"{URL}/{mine['id']}/decision", json={
        "decision": "confirm", "measure": "批评教育", "reasons": "属实"}).status_code == 200
    # The body member it is about does not decide it.
    about = body.post(URL, json=staff_body(None, staff_username="body2")).get_json()
    error(body2.post(f"{URL}/{about['id']}/decision",
                     json={"decision": "dismiss", "reasons": "x"}), 403, "own_conduct")
    anonymous = world["body"].raw.application.test_client()
    assert anonymous.get(URL).status_code == 401


def test_a_confirmed_staff_record_never_reaches_the_candidates_registry(world, app):
    """A staff member whose ID number is also a candidate's: the confirmed record and its letter
    are in no ban list, export, eligibility answer or candidate sanction."""
    body, body2, s = world["body"], world["body2"], world["s"]
    shared = id_number(s["id"] * 100)  # the sitting's first candidate's ID number
    ticket = s["tickets"][0]
    record = body.post(URL, json=staff_body(s["id"], staff_username=None, staff_name="考生1",
                                            staff_id_number=shared, staff_duty="other",
                                            code="S1.4")).get_json()
    assert record["subject"]["id_number"] == shared
    assert body2.post(f"{URL}/{record['id']}/decision", json={
        "decision": "confirm", "measure": "取消监考资格",
        "reasons": "泄露试题属实"}).status_code == 200
    assert body2.post(f"{URL}/{record['id']}/notice").status_code == 201

    bans = body.get("/api/v1/bans?as_of=2025-07-10").get_json()
    assert bans["bans"] == []
    csv = body.get("/api/v1/bans?as_of=2025-07-10&format=csv").get_data(as_text=True)
    assert shared not in csv and len(csv.strip().splitlines()) == 1
    xlsx = body.get("/api/v1/bans?as_of=2025-07-10&format=xlsx")
    assert xlsx.status_code == 200
    one = body.get(f"/api/v1/eligibility?id_number={shared}&date=2025-07-10").get_json()
    assert one["eligible"] is True and one["bans"] == []
    many = body.post("/api/v1/eligibility", json={"id_numbers": [shared],
                                                 "date": "2025-07-10"}).get_json()
    assert many["results"][0]["eligible"] is True
    sanctions = body.get(f"/api/v1/sittings/{s['id']}/candidates/{ticket}/sanctions").get_json()
    assert sanctions["ban"] is None and sanctions["incidents"] == []
    assert sanctions["voided_subjects"] == []
    revoked = body.get("/api/v1/certificates/revoked").get_json()
    assert revoked["revocations"] == []


def pdftotext() -> str:
    found = shutil.which("pdftotext")
    if found is None:
        pytest.skip("pdftotext is missing: apt-get install poppler-utils")
    return found


def test_the_notice_prints_to_pdf_in_chinese_with_venue_time_number_and_hash(world, tmp_path):
    from proctor.errors import ApiError
    from proctor.notices.fonts import font_for

    try:
        font_for(None)
    except ApiError as err:
        pytest.skip(err.message)
    body, body2, s = world["body"], world["body2"], world["s"]
    record = body.post(URL, json=staff_body(s["id"])).get_json()
    body.post(f"{URL}/{record['id']}/evidence",
              data={"file": (io.BytesIO(photo(5)), "现场照片.jpg")},
              content_type="multipart/form-data")
    body2.post(f"{URL}/{record['id']}/decision", json={
        "decision": "confirm", "measure": "暂停监考资格", "reasons": "监控录像显示属实"})
    notice = body2.post(f"{URL}/{record['id']}/notice").get_json()
    page = body2.get(notice["html_url"])
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    html = page.get_data(as_text=True)
    assert notice["number"] in html and notice["sha256"] in html
    assert "2025年6月28日10时05分" in html
    pdf = body2.get(notice["pdf_url"])
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    path = tmp_path / "conduct.pdf"
    path.write_bytes(pdf.get_data())
    text = subprocess.run([pdftotext(), "-raw", str(path), "-"], capture_output=True,
                          text=True, check=True, timeout=60).stdout
    flat = re.sub(r"\s", "", text)
    (Path("test-artifacts") / "conduct-notice.txt").parent.mkdir(exist_ok=True)
    (Path("test-artifacts") / "conduct-notice.txt").write_text(text, encoding="utf-8")
    for expected in ("上海市人工智能行业协会", "工作人员违纪违规处理通知书", notice["number"],
                     "2025年6月28日10时05分", "监考期间在考场内长时间使用手机",
                     "暂停监考资格", "监控录像显示属实", "未按规定履行监考、巡考等考务职责",
                     notice["sha256"]):
        assert re.sub(r"\s", "", expected) in flat, expected
    assert "02:05" not in text and "UTC" not in text
    # The frozen content keeps the letter as issued.
    from proctor import hashing
    from proctor.extensions import db
    from proctor.models import ConductNotice

    with body2.raw.application.app_context():
        row = db.session.get(ConductNotice, notice["id"])
        assert hashing.digest(row.content) == row.content_sha256 == notice["sha256"]
