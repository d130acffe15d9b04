"""The ban registry export streams: many bans go out in constant memory, the manifest and the
digest stay right, and a long export keeps no writer waiting."""

from __future__ import annotations

import csv
import gc
import hashlib
import io
import json
import re
import sqlite3
import tracemalloc
from datetime import date, timedelta
from pathlib import Path

import pytest
from helpers import digest_of
from openpyxl import load_workbook
from sqlalchemy import create_engine, insert

from proctor.api.schemas import BansOut
from proctor.hashing import JsonLinesDigest
from proctor.idnumber import make_id_number
from proctor.services import bans
from proctor.services.tables import csv_text, undefuse

COLUMNS = list(bans.BAN_COLUMNS)
AS_OF = date(2026, 1, 1)  # every ban `fill` makes is in force on this date
URL = f"/api/v1/bans?as_of={AS_OF.isoformat()}"
FULL_ID = re.compile(r"\d{17}[\dX]")
SHA256_HEX = re.compile(r"\b[0-9a-f]{64}\b")


def row_of_cells(cells):
    """What a receiver makes of a CSV line: the row as the JSON export gives it (a cell that
    was neutralised against formulas has its quote taken off, README)."""
    name, number, ticket, starts, until, tier, codes, referral, sitting, incidents = map(
        undefuse, cells)
    return {"name": name, "id_number": number, "ticket_no": ticket or None, "from": starts,
            "until": until,
            "tier": int(tier), "rule_codes": codes.split(), "referral": referral == "true",
            "sitting_id": int(sitting) if sitting else None,
            "incident_ids": [int(i) for i in incidents.split()]}


@pytest.fixture
def body(app, auth, make_user):
    make_user("body", "authority")
    return auth.login("body")


def fill(app, count: int, start: int = 0) -> None:
    """Persons start … start+count-1 and a ban each, in bulk (executemany), as bench/data.py."""
    with app.app_context():
        from proctor.extensions import db
        from proctor.models import BanRecord, Person

        connection = db.session.connection()
        indexes = range(start, start + count)
        ids = connection.execute(
            insert(Person.__table__).returning(Person.__table__.c.id,
                                               sort_by_parameter_order=True),
            [{"id_type": "resident_id", "name": "王李张刘陈"[i % 5] + "伟芳娜秀英敏"[: 1 + i % 2],
              "id_number": make_id_number("310101", date(1960, 1, 1) + timedelta(i // 1000),
                                          i % 1000)} for i in indexes]).scalars().all()
        connection.execute(insert(BanRecord.__table__), [{
            "person_id": person, "starts_on": date(2025, 1, 1) + timedelta(days=i % 300),
            "until": date(2030 if i % 4 == 0 else 2026, 6, 30), "tier": 3 if i % 4 == 0 else 2,
            "rule_codes": "T3.2 T3.4" if i % 4 == 0 else "T2.1", "referral": i % 4 == 0,
            "incident_ids": [i + 1] + ([i + 2] if i % 5 == 0 else []),
            "sitting_ids": [1 + i % 50]} for i, person in zip(indexes, ids, strict=True)])
        db.session.commit()


def stream_to(api, url: str, path: Path) -> tuple[int, object]:
    """GET the export, consuming the stream piece by piece into a file, under tracemalloc.
    Returns the peak of traced Python memory over the whole request and the response."""
    gc.collect()  # garbage left by earlier work must not count as this export's
    tracemalloc.start()
    try:
        response = api.raw.get(url)
        assert response.status_code == 200
        assert response.is_streamed
        with path.open("wb") as sink:
            for piece in response.response:
                sink.write(piece.encode() if isinstance(piece, str) else piece)
        response.close()
        return tracemalloc.get_traced_memory()[1], response
    finally:
        tracemalloc.stop()


def row_of_sheet(values):
    """What a receiver makes of a row of the clerk's XLSX: the row as the JSON export gives it."""
    name, number, ticket, starts, until, tier, codes, referral, sitting, incidents = values
    return {"name": name, "id_number": number, "ticket_no": ticket, "from": starts.date()
            .isoformat(), "until": until.date().isoformat(), "tier": tier,
            "rule_codes": codes.split(), "referral": referral == "是", "sitting_id": sitting,
            "incident_ids": [int(i) for i in str(incidents).split()]}


def manifest_of(api, response):
    """The export's manifest, fetched apart by its X-Audit-Head (README)."""
    answer = api.get(f"/api/v1/bans/manifest?audit_head={response.headers['X-Audit-Head']}")
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()


def read_csv(path: Path):
    with path.open(encoding="utf-8-sig", newline="") as handle:
        lines = list(csv.reader(handle))
    return lines[0], [row_of_cells(cells) for cells in lines[1:]]


def read_json(path: Path):
    data = json.loads(path.read_text(encoding="utf-8"))
    BansOut.model_validate(data)
    return data


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_export_streams_in_constant_memory(app, body, fmt, tmp_path):
    fill(app, 2_000)
    with app.app_context():  # bans out of force on AS_OF are left out
        from proctor.extensions import db
        from proctor.models import BanRecord, Person

        person = db.session.scalars(insert(Person).returning(Person.id), [
            {"id_number": "310101199001010011", "name": "过期"}]).one()
        db.session.execute(insert(BanRecord), [
            {"person_id": person, "starts_on": date(2024, 1, 1), "until": date(2025, 12, 31),
             "tier": 2, "rule_codes": "T2.1", "incident_ids": [1], "sitting_ids": [1]}])
        db.session.commit()
    url = f"{URL}&format={fmt}"
    stream_to(body, url, tmp_path / "warm-up")  # caches (compiled SQL, imports) filled once
    peaks, sizes = {}, {}
    for total in (2_000, 20_000):
        if total > 2_000:
            fill(app, total - 2_000, start=2_000)
        path = tmp_path / f"bans-{total}.{fmt}"
        # The lower of two runs: a collector pass that happens to fall late is not the export.
        runs = [stream_to(body, url, path) for _ in range(2)]
        peaks[total], response = min(peak for peak, _ in runs), runs[-1][1]
        sizes[total] = path.stat().st_size
        # This export's own audit entry, then the one its manifest went to, last row out.
        done, exported = body.get("/api/v1/audit?limit=2").get_json()["entries"]
        head = exported["hash"]
        assert response.headers["X-Audit-Head"] == head and exported["action"] == "bans_exported"
        manifest = manifest_of(body, response)
        assert manifest["manifest_entry"] == done["hash"] and manifest["format"] == fmt
        if total == 2_000:  # what holding the rows takes: the receiver's parsed rows
            tracemalloc.start()
        parsed = read_csv(path) if fmt == "csv" else read_json(path)
        if total == 2_000:
            per_row = tracemalloc.get_traced_memory()[0] / total
            tracemalloc.stop()
        if fmt == "csv":
            header, rows = parsed
            assert header == COLUMNS
        else:
            rows = parsed["bans"]
            assert parsed["count"] == total and parsed["digest"] == digest_of(rows)
            assert parsed["audit_head"] == head and parsed["as_of"] == AS_OF.isoformat()
            assert [list(row) for row in rows[:1]] == [COLUMNS]
        assert manifest["rows"] == total and manifest["sha256"] == digest_of(rows)
        assert manifest["audit_head"] == head and manifest["as_of"] == AS_OF.isoformat()
        assert manifest["generated_at"] == response.headers["X-Generated-At"]
        assert len(rows) == total
        assert [r["id_number"] for r in rows] == sorted(r["id_number"] for r in rows)
        assert "310101199001010011" not in {r["id_number"] for r in rows}
        del rows, parsed
    # Ten times the rows, ten times the file, and the memory does not follow: the export's peak
    # grows by far less than holding the extra rows would take (half of it at most: holding
    # them would take all of it; the export keeps one fetch of 2 000 rows and one 500-row chunk,
    # whatever the total — `make bench` shows the same peak at 10 000 and 100 000 rows).
    assert sizes[20_000] > 9 * sizes[2_000]
    growth, held = peaks[20_000] - peaks[2_000], 18_000 * per_row
    assert growth < held / 2, (peaks, per_row)
    assert peaks[20_000] < 20_000 * per_row / 2, (peaks, per_row)


@pytest.mark.parametrize("in_memory_rows", [10_000, 500])
def test_xlsx_reads_back_from_memory_or_a_temporary_file(app, body, monkeypatch,
                                                         in_memory_rows):
    monkeypatch.setattr(bans, "XLSX_IN_MEMORY_ROWS", in_memory_rows)
    fill(app, 1_200)
    data = body.get(f"{URL}&format=json").get_json()
    tracemalloc.start()
    try:
        response = body.raw.get(f"{URL}&format=xlsx")
        content = b"".join(response.response)
        response.close()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert response.headers["Content-Length"] == str(len(content))
    assert response.headers["X-Rows"] == "1200"
    assert response.headers["X-Digest-SHA256"] == data["digest"]
    book = load_workbook(io.BytesIO(content), read_only=True)
    rows = [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]
    manifest = {key: value for _, value, key in book.worksheets[1].iter_rows(
        min_row=2, values_only=True)}
    book.close()
    assert rows[0] == [column.zh for column in bans.BAN_TABLE.columns]
    assert [row_of_sheet(r) for r in rows[1:]] == data["bans"]
    assert manifest["rows"] == 1200 and manifest["sha256"] == data["digest"]
    assert manifest_of(body, response)["sha256"] == data["digest"]
    assert manifest["generated_at"] == response.headers["X-Generated-At"]
    assert manifest["audit_head"] == response.headers["X-Audit-Head"]
    # openpyxl spools the sheets to temporary files: the rows are not all held in memory.
    assert peak < 4 * 1024 * 1024, peak


def test_masked_exports_hold_no_full_id_number(app, body):
    fill(app, 600)  # more than one chunk
    plain = body.get(f"{URL}&format=json").get_json()["bans"]
    for fmt in ("json", "csv", "xlsx"):
        response = body.get(f"{URL}&format={fmt}&masked=1")
        if fmt == "xlsx":
            book = load_workbook(io.BytesIO(response.get_data()), read_only=True)
            text = "\n".join(",".join(str(c) for c in row) for sheet in book.worksheets
                             for row in sheet.iter_rows(values_only=True))
            book.close()
        else:
            text = response.get_data(as_text=True)
        # Over the whole file; digests are 64 hex digits and may hold 18 decimal ones.
        assert not FULL_ID.search(SHA256_HEX.sub("<sha256>", text)), fmt
        assert len(re.findall(r"\b310\*{11}\d{3}[\dX]\b", text)) == 600, fmt
    masked = body.get(f"{URL}&masked=1").get_json()
    assert masked["digest"] == digest_of(masked["bans"])
    for shown, full in zip(masked["bans"], plain, strict=True):
        assert shown["id_number"] == full["id_number"][:3] + "*" * 11 + full["id_number"][-4:]
        assert shown["name"] == full["name"][0] + "*" * (len(full["name"]) - 1)
        assert {k: v for k, v in shown.items() if k not in {"name", "id_number"}} == {
            k: v for k, v in full.items() if k not in {"name", "id_number"}}


def test_empty_registry_exports_a_valid_file(app, body):
    data = body.get(URL).get_json()
    assert data["bans"] == [] and data["count"] == 0
    assert data["digest"] == hashlib.sha256(b"").hexdigest()
    BansOut.model_validate(data)
    response = body.get(f"{URL}&format=csv")
    assert response.get_data().decode("utf-8-sig").splitlines() == [",".join(COLUMNS)]
    manifest = manifest_of(body, response)
    assert manifest["rows"] == 0 and manifest["sha256"] == data["digest"]


def test_export_is_a_snapshot_and_keeps_no_writer_waiting(app, body, database_url, backend):
    fill(app, 1_500)  # three chunks
    response = body.raw.get(f"{URL}&format=csv")
    pieces = iter(response.response)
    first = [next(pieces), next(pieces)]  # the header, then the first rows: the query is open
    if backend == "sqlite":
        # Another writer gets the lock at once (the export reads in a DEFERRED transaction).
        with sqlite3.connect(database_url.removeprefix("sqlite:///"), timeout=0.2) as conn:
            conn.execute("UPDATE bans SET tier = 9 WHERE id = (SELECT max(id) FROM bans)")
        conn.close()
    else:
        engine = create_engine(database_url)
        with engine.begin() as conn:
            conn.exec_driver_sql("UPDATE bans SET tier = 9 WHERE id = (SELECT max(id) FROM bans)")
        engine.dispose()
    text = b"".join(p if isinstance(p, bytes) else p.encode() for p in [*first, *pieces])
    response.close()
    lines = list(csv.reader(io.StringIO(text.decode("utf-8-sig"))))
    assert len(lines) == 1 + 1500 and manifest_of(body, response)["rows"] == 1500
    tier = COLUMNS.index("tier")
    assert "9" not in {line[tier] for line in lines[1:]}  # the rows as at the start
    later = body.get(f"{URL}&format=csv").get_data().decode("utf-8-sig")
    assert [line[tier] for line in list(csv.reader(io.StringIO(later)))[1:]].count("9") == 1


ODD_NAMES = ["王伟", 'quote " inside', "comma, inside", "new\nline", "cr\rreturn",
             "back\\slash", "tab\tand \x01 control", "emoji 🙂", "", "é" * 40, "𠀀家",
             # what a spreadsheet would run as a formula (OWASP), and quotes before it
             "=1+1", "+1", "-1", "@SUM(1)", "\t=x", "\r=x", "'=1", "''+1", "'plain", "=a,b"]
# JSON array texts the fast path must leave to the slow one (valid JSON, other spellings).
ODD_ARRAYS = ["[1,2]", "[ 3 ]", "[-4, 5]", "[]", "[12, 13, 14]", "[7]", "[1.0]", "[\"8\"]"]


@pytest.mark.parametrize("masked", [False, True])
def test_fast_path_writes_what_the_reference_writes(masked):
    """`_encode` (the export's hot loop) against the definitions: the row's dict, hashed by
    `JsonLinesDigest`, its text cells (`ban_cells`, BAN_TABLE) neutralised and written by the
    csv module (`tables.csv_text`), and by json."""
    rows, expected = [], []
    for index, name in enumerate(ODD_NAMES * 2):
        number = f"31010119900101{index:04d}"
        incidents = [index, index + 7][: index % 3]
        sittings = [index % 5 + 1, 99][: index % 3]
        codes = ["T2.1", "T3.2 T3.4", 'T"9', "T1,1", "-T1"][index % 5]
        # An impostor has no ticket; "-A7" is a formula to a spreadsheet, "T-011" is not.
        ticket = (None if index % 3 == 0 else f"-A{index}" if index % 7 == 0
                  else f"T-{index:03d}" if index % 5 == 1 else f"T{index:04d}")
        starts, until = date(2025, 1, 1 + index % 28), date(2030, 6, 30)
        if index < len(ODD_ARRAYS):
            sittings = incidents = json.loads(ODD_ARRAYS[index])
            rows.append((name, number, ticket, starts.isoformat(), until.isoformat(),
                         index % 3 + 1, codes, index % 2, ODD_ARRAYS[index], ODD_ARRAYS[index]))
        elif index % 2:  # as SQLite gives them: text
            rows.append((name, number, ticket, starts.isoformat(), until.isoformat(),
                         index % 3 + 1, codes, index % 2, json.dumps(sittings),
                         json.dumps(incidents)))
        else:  # as PostgreSQL gives them: date, bool and list
            rows.append((name, number, ticket, starts, until, index % 3 + 1, codes,
                         bool(index % 4), sittings, incidents))
        expected.append({
            "name": bans.mask_name(name) if masked else name,
            "id_number": bans.mask_id_number(number) if masked else number,
            "ticket_no": ticket,
            "from": starts.isoformat(), "until": until.isoformat(), "tier": index % 3 + 1,
            "rule_codes": codes.split(), "referral": bool(rows[-1][7]),
            "sitting_id": sittings[0] if sittings else None, "incident_ids": incidents})
    reference = JsonLinesDigest()
    for row in expected:
        reference.add(row)
    reference_csv = csv_text(bans.ban_cells(r) for r in expected)
    assert "\r\n'+" in reference_csv and ",'-A" in reference_csv and ",'-T1," in reference_csv
    for size in (1, 5, len(rows)):
        chunks = [rows[i:i + size] for i in range(0, len(rows), size)]
        digest = hashlib.sha256()
        csv_lines, json_rows, cells = [], [], []
        for chunk in chunks:
            lines, out = bans._encode(chunk, masked, bans.JSON)
            digest.update(lines.encode())
            json_rows += [json.loads(r) for r in out]
            lines, out = bans._encode(chunk, masked, bans.CSV)
            csv_lines.append(bans._csv_text(out))
            cells += bans._encode(chunk, masked, bans.CELLS)[1]
        assert digest.hexdigest() == reference.hexdigest()
        assert json_rows == expected
        assert [list(row) for row in json_rows] == [COLUMNS] * len(rows)
        assert "".join(csv_lines) == reference_csv
        assert [list(c) for c in cells] == [bans.ban_cells(r) for r in expected]


def test_json_writers_and_rows_are_the_tables_shape():
    """What `BAN_TABLE` compiles writes what json.dumps writes of `Table.row`'s dict (keys in
    order, or sorted), and the contract's rows (BanOut, RevocationOut) have the tables' keys."""
    from proctor.api.schemas import BanOut, RevocationOut
    from proctor.hashing import canonical_text

    values = ('Z "q" \\ {x}', "310101199001010011", None, "2025-01-01", "2030-06-30", 3,
              ["T3.2", "T3.4"], True, None, [7, 8])
    row = bans.BAN_TABLE.row(*values)
    assert list(row) == COLUMNS and list(row.values()) == list(values)
    as_json = [json.dumps(v, ensure_ascii=False, separators=(",", ":")) for v in values]
    as_json[3:5] = values[3:5]  # a DATE's bare ISO text
    assert bans._json_row(*as_json) == json.dumps(row, ensure_ascii=False,
                                                  separators=(",", ":"))
    assert bans._digest_line(*as_json) == canonical_text(row) + "\n"
    assert [f.alias or name for name, f in BanOut.model_fields.items()] == COLUMNS
    assert list(RevocationOut.model_fields) == list(bans.REVOCATION_TABLE.keys)


def test_many_bans_helper_makes_valid_distinct_people(app):
    from proctor.idnumber import mask_id_number
    from proctor.services.people import valid_id_number

    fill(app, 50)
    with app.app_context():
        from proctor.extensions import db
        from proctor.models import Person

        numbers = db.session.scalars(db.select(Person.id_number)).all()
    assert len(set(numbers)) == 50
    assert all(valid_id_number(n, "id_number") == n for n in numbers)
    assert mask_id_number(numbers[0]).startswith("310***********")
