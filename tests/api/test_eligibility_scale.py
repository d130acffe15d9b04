"""Eligibility at scale: each look-up goes through the person's index (never a walk of the bans),
a batch of numbers is one query whatever its size, and the batch answers what the single
look-up answers, number by number (SQLite and PostgreSQL)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta

import pytest
from sqlalchemy import event, insert

from proctor.idnumber import make_id_number

DAY = date(2026, 1, 1)
BANS_TABLE = re.compile(r"\bbans\b")
ROWS = 20_000  # enough for PostgreSQL's planner to prefer an index to a scan, once analysed


def number(i: int) -> str:
    return make_id_number("310101", date(1960, 1, 1) + timedelta(days=i // 1000), i % 1000)


def unknown(i: int) -> str:
    return make_id_number("110101", date(1985, 5, 5), i % 1000)


@pytest.fixture
def body(auth, make_user):
    make_user("body", "authority")
    return auth.login("body")


def fill(app, count: int, analyse: bool = True) -> None:
    """Persons 0 … count-1 in bulk, a ban each: even ones in force on DAY, odd ones over."""
    from proctor.extensions import db
    from proctor.models import BanRecord, Person

    with app.app_context():
        connection = db.session.connection()
        ids = connection.execute(
            insert(Person.__table__).returning(Person.__table__.c.id,
                                               sort_by_parameter_order=True),
            [{"id_type": "resident_id", "id_number": number(i), "name": "张伟"}
             for i in range(count)]).scalars().all()
        connection.execute(insert(BanRecord.__table__), [{
            "person_id": person, "starts_on": date(2025, 1, 1) + timedelta(days=i % 300),
            "until": date(2026, 6, 30) if i % 2 == 0 else date(2025, 12, 31), "tier": 2,
            "rule_codes": "T2.1", "referral": False, "incident_ids": [i + 1],
            "sitting_ids": []} for i, person in enumerate(ids)])
        db.session.commit()
        if analyse:
            for table in ("persons", "bans", "candidates"):
                connection = db.session.connection()
                connection.exec_driver_sql(f"ANALYZE {table}")
            db.session.commit()


@contextmanager
def statements(app) -> Iterator[list[tuple[str, object]]]:
    """Every statement sent to the database inside the block, with its parameters."""
    from proctor.extensions import db

    seen: list[tuple[str, object]] = []

    def record(_conn, _cursor, statement, parameters, _context, _many):  # type: ignore[no-untyped-def]
        seen.append((statement, parameters))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def ban_selects(seen: list[tuple[str, object]]) -> list[tuple[str, object]]:
    return [(sql, params) for sql, params in seen
            if sql.lstrip().upper().startswith("SELECT") and BANS_TABLE.search(sql)]


def plan(app, backend: str, statement: str, parameters: object) -> str:
    """The database's plan for a statement exactly as the app sent it."""
    from proctor.extensions import db

    with app.app_context():
        cursor = db.session.connection().connection.driver_connection.cursor()
        if backend == "sqlite":
            cursor.execute("EXPLAIN QUERY PLAN " + statement, parameters)
            return "\n".join(str(row[-1]) for row in cursor.fetchall())
        cursor.execute("EXPLAIN " + statement, parameters)
        return "\n".join(str(row[0]) for row in cursor.fetchall())


def assert_served_by_the_indexes(text: str, backend: str) -> None:
    assert "ix_persons_id_number" in text, text
    assert "ix_bans_person_dates" in text, text
    assert "ix_bans_starts_on" not in text and "ix_bans_until" not in text, text
    if backend == "sqlite":
        assert not re.search(r"\bSCAN (bans|persons)\b", text), text
    else:
        assert not re.search(r"Seq Scan on (bans|persons)\b", text), text


@pytest.mark.parametrize("analyse", [True, False], ids=["analysed", "no_statistics"])
def test_the_look_ups_search_the_person_index(app, backend, body, analyse):
    if not analyse and backend != "sqlite":
        pytest.skip("PostgreSQL always has statistics of its own")
    fill(app, ROWS, analyse)
    with statements(app) as seen:
        one = body.get(f"/api/v1/eligibility?id_number={number(42)}&date={DAY}")
        many = body.post("/api/v1/eligibility", json={
            "id_numbers": [number(i) for i in range(0, 2000, 100)], "date": DAY.isoformat()})
    assert one.status_code == 200 and many.status_code == 200
    assert one.get_json()["eligible"] is False
    single, batch = ban_selects(seen)
    assert "persons.id_number IN" in batch[0]
    for statement, parameters in (single, batch):
        assert_served_by_the_indexes(plan(app, backend, statement, parameters), backend)


def test_the_statement_run_is_the_service_statement(app, backend, body):
    """The request runs `eligibility_statement` (what the benchmark's floor compiles too)."""
    from proctor.extensions import db
    from proctor.services import bans

    fill(app, 10, analyse=False)
    with statements(app) as seen:
        body.get(f"/api/v1/eligibility?id_number={number(2)}&date={DAY}")
    with app.app_context():
        compiled = str(bans.eligibility_statement().compile(dialect=db.engine.dialect))
    assert [sql for sql, _ in ban_selects(seen)] == [compiled]


def test_a_batch_is_one_query_whatever_its_size(app, body):
    fill(app, 600, analyse=False)
    counts = {}
    for size in (1, 10, 500):
        numbers = [number(i) if i % 3 else unknown(i) for i in range(size)]
        with statements(app) as seen:
            response = body.post("/api/v1/eligibility",
                                 json={"id_numbers": numbers, "date": DAY.isoformat()})
        assert response.status_code == 200
        assert len(response.get_json()["results"]) == size
        counts[size] = (len(ban_selects(seen)), len(seen))
    # One SELECT of the bans, and nothing else grows with the batch either.
    assert counts[1][0] == 1, counts
    assert counts[1] == counts[10] == counts[500], counts


def test_every_number_is_checked_before_any_look_up(app, body):
    fill(app, 10, analyse=False)
    with statements(app) as seen:
        response = body.post("/api/v1/eligibility", json={
            "id_numbers": [number(1), number(2), "31010119900101123", number(3)],
            "date": DAY.isoformat()})
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "invalid_id_number" and error["field"] == "id_numbers.2"
    assert ban_selects(seen) == []


def make_registry(app) -> dict[str, str]:
    """Persons with every kind of ban history around DAY, and their ticket numbers."""
    from proctor.extensions import db
    from proctor.models import BanRecord, Candidate, Person, Sitting

    histories = {
        "in_force": [(date(2025, 7, 1), date(2026, 6, 30))],
        "expired": [(date(2024, 1, 1), date(2025, 12, 31))],
        "future": [(date(2026, 1, 2), date(2027, 1, 1))],
        "last_day": [(date(2025, 1, 1), DAY)],
        "first_day": [(DAY, date(2028, 1, 1))],
        "several": [(date(2025, 12, 1), date(2026, 3, 1)), (date(2020, 1, 1), date(2021, 1, 1)),
                    (date(2025, 6, 1), date(2027, 6, 1)), (date(2025, 6, 1), date(2026, 2, 1))],
        "never": [],
    }
    with app.app_context():
        sitting = Sitting(occupation="电工", level=3, date=date(2025, 6, 28))
        db.session.add(sitting)
        db.session.flush()
        numbers = {}
        for index, (kind, periods) in enumerate(histories.items()):
            person = Person(id_number=number(5000 + index), name=f"考生{kind}")
            db.session.add(person)
            db.session.flush()
            if kind != "several":  # the several-bans person was an impostor: no ticket
                db.session.add(Candidate(sitting_id=sitting.id, person_id=person.id,
                                         ticket_no=f"T{index:03d}"))
            for n, (starts, until) in enumerate(periods):
                db.session.add(BanRecord(
                    person_id=person.id, starts_on=starts, until=until, tier=2 + n % 2,
                    rule_codes="T2.1" if n % 2 == 0 else "T3.2 T3.4", referral=bool(n % 2),
                    incident_ids=[100 + index * 10 + n], sitting_ids=[sitting.id],
                    sitting_id=sitting.id))
            numbers[kind] = person.id_number
        db.session.commit()
    return numbers


def test_the_batch_answers_what_the_single_look_up_answers(app, body):
    numbers = make_registry(app)
    asked = [numbers["several"], unknown(7), numbers["in_force"], numbers["expired"],
             numbers["future"], numbers["in_force"], numbers["last_day"], numbers["first_day"],
             numbers["never"], unknown(7), numbers["several"]]
    response = body.post("/api/v1/eligibility", json={"id_numbers": asked,
                                                       "date": DAY.isoformat()})
    assert response.status_code == 200
    answer = response.get_json()
    assert answer["date"] == DAY.isoformat()
    results = answer["results"]
    assert [r["id_number"] for r in results] == asked  # in the order asked, repeats included
    for result in results:
        single = body.get(f"/api/v1/eligibility?id_number={result['id_number']}&date={DAY}")
        assert single.status_code == 200
        assert result == single.get_json()
    by_number = {r["id_number"]: r for r in results}
    eligible = {kind: by_number[n]["eligible"] for kind, n in numbers.items()}
    assert eligible == {"in_force": False, "expired": True, "future": True, "last_day": False,
                        "first_day": False, "several": False, "never": True}
    assert by_number[unknown(7)] == {"id_number": unknown(7), "date": DAY.isoformat(),
                                     "eligible": True, "bans": []}
    several = by_number[numbers["several"]]["bans"]
    assert [(b["from"], b["until"]) for b in several] == [
        ("2025-06-01", "2027-06-01"), ("2025-06-01", "2026-02-01"), ("2025-12-01", "2026-03-01")]
    assert all(b["ticket_no"] is None for b in several)
    (ban,) = by_number[numbers["in_force"]]["bans"]
    assert ban["ticket_no"] == "T000" and ban["tier"] == 2 and ban["rule_codes"] == ["T2.1"]
    assert ban["incident_ids"] == [100] and ban["sitting_id"] is not None


def test_a_number_is_answered_in_its_normal_form(app, body):
    numbers = make_registry(app)
    spaced = " ".join(numbers["in_force"][i:i + 6] for i in (0, 6, 12))
    response = body.post("/api/v1/eligibility", json={
        "id_numbers": [spaced, numbers["in_force"]], "date": DAY.isoformat()})
    first, second = response.get_json()["results"]
    assert first == second and first["id_number"] == numbers["in_force"]
    assert first["eligible"] is False
