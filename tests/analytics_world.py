"""A seeded random world for the oversight figures: sittings, rooms, training bodies,
invigilators, candidates (some unseated), reminders (complied, refused, pending; a refusal
raises its Tier-1 incident), incidents (reported, proposed, confirmed, dismissed; several
parties, impostors), decision letters, their service and reviews (upheld, changed, overturned,
pending).

`make_world(seed, ...)` returns the world as plain records (lists of dataclasses), which a test
answers in plain Python; `write_world(world)` bulk-inserts the very records into the app's
tables (Core inserts with explicit ids, so `python -m bench.analytics` fills 20 000
candidates in seconds). The writer is the only part that knows the tables.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

ZONE = ZoneInfo("Asia/Shanghai")
BODIES = ("浦东职业培训学校", "徐汇人工智能学院", "静安技能培训中心", "闵行科技培训部", None)
RULES_BY_TIER = {1: ("T1.4",), 2: ("T2.1", "T2.2", "T2.3", "T2.4", "T2.5"),
                 3: ("T3.2", "T3.3", "T3.4", "T3.5", "T3.7")}
WARNING_RULES = ("T1.1", "T1.2", "T1.3")


@dataclass
class WSitting:
    id: int
    day: date
    rooms: list[int]
    subjects: list[int]


@dataclass
class WCandidate:
    id: int
    sitting_id: int
    person_id: int
    training_body: str | None
    room_id: int | None
    seat_no: int | None


@dataclass
class WWarning:
    id: int
    candidate_id: int
    subject_id: int
    room_id: int | None
    rule_code: str
    observed_at: datetime
    recorded_by: int
    outcome: str
    incident_id: int | None = None


@dataclass
class WNotice:
    id: int
    incident_id: int
    person_id: int
    candidate_id: int | None
    served_on: date | None
    review_status: str | None  # None: no review asked


@dataclass
class WIncident:
    id: int
    sitting_id: int
    room_id: int | None
    rule_code: str
    tier: int
    reported_by: int
    observed_at: datetime
    recorded_at: datetime
    status: str
    parties: list[tuple[int, int | None]]  # (person_id, candidate_id or None: an impostor)
    decision: str | None = None  # confirm or dismiss
    decided_at: datetime | None = None
    warning_id: int | None = None
    notices: list[WNotice] = field(default_factory=list)


@dataclass
class World:
    sittings: list[WSitting] = field(default_factory=list)
    room_names: dict[int, str] = field(default_factory=dict)
    invigilators: list[int] = field(default_factory=list)
    chief: int = 0
    candidates: list[WCandidate] = field(default_factory=list)
    warnings: list[WWarning] = field(default_factory=list)
    incidents: list[WIncident] = field(default_factory=list)
    impostors: list[int] = field(default_factory=list)


def _moment(rng: random.Random, day: date) -> datetime:
    """A time on the sitting's day between 08:30 and 16:00 venue time, in UTC."""
    local = datetime.combine(day, time(8, 30), ZONE) + timedelta(minutes=rng.randrange(450))
    return local.astimezone(UTC)


def make_world(seed: int, sittings: int = 4, rooms: int = 3, candidates: int = 30,
               warnings: int = 40, incidents: int = 30, invigilators: int = 5) -> World:
    """A world of `sittings` sittings, `rooms` rooms and `candidates` candidates each, and
    `warnings` reminders and `incidents` incidents (beyond the refusals') in all."""
    rng = random.Random(seed)
    w = World(invigilators=list(range(9002, 9002 + invigilators)), chief=9001)  # apart from
    # the accounts a test makes through the app (PostgreSQL's sequence starts at 1)
    room_id = subject_id = candidate_id = person_id = 0
    for index in range(sittings):
        day = date(2025, 6, 20) + timedelta(days=7 * index + rng.randrange(3))
        room_ids = list(range(room_id + 1, room_id + rooms + 1))
        room_id += rooms
        for rid in room_ids:
            w.room_names[rid] = f"第{rid - room_ids[0] + 1}考场"
        w.sittings.append(WSitting(index + 1, day, room_ids, [subject_id + 1, subject_id + 2]))
        subject_id += 2
        seats = dict.fromkeys(room_ids, 0)
        for _ in range(candidates):
            candidate_id += 1
            person_id += 1
            room = rng.choice(room_ids) if rng.random() > 0.08 else None
            seat = None
            if room is not None:
                seats[room] += 1
                seat = seats[room]
            w.candidates.append(WCandidate(candidate_id, index + 1, person_id,
                                           rng.choice(BODIES), room, seat))
    w.impostors = [person_id + 1 + i for i in range(3)]
    _events(w, rng, warnings, incidents)
    return w


def _events(w: World, rng: random.Random, warnings: int, incidents: int) -> None:
    by_sitting = {s.id: [c for c in w.candidates if c.sitting_id == s.id] for s in w.sittings}
    sittings = {s.id: s for s in w.sittings}
    notice_id = 0
    for wid in range(1, warnings + 1):
        candidate = rng.choice(w.candidates)
        sitting = sittings[candidate.sitting_id]
        outcome = rng.choice(("complied", "complied", "refused", "pending"))
        warning = WWarning(wid, candidate.id, rng.choice(sitting.subjects), candidate.room_id,
                           rng.choice(WARNING_RULES), _moment(rng, sitting.day),
                           rng.choice(w.invigilators), outcome)
        w.warnings.append(warning)
        if outcome == "refused":
            incident = _incident(w, rng, sitting, warning.rule_code, 1, [candidate])
            incident.room_id, incident.warning_id = warning.room_id, wid
            incident.observed_at = warning.observed_at + timedelta(minutes=rng.randrange(1, 9))
            incident.recorded_at = incident.observed_at + timedelta(seconds=rng.randrange(60))
            warning.incident_id = incident.id
    for _ in range(incidents):
        sitting = rng.choice(w.sittings)
        tier = rng.choice((1, 2, 2, 3))
        parties = rng.sample(by_sitting[sitting.id], rng.choice((1, 1, 2)))
        incident = _incident(w, rng, sitting, rng.choice(RULES_BY_TIER[tier]), tier, parties)
        if rng.random() < 0.15:
            incident.parties.append((rng.choice(w.impostors), None))
        if rng.random() < 0.1:
            incident.room_id = None  # found after the exam
    for incident in w.incidents:
        notice_id = _decide(w, rng, incident, notice_id)


def _incident(w: World, rng: random.Random, sitting: WSitting, rule: str, tier: int,
              parties: list[WCandidate]) -> WIncident:
    observed = _moment(rng, sitting.day)
    incident = WIncident(len(w.incidents) + 1, sitting.id, parties[0].room_id, rule, tier,
                         rng.choice(w.invigilators), observed,
                         observed + timedelta(seconds=rng.randrange(30, 900)), "reported",
                         [(c.person_id, c.id) for c in parties])
    w.incidents.append(incident)
    return incident


def _decide(w: World, rng: random.Random, incident: WIncident, notice_id: int) -> int:
    fate = rng.choice(("reported", "proposed", "confirmed", "confirmed", "confirmed",
                       "dismissed"))
    incident.status = fate
    if fate in ("reported", "proposed"):
        return notice_id
    incident.decision = "confirm" if fate == "confirmed" else "dismiss"
    incident.decided_at = incident.recorded_at + timedelta(minutes=rng.randrange(5, 60 * 72))
    if fate == "dismissed" or rng.random() < 0.2:  # some confirmed ones have no letters yet
        return notice_id
    decided_on = incident.decided_at.astimezone(ZONE).date()
    for person_id, candidate_id in incident.parties:
        notice_id += 1
        served = decided_on + timedelta(days=rng.randrange(0, 10)) if rng.random() < 0.8 \
            else None
        review = None
        if served is not None and rng.random() < 0.4:
            review = rng.choice(("pending", "upheld", "changed", "overturned"))
        incident.notices.append(WNotice(notice_id, incident.id, person_id, candidate_id,
                                        served, review))
    if any(n.review_status == "overturned" for n in incident.notices):
        incident.status = "overturned"
    return notice_id


def write_world(w: World) -> None:
    """Insert the world into the app's tables (inside an app context; the caller commits)."""
    from sqlalchemy import insert

    from proctor.extensions import db
    from proctor.models import (
        Candidate,
        CandidateWarning,
        Decision,
        Incident,
        IncidentParty,
        Notice,
        Person,
        ReviewRequest,
        Room,
        SeatAssignment,
        Sitting,
        Subject,
        User,
    )

    now = datetime.now(UTC)

    def put(model: type, rows: list[dict[str, object]]) -> None:
        for start in range(0, len(rows), 5000):
            if rows[start:start + 5000]:
                db.session.execute(insert(model), rows[start:start + 5000])

    put(User, [{"id": uid, "username": f"analyst{uid}", "display_name":
                ("" if uid % 2 else f"监考员{uid}"), "role": "invigilator" if uid != w.chief
                else "chief", "password_hash": "x", "created_at": now}
               for uid in [w.chief, *w.invigilators]])
    put(Sitting, [{"id": s.id, "occupation": "人工智能训练师", "level": 4, "date": s.day,
                   "created_at": now} for s in w.sittings])
    put(Subject, [{"id": sid, "sitting_id": s.id, "code": f"s{n}", "name": f"科目{n}",
                   "starts_at": datetime.combine(s.day, time(1 + 4 * n), UTC),
                   "ends_at": datetime.combine(s.day, time(3 + 4 * n), UTC)}
                  for s in w.sittings for n, sid in enumerate(s.subjects)])
    put(Room, [{"id": rid, "sitting_id": s.id, "name": w.room_names[rid], "rows": 10,
                "cols": 10} for s in w.sittings for rid in s.rooms])
    people = [c.person_id for c in w.candidates] + w.impostors
    put(Person, [{"id": pid, "id_type": "resident_id", "id_number": f"P{pid:017d}",
                  "name": f"考生{pid}", "created_at": now} for pid in people])
    put(Candidate, [{"id": c.id, "sitting_id": c.sitting_id, "person_id": c.person_id,
                     "ticket_no": f"T{c.id:06d}", "training_body": c.training_body,
                     "application": "group" if c.training_body else "individual",
                     "created_at": now} for c in w.candidates])
    put(SeatAssignment, [{"candidate_id": c.id, "room_id": c.room_id, "seat_no": c.seat_no,
                          "assigned_at": now} for c in w.candidates if c.room_id])
    put(Incident, [{"id": i.id, "client_id": f"world-{i.id}", "sitting_id": i.sitting_id,
                    "room_id": i.room_id, "rule_code": i.rule_code, "tier": i.tier,
                    "rulebook_version": "2025-05-09", "description": "", "status": i.status,
                    "severity": "minor" if i.tier == 3 and i.decision == "confirm" else None,
                    "discovered_after_exam": i.room_id is None, "warning_id": None,
                    "reported_by": i.reported_by, "observed_at": i.observed_at,
                    "recorded_at": i.recorded_at} for i in w.incidents])
    put(CandidateWarning, [{"id": x.id, "client_id": f"world-w{x.id}",
                            "candidate_id": x.candidate_id, "subject_id": x.subject_id,
                            "room_id": x.room_id, "rule_code": x.rule_code,
                            "observed_at": x.observed_at, "recorded_at": x.observed_at,
                            "recorded_by": x.recorded_by, "outcome": x.outcome,
                            "incident_id": x.incident_id} for x in w.warnings])
    put(IncidentParty, [{"incident_id": i.id, "person_id": pid, "candidate_id": cid,
                         "role": "principal" if cid else "impostor"}
                        for i in w.incidents for pid, cid in i.parties])
    put(Decision, [{"incident_id": i.id, "decision": i.decision, "decided_by": w.chief,
                    "decided_at": i.decided_at} for i in w.incidents if i.decision])
    notices = [(i, n) for i in w.incidents for n in i.notices]
    put(Notice, [{"id": n.id, "number": f"W-{n.id}", "kind": "decision",
                  "issue_key": f"world-{n.id}", "sitting_id": i.sitting_id,
                  "incident_id": i.id, "person_id": n.person_id, "candidate_id": n.candidate_id,
                  "issued_by": w.chief, "issued_at": i.decided_at,
                  "issued_on": i.decided_at.astimezone(ZONE).date() if i.decided_at else None,
                  "content": {}, "content_sha256": "0" * 64, "served_on": n.served_on,
                  "service_method": "in_person" if n.served_on else None}
                 for i, n in notices])
    put(ReviewRequest, [{"notice_id": n.id, "received_on": n.served_on,
                         "due_on": n.served_on + timedelta(days=30), "grounds": "",
                         "recorded_at": now, "status": n.review_status,
                         "decided_at": None if n.review_status == "pending" else now}
                        for _, n in notices if n.review_status])
