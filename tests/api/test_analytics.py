"""GET /api/v1/analytics against a seeded random world (tests/analytics_world.py) whose answers
are computed here in plain Python from the generated records, for every group_by and a few
periods; its validation; who may ask; and the XLSX read back with openpyxl."""

from __future__ import annotations

import io
import statistics
from collections import defaultdict
from datetime import date
from typing import Any

import pytest
from analytics_world import ZONE, World, make_world, write_world
from flask import Flask
from openpyxl import load_workbook

from proctor.api.schemas.analytics import AnalyticsOut

GROUP_BYS = ("rule", "tier", "room", "sitting", "training_body", "invigilator", "hour")
PERIODS = ((None, None), (date(2025, 6, 27), date(2025, 7, 12)), (date(2025, 7, 1), None))
TIER_OF = {"T1.1": 1, "T1.2": 1, "T1.3": 1}


def in_period(day: date, start: date | None, end: date | None) -> bool:
    return (start is None or day >= start) and (end is None or day <= end)


def expected(w: World, group_by: str, start: date | None, end: date | None) -> dict[Any, dict]:
    """The answer, computed from the generated records alone."""
    days = {s.id: s.day for s in w.sittings if in_period(s.day, start, end)}
    candidates = [c for c in w.candidates if c.sitting_id in days]
    by_id = {c.id: c for c in w.candidates}
    groups: dict[Any, dict[str, Any]] = defaultdict(lambda: {
        "candidates": 0, "reminders": 0, "refusals": 0, "reported": 0, "confirmed": 0,
        "dismissed": 0, "pending": 0, "overturned": 0, "hours": [], "days": [], "notices": 0,
        "reviews": defaultdict(int)})
    own = {"sitting": lambda c: c.sitting_id, "room": lambda c: c.room_id,
           "training_body": lambda c: c.training_body}
    if group_by in own:
        for c in candidates:
            groups[own[group_by](c)]["candidates"] += 1

    def warning_key(x: Any) -> Any:
        c = by_id[x.candidate_id]
        return {"rule": x.rule_code, "tier": TIER_OF[x.rule_code], "room": x.room_id,
                "sitting": c.sitting_id, "training_body": c.training_body,
                "invigilator": x.recorded_by,
                "hour": x.observed_at.astimezone(ZONE).hour}[group_by]

    def incident_keys(i: Any) -> set[Any]:
        if group_by == "training_body":
            bodies = {by_id[cid].training_body for _, cid in i.parties if cid is not None}
            return bodies or {None}
        return {{"rule": i.rule_code, "tier": i.tier, "room": i.room_id, "sitting": i.sitting_id,
                 "invigilator": i.reported_by,
                 "hour": i.observed_at.astimezone(ZONE).hour}[group_by]}

    for x in w.warnings:
        if by_id[x.candidate_id].sitting_id in days:
            group = groups[warning_key(x)]
            group["reminders"] += 1
            group["refusals"] += x.outcome == "refused"
    for i in (i for i in w.incidents if i.sitting_id in days):
        for key in incident_keys(i):
            group = groups[key]
            group["reported"] += 1
            group["confirmed"] += i.status in ("confirmed", "overturned")
            group["dismissed"] += i.status == "dismissed"
            group["pending"] += i.status in ("reported", "proposed")
            group["overturned"] += i.status == "overturned"
            if i.decided_at:
                group["hours"].append((i.decided_at - i.recorded_at).total_seconds() / 3600)
        for n in i.notices:
            keys = ({by_id[n.candidate_id].training_body if n.candidate_id else None}
                    if group_by == "training_body" else incident_keys(i))
            for key in keys:
                group = groups[key]
                group["notices"] += 1
                if n.served_on:
                    group["days"].append((n.served_on - i.decided_at.astimezone(ZONE).date()).days)
                if n.review_status:
                    group["reviews"][n.review_status] += 1
    if group_by not in own:
        for group in groups.values():
            group["candidates"] = len(candidates)
    return dict(groups)


def compare(answer: dict[str, Any], want: dict[Any, dict], label: str) -> None:
    got = {g["key"]: g for g in answer["groups"]}
    assert set(got) == set(want), label
    for key, w in want.items():
        g = got[key]
        where = f"{label} key={key!r}"
        for name in ("candidates", "reminders", "refusals", "reported", "confirmed",
                     "dismissed", "pending", "overturned", "notices"):
            assert g[name] == w[name], f"{where} {name}: {g[name]} != {w[name]}"
        for name in ("reminders", "refusals", "reported", "confirmed", "dismissed"):
            rate = round(100 * w[name] / w["candidates"], 2) if w["candidates"] else None
            assert g["rates_per_100"][name] == rate, f"{where} rates_per_100.{name}"
        assert g["per_100"] == g["rates_per_100"]["reported"], where
        assert g["decided"] == len(w["hours"]), where
        assert g["median_hours_to_decision"] == (
            round(statistics.median(w["hours"]), 2) if w["hours"] else None), where
        assert g["served"] == len(w["days"]), where
        assert g["median_days_to_service"] == (
            round(float(statistics.median(w["days"])), 1) if w["days"] else None), where
        reviews = w["reviews"]
        assert g["reviews"] == {"requested": sum(reviews.values()), **{
            s: reviews.get(s, 0) for s in ("upheld", "changed", "overturned", "pending")}}, where
        assert g["label"]["zh"] and g["label"]["en"], where


@pytest.fixture(autouse=True)
def accounts(make_user) -> None:
    make_user("body", "authority")
    make_user("chief", "chief")
    make_user("inv1", "invigilator")


@pytest.fixture
def world(app: Flask) -> World:
    w = make_world(seed=20251201, warnings=60, incidents=60)
    with app.app_context():
        from proctor.extensions import db

        write_world(w)
        db.session.commit()
    return w


def query(start: date | None, end: date | None, group_by: str, **extra: str) -> str:
    parts = {"group_by": group_by, **extra}
    if start:
        parts["from"] = start.isoformat()
    if end:
        parts["to"] = end.isoformat()
    return "/api/v1/analytics?" + "&".join(f"{k}={v}" for k, v in parts.items())


def test_every_grouping_matches_the_world_computed_apart(auth, world: World) -> None:
    body = auth.login("body")
    seen_statuses = {i.status for i in world.incidents}
    assert seen_statuses >= {"reported", "proposed", "confirmed", "dismissed", "overturned"}
    assert {n.review_status for i in world.incidents for n in i.notices} >= {
        "upheld", "changed", "overturned", "pending"}
    for start, end in PERIODS:
        for group_by in GROUP_BYS:
            answer = body.get(query(start, end, group_by))
            assert answer.status_code == 200, answer.get_json()
            data = answer.get_json()
            AnalyticsOut.model_validate(data)  # the documented shape
            assert data["group_by"] == group_by
            assert data["from"] == (start.isoformat() if start else None)
            assert data["denominator"] == ("group" if group_by in (
                "room", "sitting", "training_body") else "period")
            compare(data, expected(world, group_by, start, end), f"{group_by} {start}..{end}")


@pytest.mark.parametrize(("url", "status", "code", "field"), [
    ("/api/v1/analytics", 422, "validation_error", "group_by"),
    ("/api/v1/analytics?group_by=colour", 422, "validation_error", "group_by"),
    ("/api/v1/analytics?group_by=rule&group_by=tier", 422, "validation_error", "group_by"),
    ("/api/v1/analytics?group_by=rule&from=2025-02-30", 422, "validation_error", "from"),
    ("/api/v1/analytics?group_by=rule&to=yesterday", 422, "validation_error", "to"),
    ("/api/v1/analytics?group_by=rule&from=2025-07-02&to=2025-07-01", 422, "invalid_period",
     "from"),
    ("/api/v1/analytics?group_by=rule&format=pdf", 422, "validation_error", "format"),
    ("/api/v1/analytics?group_by=rule&colour=red", 422, "validation_error", "colour"),
])
def test_bad_filters_are_refused_in_the_contract_format(auth, url: str, status: int, code: str,
                                                       field: str) -> None:
    body = auth.login("body")
    answer = body.get(url, headers={"Accept-Language": "zh-CN"})
    assert answer.status_code == status
    error = answer.get_json()["error"]
    assert error["code"] == code and error["field"] == field
    assert error["message"]


def test_repeated_group_by_is_refused(auth) -> None:
    """A query string naming group_by twice is not silently read as its first value."""
    body = auth.login("body")
    answer = body.get("/api/v1/analytics?group_by=rule&group_by=tier")
    assert answer.status_code == 422


def test_only_the_evaluation_body_may_ask(auth, client) -> None:
    assert client.get("/api/v1/analytics?group_by=rule").status_code == 401
    page = client.get("/authority/analytics")
    assert page.status_code == 302 and page.headers["Location"].startswith("/login")
    for name in ("chief", "inv1"):
        other = auth.login(name)
        refused = other.get("/api/v1/analytics?group_by=rule")
        assert refused.status_code == 403
        assert refused.get_json()["error"]["code"] == "forbidden"
        assert other.get("/authority/analytics").status_code == 403
        assert other.get("/api/v1/analytics?group_by=rule&format=xlsx").status_code == 403


def test_the_xlsx_has_the_same_numbers_in_chinese(auth, world: World) -> None:
    body = auth.login("body")
    answer = body.get(query(None, None, "training_body")).get_json()
    sheet_file = body.get(query(None, None, "training_body", format="xlsx"))
    assert sheet_file.status_code == 200
    assert sheet_file.headers["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(sheet_file.data))
    sheet = book.worksheets[0]
    assert sheet.title == "统计分析"
    headers = [cell.value for cell in sheet[1]]
    assert headers[:4] == ["培训机构", "代码", "考生数", "提醒"]
    assert all(h and not h.isascii() for h in headers), headers
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:{sheet.cell(1, len(headers)).column_letter}" \
                                    f"{len(answer['groups']) + 1}"
    assert sheet.column_dimensions["A"].width >= 16
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(rows) == len(answer["groups"])
    for row, group in zip(rows, answer["groups"], strict=True):
        assert row[0] == group["label"]["zh"]
        assert row[2] == group["candidates"] and row[3] == group["reminders"]
        assert row[headers.index("每百人上报")] == group["per_100"]
        assert row[headers.index("复核申请")] == group["reviews"]["requested"]
    about = {row[2]: row[1] for row in book.worksheets[1].iter_rows(min_row=2, values_only=True)}
    assert about["group_by"] == "培训机构" and about["candidates"] == answer["candidates"]
    english = load_workbook(io.BytesIO(body.get(query(None, None, "rule", format="xlsx",
                                                      lang="en")).data)).worksheets[0]
    assert [c.value for c in english[1]][:3] == ["Rule", "Key", "Candidates"]


def test_a_formula_in_a_training_body_stays_text(app: Flask, auth) -> None:
    w = make_world(seed=7, sittings=1, candidates=5, warnings=5, incidents=2)
    for candidate in w.candidates:
        candidate.training_body = '=HYPERLINK("http://x.invalid","go")'
    with app.app_context():
        from proctor.extensions import db

        write_world(w)
        db.session.commit()
    body = auth.login("body")
    sheet = load_workbook(io.BytesIO(body.get(
        "/api/v1/analytics?group_by=training_body&format=xlsx").data)).worksheets[0]
    cell = sheet["A2"]
    assert cell.value == '=HYPERLINK("http://x.invalid","go")'
    assert cell.data_type == "s"


def test_the_number_of_statements_does_not_grow_with_the_data(app: Flask) -> None:
    """Counting is done by the database: a world ten times larger takes the same statements."""
    from sqlalchemy import event

    from proctor.extensions import db
    from proctor.services.analytics import Period, analytics

    def statements(w: World) -> dict[str, int]:
        with app.app_context():
            write_world(w)
            db.session.commit()
            seen: list[str] = []

            def count(*_: Any) -> None:
                seen.append("x")

            event.listen(db.engine, "before_cursor_execute", count)
            try:
                answers = {}
                for group_by in GROUP_BYS:
                    seen.clear()
                    assert analytics(group_by, Period(), ZONE)["groups"]
                    answers[group_by] = len(seen)
            finally:
                event.remove(db.engine, "before_cursor_execute", count)
            db.session.rollback()
            return answers

    small = statements(make_world(seed=1, sittings=2, rooms=2, candidates=10, warnings=10,
                                  incidents=8))
    with app.app_context():
        from sqlalchemy import text

        for table in ("review_requests", "notices", "decisions", "incident_parties", "warnings",
                      "incidents", "seat_assignments", "candidates", "persons", "rooms",
                      "subjects", "sittings"):
            db.session.execute(text(f"DELETE FROM {table}"))
        db.session.execute(text("DELETE FROM users WHERE id >= 9001"))  # the world's staff
        db.session.commit()
    large = statements(make_world(seed=2, sittings=20, rooms=5, candidates=50, warnings=150,
                                  incidents=120))
    assert small == large, (small, large)
    assert max(large.values()) <= 8, large
