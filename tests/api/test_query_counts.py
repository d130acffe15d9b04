"""The chief's screens read related rows in one query per relation, not one per incident: the
number of SQL statements of the board's incident list, the board, the candidate's page and the
review page is the same for a sitting of 2 incidents and one of 40 (parties, evidence,
acknowledgements, addenda, reminders and decisions on each, by many different people)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask
from helpers import PASSWORD, cid, id_number
from sqlalchemy import event

SMALL, LARGE = 2, 40


def _build(app: Flask, sitting: dict[str, Any], count: int) -> dict[str, Any]:
    """`count` incidents in the sitting, each reported (and its reminders recorded) by an
    invigilator of its own; returns the first incident and its principal's ticket."""
    from proctor.extensions import db
    from proctor.models import Sitting, User
    from proctor.services.people import candidate_by_ticket

    with app.app_context():
        row = db.session.get(Sitting, sitting["id"])
        assert row is not None
        pool = [candidate_by_ticket(row, t) for t in sitting["tickets"]]
        chief = db.session.scalar(db.select(User).where(User.username == "chief"))
        first = [_incident(row, i, pool, chief) for i in range(count)][0]
        return {"incident": first, "ticket": pool[0].ticket_no}


def _incident(sitting: Any, i: int, pool: list[Any], chief: Any) -> int:
    """From a refused reminder (every 4th) or reported with three parties; two photos, a
    refusal to sign attested, an addendum, and a decision on every other one."""
    from proctor.database import utcnow
    from proctor.extensions import db
    from proctor.models import Evidence, Incident
    from proctor.services.accounts import create_user
    from proctor.services.evidence import add_addendum, attest, refuse
    from proctor.services.floor import record_warning
    from proctor.services.incidents import Party, decide_incident, report_incident, resolve_warning
    from proctor.services.sittings import subject_by_code

    theory = subject_by_code(sitting, "theory")
    who = create_user(f"s{sitting.id}r{i}", "invigilator", PASSWORD)
    helper = create_user(f"s{sitting.id}h{i}", "invigilator", PASSWORD)
    principal, other = pool[i % len(pool)], pool[(i + 1) % len(pool)]
    warning, _ = record_warning(sitting, principal, theory, "T1.1", utcnow(), "提醒", cid(), who)
    if i % 4 == 3:  # refused: the reminder raises a Tier-1 incident
        resolve_warning(sitting, warning, "refused", None, who)
        incident = db.session.get(Incident, warning.incident_id)
    else:
        resolve_warning(sitting, warning, "complied", None, helper)
        incident, _ = report_incident(
            sitting, client_id=cid(), rule_code="T2.1", subject=theory, observed_at=utcnow(),
            description=f"第{i}起", severity=None, discovered_after_exam=False, who=who,
            parties=[Party("principal", candidate=principal), Party("accomplice", candidate=other),
                     Party("impostor", name=f"替考{sitting.id}-{i}",
                           id_number=id_number(500 + sitting.id % 2 * 100 + i))])
    assert incident is not None
    for k in range(2):
        db.session.add(Evidence(
            client_id=cid(), incident_id=incident.id, kind="photo", source="upload",
            sha256=f"{incident.id:032x}{k:032x}", media_type="image/jpeg", size=1000, width=40,
            height=30, taken_at=utcnow(), taken_by=who.id))
    db.session.flush()
    ack, _ = refuse(incident, cid(), who)
    attest(ack, helper)
    add_addendum(incident, "补充说明", cid(), helper)
    if i % 2 == 0 and incident.tier == 2:
        decide_incident(incident, "dismiss" if i % 5 == 0 else "confirm", None, "核实", chief)
    db.session.commit()
    return incident.id


@contextmanager
def _counting(app: Flask) -> Iterator[list[str]]:
    from proctor.extensions import db

    with app.app_context():
        engine = db.engine
    statements: list[str] = []

    def note(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", note)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", note)


def _statements(app: Flask, api: Any, url: str) -> list[str]:
    api.get(url)  # once before counting: nothing first-time-only is counted
    with _counting(app) as statements:
        response = api.get(url)
    assert response.status_code == 200, (url, response.get_data(as_text=True)[:500])
    return statements


def test_statements_do_not_grow_with_the_incidents(app: Flask, make_sitting: Callable[..., Any],
                                                   auth: Any) -> None:
    small_sitting, large_sitting = make_sitting(8), make_sitting(8)
    small = {**small_sitting, **_build(app, small_sitting, SMALL)}
    large = {**large_sitting, **_build(app, large_sitting, LARGE)}
    chief = auth.login("chief")
    screens: dict[str, Callable[[dict[str, Any]], str]] = {
        "incident list": lambda s: f"/api/v1/sittings/{s['id']}/incidents",
        "board": lambda s: f"/api/v1/sittings/{s['id']}/board",
        "deadlines": lambda s: f"/api/v1/sittings/{s['id']}/deadlines",
        "board page": lambda s: f"/review/sittings/{s['id']}",
        "candidate page": lambda s: f"/review/sittings/{s['id']}/candidates/{s['ticket']}",
        "candidate sanctions": lambda s: (f"/api/v1/sittings/{s['id']}/candidates/"
                                          f"{s['ticket']}/sanctions"),
        "review page": lambda s: f"/review/incidents/{s['incident']}",
        "one incident": lambda s: f"/api/v1/incidents/{s['incident']}",
    }
    listed = chief.get(screens["incident list"](large)).get_json()
    assert len(listed) == LARGE and all(len(i["parties"]) for i in listed)
    counts, repeated = {}, {}
    for name, url in screens.items():
        few, many = _statements(app, chief, url(small)), _statements(app, chief, url(large))
        counts[name] = (len(few), len(many))
        repeated[name] = Counter(" ".join(s.split())[:90] for s in many).most_common(1)[0]
    growing = {name: repeated[name] for name, (few, many) in counts.items() if few != many}
    assert not growing, (f"statements at {SMALL} and {LARGE} incidents: {counts}; "
                         f"the most repeated where they grow: {growing}")
