"""Fair seating (考场编排): POST /api/v1/sittings/{sid}/seating — who may, what it writes (all
seats of the sitting or none), its audit entry, and every bad input a clear error."""

from __future__ import annotations

from typing import Any

import pytest
from helpers import id_number

from proctor.hashing import digest


def seating_url(s: dict[str, Any]) -> str:
    return f"/api/v1/sittings/{s['id']}/seating"


def add_bodies(body, s: dict[str, Any], groups: list[str | None]) -> list[str]:  # type: ignore[no-untyped-def]
    """Register more candidates of the sitting, each of the training body given (or none)."""
    tickets = []
    for index, group in enumerate(groups):
        ticket = f"S{s['id']:02d}{index + 1:03d}"
        answer = body.post(f"/api/v1/sittings/{s['id']}/candidates", json={
            "ticket_no": ticket, "name": f"编排{index + 1}",
            "id_number": id_number(700 + index),
            "application": "group" if group else "individual", "training_body": group})
        assert answer.status_code == 201, answer.get_json()
        tickets.append(ticket)
    return tickets


def seats_of(app, sitting_id: int) -> dict[str, tuple[int, int]]:  # type: ignore[no-untyped-def]
    from proctor.extensions import db
    from proctor.models import Candidate, SeatAssignment

    with app.app_context():
        rows = db.session.execute(
            db.select(Candidate.ticket_no, SeatAssignment.room_id, SeatAssignment.seat_no)
            .join(SeatAssignment, SeatAssignment.candidate_id == Candidate.id)
            .where(Candidate.sitting_id == sitting_id))
        return {ticket: (room, seat) for ticket, room, seat in rows}


def bodies_of(app, sitting_id: int) -> dict[str, str | None]:  # type: ignore[no-untyped-def]
    from proctor.extensions import db
    from proctor.models import Candidate

    with app.app_context():
        return dict(db.session.execute(db.select(Candidate.ticket_no, Candidate.training_body)
                                       .where(Candidate.sitting_id == sitting_id)).all())


def adjacent_same_body(app, s: dict[str, Any]) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    """Pairs side by side or one behind the other of one training body, computed here from the
    stored seats (5 × 6 rooms, seats row by row)."""
    seats, bodies = seats_of(app, s["id"]), bodies_of(app, s["id"])
    at = {where: ticket for ticket, where in seats.items()}
    found = []
    for ticket, (room, seat) in seats.items():
        row, col = divmod(seat - 1, 6)
        for other in ([seat + 1] if col < 5 else []) + ([seat + 6] if row < 4 else []):
            neighbour = at.get((room, other))
            if neighbour and bodies[ticket] and bodies[ticket] == bodies[neighbour]:
                found.append((ticket, neighbour))
    return found


def audit_entries(app, action: str) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    from proctor.extensions import db
    from proctor.models import AuditEntry

    with app.app_context():
        return [e.data for e in db.session.scalars(
            db.select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.seq))]


def test_seating_separates_the_bodies_records_the_seed_and_replaces_every_seat(
        app, auth, make_sitting):
    s = make_sitting(candidates=4)
    body = auth.login("body")
    groups = ["上海甲培训中心"] * 20 + ["乙职业学院"] * 14 + [None] * 10
    add_bodies(body, s, groups)
    answer = body.post(seating_url(s), json={"strategy": "random",
                                             "separate_by": "training_body", "seed": 42})
    assert answer.status_code == 200, answer.get_json()
    plan = answer.get_json()
    assert plan["assigned"] == 48 and plan["seats"] == 60 and plan["seed"] == 42
    assert plan["unseparated"] == [] and plan["unseparated_count"] == 0
    assert plan["dry_run"] is False and plan["inseparable"] == []
    assert sum(room["assigned"] for room in plan["rooms"]) == 48
    seats = seats_of(app, s["id"])
    assert len(seats) == 48 and len(set(seats.values())) == 48
    assert adjacent_same_body(app, s) == []
    assert plan["plan_sha256"] == digest(sorted([t, r, n] for t, (r, n) in seats.items()))
    entry, = audit_entries(app, "seating_arranged")
    assert entry["seed"] == 42 and entry["strategy"] == "random"
    assert entry["separate_by"] == "training_body" and entry["plan_sha256"] == plan["plan_sha256"]
    assert entry["assigned"] == 48 and entry["seed_given"] is True

    # The same seed, the same plan; a dry run says so and writes nothing.
    again = body.post(seating_url(s), json={"strategy": "random", "separate_by": "training_body",
                                            "seed": 42, "dry_run": True}).get_json()
    assert again["plan_sha256"] == plan["plan_sha256"] and again["dry_run"] is True
    assert len(audit_entries(app, "seating_arranged")) == 1
    other = body.post(seating_url(s), json={"strategy": "random", "separate_by": "training_body",
                                            "seed": 43, "dry_run": True}).get_json()
    assert other["plan_sha256"] != plan["plan_sha256"]
    assert seats_of(app, s["id"]) == seats


def test_a_seed_is_generated_and_returned_when_none_is_given(app, auth, make_sitting):
    s = make_sitting(candidates=10)
    body = auth.login("body")
    plan = body.post(seating_url(s), json={"strategy": "random", "separate_by": None}).get_json()
    assert isinstance(plan["seed"], int) and 0 <= plan["seed"] < 10**9
    entry, = audit_entries(app, "seating_arranged")
    assert entry["seed"] == plan["seed"] and entry["seed_given"] is False
    replay = body.post(seating_url(s), json={"strategy": "random", "seed": plan["seed"],
                                             "dry_run": True}).get_json()
    assert replay["plan_sha256"] == plan["plan_sha256"]


def test_a_body_too_large_to_separate_is_named_with_every_pair_left(app, auth, make_sitting):
    s = make_sitting(candidates=0)
    body = auth.login("body")
    add_bodies(body, s, ["大机构"] * 40 + ["小机构"] * 5 + [None] * 5)
    plan = body.post(seating_url(s), json={"strategy": "random", "separate_by": "training_body",
                                           "seed": 7}).get_json()
    # Two 5 × 6 rooms hold at most 2 × 15 of one body apart: 40 leave at least 10 pairs.
    assert plan["inseparable"] == [{"training_body": "大机构", "candidates": 40, "max_apart": 30}]
    assert plan["lower_bound"] == 10
    pairs = adjacent_same_body(app, s)
    assert plan["unseparated_count"] == len(plan["unseparated"]) == len(pairs) >= 10
    assert {tuple(sorted(p["tickets"])) for p in plan["unseparated"]} == {
        tuple(sorted(p)) for p in pairs}
    for pair in plan["unseparated"]:
        assert pair["training_body"] == "大机构" and pair["room"] in ("A", "B")
        a, b = pair["seats"]
        assert b - a in (1, 6)


def test_only_the_evaluation_body_runs_it_and_a_chief_of_another_sitting_is_refused(
        app, auth, make_sitting, make_user):
    s = make_sitting(candidates=6)
    before = seats_of(app, s["id"])
    for name in ("inv1", "chief", "chief2"):
        answer = auth.login(name).post(seating_url(s), json={"strategy": "random", "seed": 1})
        assert answer.status_code == 403, (name, answer.get_json())
        assert answer.get_json()["error"]["code"] == "forbidden"
    assert seats_of(app, s["id"]) == before
    assert audit_entries(app, "seating_arranged") == []
    assert auth.client().post(seating_url(s), json={"strategy": "random"}).status_code == 401


@pytest.mark.parametrize(("body", "status", "code", "field"), [
    ({"strategy": "alphabetical"}, 422, "unknown_strategy", "strategy"),
    ({"strategy": "random", "separate_by": "room"}, 422, "unknown_separate_by", "separate_by"),
    ({"strategy": "random", "seed": -1}, 422, "validation_error", "seed"),
    ({"strategy": "random", "seed": "abc"}, 422, "validation_error", "seed"),
    ({"strategy": "random", "seed": 1.5}, 422, "validation_error", "seed"),
    ({"strategy": "random", "seed": True}, 422, "validation_error", "seed"),
    ({"strategy": "random", "seed": 2**53}, 422, "validation_error", "seed"),
    ({"separate_by": "training_body"}, 422, "validation_error", "strategy"),
    ({"strategy": "random", "shuffle": True}, 422, "validation_error", "shuffle"),
])
def test_bad_inputs_are_clear_errors_and_write_nothing(app, auth, make_sitting, body, status,
                                                       code, field):
    s = make_sitting(candidates=6)
    before = seats_of(app, s["id"])
    answer = auth.login("body").post(seating_url(s), json=body,
                                     headers={"Accept-Language": "zh-CN"})
    assert answer.status_code == status, answer.get_json()
    error = answer.get_json()["error"]
    assert error["code"] == code and error.get("field") == field, error
    assert not error["message"].isascii(), error  # in Chinese, as asked
    assert seats_of(app, s["id"]) == before


def test_seating_is_refused_once_check_in_has_begun(app, auth, make_sitting):
    s = make_sitting(candidates=6)
    inv = auth.login("inv1")
    checked = inv.post(f"/api/v1/sittings/{s['id']}/candidates/{s['tickets'][0]}/attendance",
                       json={"status": "present", "id_checked": True, "subject": "theory"})
    assert checked.status_code == 200, checked.get_json()
    before = seats_of(app, s["id"])
    body = auth.login("body")
    for dry_run in (False, True):
        answer = body.post(seating_url(s), json={"strategy": "random", "seed": 3,
                                                 "dry_run": dry_run})
        assert answer.status_code == 409, answer.get_json()
        assert answer.get_json()["error"]["code"] == "check_in_started"
    assert seats_of(app, s["id"]) == before
    assert audit_entries(app, "seating_arranged") == []


def test_too_many_candidates_for_the_seats_is_422_with_the_numbers(app, auth, make_sitting):
    s = make_sitting(candidates=0)
    body = auth.login("body")
    add_bodies(body, s, [None] * 61)
    answer = body.post(seating_url(s), json={"strategy": "random", "seed": 5})
    assert answer.status_code == 422
    error = answer.get_json()["error"]
    assert error["code"] == "not_enough_seats"
    assert (error["candidates"], error["seats"], error["missing"]) == (61, 60, 1)
    assert "61" in error["message"] and "60" in error["message"]
    assert seats_of(app, s["id"]) == {}


def test_a_failure_midway_leaves_every_seat_as_it_was(app, auth, make_sitting, monkeypatch):
    """One transaction: the audit entry fails after the seats were replaced, and the old
    seats are all still there."""
    from proctor.services import seating

    s = make_sitting(candidates=8)
    before = seats_of(app, s["id"])
    body = auth.login("body")

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("disk gone")

    monkeypatch.setattr(seating.audit, "record", broken)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    answer = body.post(seating_url(s), json={"strategy": "random", "seed": 9})
    assert answer.status_code == 500
    assert seats_of(app, s["id"]) == before


def test_the_room_tablets_hear_of_the_new_plan(app, auth, make_sitting):
    s = make_sitting(candidates=6)
    plan = auth.login("body").post(seating_url(s), json={"strategy": "random",
                                                         "seed": 11}).get_json()
    events = auth.login("chief").get(f"/api/v1/sittings/{s['id']}/events?after_seq=0").get_json()
    arranged = [e for e in events if e["type"] == "seating_arranged"]
    assert sorted(e["room_id"] for e in arranged) == sorted(s["rooms"])
    assert sum(e["data"]["assigned"] for e in arranged) == plan["assigned"] == 6


def race(body, chief, s: dict[str, Any], seed: int) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """A seating and a check-in of the sitting sent at the same moment: their statuses."""
    import threading

    answers: dict[str, int] = {}
    start = threading.Barrier(2)

    def arrange() -> None:
        start.wait()
        answers["seating"] = body.post(seating_url(s), json={"strategy": "random",
                                                             "seed": seed}).status_code

    def check_in() -> None:
        start.wait()
        answers["check_in"] = chief.post(
            f"/api/v1/sittings/{s['id']}/candidates/{s['tickets'][0]}/attendance",
            json={"status": "present", "id_checked": True, "subject": "theory"}).status_code

    threads = [threading.Thread(target=arrange), threading.Thread(target=check_in)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return answers


def test_seating_and_a_check_in_at_the_same_moment_both_answer(app, auth, make_sitting):
    """Whichever commits first, the other either follows it or is refused, never a deadlock:
    the seating takes its locks in the order every check-in does."""
    sittings = [make_sitting(candidates=12) for _ in range(3)]
    body, chief = auth.login("body"), auth.login("chief")
    for seed, s in enumerate(sittings):
        answers = race(body, chief, s, seed)
        assert answers["check_in"] == 200 and answers["seating"] in (200, 409), answers
