"""The ban registry: JSON, CSV and XLSX exports with a checkable digest; eligibility."""

from __future__ import annotations

import csv
import io
import re

from helpers import digest_of, id_number
from openpyxl import load_workbook

COLUMNS = ["name", "id_number", "ticket_no", "from", "until", "tier", "rule_codes", "referral",
           "sitting_id", "incident_ids"]
HEADERS_ZH = ["姓名", "证件号码", "准考证号", "禁考开始", "禁考截止", "违纪类别", "违纪条款",
              "移送", "场次", "违纪事件"]


def test_json_export_digest_matches_rows(auth, make_banned_sitting):
    make_banned_sitting()
    body = auth.login("body")
    data = body.get("/api/v1/bans?as_of=2025-07-01").get_json()
    assert data["count"] == 2 and len(data["bans"]) == 2
    assert data["digest"] == digest_of(data["bans"])
    assert {b["rule_codes"][0] for b in data["bans"]} == {"T2.1", "T3.2"}
    assert list(data["bans"][0]) == COLUMNS
    # On 2026-01-01 the Tier-2 ban is over; the serious Tier-3 one runs to 2030-06-27.
    later = body.get("/api/v1/bans?as_of=2026-01-01").get_json()
    assert [b["until"] for b in later["bans"]] == ["2030-06-27"]
    assert later["bans"][0]["referral"] is True


def manifest_of(api, response):
    """The manifest of an export, fetched apart (the CSV holds only its rows)."""
    answer = api.get(f"/api/v1/bans/manifest?audit_head={response.headers['X-Audit-Head']}")
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()


def newest_entries(api, count):
    return api.get(f"/api/v1/audit?limit={count}").get_json()["entries"]


def test_csv_opens_in_excel_and_python(auth, make_banned_sitting):
    make_banned_sitting()
    body = auth.login("body")
    response = body.get("/api/v1/bans?as_of=2025-07-01&format=csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    raw = response.get_data()
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0] == COLUMNS
    assert len(rows) == 3  # the header and a row per ban: the manifest travels apart
    json_rows = body.get("/api/v1/bans?as_of=2025-07-01").get_json()
    assert manifest_of(body, response)["sha256"] == json_rows["digest"]
    assert {r[1] for r in rows[1:3]} == {b["id_number"] for b in json_rows["bans"]}


def test_every_format_carries_the_manifest_and_is_audited(auth, make_banned_sitting):
    make_banned_sitting()
    body = auth.login("body")
    json_rows = body.get("/api/v1/bans?as_of=2025-07-01").get_json()
    assert set(json_rows) == {"as_of", "generated_at", "audit_head", "bans", "count", "digest"}
    assert json_rows["generated_at"].endswith("Z") and json_rows["as_of"] == "2025-07-01"
    for fmt in ("json", "csv", "xlsx"):
        response = body.get(f"/api/v1/bans?as_of=2025-07-01&format={fmt}&masked=1")
        # The export's own audit entry, then (its last row out) the one with its manifest.
        done, exported = newest_entries(body, 2)
        head = exported["hash"]
        assert response.headers["X-Audit-Head"] == head, fmt
        assert (exported["action"], done["action"]) == ("bans_exported", "bans_export_completed")
        assert response.headers["X-As-Of"] == "2025-07-01"
        assert response.headers["Cache-Control"] == "no-store"
        generated = response.headers["X-Generated-At"]
        manifest = manifest_of(body, response)
        assert manifest == {"audit_head": head, "as_of": "2025-07-01", "format": fmt,
                            "masked": True, "rows": 2, "sha256": manifest["sha256"],
                            "generated_at": generated, "manifest_entry": done["hash"]}
        if fmt == "csv":
            assert response.headers["Content-Disposition"] == (
                'attachment; filename="bans-2025-07-01-masked.csv"')
        elif fmt == "xlsx":
            book = load_workbook(io.BytesIO(response.get_data()), read_only=True)
            sheet = dict((key, value) for _, value, key in book.worksheets[1].iter_rows(
                min_row=2, values_only=True))
            book.close()
            assert sheet["audit_head"] == head and sheet["generated_at"] == generated
            assert sheet["masked"] == "是" and sheet["rows"] == 2
            assert response.headers["X-Digest-SHA256"] == sheet["sha256"] == manifest["sha256"]
        else:
            data = response.get_json()
            assert data["audit_head"] == head and data["generated_at"] == generated
            assert data["digest"] == digest_of(data["bans"]) != json_rows["digest"]
            assert data["digest"] == manifest["sha256"]
    with body.raw.application.app_context():
        from proctor.extensions import db
        from proctor.models import AuditEntry

        entries = db.session.scalars(db.select(AuditEntry).where(
            AuditEntry.action == "bans_exported").order_by(AuditEntry.seq)).all()
    assert [(e.actor, e.data["format"], e.data["masked"]) for e in entries] == [
        ("body", "json", False), ("body", "json", True), ("body", "csv", True),
        ("body", "xlsx", True)]


def test_xlsx_reads_back_to_the_same_rows(auth, make_banned_sitting):
    make_banned_sitting()
    body = auth.login("body")
    response = body.get("/api/v1/bans?as_of=2025-07-01&format=xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.get_data()), read_only=True)
    rows = [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]
    assert rows[0] == HEADERS_ZH and len(rows) == 3
    manifest = {key: value for _, value, key in book.worksheets[1].iter_rows(
        min_row=2, values_only=True)}
    json_rows = body.get("/api/v1/bans?as_of=2025-07-01").get_json()
    assert manifest["rows"] == 2 and manifest["sha256"] == json_rows["digest"]
    assert sorted(r[1] for r in rows[1:]) == sorted(b["id_number"] for b in json_rows["bans"])


def test_masked_export_holds_no_full_id_number(auth, make_banned_sitting):
    s = make_banned_sitting()
    body = auth.login("body")
    for fmt in ("json", "csv"):
        text = body.get(f"/api/v1/bans?as_of=2025-07-01&format={fmt}&masked=1").get_data(
            as_text=True)
        # The manifest's SHA-256 digests (64 hex digits) may hold 18 decimal digits in a row
        # by chance (about 1 run in 250 per digest): they are blanked before the check.
        text = re.sub(r"\b[0-9a-f]{64}\b", "<sha256>", text)
        assert not re.search(r"\d{17}[\dX]", text), text
        assert re.search(r"\d{3}\*{11}\d{3}[\dX]", text)
        assert "考生" not in text and re.search(r"考\*\*", text)
        # For publication: partial name, masked ID number, and the ticket number.
        assert s["tickets"][0] in text and s["tickets"][2] in text


def test_eligibility_single_and_batch(auth, make_banned_sitting):
    s = make_banned_sitting()
    body = auth.login("body")
    banned, clear = id_number(s["id"] * 100), id_number(s["id"] * 100 + 1)
    one = body.get(f"/api/v1/eligibility?id_number={banned}&date=2025-08-01").get_json()
    assert one["eligible"] is False and one["bans"][0]["tier"] == 2
    batch = body.post("/api/v1/eligibility", json={"id_numbers": [banned, clear],
                                                   "date": "2025-08-01"})
    assert batch.status_code == 200
    assert [r["eligible"] for r in batch.get_json()["results"]] == [False, True]
    bad = body.post("/api/v1/eligibility", json={"id_numbers": [banned, "123"]})
    assert bad.status_code == 422 and bad.get_json()["error"]["field"] == "id_numbers.1"
    too_many = body.post("/api/v1/eligibility", json={"id_numbers": [clear] * 1001})
    assert too_many.status_code == 422
    bad_date = body.get(f"/api/v1/eligibility?id_number={banned}&date=2025-13-01")
    assert bad_date.status_code == 422


def test_registry_is_for_the_evaluation_body(make_sitting, auth):
    make_sitting()
    for name in ("inv1", "chief"):
        api = auth.login(name)
        for url in ("/api/v1/bans", "/api/v1/eligibility?id_number=x",
                    "/api/v1/certificates/revoked", "/api/v1/audit/verify"):
            response = api.get(url)
            assert response.status_code == 403, (name, url)
            assert response.get_json()["error"]["code"] == "forbidden"
