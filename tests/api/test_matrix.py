"""Issue #9, item 16: the access matrix, as data, checked against the app's URL map (the world
it asks, and the helpers that ask it, are in matrix_world.py).

One world is built once for the module (SQLite, through the services): sitting 1 with rooms A
and B, sitting 2 with room C, and in room A of sitting 1 one of everything a route can name
(candidate, reminder, incidents, photo, signature, refusal, addendum, seized item, log entry,
notice, review). Every record carries a marker (a name, a description, a hash …) and the scope
it belongs to.

Every route of `app.url_map` is either a row of ROUTES (how to fill its path with objects of
sitting 1 / room A, the body of a write, and who may get what) or listed in PUBLIC with a reason;
a new route without a row fails `test_every_route_of_the_url_map_is_in_the_matrix`.

Six callers ask every route: anonymous, an invigilator of another room (room B, a session), a
chief examiner of another sitting (sitting 2, a session), and the invigilator of room A, the
chief examiner of sitting 1 and the evaluation body, each with a bearer token. A leak is:
- a 2xx (or a redirect to anything but the login page) where 401/403/404 is due;
- a body (or a Location) holding a marker of a record the caller may not see, a full ID number
  or a camera source for an invigilator;
- a refused write that changed anything (every table but the audit log is compared);
- a 500 anywhere.
The callers who may act must get neither 401, 403 nor 404: that proves each row's path really
names the objects (a row filled wrongly would be refused to everyone and prove nothing).

BODY_IDS asks the same of every id named in a body (or a query), REPLAYS of every client_id
write: a client_id of room A replayed in room B, in sitting 2 and on another target of room A
is 409 `client_id_conflict` with nothing but the error; on its own target it is the record.
"""

from __future__ import annotations

import io
import shutil
import time
import uuid
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from helpers import base_config, id_number, now_iso
from matrix_world import (
    ANON,
    ANYONE,
    AUTHORITY,
    BODY,
    CALLERS,
    CHIEF,
    CHIEF_OTHER,
    CHIEFS_AND_BODY,
    FLOOR_A,
    INV,
    INV_OTHER,
    MANAGERS,
    PATROL,
    ROOM_A,
    SITTING_1,
    Body,
    World,
    body_of,
    build_world,
    call,
    fingerprint,
    image,
    leaks_in,
    log_in_sessions,
    refused,
    url_for_values,
    url_of,
)

from proctor import create_app


@pytest.fixture(scope="module")
def world(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    folder = tmp_path_factory.mktemp("matrix")
    path = folder / "proctor.sqlite3"
    shutil.copy(sqlite_template, path)
    app = create_app({**base_config(folder, f"sqlite:///{path}"), "CAMERA_TIMEOUT_SECONDS": 1})
    started = time.monotonic()
    built = build_world(app, path)
    log_in_sessions(built)
    print(f"world built in {time.monotonic() - started:.2f}s")
    yield built
    with app.app_context():
        from proctor.extensions import db

        db.engine.dispose()


# -- the routes -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Route:
    """One route of the URL map: how to fill it, what to send, who may act.

    `ok`: statuses an allowed caller may get besides 2xx/3xx, because of the state the
    world is in (a second decision is 409 already_decided; room A has no camera: 422)."""

    endpoint: str
    method: str
    allow: frozenset[str]
    path: Callable[[World], dict[str, Any]] = lambda w: {}
    json: Body = None
    form: Body = None
    query: str | Callable[[World], str] = ""
    ok: frozenset[int] = frozenset()
    last: bool = False  # ends a session: asked after every other route

    def allows(self, caller: str) -> bool:
        """A patrol (巡考) of sitting 1 may read whatever an invigilator of it may (every room
        of it), and write only where a row names it (its flags, visits and record)."""
        if caller == PATROL and PATROL not in self.allow:
            return (self.method == "GET" or self.last) and bool(self.allow & {INV, INV_OTHER})
        return caller in self.allow


def fresh() -> str:
    return uuid.uuid4().hex


def cid_body(**extra: Any) -> Callable[[World], dict[str, Any]]:
    return lambda w: {"client_id": fresh(), **extra}


def photo_form(w: World) -> dict[str, Any]:
    return {"file": (io.BytesIO(image(seed=3)), "p.jpg"), "client_id": fresh()}


def signature_form(w: World) -> dict[str, Any]:
    return {"file": (io.BytesIO(image(".png", 4)), "s.png"), "client_id": fresh()}


def roster_form(w: World) -> dict[str, Any]:
    text = f"准考证号,姓名,身份证号\r\nR-{fresh()[:8]},Roster-zq,{id_number(50)}\r\n"
    return {"file": (io.BytesIO(text.encode()), "roster.csv")}


def photos_form(w: World) -> dict[str, Any]:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(f"{w['A2']}.jpg", image(seed=13))
    return {"file": (io.BytesIO(buffer.getvalue()), "photos.zip")}


def today(w: World) -> str:
    from proctor.services.sittings import venue_today

    with w.app.app_context():
        return venue_today().isoformat()


S1 = lambda w: {"sid": w["s1"]}  # noqa: E731
S1_A = lambda w: {"sid": w["s1"], "rid": w["room_A"]}  # noqa: E731
IA = lambda w: {"iid": w["iA"]}  # noqa: E731
NA = lambda w: {"nid": w["nA"]}  # noqa: E731
PA = lambda w: {"pid": w["pA"]}  # noqa: E731
VICTIM = lambda w: {"username": "victim"}  # noqa: E731
CD_A = lambda w: {"rid": w["cdA"]}  # noqa: E731

ROUTES: list[Route] = [
    # incidents and what hangs on them (room A of sitting 1)
    Route("api.get_incident", "GET", ROOM_A, IA),
    Route("api.list_incidents", "GET", SITTING_1, S1),
    Route("api.post_incident", "POST", ROOM_A, S1, json=lambda w: {
        "client_id": fresh(), "rule_code": "T2.4", "observed_at": now_iso(),
        "parties": [{"ticket_no": w["A2"]}]}),
    Route("api.post_decision", "POST", MANAGERS, lambda w: {"iid": w["iA2"]},
          json={"decision": "confirm"}, ok=frozenset({409})),
    Route("api.post_rule_change", "POST", MANAGERS, lambda w: {"iid": w["iA3"]},
          json={"rule_code": "T2.2", "reason": "seen again"}),
    Route("api.list_evidence", "GET", ROOM_A, IA),
    Route("api.post_evidence", "POST", ROOM_A, IA, form=photo_form),
    Route("api.post_camera_frame", "POST", ROOM_A, IA, json=cid_body(), ok=frozenset({422})),
    Route("api.get_evidence_file", "GET", ROOM_A, lambda w: {"eid": w["eA"], "variant": "thumb"}),
    Route("api.verify_evidence", "GET", ROOM_A, lambda w: {"eid": w["eA"]}),
    Route("api.post_signature", "POST", ROOM_A, IA, form=signature_form, ok=frozenset({409})),
    Route("api.post_refusal", "POST", ROOM_A, IA, json=cid_body(), ok=frozenset({409})),
    Route("api.post_attest", "POST", ROOM_A, lambda w: {"aid": w["refA"]}, ok=frozenset({409})),
    Route("api.list_acknowledgements", "GET", ROOM_A, IA),
    Route("api.post_addendum", "POST", ROOM_A, IA, json=cid_body(text="more")),
    Route("api.list_addenda", "GET", ROOM_A, IA),
    Route("api.post_seized", "POST", ROOM_A, IA, json=lambda w: {
        "client_id": fresh(), "description": "watch", "kept_at": "box", "seized_at": now_iso()}),
    Route("api.list_seized", "GET", ROOM_A, IA),
    Route("api.post_return", "POST", ROOM_A, lambda w: {"item_id": w["szA"]},
          json={"returned_to": "the candidate"}),
    # the floor
    Route("api.post_warning", "POST", FLOOR_A, S1, json=lambda w: {
        "client_id": fresh(), "ticket_no": w["A1"], "subject": "theory", "rule_code": "T1.2",
        "observed_at": now_iso()}),
    Route("api.post_warning_outcome", "POST", FLOOR_A, lambda w: {"wid": w["wA"]},
          json={"outcome": "complied"}),
    Route("api.post_attendance", "POST", FLOOR_A, lambda w: {"sid": w["s1"], "ticket_no": w["A1"]},
          json={"status": "present", "id_checked": True, "subject": "theory"}),
    Route("api.put_seat", "PUT", ROOM_A, lambda w: {"sid": w["s1"], "ticket_no": w["A4"]},
          json=lambda w: {"room_id": w["room_A"], "seat_no": 4}),
    Route("api.get_room_state", "GET", ROOM_A, S1_A),
    # a second leaving of the same candidate is 409 already_out
    Route("api.post_movement", "POST", FLOOR_A, S1, json=lambda w: {
        "client_id": fresh(), "ticket_no": w["A2"], "kind": "left", "reason": "toilet",
        "observed_at": now_iso()}, ok=frozenset({409})),
    Route("api.list_room_movements", "GET", ROOM_A, S1_A),
    Route("api.list_candidate_movements", "GET", ROOM_A,
          lambda w: {"sid": w["s1"], "ticket_no": w["A1"]}),
    Route("api.post_room_log", "POST", FLOOR_A, S1_A, json=cid_body(kind="rules_read",
                                                                  observed_at=now_iso())),
    Route("api.get_room_record", "GET", ROOM_A, lambda w: {**S1_A(w), "subject": "theory"}),
    Route("api.put_closeout", "PUT", frozenset({INV}), lambda w: {**S1_A(w), "subject": "theory"},
          json=cid_body(handed_out=4, collected=4)),
    Route("api.post_explanation", "POST", frozenset({INV}),
          lambda w: {**S1_A(w), "subject": "theory"},
          json=lambda w: {"client_id": fresh(), "discrepancy": f"unrecorded:{w['A2']}",
                          "text": "absent, not marked"}),
    # room A still has unexplained discrepancies: 409 unexplained_discrepancy
    Route("api.post_room_record_signoff", "POST", frozenset({INV}),
          lambda w: {**S1_A(w), "subject": "theory"}, ok=frozenset({409})),
    Route("api.list_events", "GET", SITTING_1, S1),
    Route("api.get_camera_preview", "GET", MANAGERS, S1_A, ok=frozenset({422})),
    Route("api.post_camera_test", "POST", MANAGERS, S1_A, ok=frozenset({422})),
    Route("api.get_board", "GET", MANAGERS, S1),
    Route("api.list_sitting_deadlines", "GET", MANAGERS, S1),
    # the patrol (巡考)
    Route("api.post_flag", "POST", frozenset({PATROL}), lambda w: {"rid": w["room_A"]},
          json=cid_body(seat_no=2, note="flag", observed_at=now_iso())),
    Route("api.post_sitting_flag", "POST", frozenset({PATROL}), S1, json=lambda w: {
        "client_id": fresh(), "room_id": w["room_A"], "seat_no": 2, "note": "flag"}),
    Route("api.list_flags", "GET", ROOM_A, lambda w: {"rid": w["room_A"]}),
    Route("api.post_flag_photo", "POST", frozenset({PATROL}), lambda w: {"fid": w["fA"]},
          form=photo_form),
    Route("api.get_flag_photo", "GET", ROOM_A, lambda w: {"pid": w["fpA"], "variant": "thumb"}),
    Route("api.post_flag_answer", "POST", FLOOR_A, lambda w: {"fid": w["fA2"]},
          json={"outcome": "nothing_found"}, ok=frozenset({409})),
    Route("api.post_visit", "POST", frozenset({PATROL}), S1, json=lambda w: {
        "client_id": fresh(), "room_id": w["room_A"], "visited_at": now_iso(),
        "invigilators": ["inv1"], "rules_read": True}),
    Route("api.get_patrol_record", "GET", frozenset({PATROL, CHIEF, BODY}), S1,
          query="patrol=patrol1"),
    Route("api.post_patrol_signoff", "POST", frozenset({PATROL}), S1, last=True),
    # sittings, candidates, set-up
    Route("api.list_sittings", "GET", ANYONE),
    Route("api.get_sitting", "GET", SITTING_1, S1),
    Route("api.create_sitting", "POST", AUTHORITY, json={
        "occupation": "x", "level": 3, "date": "2025-08-01", "subjects": [
            {"code": "theory", "name": "t", "starts_at": "09:00", "ends_at": "10:00"}]}),
    Route("api.create_room", "POST", AUTHORITY, S1, json=lambda w: {
        "name": f"R{fresh()[:6]}", "rows": 2, "cols": 2}),
    Route("api.patch_room", "PATCH", AUTHORITY, S1_A, json={"name": "A"}),
    Route("api.assign_staff", "POST", AUTHORITY, S1, json=lambda w: {
        "username": "victim", "role": "invigilator", "room_id": w["room_B"]}),
    Route("api.create_candidate", "POST", AUTHORITY, S1, json=lambda w: {
        "ticket_no": f"N{fresh()[:6]}", "name": "New-zq", "id_number": id_number(60)}),
    Route("api.correct_identity", "POST", AUTHORITY, lambda w: {"sid": w["s1"],
                                                               "ticket_no": w["A3"]},
          json={"id_number": id_number(61), "name": "Right-zq", "reason": "typed wrong"}),
    Route("api.list_candidates", "GET", SITTING_1, S1),
    Route("api.get_candidate", "GET", ROOM_A, lambda w: {"sid": w["s1"], "ticket_no": w["A1"]}),
    Route("api.get_sanctions", "GET", ROOM_A, lambda w: {"sid": w["s1"], "ticket_no": w["A1"]}),
    Route("api.import_roster", "POST", AUTHORITY, S1, form=roster_form),
    Route("api.put_pre_notice_tiers", "PUT", AUTHORITY, S1, json={"pre_notice_tiers": None}),
    # seating (a dry run: the world's seats stay as they are; 409 once room A checked in)
    Route("api.post_seating", "POST", AUTHORITY, S1, json={
        "strategy": "random", "separate_by": "training_body", "seed": 7, "dry_run": True},
          ok=frozenset({409})),
    # registration photos and the identity check (人证核验)
    Route("api.import_photos", "POST", AUTHORITY, S1, form=photos_form),
    Route("api.get_photo", "GET", ROOM_A, lambda w: {"sid": w["s1"], "ticket_no": w["A1"]}),
    Route("api.post_checkin_photo", "POST", FLOOR_A,
          lambda w: {"sid": w["s1"], "ticket_no": w["A1"]}, form=photo_form),
    Route("api.get_checkin_photo", "GET", ROOM_A,
          lambda w: {"sid": w["s1"], "ticket_no": w["A1"], "pid": w["cpA"]}),
    Route("api.post_identity_evidence", "POST", ROOM_A, IA, json=lambda w: {"ticket_no": w["A1"]}),
    # due process
    Route("api.post_notices", "POST", MANAGERS, IA, json={}),
    Route("api.list_incident_notices", "GET", MANAGERS, IA),
    Route("api.get_case_file", "GET", MANAGERS, IA),
    Route("api.get_notice", "GET", MANAGERS, NA),
    Route("api.post_service", "POST", MANAGERS, NA,
          json=lambda w: {"method": "in_person", "served_on": today(w)}),
    Route("api.post_review", "POST", MANAGERS, NA,
          json=lambda w: {"received_on": today(w), "grounds": "again"}, ok=frozenset({409})),
    Route("api.post_review_outcome", "POST", MANAGERS, lambda w: {"rid": w["rvA"]},
          json={"outcome": "upheld", "note": "upheld"}, ok=frozenset({409})),
    Route("api.list_sitting_reviews", "GET", MANAGERS, S1),
    Route("api.list_overdue_reviews", "GET", CHIEFS_AND_BODY),
    # due process before the decision (事先告知, 陈述申辩)
    Route("api.post_pre_notices", "POST", MANAGERS, lambda w: {"iid": w["iP"]}),
    Route("api.list_pre_notices", "GET", MANAGERS, lambda w: {"iid": w["iP"]}),
    Route("api.get_pre_notice", "GET", MANAGERS, PA),
    Route("api.post_pre_notice_service", "POST", MANAGERS, PA,
          json=lambda w: {"method": "in_person", "served_on": today(w)}),
    Route("api.post_statement", "POST", MANAGERS, PA,
          json=lambda w: {"client_id": fresh(), "text": "more", "received_via": "post"}),
    Route("api.post_statement_file", "POST", MANAGERS, PA, form=lambda w: {
        "file": (io.BytesIO(image(seed=5)), "s.jpg"), "client_id": fresh()}),
    # conduct of staff and training bodies (the body; a chief reports at their sitting)
    Route("api.post_conduct_record", "POST", MANAGERS, json=lambda w: {
        "client_id": fresh(), "subject_kind": "staff", "staff_username": "inv2",
        "sitting_id": w["s1"], "code": "S1.2", "description": "seen", "observed_at": now_iso()}),
    Route("api.list_conduct_records", "GET", CHIEFS_AND_BODY),
    Route("api.get_conduct_record", "GET", MANAGERS, CD_A),
    Route("api.post_conduct_evidence", "POST", MANAGERS, CD_A, form=photo_form),
    Route("api.post_conduct_decision", "POST", AUTHORITY, CD_A,
          json={"decision": "confirm", "measure": "reprimand", "reasons": "seen"},
          ok=frozenset({409})),
    Route("api.post_conduct_notice", "POST", AUTHORITY, CD_A, ok=frozenset({409})),
    # the registry, accounts, the audit log
    Route("api.get_bans", "GET", AUTHORITY, query="as_of=2025-07-10"),
    Route("api.get_ban_manifest", "GET", AUTHORITY, query=lambda w: f"audit_head={w['export']}"),
    Route("api.get_eligibility", "GET", AUTHORITY,
          query=f"id_number={id_number(1)}&date=2025-07-10"),
    Route("api.post_eligibility", "POST", AUTHORITY, json={"id_numbers": [id_number(1)],
                                                          "date": "2025-07-10"}),
    Route("api.get_revocations", "GET", AUTHORITY),
    Route("api.get_analytics", "GET", AUTHORITY, query="group_by=room&from=2025-06-01"),
    Route("api.get_audit_verify", "GET", AUTHORITY),
    # patterns across sittings: the person of A1 and C1 is confirmed in both (a repeat)
    Route("api.list_patterns", "GET", AUTHORITY, query="from=2025-06-01&to=2025-07-31"),
    Route("api.list_audit", "GET", AUTHORITY),
    Route("api.list_users", "GET", AUTHORITY),
    Route("api.create_user", "POST", AUTHORITY, json=lambda w: {
        "username": f"u{fresh()[:8]}", "role": "invigilator", "password": "a long password 1"}),
    Route("api.disable_user", "POST", AUTHORITY, VICTIM),
    Route("api.enable_user", "POST", AUTHORITY, VICTIM),
    Route("api.end_user_sessions", "POST", AUTHORITY, VICTIM),
    Route("api.set_user_password", "POST", AUTHORITY, VICTIM,
          json={"password": "another long password 2"}),
    Route("api.create_user_token", "POST", AUTHORITY, VICTIM),
    Route("api.revoke_user_tokens", "POST", AUTHORITY, VICTIM),
    Route("api.list_rules", "GET", ANYONE),
    Route("api.suggest_rules", "GET", ANYONE, query="q=phone"),
    Route("api.api_me", "GET", ANYONE),
    # pages
    Route("auth.home", "GET", ANYONE),
    Route("floor.index", "GET", ANYONE),
    Route("floor.room", "GET", ROOM_A, S1_A),
    Route("floor.room_record", "GET", ROOM_A, lambda w: {**S1_A(w), "subject": "theory"}),
    Route("floor.seized_receipt", "GET", ROOM_A, lambda w: {"item_id": w["szA"]}),
    Route("floor.patrol_record", "GET", frozenset({PATROL, CHIEF, BODY}), S1,
          query="patrol=patrol1"),
    Route("review.index", "GET", CHIEFS_AND_BODY),
    Route("review.board", "GET", MANAGERS, S1),
    Route("review.incident", "GET", MANAGERS, IA),
    Route("review.candidate", "GET", MANAGERS, lambda w: {"sid": w["s1"], "ticket_no": w["A1"]}),
    Route("notices.show", "GET", MANAGERS, NA),
    Route("notices.pdf", "GET", MANAGERS, NA),
    Route("notices.proof", "GET", MANAGERS, NA),
    Route("notices.pre_notice", "GET", MANAGERS, PA),
    Route("notices.pre_notice_pdf", "GET", MANAGERS, PA),
    Route("seating.plan", "GET", MANAGERS, S1),
    Route("seating.door", "GET", MANAGERS, S1),
    Route("seating.labels", "GET", MANAGERS, S1),
    Route("authority.index", "GET", AUTHORITY),
    Route("authority.sitting", "GET", AUTHORITY, S1),
    Route("authority.accounts", "GET", AUTHORITY),
    Route("authority.audit", "GET", AUTHORITY),
    Route("authority.exports", "GET", AUTHORITY),
    Route("conduct.index", "GET", AUTHORITY),
    Route("conduct.new", "GET", AUTHORITY),
    Route("conduct.record", "GET", AUTHORITY, CD_A),
    Route("conduct.file", "GET", AUTHORITY, lambda w: {**CD_A(w), "fid": w["cfA"],
                                                       "variant": "thumb"}),
    Route("conduct.notice", "GET", AUTHORITY, lambda w: {"rid": w["cdB"]}),
    Route("conduct.notice_pdf", "GET", AUTHORITY, lambda w: {"rid": w["cdB"]}),
    Route("authority.analytics_page", "GET", AUTHORITY, query="group_by=training_body"),
    Route("authority.patterns", "GET", AUTHORITY, query="kind=repeat_offender"),
    # ending a session: asked last
    Route("api.api_logout", "POST", ANYONE, last=True),
    Route("auth.logout", "POST", ANYONE, last=True),
]

# Routes open to anyone, with the reason; the matrix still asks each one anonymously and checks
# that its answer holds no marker.
PUBLIC: dict[tuple[str, str], tuple[str, str]] = {
    ("api.api_login", "POST"): ("", "logging in is how a caller gets a scope (test_sessions)"),
    ("api.openapi_document", "GET"): ("/api/v1/openapi.json", "the API's description: no record"),
    ("auth.login_page", "GET"): ("/login", "the login form"),
    ("auth.login_page", "POST"): ("", "the login form (test_redirects_and_headers)"),
    ("auth.set_language", "GET"): ("/lang/en", "a language cookie and a same-site redirect"),
    ("health.healthz", "GET"): ("/healthz", "liveness: no record"),
    ("static", "GET"): ("/static/css/app.css", "the package's CSS and JS: no record"),
    ("floor.service_worker", "GET"): ("/sw.js", "the tablet's service worker script"),
    # The candidate's own page: no account; the token and the identity check guard it
    # (test_candidate_page). Asked here with an unknown token.
    ("candidate.page", "GET"): ("/c/" + "x" * 43, "a candidate's page: 404 without its token"),
    ("candidate.check", "POST"): ("", "the identity check of a candidate's page"),
    ("candidate.statement", "POST"): ("", "a statement sent from a candidate's page"),
    ("candidate.review", "POST"): ("", "a review request sent from a candidate's page"),
    ("candidate.photo", "GET"): ("/c/" + "x" * 43 + "/photos/1",
                                 "a photo's thumbnail on a candidate's page: 404 without it"),
    ("floor.vendor", "GET"): ("/vendor/socket.io/socket.io.esm.min.js",
                              "pinned front-end libraries from node_modules"),
}


def check(w: World, caller: str, route: Route, problems: list[str]) -> int:
    url = url_of(w, route)
    allowed = route.allows(caller)
    before = fingerprint(w) if not allowed and route.method != "GET" else None
    response = call(w, caller, route.method, url, body_of(route.json, w), body_of(route.form, w))
    status, where = response.status_code, f"{caller:28} {route.method:5} {url}"
    if status >= 500:
        problems.append(f"{where}: {status}")
    elif allowed and (status in (401, 403, 404) or (status >= 400 and status not in route.ok)):
        problems.append(f"{where}: {status} for a caller who may act "
                        f"{response.get_data(as_text=True)[:160]}")
    elif not allowed and not refused(caller, url, response):
        problems.append(f"LEAK {where}: {status} where a refusal is due "
                        f"{response.get_data(as_text=True)[:120]}")
    if not allowed and url.startswith("/api/") and status >= 400:
        body = response.get_json(silent=True)
        if not (isinstance(body, dict) and set(body) == {"error"}):
            problems.append(f"{where}: not the contract's error format: {body}")
    leaked = leaks_in(w, caller, response)
    if leaked:
        problems.append(f"LEAK {where}: {status} shows {leaked}")
    if before is not None and fingerprint(w) != before:
        problems.append(f"LEAK {where}: {status} but the refused write changed the database")
    return int(status)


def test_every_route_of_the_url_map_is_in_the_matrix(world: World,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    rules = {(rule.endpoint, method) for rule in world.app.url_map.iter_rules()
             for method in rule.methods - {"HEAD", "OPTIONS"}}
    checked = [(r.endpoint, r.method) for r in ROUTES]
    assert len(checked) == len(set(checked)), "a route is listed twice"
    covered = set(checked) | set(PUBLIC)
    assert not set(checked) & set(PUBLIC), "a route is both checked and public"
    for endpoint, method in sorted(covered):
        reason = PUBLIC.get((endpoint, method), (None, None))[1]
        print(f"{method:6} {endpoint:32} {'public: ' + reason if reason else 'matrix'}")
    with capsys.disabled():
        print(f"\naccess matrix: {len(checked)} routes checked + {len(PUBLIC)} public = "
              f"{len(covered)} of the URL map's {len(rules)}")
    assert rules - covered == set(), f"routes missing from the matrix: {sorted(rules - covered)}"
    assert covered - rules == set(), f"matrix rows for no route: {sorted(covered - rules)}"


def test_every_caller_gets_what_the_scope_allows_on_every_route(world: World) -> None:
    problems: list[str] = []
    started = time.monotonic()
    table = []
    for route in sorted(ROUTES, key=lambda r: r.last):
        answers = {caller: check(world, caller, route, problems)
                   for caller in sorted(CALLERS, key=route.allows)}  # refusals first
        table.append(f"{route.method:6} {route.endpoint:32} " + " ".join(
            f"{caller.split()[0]}={answers[caller]}{'*' if route.allows(caller) else ''}"
            for caller in CALLERS))
    print("who got what (* = may act):", *table, sep="\n")
    for (endpoint, method), (path, _reason) in PUBLIC.items():
        if method == "GET" and path:
            response = call(world, ANON, "GET", path)
            if response.status_code >= 500 or leaks_in(world, ANON, response):
                problems.append(f"public {endpoint}: {response.status_code}")
    print(f"{len(ROUTES) * len(CALLERS)} answers checked in {time.monotonic() - started:.2f}s")
    log_in_sessions(world)
    assert problems == [], "\n".join(problems)


# -- ids named in a body --------------------------------------------------------------------
@dataclass(frozen=True)
class BodyId:
    """A caller allowed by the URL names, in the body or the query, an object out of scope."""

    caller: str
    endpoint: str
    path: Callable[[World], dict[str, Any]]
    json: Body
    expect: frozenset[int] = frozenset({403, 404, 422})
    method: str = "POST"
    query: str = ""


BODY_IDS = [
    BodyId(INV, "api.put_seat", lambda w: {"sid": w["s1"], "ticket_no": w["A4"]},
           lambda w: {"room_id": w["room_B"], "seat_no": 12}, method="PUT"),
    BodyId(CHIEF, "api.put_seat", lambda w: {"sid": w["s1"], "ticket_no": w["A4"]},
           lambda w: {"room_id": w["room_C"], "seat_no": 12}, method="PUT"),
    BodyId(INV, "api.post_warning", S1, lambda w: {
        "client_id": fresh(), "ticket_no": w["B1"], "subject": "theory", "rule_code": "T1.1",
        "observed_at": now_iso()}),
    BodyId(INV, "api.post_warning", S1, lambda w: {
        "client_id": fresh(), "ticket_no": w["C2"], "subject": "theory", "rule_code": "T1.1",
        "observed_at": now_iso()}),
    BodyId(INV, "api.post_incident", S1, lambda w: {
        "client_id": fresh(), "rule_code": "T2.4", "observed_at": now_iso(),
        "parties": [{"ticket_no": w["A1"]}, {"ticket_no": w["B1"], "role": "accomplice"}]}),
    BodyId(INV, "api.post_movement", S1, lambda w: {
        "client_id": fresh(), "ticket_no": w["B1"], "kind": "returned",
        "observed_at": now_iso()}),
    BodyId(CHIEF, "api.post_movement", S1, lambda w: {
        "client_id": fresh(), "ticket_no": w["C2"], "kind": "returned",
        "observed_at": now_iso()}),
    BodyId(INV, "api.post_movement", S1, lambda w: {
        "client_id": fresh(), "ticket_no": w["A3"], "kind": "left", "reason": "toilet",
        "escort_username": "inv3", "observed_at": now_iso()}),
    BodyId(INV, "api.post_incident", S1, lambda w: {
        "client_id": fresh(), "rule_code": "T2.4", "observed_at": now_iso(),
        "parties": [{"name": "Someone", "id_number": id_number(70)}]}),
    BodyId(CHIEF, "api.post_incident", S1, lambda w: {
        "client_id": fresh(), "rule_code": "T2.4", "observed_at": now_iso(),
        "parties": [{"ticket_no": w["C2"]}]}),
    BodyId(INV, "api.post_seized", IA, lambda w: {
        "client_id": fresh(), "ticket_no": w["B1"], "description": "x", "kept_at": "y",
        "seized_at": now_iso()}),
    BodyId(CHIEF, "api.post_seized", IA, lambda w: {
        "client_id": fresh(), "ticket_no": w["B1"], "description": "x", "kept_at": "y",
        "seized_at": now_iso()}),
    BodyId(INV, "api.post_identity_evidence", IA, lambda w: {"ticket_no": w["B1"]}),
    BodyId(INV, "api.post_attendance", lambda w: {"sid": w["s1"], "ticket_no": w["A4"]},
           lambda w: {"status": "present", "subject": "theory",
                      "identity": {"id_card": True, "photo": "match",
                                   "checkin_photo_id": w["cpA"]}}),
    BodyId(BODY, "api.assign_staff", S1, lambda w: {
        "username": "victim", "role": "invigilator", "room_id": w["room_C"]}),
    BodyId(PATROL, "api.post_visit", S1, lambda w: {
        "client_id": fresh(), "room_id": w["room_C"], "visited_at": now_iso(),
        "rules_read": True}),
    BodyId(INV, "api.post_flag_answer", lambda w: {"fid": w["fA3"]}, lambda w: {
        "outcome": "incident_reported", "incident_id": w["iB"]}),
    BodyId(INV, "api.post_flag_answer", lambda w: {"fid": w["fA3"]}, lambda w: {
        "outcome": "incident_reported", "incident_id": w["iC"]}),
    BodyId(INV, "api.post_flag_answer", lambda w: {"fid": w["fA3"]}, lambda w: {
        "outcome": "reminded", "warning_id": w["wB"]}),
    BodyId(CHIEF, "api.post_notices", IA, lambda w: {"person_id": w["person_B1"]}),
    BodyId(INV, "api.post_explanation", lambda w: {**S1_A(w), "subject": "theory"},
           lambda w: {"client_id": fresh(), "discrepancy": f"unrecorded:{w['B1']}",
                      "text": "another room's candidate"}, expect=frozenset({422})),
    BodyId(CHIEF, "api.post_conduct_record", lambda w: {}, lambda w: {
        "client_id": fresh(), "subject_kind": "staff", "staff_username": "inv4",
        "sitting_id": w["s2"], "code": "S1.2", "description": "x", "observed_at": now_iso()}),
    BodyId(CHIEF, "api.post_conduct_record", lambda w: {}, lambda w: {
        "client_id": fresh(), "subject_kind": "staff", "staff_username": "inv4",
        "sitting_id": w["s1"], "code": "S1.2", "description": "x", "observed_at": now_iso()}),
    BodyId(CHIEF, "api.post_conduct_record", lambda w: {}, lambda w: {
        "client_id": "cid-cdB-zq", "subject_kind": "training_body", "training_body": "Body-B-zq",
        "sitting_id": w["s1"], "code": "B1.2", "description": "x", "observed_at": now_iso()},
        expect=frozenset({409})),
    BodyId(INV, "api.list_events", S1, None, expect=frozenset({200}), method="GET",
           query="room_id={room_B}"),
    BodyId(INV, "api.list_events", S1, None, expect=frozenset({200}), method="GET",
           query="room_id={room_C}"),
]


def test_every_id_in_a_body_is_checked_like_the_url(world: World) -> None:
    log_in_sessions(world)
    problems: list[str] = []
    for case in BODY_IDS:
        route = Route(case.endpoint, case.method, frozenset(), case.path,
                      query=case.query.format(**world.ids))
        url = url_of(world, route)
        before = fingerprint(world)
        response = call(world, case.caller, case.method, url, body_of(case.json, world))
        where = f"{case.caller} {case.method} {url} {body_of(case.json, world)}"
        if response.status_code not in case.expect:
            problems.append(f"LEAK {where}: {response.status_code} "
                            f"{response.get_data(as_text=True)[:160]}")
        if leaks_in(world, case.caller, response):
            problems.append(f"LEAK {where}: shows {leaks_in(world, case.caller, response)}")
        if fingerprint(world) != before:
            problems.append(f"LEAK {where}: the refused write changed the database")
    assert problems == [], "\n".join(problems)


# -- client_id replays ------------------------------------------------------------------------
@dataclass(frozen=True)
class Replay:
    """A client_id of a record of room A, and how to send it against another target."""

    endpoint: str
    client_id: str
    record: str  # the world key of the record it made
    send: Callable[[World, str, dict[str, Any]], tuple[dict[str, Any], Any, Any]]
    # (url values, json, form) for a target: {"sid", "rid", "ticket", "iid"}


def _json(path: Callable[[dict[str, Any]], dict[str, Any]],
          body: Callable[[dict[str, Any], str], dict[str, Any]]):
    return lambda w, key, t: (path(t), body(t, key), None)


def _form(kind: str):
    def send(w: World, key: str, t: dict[str, Any]):
        return {"iid": t["iid"]}, None, {"file": (io.BytesIO(image(kind, 9)), "f"),
                                         "client_id": key}
    return send


REPLAYS = [
    Replay("api.post_warning", "cid-wA-zq", "wA", _json(lambda t: {"sid": t["sid"]}, lambda t, k: {
        "client_id": k, "ticket_no": t["ticket"], "subject": "theory", "rule_code": "T1.1",
        "observed_at": now_iso()})),
    Replay("api.post_incident", "cid-iA-zq", "iA", _json(lambda t: {"sid": t["sid"]}, lambda t, k: {
        "client_id": k, "rule_code": "T2.1", "observed_at": now_iso(),
        "parties": [{"ticket_no": t["ticket"]}]})),
    Replay("api.post_room_log", "cid-logA-zq", "logA", _json(
        lambda t: {"sid": t["sid"], "rid": t["rid"]},
        lambda t, k: {"client_id": k, "kind": "other", "note": "n", "observed_at": now_iso()})),
    Replay("api.post_movement", "cid-mvA-zq", "mvA", _json(lambda t: {"sid": t["sid"]},
                                                           lambda t, k: {
        "client_id": k, "ticket_no": t["ticket"], "kind": "left", "reason": "toilet",
        "observed_at": now_iso()})),
    Replay("api.post_evidence", "cid-eA-zq", "eA", _form(".jpg")),
    Replay("api.post_camera_frame", "cid-camA-zq", "camA",
           _json(lambda t: {"iid": t["iid"]}, lambda t, k: {"client_id": k})),
    Replay("api.post_signature", "cid-sigA-zq", "sigA", _form(".png")),
    Replay("api.post_refusal", "cid-refA-zq", "refA",
           _json(lambda t: {"iid": t["iid"]}, lambda t, k: {"client_id": k})),
    Replay("api.post_addendum", "cid-adA-zq", "adA",
           _json(lambda t: {"iid": t["iid"]}, lambda t, k: {"client_id": k, "text": "t"})),
    Replay("api.post_checkin_photo", "cid-cpA-zq", "cpA",
           lambda w, key, t: ({"sid": t["sid"], "ticket_no": t["ticket"]}, None,
                              {"file": (io.BytesIO(image(".jpg", 9)), "f"), "client_id": key})),
    Replay("api.post_seized", "cid-szA-zq", "szA", _json(lambda t: {"iid": t["iid"]}, lambda t, k: {
        "client_id": k, "description": "d", "kept_at": "k", "seized_at": now_iso()})),
]

# The record's own target, for the one replay that must answer it.
OWN_TARGET = {"api.post_refusal": "iA2"}


def targets(w: World) -> dict[str, dict[str, Any]]:
    return {
        INV_OTHER: {"sid": w["s1"], "rid": w["room_B"], "ticket": w["B1"], "iid": w["iB"]},
        CHIEF_OTHER: {"sid": w["s2"], "rid": w["room_C"], "ticket": w["C2"], "iid": w["iC"]},
        # the same room, another candidate and incident (an incident's target is its sitting,
        # a log entry's its room: there the caller's own record is the answer)
        INV: {"sid": w["s1"], "rid": w["room_A"], "ticket": w["A4"], "iid": w["iA3"]},
    }


def test_every_client_id_replay_returns_only_its_own_record(world: World) -> None:
    log_in_sessions(world)
    problems: list[str] = []
    same_scope = {"api.post_incident", "api.post_room_log"}
    for replay in REPLAYS:
        for caller, target in targets(world).items():
            values, json, form = replay.send(world, replay.client_id, target)
            url = url_for_values(world, replay.endpoint, values)
            before = fingerprint(world)
            response = call(world, caller, "POST", url, json, form)
            where = f"{caller} POST {url} client_id={replay.client_id}"
            body = response.get_json(silent=True) or {}
            if caller == INV and replay.endpoint in same_scope:
                if response.status_code != 200 or body.get("id") != world[replay.record]:
                    problems.append(f"{where}: {response.status_code} {body}")
            elif response.status_code != 409 or body.get("error", {}).get("code") != \
                    "client_id_conflict" or set(body) != {"error"}:
                problems.append(f"LEAK {where}: {response.status_code} "
                                f"{response.get_data(as_text=True)[:160]}")
            if leaks_in(world, caller, response):
                problems.append(f"LEAK {where}: shows {leaks_in(world, caller, response)}")
            if fingerprint(world) != before:
                problems.append(f"LEAK {where}: the replay changed the database")
        own = {**targets(world)[INV], "ticket": world["A1"],
               "iid": world[OWN_TARGET.get(replay.endpoint, "iA")]}
        values, json, form = replay.send(world, replay.client_id, own)
        url = url_for_values(world, replay.endpoint, values)
        response = call(world, INV, "POST", url, json, form)
        if response.status_code != 200 or response.get_json().get("id") != world[replay.record]:
            problems.append(f"{INV} POST {url}: its own replay answered {response.status_code} "
                            f"{response.get_data(as_text=True)[:160]}")
    assert problems == [], "\n".join(problems)
