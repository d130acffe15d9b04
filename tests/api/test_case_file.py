"""The case file of one incident: a ZIP whose every file matches its manifest line (and
`sha256sum -c`), with the evidence originals byte for byte, every letter, the decisions, the
reviews and the audit entries; for the incident's chief examiner and the body only."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import subprocess
import zipfile

import pytest
from helpers import cid
from test_appeals import ask_review, serve, today
from test_evidence import jpeg, png_signature, upload
from test_notice_pdf_font import letter_font  # noqa: F401  (a fixture)


def unzip(response):
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/zip"
    return zipfile.ZipFile(io.BytesIO(response.get_data()))


def verified(archive):
    """Every file is listed once in manifest.json and SHA256SUMS, with its hash and size."""
    manifest = json.loads(archive.read("manifest.json"))
    listed = {f["path"]: f for f in manifest["files"]}
    names = set(archive.namelist())
    assert names == set(listed) | {"manifest.json", "SHA256SUMS"}
    for path, line in listed.items():
        data = archive.read(path)
        assert hashlib.sha256(data).hexdigest() == line["sha256"], path
        assert len(data) == line["size"], path
    sums = dict(reversed(line.split("  ", 1)) for line in
                archive.read("SHA256SUMS").decode().splitlines())
    assert set(sums) == set(listed) | {"manifest.json"}
    assert all(hashlib.sha256(archive.read(p)).hexdigest() == h for p, h in sums.items())
    return manifest


@pytest.fixture
def case(app, make_sitting, auth, make_incident, decide, issue_notices):
    """A T2.2 incident with two parties, a photo, a signature, an addendum, a seized item,
    confirmed, both notices issued, one served and under review."""
    s = make_sitting()
    inv, chief = auth.login("inv1"), auth.login("chief")
    iid = make_incident(inv, s, "T2.2", tickets=[s["tickets"][0], s["tickets"][2]])["id"]
    photo = jpeg(seed=7)
    uploaded = upload(inv, iid, photo)
    assert uploaded.status_code == 201, uploaded.get_json()
    signed = inv.post(f"/api/v1/incidents/{iid}/signature", data={
        "file": (io.BytesIO(png_signature()), "signature.png"), "client_id": cid()},
        content_type="multipart/form-data")
    assert signed.status_code == 201, signed.get_json()
    assert inv.post(f"/api/v1/incidents/{iid}/addenda",
                    json={"client_id": cid(), "text": "座位号更正为 5"}).status_code == 201
    assert inv.post(f"/api/v1/incidents/{iid}/seized", json={
        "client_id": cid(), "description": "手机一部（黑色）", "kept_at": "保管箱 3 号",
        "seized_at": uploaded.get_json()["taken_at"]}).status_code == 201
    decide(chief, iid, note="监控录像与现场照片一致")
    notices = issue_notices(chief, iid)
    serve(chief, notices[0], today(app))
    review = ask_review(chief, notices[0], today(app))
    return {"s": s, "iid": iid, "photo": photo, "photo_id": uploaded.get_json()["id"],
            "notices": notices, "review": review}


@pytest.mark.usefixtures("letter_font")
def test_case_file_verifies_and_holds_the_whole_record(app, case, auth):
    chief = auth.login("chief")
    response = chief.get(f"/api/v1/incidents/{case['iid']}/case-file")
    archive = unzip(response)
    manifest = verified(archive)
    assert manifest["problems"] == [] and manifest["omitted"] == []
    assert manifest["case_file"]["incident_id"] == case["iid"]
    assert response.headers["X-Manifest-SHA256"] == hashlib.sha256(
        archive.read("manifest.json")).hexdigest()

    record = json.loads(archive.read("incident.json"))
    assert record["rule"]["code"] == "T2.2" and "第" in record["rule"]["citation"]["zh"]
    assert [p["role"] for p in record["parties"]] == ["principal", "accomplice"]
    assert len(record["parties"][0]["id_number"]) == 18     # in full: for 行政复议 or court
    assert record["observed_at"]["utc"].endswith("+00:00")
    assert record["observed_at"]["venue"].endswith("+08:00")
    assert [(d["decision"], d["decided_by"], d["note"]) for d in record["decisions"]] == [
        ("confirm", "chief", "监控录像与现场照片一致")]

    evidence = json.loads(archive.read("evidence.json"))
    photo = next(e for e in evidence if e["id"] == case["photo_id"])
    assert photo["verified"] is True
    assert archive.read(photo["file"]) == case["photo"]             # byte for byte
    assert hashlib.sha256(case["photo"]).hexdigest() == photo["sha256"]
    assert {e["kind"] for e in evidence} == {"photo", "signature"}

    for notice in case["notices"]:
        letter = json.loads(archive.read(f"letters/decision-notice-{notice['number']}.json"))
        assert letter["content_sha256"] == notice["sha256"]
        assert letter["content"] == notice["content"]
        pdf = archive.read(f"letters/decision-notice-{notice['number']}.pdf")
        assert pdf.startswith(b"%PDF")
    served = json.loads(archive.read(
        f"letters/decision-notice-{case['notices'][0]['number']}.json"))
    assert served["service"]["method"] == "in_person"
    reviews = json.loads(archive.read("reviews.json"))
    assert [(r["id"], r["status"]) for r in reviews] == [(case["review"]["id"], "pending")]
    assert json.loads(archive.read("addenda.json"))[0]["text"] == "座位号更正为 5"
    assert json.loads(archive.read("seized_items.json"))[0]["description"] == "手机一部（黑色）"
    assert json.loads(archive.read("acknowledgements.json"))[0]["kind"] == "signed"

    trail = json.loads(archive.read("audit.json"))
    assert trail["verification"]["ok"] is True and trail["head"]["hash"]
    actions = {e["action"] for e in trail["entries"]}
    assert {"incident_reported", "evidence_added", "record_signed", "addendum_added",
            "item_seized", "incident_decided", "notice_issued", "notice_served",
            "review_requested"} <= actions
    assert trail["head"]["seq"] >= max(e["seq"] for e in trail["entries"])


@pytest.mark.usefixtures("letter_font")
def test_sha256sum_checks_the_unpacked_file(app, case, auth, tmp_path):
    if shutil.which("sha256sum") is None:
        pytest.skip("sha256sum (coreutils) is not installed")
    archive = unzip(auth.login("body").get(f"/api/v1/incidents/{case['iid']}/case-file"))
    archive.extractall(tmp_path)
    checked = subprocess.run(["sha256sum", "--strict", "-c", "SHA256SUMS"], cwd=tmp_path,
                             capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.count(": OK") == len(archive.namelist()) - 1


def test_the_export_is_audited(app, case, auth):
    body = auth.login("body")
    response = body.get(f"/api/v1/incidents/{case['iid']}/case-file")
    assert response.status_code == 200
    with app.app_context():
        from proctor.extensions import db
        from proctor.models import AuditEntry

        entry = db.session.scalar(db.select(AuditEntry).where(
            AuditEntry.action == "case_file_exported").order_by(AuditEntry.seq.desc()))
    assert entry is not None and entry.actor == "body" and entry.object_id == str(case["iid"])
    assert entry.data["manifest_sha256"] == response.headers["X-Manifest-SHA256"]


def test_a_tampered_original_is_reported_not_hidden(app, case, auth):
    from proctor.services import evidence_store

    with app.app_context():
        path = evidence_store.path_for(hashlib.sha256(case["photo"]).hexdigest())
        path.chmod(0o640)
        path.write_bytes(case["photo"][:-10] + b"0123456789")
    archive = unzip(auth.login("chief").get(f"/api/v1/incidents/{case['iid']}/case-file"))
    manifest = verified(archive)    # the file still matches its manifest line: what is in it
    assert any(f"evidence {case['photo_id']}" in p for p in manifest["problems"])
    evidence = json.loads(archive.read("evidence.json"))
    assert next(e for e in evidence if e["id"] == case["photo_id"])["verified"] is False


def test_without_a_font_the_pdfs_are_left_out_and_said_so(app, case, auth, monkeypatch):
    from proctor.notices import fonts

    monkeypatch.setattr(fonts, "_told", set())
    monkeypatch.setitem(app.config, "PDF_FONT", "/nonexistent/font.ttf")
    archive = unzip(auth.login("chief").get(f"/api/v1/incidents/{case['iid']}/case-file"))
    manifest = verified(archive)
    assert {o["code"] for o in manifest["omitted"]} == {"pdf_font_missing"}
    assert sorted(o["path"] for o in manifest["omitted"]) == sorted(
        f"letters/decision-notice-{n['number']}.pdf" for n in case["notices"])
    assert all(f"letters/decision-notice-{n['number']}.json" in archive.namelist()
               for n in case["notices"])


def test_large_case_file_goes_through_a_temporary_file(app, case, auth, monkeypatch):
    from proctor.services import case_file_zip

    monkeypatch.setattr(case_file_zip, "IN_MEMORY_BYTES", 1024)
    verified(unzip(auth.login("chief").get(f"/api/v1/incidents/{case['iid']}/case-file")))


def test_only_the_incidents_chief_and_the_body(app, case, auth, make_sitting):
    url = f"/api/v1/incidents/{case['iid']}/case-file"
    assert auth.login("inv1").get(url).status_code == 403
    assert auth.client().get(url).status_code == 401
    other = make_sitting()
    with app.app_context():
        from proctor.extensions import db
        from proctor.models import Sitting
        from proctor.services.sittings import assign_staff

        assign_staff(db.session.get_one(Sitting, other["id"]), "chief2", "chief", None)
        db.session.commit()
    refused = auth.login("chief2").get(url)
    assert refused.status_code in (403, 404) and refused.mimetype == "application/json"


@pytest.mark.usefixtures("letter_font")
def test_the_hearing_is_in_the_case_file(app, make_sitting, auth, make_incident):
    """The pre-decision notice (JSON and PDF), each attempt to serve it, the statement and its
    attached PDF byte for byte, and their audit entries: the hearing a court will ask about."""
    app.config.update(PRE_NOTICE_TIERS=(2, 3), STATEMENT_DAYS=7)
    s = make_sitting()
    inv, chief = auth.login("inv1"), auth.login("chief")
    iid = make_incident(inv, s, "T2.1")["id"]
    assert chief.post(f"/api/v1/incidents/{iid}/decision",
                      json={"decision": "propose"}).status_code == 200
    pre = chief.post(f"/api/v1/incidents/{iid}/pre-notices").get_json()[0]
    day = today(app).isoformat()
    assert chief.post(f"/api/v1/pre-notices/{pre['id']}/service",
                      json={"method": "in_person", "served_on": day}).status_code == 200
    attached = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    pdf = chief.post(f"/api/v1/pre-notices/{pre['id']}/files",
                     data={"file": (io.BytesIO(attached), "说明.pdf"), "client_id": cid()})
    assert pdf.status_code == 201, pdf.get_json()
    said = chief.post(f"/api/v1/pre-notices/{pre['id']}/statements", json={
        "text": "本人并未使用手机。", "received_via": "in_person", "received_on": day,
        "attachment_ids": [pdf.get_json()["id"]]})
    assert said.status_code == 201, said.get_json()

    archive = unzip(chief.get(f"/api/v1/incidents/{iid}/case-file"))
    manifest = verified(archive)
    assert manifest["problems"] == []
    stem = f"letters/pre-notice-{pre['notice_no']}"
    letter = json.loads(archive.read(f"{stem}.json"))
    assert letter["content"]["person"]["name"] == pre["person"]["name"]
    assert [a["method"] for a in letter["service"]] == ["in_person"]
    assert archive.read(f"{stem}.pdf").startswith(b"%PDF")
    statements = json.loads(archive.read("statements.json"))
    assert [st["text"] for st in statements] == ["本人并未使用手机。"]
    files = json.loads(archive.read("statement_files.json"))
    assert files[0]["verified"] is True
    assert archive.read(files[0]["file"]) == attached
    actions = {e["action"] for e in json.loads(archive.read("audit.json"))["entries"]}
    assert {"pre_notice_issued", "pre_notice_served", "statement_received",
            "statement_file_added"} <= actions
