"""The world of the access matrix (tests/api/test_matrix.py) and how the matrix asks it.

Built once per module through the services: sitting 1 (rooms A and B), sitting 2 (room C), one of
everything in room A, and for every record a marker (a name, a description, a hash …) with the
scope it belongs to; six callers, and the helpers that call a route as one of them, fingerprint
the database and find markers a caller may not see in an answer.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from datetime import time as clock
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from flask import Flask
from flask.testing import FlaskClient
from helpers import PASSWORD, id_number

# -- callers --------------------------------------------------------------------------------
ANON, INV_OTHER, CHIEF_OTHER = "anonymous", "inv3 (room B, session)", "chief2 (sitting 2, session)"
INV, CHIEF, BODY = "inv1 (room A, bearer)", "chief (sitting 1, bearer)", "body (authority, bearer)"
PATROL = "patrol1 (sitting 1, bearer)"  # 巡考: reads every room of sitting 1, raises flags
CALLERS = (ANON, INV_OTHER, CHIEF_OTHER, INV, CHIEF, BODY, PATROL)
INVIGILATORS = {INV, INV_OTHER, PATROL}  # who sees ID numbers masked and no camera source
# What each caller may see: (sitting, room); room "*" is every room of the sitting.
SEES: dict[str, set[tuple[str, str]]] = {
    ANON: set(), INV_OTHER: {("s1", "B")}, CHIEF_OTHER: {("s2", "*")}, INV: {("s1", "A")},
    CHIEF: {("s1", "*")}, BODY: {("*", "*")}, PATROL: {("s1", "*")}}

ROOM_A = frozenset({INV, CHIEF, BODY})  # an object of room A: its invigilator and managers
FLOOR_A = frozenset({INV, CHIEF})  # invigilators' and chiefs' writes (not the body's)
SITTING_1 = frozenset({INV, INV_OTHER, CHIEF, BODY})  # the sitting's staff, filtered answers
MANAGERS = frozenset({CHIEF, BODY})
AUTHORITY = frozenset({BODY})
CHIEFS_AND_BODY = frozenset({CHIEF, CHIEF_OTHER, BODY})  # each about their own sittings
ANYONE = frozenset({INV, INV_OTHER, CHIEF, CHIEF_OTHER, BODY})


def may_see(caller: str, scopes: set[tuple[str, str]]) -> bool:
    return any((s == "*" or s == sitting) and (r == "*" or r == room)
               for s, r in SEES[caller] for sitting, room in scopes)


# -- the world ------------------------------------------------------------------------------
@dataclass
class Marker:
    text: str
    scopes: set[tuple[str, str]]
    managers_only: bool = False  # a full ID number, a camera source: never for invigilators


@dataclass
class World:
    app: Flask
    db_path: Path
    ids: dict[str, Any] = field(default_factory=dict)
    markers: list[Marker] = field(default_factory=list)
    tokens: dict[str, str] = field(default_factory=dict)
    clients: dict[str, FlaskClient] = field(default_factory=dict)
    csrf: dict[str, str] = field(default_factory=dict)

    def __getitem__(self, key: str) -> Any:
        return self.ids[key]

    def secrets_for(self, caller: str) -> list[str]:
        return [m.text for m in self.markers
                if not may_see(caller, m.scopes) or (m.managers_only and caller in INVIGILATORS)]


def image(kind: str = ".jpg", seed: int = 0) -> bytes:
    pixels = np.random.default_rng(seed).integers(0, 255, (24, 32, 3), dtype=np.uint8)
    return cv2.imencode(kind, pixels)[1].tobytes()


def _users() -> dict[str, Any]:
    from proctor.services.accounts import create_user

    roles = {"body": "authority", "body2": "authority", "chief": "chief", "chief2": "chief",
             "inv1": "invigilator",
             "inv2": "invigilator", "inv3": "invigilator", "inv4": "invigilator",
             "victim": "invigilator", "patrol1": "patrol"}
    return {name: create_user(name, role, PASSWORD) for name, role in roles.items()}


def _sitting(w: World, key: str, day: date, rooms: dict[str, str | None], users, staff,
             candidates: dict[str, tuple[str, str]]) -> None:
    from proctor.services import sittings
    from proctor.services.floor import set_seat
    from proctor.services.people import register_candidate

    sitting = sittings.create_sitting("人工智能训练师", 4, day, [
        ("theory", "理论知识", clock(9, 0), clock(10, 30)),
        ("practical", "操作技能", clock(13, 30), clock(15, 30))])
    w.ids[key] = sitting.id
    made = {}
    for name, camera in rooms.items():
        made[name] = sittings.add_room(sitting, name, 3, 4, camera)
        w.ids[f"room_{name}"] = made[name].id
        if camera:
            w.markers.append(Marker(camera, {(key, name)}, managers_only=True))
    for username, role, room in staff:
        sittings.assign_staff(sitting, username, role, made[room].id if room else None)
    seats: dict[str, int] = {}
    for ticket, (room, number) in candidates.items():
        name = f"Cand-{ticket}-zq"
        # A training body per room (seating keeps them apart; an answer of another room's
        # seats must not name it).
        body_name = f"Body-{key}{room}-zq"
        candidate, _ = register_candidate(sitting, ticket, name, number, None, "group",
                                          body_name)
        if not any(m.text == body_name for m in w.markers):
            w.markers.append(Marker(body_name, {(key, room)}))
        seats[room] = seats.get(room, 0) + 1
        set_seat(sitting, candidate, made[room], seats[room], False, users["body"])
        w.ids[ticket], w.ids[f"person_{ticket}"] = ticket, candidate.person_id
        w.ids[f"candidate_{ticket}"] = candidate
        scopes = {(key, room)}
        existing = next((m for m in w.markers if m.text == candidate.person.name), None)
        if existing:  # the same person in two sittings: seen from both
            existing.scopes |= scopes
            next(m for m in w.markers if m.text == number).scopes |= scopes
        else:
            w.markers += [Marker(name, scopes), Marker(number, scopes, managers_only=True)]
    w.ids[f"{key}_sitting"] = sitting


def _incident(w: World, key: str, sitting_key: str, room: str, ticket: str, who, rule="T2.1"):
    from proctor.services.incidents import Party, report_incident

    text = f"Desc-{key}-zq"
    incident, _ = report_incident(
        w.ids[f"{sitting_key}_sitting"], client_id=f"cid-{key}-zq", rule_code=rule,
        subject=None, observed_at=_now(), description=text,
        parties=[Party("principal", candidate=w.ids[f"candidate_{ticket}"])], severity=None,
        discovered_after_exam=False, who=who)
    w.ids[key] = incident.id
    w.ids[f"{key}_row"] = incident
    scopes = {(sitting_key, room)}
    w.markers += [Marker(text, scopes), Marker(f"cid-{key}-zq", scopes),
                  Marker(f'/review/incidents/{incident.id}"', scopes)]
    return incident


def _now():
    from proctor.database import utcnow

    return utcnow()


def _records(w: World, users) -> None:
    """Room A of sitting 1 holds one of everything; rooms B and C a few, to be kept apart."""
    from proctor.extensions import db
    from proctor.models import Room
    from proctor.services import appeals, evidence, floor, room_log
    from proctor.services.incidents import decide_incident
    from proctor.services.sittings import subject_by_code, venue_today

    s1, s2 = w.ids["s1_sitting"], w.ids["s2_sitting"]
    for key, sitting, ticket, who in (("wA", s1, "A1", "inv1"), ("wB", s1, "B1", "inv3"),
                                      ("wC", s2, "C2", "inv4")):
        warning, _ = floor.record_warning(
            sitting, w.ids[f"candidate_{ticket}"], subject_by_code(sitting, "theory"), "T1.1",
            _now(), f"Warn-{key}-zq", f"cid-{key}-zq", users[who])
        w.ids[key] = warning.id
        scope = {("s1" if sitting is s1 else "s2", {"A1": "A", "B1": "B", "C2": "C"}[ticket])}
        w.markers += [Marker(f"Warn-{key}-zq", scope), Marker(f"cid-{key}-zq", scope)]
    i_a = _incident(w, "iA", "s1", "A", "A1", users["inv1"])
    _incident(w, "iA2", "s1", "A", "A2", users["inv1"], rule="T2.4")
    _incident(w, "iA3", "s1", "A", "A2", users["inv1"], rule="T2.4")
    i_b = _incident(w, "iB", "s1", "B", "B1", users["inv3"])
    i_c = _incident(w, "iC", "s2", "C", "C2", users["inv4"])
    i_cs = _incident(w, "iCs", "s2", "C", "C1", users["inv4"])  # the person of A1, in sitting 2
    for key, incident, who, source in (("eA", i_a, "inv1", "tablet_camera"),
                                       ("camA", i_a, "inv1", "room_camera"),
                                       ("eB", i_b, "inv3", "upload"),
                                       ("eC", i_c, "inv4", "upload")):
        row, _ = evidence.add_photo(incident, image(seed=len(w.ids)), source=source,
                                    client_id=f"cid-{key}-zq", taken_at=_now(), device="tab",
                                    who=users[who])
        w.ids[key] = row.id
        scope = {({i_a.id: "s1", i_b.id: "s1"}.get(incident.id, "s2"),
                  {i_a.id: "A", i_b.id: "B"}.get(incident.id, "C"))}
        w.markers += [Marker(row.sha256, scope), Marker(f"cid-{key}-zq", scope)]
    _photos(w, users)
    ack, _ = evidence.sign(i_a, image(".png", 7), "cid-sigA-zq", _now(), "tab", users["inv1"])
    w.ids["sigA"] = ack.id
    refusal, _ = evidence.refuse(w.ids["iA2_row"], "cid-refA-zq", users["inv2"])
    w.ids["refA"] = refusal.id
    w.markers += [Marker(ack.record_hash, {("s1", "A")}), Marker("cid-sigA-zq", {("s1", "A")}),
                  Marker("cid-refA-zq", {("s1", "A")})]
    addendum, _ = evidence.add_addendum(i_a, "Add-A-zq", "cid-adA-zq", users["inv1"])
    w.ids["adA"] = addendum.id
    w.markers += [Marker("Add-A-zq", {("s1", "A")}), Marker("cid-adA-zq", {("s1", "A")})]
    _seize(w, i_a, users["inv1"])
    for key, room, sitting_key in (("logA", "A", "s1"), ("logB", "B", "s1"), ("logC", "C", "s2")):
        entry, _ = room_log.add_entry(db.session.get(Room, w.ids[f"room_{room}"]), "other",
                                      f"Log-{key}-zq", None, _now(), f"cid-{key}-zq",
                                      users["inv1"])
        w.ids[key] = entry.id
        w.markers += [Marker(f"Log-{key}-zq", {(sitting_key, room)}),
                      Marker(f"cid-{key}-zq", {(sitting_key, room)})]
    _closeouts(w, users)
    _movements(w, users)
    decide_incident(i_a, "confirm", None, None, users["chief"])
    decide_incident(i_cs, "confirm", None, None, users["chief2"])
    notice, = appeals.issue_notices(i_a, None, users["chief"])
    appeals.record_service(notice, "in_person", venue_today(), users["chief"])
    review = appeals.request_review(notice, venue_today(), "Grounds-A-zq", users["chief"])
    w.ids["nA"], w.ids["rvA"] = notice.id, review.id
    w.markers.append(Marker("Grounds-A-zq", {("s1", "A")}))
    _proposal(w, users)
    _conduct(w, users)


def _conduct(w: World, users) -> None:
    """Conduct records: one the chief of sitting 1 reported (with a photo), one of a training
    body the body recorded with no sitting, confirmed by another member, with its letter."""
    from datetime import UTC, datetime

    from incidents.conduct import ConductSubject
    from proctor.services import conduct, conduct_letters

    observed = datetime(2025, 6, 28, 2, 5, tzinfo=UTC)
    staff = conduct.Subject(ConductSubject.STAFF, user=users["inv1"], name="inv1",
                            duty="invigilator")
    record, _ = conduct.record_conduct(staff, client_id="cid-cdA-zq", code="S1.1",
                                       description="Conduct-A-zq", observed_at=observed,
                                       sitting=w.ids["s1_sitting"], who=users["chief"])
    row, _ = conduct.add_file(record, image(seed=311), "p.jpg", "cid-cfA-zq", users["chief"])
    body = conduct.Subject(ConductSubject.TRAINING_BODY, training_body="Body-B-zq")
    other, _ = conduct.record_conduct(body, client_id="cid-cdB-zq", code="B1.2",
                                      description="Conduct-B-zq", observed_at=observed,
                                      sitting=None, who=users["body"])
    conduct.decide(other, "confirm", "Measure-B-zq", "Reasons-B-zq", users["body2"])
    conduct_letters.issue_notice(other, users["body2"])
    w.ids.update(cdA=record.id, cfA=row.id, cdB=other.id)
    in_s1, body_only = {("s1", "*")}, {("body", "-")}
    w.markers += [Marker("Conduct-A-zq", in_s1), Marker("cid-cdA-zq", in_s1),
                  Marker(row.sha256, in_s1), Marker("Conduct-B-zq", body_only),
                  Marker("Body-B-zq", body_only), Marker("Measure-B-zq", body_only),
                  Marker("cid-cdB-zq", body_only)]


def _closeouts(w: World, users) -> None:
    """Rooms A and B of sitting 1 counted their theory papers and explained a discrepancy."""
    from proctor.extensions import db
    from proctor.models import Room
    from proctor.services import closeout
    from proctor.services.sittings import subject_by_code

    theory = subject_by_code(w.ids["s1_sitting"], "theory")
    for key, room, ticket, who in (("A", "A", "A3", "inv1"), ("B", "B", "B2", "inv3")):
        where = db.session.get(Room, w.ids[f"room_{room}"])
        row, _ = closeout.record_closeout(where, theory, 3, 2, f"cid-coA{key}-zq", users[who])
        explained, _ = closeout.explain(where, theory, f"unrecorded:{ticket}", f"Expl-{key}-zq",
                                        f"cid-exp{key}-zq", users[who])
        w.ids[f"co{key}"], w.ids[f"exp{key}"] = row.id, explained.id
        w.markers += [Marker(f"Expl-{key}-zq", {("s1", room)}),
                      Marker(f"cid-exp{key}-zq", {("s1", room)})]
    _flags(w, users)


def _flags(w: World, users) -> None:
    """The patrol's flags: three of room A (one with a photo, one to answer, one left open for
    the ids of a body), one of room B."""
    from proctor.extensions import db
    from proctor.models import Room
    from proctor.services import patrol

    s1 = w.ids["s1_sitting"]
    for key, room in (("fA", "A"), ("fA2", "A"), ("fA3", "A"), ("fB", "B")):
        flag, _ = patrol.raise_flag(s1, db.session.get(Room, w.ids[f"room_{room}"]),
                                    client_id=f"cid-{key}-zq", seat_no=1,
                                    note=f"Flag-{key}-zq", observed_at=_now(),
                                    who=users["patrol1"])
        w.ids[key] = flag.id
        w.markers += [Marker(f"Flag-{key}-zq", {("s1", room)}),
                      Marker(f"cid-{key}-zq", {("s1", room)})]
    photo, _ = patrol.add_photo(db.session.get(patrol.PatrolFlag, w.ids["fA"]),
                                image(seed=321), client_id="cid-fpA-zq", taken_at=_now(),
                                device="tab", who=users["patrol1"])
    w.ids["fpA"] = photo.id
    w.markers += [Marker(photo.sha256, {("s1", "A")}), Marker("cid-fpA-zq", {("s1", "A")})]


def _proposal(w: World, users) -> None:
    """A proposed incident of room A with its pre-decision notice, served, and a statement."""
    from flask import current_app

    from proctor.services import due_process
    from proctor.services.incidents import decide_incident
    from proctor.services.pre_notices import issue_pre_notices
    from proctor.services.sittings import venue_today

    i_p = _incident(w, "iP", "s1", "A", "A4", users["inv1"])
    tiers = current_app.config["PRE_NOTICE_TIERS"]
    current_app.config["PRE_NOTICE_TIERS"] = (2, 3)  # proposed under the stage, then kept
    decide_incident(i_p, "propose", None, None, users["chief"])
    current_app.config["PRE_NOTICE_TIERS"] = tiers
    pre, = issue_pre_notices(i_p, users["chief"])
    due_process.record_service(pre, "in_person", venue_today(), users["chief"])
    statement, _ = due_process.record_statement(
        pre, client_id="cid-stA-zq", waiver=False, text="Stmt-A-zq", received_via="post",
        received_on=venue_today(), witness=None, attachments=[], who=users["chief"])
    w.ids["pA"] = pre.id
    w.markers += [Marker("Stmt-A-zq", {("s1", "A")}), Marker(statement.sha256, {("s1", "A")})]


def _movements(w: World, users) -> None:
    """A1 of room A left and came back; B1 (room B) and C2 (room C) are out."""
    from proctor.services.movements import record_movement

    for key, sitting_key, room, ticket, kind, who in (
            ("mvA", "s1", "A", "A1", "left", "inv1"), ("mvA2", "s1", "A", "A1", "returned", "inv1"),
            ("mvB", "s1", "B", "B1", "left", "inv3"), ("mvC", "s2", "C", "C2", "left", "inv4")):
        row, _ = record_movement(
            w.ids[f"{sitting_key}_sitting"], w.ids[f"candidate_{ticket}"], kind=kind,
            reason="toilet", escort=f"Escort-{key}-zq", escort_username=None, note=None,
            subject_code=None, observed_at=_now(), client_id=f"cid-{key}-zq", who=users[who])
        w.ids[key] = row.id
        w.markers += [Marker(f"Escort-{key}-zq", {(sitting_key, room)}),
                      Marker(f"cid-{key}-zq", {(sitting_key, room)})]
def _photos(w: World, users) -> None:
    """A1's registration photo and a photo taken of A1 at check-in (the identity check)."""
    from proctor import vision
    from proctor.extensions import db
    from proctor.models import RegistrationPhoto
    from proctor.services import evidence_store, photos

    candidate = w.ids["candidate_A1"]
    data = image(seed=331)
    result = vision.ingest(data)
    evidence_store.store(result.sha256, data, result.display_jpeg, result.thumbnail_jpeg)
    db.session.add(RegistrationPhoto(candidate_id=candidate.id, sha256=result.sha256,
                                     media_type="image/jpeg", size=result.size,
                                     width=result.width, height=result.height,
                                     source_name="A1.jpg", imported_by=users["body"].id))
    door, _ = photos.add_checkin_photo(candidate, image(seed=332), client_id="cid-cpA-zq",
                                       taken_at=_now(), device="tab", who=users["inv1"])
    w.ids["cpA"] = door.id
    w.markers += [Marker(result.sha256, {("s1", "A")}), Marker(door.sha256, {("s1", "A")}),
                  Marker("cid-cpA-zq", {("s1", "A")})]


def _seize(w: World, incident, who) -> None:
    from proctor.extensions import db
    from proctor.models import SeizedItem

    row = SeizedItem(client_id="cid-szA-zq", incident_id=incident.id,
                     sitting_id=incident.sitting_id, room_id=incident.room_id,
                     person_id=incident.parties[0].person_id, description="Seized-A-zq",
                     kept_at="box", seized_by=who.id, seized_at=_now())
    db.session.add(row)
    db.session.flush()
    w.ids["szA"] = row.id
    w.markers += [Marker("Seized-A-zq", {("s1", "A")}), Marker("cid-szA-zq", {("s1", "A")})]


def log_in_sessions(w: World) -> None:
    """The two session callers log in (again: the matrix asks the logout routes too)."""
    for caller, name in ((INV_OTHER, "inv3"), (CHIEF_OTHER, "chief2")):
        client = w.app.test_client()
        answer = client.post("/api/v1/auth/login", json={"username": name, "password": PASSWORD})
        assert answer.status_code == 200, answer.get_json()
        w.clients[caller], w.csrf[caller] = client, answer.get_json()["csrf_token"]


def build_world(app: Flask, db_path: Path) -> World:
    from proctor.extensions import db
    from proctor.services.accounts import create_api_token

    w = World(app, db_path)
    with app.app_context():
        users = _users()
        shared = id_number(1)
        _sitting(w, "s1", date(2025, 6, 28), {"A": None, "B": "rtsp://cam:pw@cam-b-zq.invalid/s"},
                 users, [("chief", "chief", None), ("inv1", "invigilator", "A"),
                         ("inv2", "invigilator", "A"), ("inv3", "invigilator", "B"),
                         ("patrol1", "patrol", None)],
                 {"A1": ("A", shared), "A2": ("A", id_number(2)), "A3": ("A", id_number(3)),
                  "A4": ("A", id_number(4)), "B1": ("B", id_number(5)),
                  "B2": ("B", id_number(6))})
        _sitting(w, "s2", date(2025, 7, 5), {"C": "rtsp://cam:pw@cam-c-zq.invalid/s"}, users,
                 [("chief2", "chief", None), ("inv4", "invigilator", "C")],
                 {"C1": ("C", shared), "C2": ("C", id_number(7))})
        _records(w, users)
        for caller, name in ((INV, "inv1"), (CHIEF, "chief"), (BODY, "body"),
                             (PATROL, "patrol1")):
            w.tokens[caller] = create_api_token(users[name])
        db.session.commit()
        w.ids = {k: v for k, v in w.ids.items() if not k.endswith(("_sitting", "_row"))
                 and not k.startswith("candidate_")}
    for caller in (ANON, INV, CHIEF, BODY, PATROL):  # no cookie jar: nothing but the bearer token
        w.clients[caller] = app.test_client(use_cookies=False)
    export = call(w, BODY, "GET", "/api/v1/bans?as_of=2025-07-10&format=csv")
    assert export.status_code == 200, export.get_data(as_text=True)
    w.ids["export"] = export.headers["X-Audit-Head"]
    return w




Body = Callable[[World], Any] | dict[str, Any] | None


def _headers(w: World, caller: str, method: str) -> dict[str, str]:
    if caller in w.tokens:
        return {"Authorization": f"Bearer {w.tokens[caller]}"}
    if caller in w.csrf and method != "GET":
        return {"X-CSRFToken": w.csrf[caller]}
    return {}


def body_of(value: Body, w: World) -> Any:
    return value(w) if callable(value) else value


def call(w: World, caller: str, method: str, url: str, json: Any = None,
         form: Any = None) -> Any:
    client = w.clients[caller]
    kwargs: dict[str, Any] = {"headers": _headers(w, caller, method)}
    if json is not None:
        kwargs["json"] = json
    if form is not None:
        kwargs["data"], kwargs["content_type"] = form, "multipart/form-data"
    response = client.open(url, method=method, **kwargs)
    response.get_data()
    response.close()
    return response


def url_for_values(w: World, endpoint: str, values: dict[str, Any]) -> str:
    from flask import url_for

    with w.app.test_request_context():
        return url_for(endpoint, **values)


def url_of(w: World, route: Any) -> str:
    from flask import url_for

    with w.app.test_request_context():
        url = url_for(route.endpoint, **route.path(w))
    query = route.query(w) if callable(route.query) else route.query
    return f"{url}?{query}" if query else url


def fingerprint(w: World) -> str:
    """Every table but the audit log (a refusal is audited) and the sessions' clocks."""
    digest = hashlib.sha256()
    with sqlite3.connect(w.db_path) as conn:
        tables = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]
        for table in tables:
            if table in ("audit_log", "audit_head", "alembic_version"):
                continue
            columns = [r[1] for r in conn.execute(f"PRAGMA table_info({table})")
                       if r[1] not in ("last_seen_at", "last_used_at")]
            rows = conn.execute(f"SELECT {', '.join(columns)} FROM {table} ORDER BY 1").fetchall()
            digest.update(f"{table}{rows!r}".encode())
    conn.close()
    return digest.hexdigest()


def leaks_in(w: World, caller: str, response: Any) -> list[str]:
    data = response.get_data() + response.headers.get("Location", "").encode()
    return [s for s in w.secrets_for(caller) if s.encode() in data]


def refused(caller: str, url: str, response: Any) -> bool:
    """401 (the API), a redirect to the login page, or a form post without the session's CSRF
    token for anonymous callers; 403 or 404 for the others."""
    status = response.status_code
    if caller != ANON:
        return status in (403, 404)
    if status == 302:
        return str(response.headers["Location"]).startswith("/login")
    return status == 401 or (status == 400 and not url.startswith("/api/"))
