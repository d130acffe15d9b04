"""Patterns across sittings (GET /api/v1/patterns, proctor.services.patterns): each kind is
planted in a world built through the services (tests/pattern_world.py) and found with the right
records, and not found where it is absent — near misses included (one sitting only, T2.2
incidents not adjacent, a training body with a high but not significant rate). Only the
evaluation body asks; asking writes nothing but the audit entry of the look-up."""

from __future__ import annotations

from datetime import date
from fractions import Fraction
from math import comb
from typing import Any

import pytest
from pattern_world import PatternWorld, fresh_id_number
from sqlalchemy import event, inspect

from proctor.exact_tests import fisher_greater, poisson_rates_greater

D1, D2, D3 = date(2025, 6, 28), date(2025, 7, 26), date(2025, 9, 27)


def patterns(api: Any, query: str = "") -> dict[str, Any]:
    answer = api.get(f"/api/v1/patterns{query}")
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()


def of_kind(answer: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [p for p in answer["patterns"] if p["kind"] == kind]


@pytest.fixture
def build(app):  # type: ignore[no-untyped-def]
    """`with build as world:` builds in an app context of its own and commits (requests of the
    test client then run outside it, as in production)."""
    return Building(app)


class Building:
    def __init__(self, app) -> None:  # type: ignore[no-untyped-def]
        self.app, self.context, self.world = app, None, PatternWorld()

    def __enter__(self) -> PatternWorld:
        self.context = self.app.app_context()
        self.context.push()
        return self.world

    def __exit__(self, kind, *rest) -> None:  # type: ignore[no-untyped-def]
        if kind is None:
            self.world.commit()
        self.context.pop()


# -- a. repeat misconduct ---------------------------------------------------------------------
def test_a_person_confirmed_in_two_sittings_is_a_repeat_and_near_misses_are_not(app, build, auth):
    with build as world:
        repeat, same_sitting, dismissed, reported = (("王多次", fresh_id_number()),
                                                     ("李一场", fresh_id_number()),
                                                     ("张驳回", fresh_id_number()),
                                                     ("赵待定", fresh_id_number()))
        first = world.sitting(D1, candidates=6, people=[repeat, same_sitting, dismissed, reported])
        second = world.sitting(D2, candidates=6, people=[repeat, same_sitting, dismissed, reported])
        i1 = world.incident(first, "T2.1", [0])
        i2 = world.incident(second, "T2.4", [0])
        world.incident(first, "T2.1", [1])  # twice in one sitting: no repeat
        world.incident(first, "T2.4", [1])
        world.incident(first, "T2.1", [2])
        world.incident(second, "T2.1", [2], decision="dismiss")
        world.incident(first, "T2.1", [3])
        world.incident(second, "T2.1", [3], decision=None)
        ids = (i1, i2)

    answer = patterns(auth.login("body"))
    found = of_kind(answer, "repeat_offender")
    assert [p["persons"][0]["name"] for p in found] == ["王多次"]
    pattern = found[0]
    assert pattern["persons"][0]["id_number"] == repeat[1]  # the body sees it in full
    assert pattern["incident_ids"] == sorted(ids)
    assert pattern["figures"] == {"sittings": 2, "incidents": 2}
    records = {r["incident_id"]: r for r in pattern["records"]}
    assert records[ids[0]]["sitting_id"] == first.id and records[ids[0]]["rule_code"] == "T2.1"
    assert records[ids[1]]["sitting_date"] == "2025-07-26"
    assert records[ids[1]]["room"] == "第1考场" and records[ids[1]]["status"] == "confirmed"
    assert records[ids[1]]["url"] == f"/review/incidents/{ids[1]}"
    assert "2个考试场次" in pattern["why"]["zh"] and "2 sittings" in pattern["why"]["en"]
    # A window holding the first sitting only: one sitting, no repeat.
    assert of_kind(patterns(auth.login("body"), "?from=2025-06-01&to=2025-06-30"),
                   "repeat_offender") == []


# -- b. an impostor seen again -----------------------------------------------------------------
def test_an_impostor_who_is_a_candidate_or_impostor_elsewhere_is_found(app, build, auth):
    with build as world:
        impostor, twice, once, cleared = ((name, fresh_id_number())
                                          for name in ("周替考", "吴两次", "郑一次", "孙撤销"))
        first = world.sitting(D1, candidates=8)
        second = world.sitting(D2, candidates=4, people=[impostor, cleared])
        third = world.sitting(D3, candidates=4)
        seen = world.incident(first, "T3.4", [0], impostor=impostor, decision=None)
        a = world.incident(first, "T3.4", [1], impostor=twice)
        b = world.incident(third, "T3.4", [0], impostor=twice)
        world.incident(first, "T3.4", [2], impostor=once)  # one sitting only
        world.incident(first, "T3.4", [3], impostor=cleared, decision="dismiss")
        # The registered candidate of a T3.4 (the principal) who sits again is no impostor.
        world.incident(second, "T3.4", [0], impostor=("钱某", fresh_id_number()),
                       decision=None)

    found = of_kind(patterns(auth.login("body")), "impostor_reappears")
    by_name = {p["persons"][0]["name"]: p for p in found}
    assert set(by_name) == {"周替考", "吴两次"}
    one = by_name["周替考"]
    assert one["incident_ids"] == [seen]
    assert one["records"][0]["status"] == "reported" and one["records"][0]["rule_code"] == "T3.4"
    roles = {p["name"]: p["role"] for p in one["records"][0]["parties"]}
    assert roles["周替考"] == "impostor"
    assert [(c["sitting_id"], c["ticket_no"], c["room"], c["seat_no"])
            for c in one["candidacies"]] == [(second.id, second.tickets[0],
                                              "第1考场", 1)]
    assert one["candidacies"][0]["url"] == (
        f"/review/sittings/{second.id}/candidates/{second.tickets[0]}")
    assert one["persons"][0]["id_number"] == impostor[1]
    assert by_name["吴两次"]["incident_ids"] == sorted([a, b])
    assert by_name["吴两次"]["figures"]["sittings_as_impostor"] == 2
    # Without the third sitting, 吴两次 was an impostor in one sitting only.
    narrow = of_kind(patterns(auth.login("body"), "?to=2025-08-31&kind=impostor_id"),
                     "impostor_reappears")
    assert [p["persons"][0]["name"] for p in narrow] == ["周替考"]


# -- c. a training body's rate -----------------------------------------------------------------
def fisher_by_fractions(a: int, b: int, c: int, d: int) -> float:
    """The same one-sided Fisher p-value, exactly, from binomial coefficients."""
    n, k, total = a + b, a + c, a + b + c + d
    tail = sum(Fraction(comb(k, x) * comb(total - k, n - x)) for x in range(a, min(n, k) + 1))
    return float(tail / comb(total, n))


def test_a_training_body_far_above_the_rest_is_found_and_a_merely_high_one_is_not(app, build,
                                                                                  auth):
    with build as world:
        bodies = ["甲培训中心"] * 40 + ["乙职业学校"] * 40 + ["丙小机构"] * 10 + [None] * 250
        s = world.sitting(D1, rows=20, cols=17, bodies=bodies)
        hits = list(range(0, 12)) + list(range(40, 44)) + list(range(80, 85)) + [100, 200, 300]
        for i in hits:
            world.incident(s, "T2.1", [i])
        world.incident(s, "T2.1", [20], decision="dismiss")  # no effect: not counted

    answer = patterns(auth.login("body"), "?kind=training_body_rate")
    assert [k["kind"] for k in answer["kinds"]] == ["training_body_outlier"]
    found = answer["patterns"]
    assert [p["figures"]["training_body"] for p in found] == ["甲培训中心"]
    pattern = found[0]
    figures = pattern["figures"]
    assert (figures["candidates"], figures["with_incident"]) == (40, 12)
    assert (figures["other_candidates"], figures["others_with_incident"]) == (300, 12)
    test = pattern["test"]
    assert test["correction"] == "holm" and test["alpha"] == 0.01
    assert test["tested"] == 2  # 丙 has fewer than 30 candidates: not tested
    assert test["p_value"] == pytest.approx(fisher_by_fractions(12, 28, 12, 288), rel=1e-9)
    assert test["p_adjusted"] == pytest.approx(min(1.0, 2 * test["p_value"]), rel=1e-9)
    assert "Fisher" in test["name"]["en"]
    assert len(pattern["incident_ids"]) == 12 and len(pattern["records"]) == 12
    # 乙: 4 of 40 (10 %) against 20 of 300 (6.7 %): above the rest, not significant.
    assert fisher_greater(4, 36, 20, 280) > 0.01
    # 丙: 5 of 10, far above, but too few candidates to be tested at all.
    assert "丙小机构" not in str(found)


# -- d. copying among neighbouring seats -------------------------------------------------------
def test_copying_at_neighbouring_seats_prompts_t35_and_scattered_copying_does_not(app, build,
                                                                                   auth):
    with build as world:
        s = world.sitting(D1, rooms=4, rows=5, cols=6)
        seat = lambda r, n: r * 30 + n - 1  # noqa: E731  (the candidate at seat n of room r+1)
        # Room 1: seats 1+2 (copier and helper), 8 (behind 2), 15 (diagonal of 8): one cluster.
        cluster = [world.incident(s, "T2.2", [seat(0, 1), seat(0, 2)], reporter="inv-1"),
                   world.incident(s, "T2.2", [seat(0, 8)], reporter="inv-1"),
                   world.incident(s, "T2.2", [seat(0, 15)], reporter="inv-1", subject=None)]
        # Room 2: three T2.2 far apart (1, 4, 30).
        for n in (1, 4, 30):
            world.incident(s, "T2.2", [seat(1, n)], reporter="inv-2")
        # Room 3: three adjacent, but one of them in the other subject.
        for n, subject in ((1, "theory"), (2, "theory"), (3, "practical")):
            world.incident(s, "T2.2", [seat(2, n)], reporter="inv-3", subject=subject)
        # Room 4: three adjacent, one of them dismissed; and an adjacent T2.1 (not copying).
        world.incident(s, "T2.2", [seat(3, 1)], reporter="inv-4")
        world.incident(s, "T2.2", [seat(3, 2)], reporter="inv-4")
        world.incident(s, "T2.2", [seat(3, 3)], reporter="inv-4", decision="dismiss")
        world.incident(s, "T2.1", [seat(3, 7)], reporter="inv-4")

    found = of_kind(patterns(auth.login("body")), "neighbour_copying")
    assert len(found) == 1
    pattern = found[0]
    assert pattern["incident_ids"] == sorted(cluster)
    assert pattern["figures"]["room"] == "第1考场" and pattern["figures"]["seats"] == "1 2 8 15"
    assert pattern["figures"]["subject"] == "theory"  # the third by its observed time
    assert "T3.5" in pattern["why"]["zh"] and "T3.5" in pattern["why"]["en"]
    assert {r["rule_code"] for r in pattern["records"]} == {"T2.2"}  # nothing was changed
    # Configurable: with two, room 4's two standing ones (and room 3's theory pair) are found.
    app.config["PATTERN_NEIGHBOUR_MIN"] = 2
    rooms = {p["figures"]["room"] for p in
             of_kind(patterns(auth.login("body")), "neighbour_copying")}
    assert rooms == {"第1考场", "第3考场", "第4考场"}


def test_seat_neighbours_follow_the_room_grid():
    from proctor.services.patterns.seats import neighbours

    cols = 6  # seat 8 is row 2, column 2
    assert {n for n in range(1, 31) if neighbours(8, n, cols)} == {1, 2, 3, 7, 8, 9, 13, 14, 15}
    assert not neighbours(6, 7, cols)  # the end of row 1 and the start of row 2


# -- e. an invigilator's rate ------------------------------------------------------------------
def test_an_invigilator_whose_reminders_stand_out_is_found(app, build, auth):
    with build as world:
        app.config["PATTERN_MIN_EXPOSURE"] = 30
        s = world.sitting(D1, rooms=5, rows=5, cols=6)
        small = world.sitting(D2, rooms=1, rows=4, cols=5,  # 20 candidates: below the minimum
                              invigilators=[["lone"]])
        for i in range(15):
            world.reminder(s, i, by="inv-1")
        for r in range(1, 5):
            world.reminder(s, r * 30, by=f"inv-{r + 1}")
        for i in range(4):  # inv-2 a little more: 5 of 30, not significant
            world.reminder(s, 31 + i, by="inv-2")
        for i in range(10):
            world.reminder(small, i, by="lone")

    found = of_kind(patterns(auth.login("body"), "?kind=invigilator_rate"),
                    "invigilator_outlier")
    assert [(p["figures"]["invigilator"], p["figures"]["measure"]) for p in found] == [
        ("监考inv-1（inv-1）", "reminders")]
    pattern = found[0]
    figures = pattern["figures"]
    assert (figures["events"], figures["candidates"], figures["per_100"]) == (15, 30, 50.0)
    # The others pooled: inv-2 … inv-5 and lone (watched too few to be tested, still counted).
    assert (figures["others_events"], figures["others_candidates"]) == (18, 140)
    assert pattern["test"]["tested"] == 10  # five invigilators × two measures; lone untested
    assert pattern["test"]["p_adjusted"] <= 0.01
    assert pattern["test"]["p_value"] == pytest.approx(
        poisson_rates_greater(15, 30, 18, 140), rel=1e-12)
    assert pattern["test"]["p_adjusted"] == pytest.approx(10 * pattern["test"]["p_value"])
    assert len(pattern["reminders"]) == 15
    assert {r["room"] for r in pattern["reminders"]} == {"第1考场"}


# -- who may ask, what is asked, what it writes ------------------------------------------------
def test_only_the_evaluation_body_sees_patterns(app, build, auth, client):
    with build as world:
        world.sitting(D1, candidates=2)
    for name in ("chief", "inv-1"):
        api = auth.login(name)
        answer = api.get("/api/v1/patterns")
        assert answer.status_code == 403 and answer.get_json()["error"]["code"] == "forbidden"
        assert api.get("/authority/patterns").status_code == 403
    assert client.get("/api/v1/patterns").status_code == 401
    assert auth.login("body").get("/authority/patterns").status_code == 200


@pytest.mark.parametrize(("query", "field"), [
    ("?from=2025-13-01", "from"), ("?to=yesterday", "to"), ("?from=1751068800", "from"),
    ("?kind=everything", "kind"), ("?since=2025-01-01", "since")])
def test_bad_dates_and_unknown_kinds_are_refused_in_the_contract_format(app, build, auth, query,
                                                                        field):
    with build as world:
        world.sitting(D1, candidates=1)
    answer = auth.login("body").get(f"/api/v1/patterns{query}",
                                    headers={"Accept-Language": "zh-CN"})
    assert answer.status_code == 422
    error = answer.get_json()["error"]
    assert error["code"] == "validation_error" and error["field"] == field, error


def test_a_window_ending_before_it_starts_is_refused(app, build, auth):
    with build as world:
        world.sitting(D1, candidates=1)
    api = auth.login("body")
    answer = api.get("/api/v1/patterns?from=2025-07-01&to=2025-06-01")
    assert answer.status_code == 422
    assert answer.get_json()["error"]["code"] == "invalid_date_range"
    assert answer.get_json()["error"]["field"] == "from"
    zh = api.get("/api/v1/patterns?from=2025-07-01&to=2025-06-01",
                 headers={"Accept-Language": "zh-CN"}).get_json()["error"]
    assert zh["message"] == "起始日期不能晚于截止日期。"


def _table_contents(app) -> dict[str, list[Any]]:  # type: ignore[no-untyped-def]
    from proctor.extensions import db

    with app.app_context():
        schema = inspect(db.session.connection())
        return {name: sorted(map(repr, db.session.execute(db.select(db.table(
            name, *[db.column(c["name"]) for c in schema.get_columns(name)]))).all()))
            for name in schema.get_table_names()}


def test_computing_patterns_writes_nothing_and_asking_adds_only_its_audit_entry(app, build,
                                                                                auth):
    with build as world:
        person = ("陈反复", fresh_id_number())
        first, second = (world.sitting(D1, candidates=3, people=[person]),
                         world.sitting(D2, candidates=3, people=[person]))
        world.incident(first, "T2.1", [0])
        world.incident(second, "T2.2", [0, 1])
    before = _table_contents(app)
    with app.app_context():
        from proctor.extensions import db
        from proctor.services.patterns import Settings, Window, find_patterns

        statements: list[str] = []
        event.listen(db.engine, "before_cursor_execute",
                     lambda *args: statements.append(args[2]))
        report = find_patterns(Window(), Settings.from_config())
        assert [p.kind for p in report.patterns] == ["repeat_offender"]
        assert not db.session.new and not db.session.dirty and not db.session.deleted
        writes = [s for s in statements
                  if not s.lstrip().upper().startswith(("SELECT", "WITH", "BEGIN"))]
        assert writes == [] and any(s.lstrip().startswith("SELECT") for s in statements)
        db.session.commit()
    assert _table_contents(app) == before

    api = auth.login("body")
    before = _table_contents(app)
    found = patterns(api, "?from=2025-01-01&to=2025-12-31")
    after = _table_contents(app)
    changed = {name for name in after if after[name] != before[name]}
    assert changed <= {"audit_log", "audit_head", "user_sessions"}, changed
    assert len(after["audit_log"]) == len(before["audit_log"]) + 1
    with app.app_context():
        from proctor.extensions import db
        from proctor.models import AuditEntry

        entry = db.session.scalars(db.select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
        assert entry is not None and entry.action == "patterns_viewed"
        assert entry.data["from"] == "2025-01-01" and entry.data["patterns"] == 1
        assert found["patterns"][0]["persons"][0]["id"] in entry.data["person_ids"]
        assert person[1] not in str(entry.data)  # ids of persons, never their ID numbers


def test_the_number_of_statements_does_not_grow_with_the_patterns(app, build, auth):
    """No N+1: one repeat person or six, the look-up runs the same statements."""
    from proctor.extensions import db
    from proctor.services.patterns import Settings, Window, find_patterns

    def count() -> int:
        with app.app_context():
            seen: list[str] = []
            listener = lambda *args: seen.append(args[2])  # noqa: E731
            event.listen(db.engine, "before_cursor_execute", listener)
            try:
                find_patterns(Window(), Settings.from_config())
            finally:
                event.remove(db.engine, "before_cursor_execute", listener)
            return len(seen)

    with build as world:
        people = [(f"重复{i}", fresh_id_number()) for i in range(6)]
        first = world.sitting(D1, candidates=6, people=people)
        second = world.sitting(D2, candidates=6, people=people)
        world.incident(first, "T2.1", [0])
        world.incident(second, "T2.1", [0])
    one = count()
    with build as world:
        for index in range(1, 6):
            world.incident(first, "T2.1", [index])
            world.incident(second, "T2.4", [index])
    assert count() == one
    assert len(of_kind(patterns(auth.login("body")), "repeat_offender")) == 6
