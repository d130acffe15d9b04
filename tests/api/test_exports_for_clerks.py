"""What the evaluation body's clerk and a receiving system get from the exports (issue #9,
items 9-11): the CSV is a clean table and its manifest travels apart (`/api/v1/bans/manifest`);
the XLSX is the clerk's format (Chinese headers, text ID and ticket numbers, date cells, 是/否,
widths, a frozen header row and an autofilter), checked with openpyxl and through LibreOffice;
and no cell of any export is ever a live formula (OWASP's CSV-injection guidance)."""

from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess
import zipfile
from datetime import date, datetime
from pathlib import Path

import pytest
from helpers import digest_of, id_number
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

AS_OF = "2025-07-01"
KEYS = ["name", "id_number", "ticket_no", "from", "until", "tier", "rule_codes", "referral",
        "sitting_id", "incident_ids"]
ZH = ["姓名", "证件号码", "准考证号", "禁考开始", "禁考截止", "违纪类别", "违纪条款", "移送",
      "场次", "违纪事件"]
EN = ["Name", "ID number", "Ticket number", "Banned from", "Banned until", "Tier", "Rules",
      "Referred", "Sitting", "Incidents"]
REVOCATION_KEYS = ["name", "id_number", "ticket_no", "sitting_id", "incident_ids", "decided_at"]
REVOCATION_ZH = ["姓名", "证件号码", "准考证号", "场次", "违纪事件", "决定时间"]
# Names a spreadsheet would run as formulas (OWASP), one it would take for an error value, and
# one that already begins with the quote the CSV adds (so the CSV can be read back exactly).
FORMULA_NAMES = ['=HYPERLINK("http://evil.example","x")', "+1", "-1", "@SUM(1)", "\t=1+1",
                 "\r=1+1", "'=1+1", "#N/A"]
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


# -- data ---------------------------------------------------------------------------------------
@pytest.fixture
def make_formula_sitting(app, make_sitting, auth, make_incident, decide):
    def make():
        """Candidates named FORMULA_NAMES (the first with the ticket number "-A1", which a
        spreadsheet reads as a formula too), found after the exam to have used forged papers:
        a ban and a certificate revocation each."""
        from proctor.extensions import db
        from proctor.models import Sitting
        from proctor.services.people import register_candidate

        s = make_sitting(candidates=2)
        tickets = ["-A1"] + [f"F{i:03d}" for i in range(1, len(FORMULA_NAMES))]
        with app.app_context():
            sitting = db.session.get(Sitting, s["id"])
            for index, (ticket, name) in enumerate(zip(tickets, FORMULA_NAMES, strict=True)):
                register_candidate(sitting, ticket, name, id_number(s["id"] * 100 + 50 + index),
                                   None)
            db.session.commit()
        body, chief = auth.login("body"), auth.login("chief")
        made = make_incident(body, s, "T3.1", description="forged papers",
                             discovered_after_exam=True,
                             parties=[{"ticket_no": t} for t in tickets])
        decide(chief, made["id"], severity="minor")
        return s, tickets

    return make


# -- reading the files back ---------------------------------------------------------------------
def undo_quote(cell: str) -> str:
    """The receiver's side of the CSV's neutralisation (README): a cell that begins with a
    quote followed (after any further quotes) by =, +, -, @, tab or CR had one quote added."""
    rest = cell.lstrip("'")
    return cell[1:] if cell.startswith("'") and rest.startswith(TRIGGERS) else cell


def row_of_cells(cells):
    """A CSV line as the JSON export's row (the digest's input)."""
    name, number, ticket, starts, until, tier, codes, referral, sitting, incidents = map(
        undo_quote, cells)
    return {"name": name, "id_number": number, "ticket_no": ticket or None, "from": starts,
            "until": until, "tier": int(tier), "rule_codes": codes.split(),
            "referral": referral == "true", "sitting_id": int(sitting) if sitting else None,
            "incident_ids": [int(i) for i in incidents.split()]}


def csv_lines(response):
    raw = response.get_data()
    assert raw.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


def display_width(text: str) -> int:
    """Columns a text takes in a spreadsheet: CJK characters count twice."""
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def assert_no_formula(content: bytes):
    """No sheet of the workbook holds a formula or an error cell, in its XML or for openpyxl."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                xml = archive.read(name).decode()
                assert "<f>" not in xml and "<f " not in xml and 't="e"' not in xml, name
    book = load_workbook(io.BytesIO(content))
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type not in ("f", "e"), (sheet.title, cell.coordinate)
    return book


def libreoffice(tmp_path: Path, source: Path, target: str) -> Path:
    """Convert `source` with LibreOffice headless (its own profile, so that it runs beside any
    other LibreOffice); returns the file it wrote."""
    if SOFFICE is None:
        pytest.skip("LibreOffice is not installed")
    out = tmp_path / "converted"
    done = subprocess.run(
        [SOFFICE, f"-env:UserInstallation={(tmp_path / 'lo-profile').as_uri()}", "--headless",
         "--norestore", "--convert-to", target, "--outdir", str(out), str(source)],
        capture_output=True, text=True, timeout=180, check=False)
    written = out / f"{source.stem}.{target.split(':')[0]}"
    assert done.returncode == 0 and written.exists(), (done.stdout, done.stderr)
    return written


# -- 9. the CSV is a clean table; the manifest travels apart ------------------------------------
def test_csv_is_a_clean_table(auth, make_banned_sitting):
    make_banned_sitting()
    body = auth.login("body")
    data = body.get(f"/api/v1/bans?as_of={AS_OF}").get_json()
    lines = csv_lines(body.get(f"/api/v1/bans?as_of={AS_OF}&format=csv"))
    # A header row and one row per ban, nothing else: every reader takes every line for data.
    assert lines[0] == KEYS
    assert len(lines) == 1 + data["count"] == 3
    assert all(len(line) == len(KEYS) for line in lines)
    assert not any(line[0].startswith("#") for line in lines)
    assert [row_of_cells(line) for line in lines[1:]] == data["bans"]
    # ID numbers are plain digits in the machine table (the clerk's format is the XLSX).
    assert all(re.fullmatch(r"\d{17}[\dX]", line[1]) for line in lines[1:])


@pytest.mark.parametrize("masked", [False, True])
def test_manifest_is_fetched_apart_and_verifies_the_csv(auth, masked, make_banned_sitting):
    make_banned_sitting()
    body = auth.login("body")
    response = body.get(f"/api/v1/bans?as_of={AS_OF}&format=csv&masked={int(masked)}")
    head = response.headers["X-Audit-Head"]
    link = f"/api/v1/bans/manifest?audit_head={head}"
    assert response.headers["Link"] == f'<{link}>; rel="describedby"'
    rows = [row_of_cells(line) for line in csv_lines(response)[1:]]
    answer = body.get(link)
    assert answer.status_code == 200, answer.get_json()
    manifest = answer.get_json()
    assert manifest == {
        "audit_head": head, "as_of": AS_OF, "format": "csv", "masked": masked,
        "rows": 2, "sha256": digest_of(rows),
        "generated_at": response.headers["X-Generated-At"],
        "manifest_entry": manifest["manifest_entry"]}
    # Both entries are in the audit chain, the newest two: the export's (X-Audit-Head) and,
    # once its last row was out, the one that holds the manifest.
    done, exported = body.get("/api/v1/audit?limit=2").get_json()["entries"]
    assert (exported["hash"], exported["action"]) == (head, "bans_exported")
    assert (done["hash"], done["action"]) == (manifest["manifest_entry"],
                                              "bans_export_completed")
    assert done["object_id"] == head and done["data"]["sha256"] == manifest["sha256"]


def test_every_format_has_a_manifest_that_agrees_with_the_file(auth, make_banned_sitting):
    make_banned_sitting()
    body = auth.login("body")
    data = body.get(f"/api/v1/bans?as_of={AS_OF}").get_json()
    for fmt in ("json", "csv", "xlsx"):
        response = body.get(f"/api/v1/bans?as_of={AS_OF}&format={fmt}")
        manifest = body.get(f"/api/v1/bans/manifest?audit_head="
                            f"{response.headers['X-Audit-Head']}").get_json()
        assert manifest["format"] == fmt and manifest["rows"] == 2, manifest
        assert manifest["sha256"] == data["digest"], fmt
        if fmt == "xlsx":  # built before it is sent: also in its headers and its second sheet
            assert response.headers["X-Digest-SHA256"] == manifest["sha256"]
            assert response.headers["X-Rows"] == "2"
            book = load_workbook(io.BytesIO(response.get_data()), read_only=True)
            facts = {key: value for _, value, key in book.worksheets[1].iter_rows(
                min_row=2, values_only=True)}
            book.close()
            assert facts["sha256"] == manifest["sha256"] and facts["rows"] == 2
            assert facts["audit_head"] == manifest["audit_head"]


def test_an_unfinished_export_has_no_manifest(app, auth, make_banned_sitting):
    make_banned_sitting()
    body = auth.login("body")
    response = body.raw.get(f"/api/v1/bans?as_of={AS_OF}&format=csv")
    head = response.headers["X-Audit-Head"]
    next(iter(response.response))  # the header row, and the receiver goes away
    response.close()
    answer = body.get(f"/api/v1/bans/manifest?audit_head={head}")
    assert answer.status_code == 404
    assert answer.get_json()["error"]["code"] == "export_incomplete"
    unknown = body.get(f"/api/v1/bans/manifest?audit_head={'0' * 64}")
    assert unknown.status_code == 404 and unknown.get_json()["error"]["code"] == "not_found"
    bad = body.get("/api/v1/bans/manifest?audit_head=xyz")
    assert bad.status_code == 422


# -- 10. the XLSX is the clerk's format ---------------------------------------------------------
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_xlsx_is_the_clerks_format(auth, lang, make_banned_sitting):
    s = make_banned_sitting()
    body = auth.login("body")
    data = body.get(f"/api/v1/bans?as_of={AS_OF}").get_json()
    query = "" if lang == "zh" else "&lang=en"
    response = body.get(f"/api/v1/bans?as_of={AS_OF}&format=xlsx{query}")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.get_data()))
    sheet = book.worksheets[0]
    headers = ZH if lang == "zh" else EN
    assert [c.value for c in sheet[1]] == headers
    assert all(c.font.bold for c in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:J3"
    yes, no = ("是", "否") if lang == "zh" else ("yes", "no")
    for row, ban in zip(sheet.iter_rows(min_row=2), data["bans"], strict=True):
        cell = dict(zip(KEYS, row, strict=True))
        for key in ("name", "id_number", "ticket_no", "rule_codes", "incident_ids"):
            assert cell[key].data_type == "s", key  # text cells
        for key in ("id_number", "ticket_no"):  # formatted as text: editing keeps them text
            assert cell[key].number_format == "@", key
        assert cell["id_number"].value == ban["id_number"]  # all 18 digits, as text
        assert cell["ticket_no"].value == ban["ticket_no"] and ban["ticket_no"] in s["tickets"]
        for key in ("from", "until"):
            assert cell[key].is_date and cell[key].number_format == "yyyy-mm-dd", key
            assert cell[key].value == datetime.combine(date.fromisoformat(ban[key]),
                                                       datetime.min.time())
        assert cell["tier"].data_type == "n" and cell["tier"].value == ban["tier"]
        assert cell["sitting_id"].value == ban["sitting_id"]
        assert cell["rule_codes"].value == " ".join(ban["rule_codes"])
        assert cell["referral"].value == (yes if ban["referral"] else no)
        assert cell["incident_ids"].value == " ".join(map(str, ban["incident_ids"]))
    # Widths that fit the header and the longest value of each column.
    for index, header in enumerate(headers, start=1):
        column = [header] + [str(c.value.date() if isinstance(c.value, datetime) else c.value)
                             for (c,) in sheet.iter_rows(min_row=2, min_col=index,
                                                         max_col=index)]
        width = sheet.column_dimensions[get_column_letter(index)].width
        assert width >= max(map(display_width, column)) + 1, (header, width)
    assert book.worksheets[1].title == ("核验信息" if lang == "zh" else "Manifest")
    assert sheet.title == ("禁考名单" if lang == "zh" else "Ban list")


def test_xlsx_round_trips_through_libreoffice(auth, tmp_path, make_banned_sitting,
                                              make_formula_sitting):
    make_banned_sitting()
    make_formula_sitting()
    body = auth.login("body")
    data = body.get(f"/api/v1/bans?as_of={AS_OF}").get_json()
    source = tmp_path / "bans.xlsx"
    source.write_bytes(body.get(f"/api/v1/bans?as_of={AS_OF}&format=xlsx").get_data())
    # UTF-8 (76), cells as shown: what the clerk sees in the sheet.
    written = libreoffice(tmp_path, source, "csv:Text - txt - csv (StarCalc):44,34,76,1")
    with written.open(encoding="utf-8", newline="") as handle:
        lines = list(csv.reader(handle))
    assert lines[0] == ZH
    assert len(lines) == 1 + len(data["bans"]) == 11
    for line, ban in zip(lines[1:], data["bans"], strict=True):
        shown = dict(zip(KEYS, line, strict=True))
        # No 3.1010519860304E+017: the ID number is whole; the dates are dates; 是/否.
        assert shown["id_number"] == ban["id_number"]
        assert shown["ticket_no"] == (ban["ticket_no"] or "")
        assert shown["from"] == ban["from"] and shown["until"] == ban["until"]
        assert shown["referral"] == ("是" if ban["referral"] else "否")
        assert shown["tier"] == str(ban["tier"])
        # A name such as =HYPERLINK(…) is shown as written, never run (LibreOffice would
        # write the formula's result, "x").
        assert shown["name"] == ban["name"].replace("\r", "\n")
    names = {line[0] for line in lines[1:]}
    assert '=HYPERLINK("http://evil.example","x")' in names and "x" not in names
    # The screenshot: LibreOffice's own rendering of the workbook, first page.
    pdf = libreoffice(tmp_path, source, "pdf")
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (poppler-utils) is not installed: no screenshot")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    target = SCREENSHOTS / "bans-xlsx-libreoffice"
    subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile",
                    str(pdf), str(target)], check=True, timeout=60)
    assert target.with_suffix(".png").stat().st_size > 10_000


# -- 11. no cell of any export is a live formula ------------------------------------------------
@pytest.mark.parametrize("masked", [False, True])
def test_ban_csv_neutralises_formulas(auth, masked, make_formula_sitting):
    s, tickets = make_formula_sitting()
    body = auth.login("body")
    data = body.get(f"/api/v1/bans?as_of={AS_OF}&masked={int(masked)}").get_json()
    response = body.get(f"/api/v1/bans?as_of={AS_OF}&format=csv&masked={int(masked)}")
    lines = csv_lines(response)
    for line in lines:
        assert not any(cell.startswith(TRIGGERS) for cell in line), line
    by_name = {ban["name"]: ban for ban in data["bans"]}
    cells = {undo_quote(line[0]): line for line in lines[1:]}
    assert set(cells) == set(by_name)
    if not masked:
        assert set(by_name) == set(FORMULA_NAMES)
        assert cells["+1"][0] == "'+1" and cells["@SUM(1)"][0] == "'@SUM(1)"
        assert cells['=HYPERLINK("http://evil.example","x")'][0] == (
            '\'=HYPERLINK("http://evil.example","x")')
        assert cells["'=1+1"][0] == "''=1+1"  # so that the quote can be taken off exactly
        assert cells["#N/A"][0] == "#N/A"
    assert {line[2] for line in lines[1:]} == {"'-A1", *tickets[1:]}
    # The receiver takes the quote off and the digest holds.
    manifest = body.get(f"/api/v1/bans/manifest?audit_head="
                        f"{response.headers['X-Audit-Head']}").get_json()
    rows = [row_of_cells(line) for line in lines[1:]]
    assert rows == data["bans"] and manifest["sha256"] == digest_of(rows) == data["digest"]


@pytest.mark.parametrize("masked", [False, True])
def test_ban_xlsx_writes_formulas_as_text(auth, masked, make_formula_sitting):
    make_formula_sitting()
    body = auth.login("body")
    data = body.get(f"/api/v1/bans?as_of={AS_OF}&masked={int(masked)}").get_json()
    response = body.get(f"/api/v1/bans?as_of={AS_OF}&format=xlsx&masked={int(masked)}")
    book = assert_no_formula(response.get_data())
    sheet = book.worksheets[0]
    shown = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    assert [r[0] for r in shown] == [b["name"].replace("\r", "\n") for b in data["bans"]]
    assert [r[2] for r in shown] == [b["ticket_no"] for b in data["bans"]]


def test_revocations_neutralise_formulas_in_csv_and_xlsx(auth, make_formula_sitting):
    make_formula_sitting()
    body = auth.login("body")
    revoked = body.get("/api/v1/certificates/revoked").get_json()["revocations"]
    assert {r["name"] for r in revoked} == set(FORMULA_NAMES)
    lines = csv_lines(body.get("/api/v1/certificates/revoked?format=csv"))
    assert lines[0] == REVOCATION_KEYS and len(lines) == 1 + len(revoked)
    for line, row in zip(lines[1:], revoked, strict=True):
        assert not any(cell.startswith(TRIGGERS) for cell in line), line
        assert [undo_quote(c) for c in line[:3]] == [row["name"], row["id_number"],
                                                     row["ticket_no"]]
    response = body.get("/api/v1/certificates/revoked?format=xlsx")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="revoked-certificates.xlsx"')
    book = assert_no_formula(response.get_data())
    sheet = book.worksheets[0]
    assert [c.value for c in sheet[1]] == REVOCATION_ZH
    assert sheet.freeze_panes == "A2"
    for row, expected in zip(sheet.iter_rows(min_row=2), revoked, strict=True):
        cell = dict(zip(REVOCATION_KEYS, row, strict=True))
        assert cell["name"].value == expected["name"].replace("\r", "\n")
        assert cell["name"].data_type == "s" and cell["id_number"].data_type == "s"
        assert cell["ticket_no"].value == expected["ticket_no"]
        assert cell["decided_at"].is_date and cell["decided_at"].value.year >= 2025
    english = load_workbook(io.BytesIO(body.get(
        "/api/v1/certificates/revoked?format=xlsx&lang=en").get_data())).worksheets[0]
    assert [c.value for c in english[1]] == ["Name", "ID number", "Ticket number", "Sitting",
                                             "Incidents", "Decided at"]
