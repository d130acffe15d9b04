"""Patterns of persons across sittings: repeat misconduct and impostors seen again."""

from __future__ import annotations

from collections import defaultdict

from incidents import IncidentStatus, PartyRole
from proctor.extensions import db
from proctor.models import (
    Candidate,
    Incident,
    IncidentParty,
    Person,
    Room,
    SeatAssignment,
    Sitting,
)
from proctor.services.patterns.common import (
    STANDING,
    Candidacy,
    Pattern,
    Settings,
    Text,
    Window,
)

IMPERSONATION = "T3.4"


def repeat_offenders(window: Window, settings: Settings) -> list[Pattern]:
    """Persons with confirmed incidents in more than one sitting of the window."""
    rows = db.session.execute(
        db.select(IncidentParty.person_id, Person.name, Incident.id, Incident.sitting_id)
        .join(Incident, Incident.id == IncidentParty.incident_id)
        .join(Person, Person.id == IncidentParty.person_id)
        .where(Incident.status == IncidentStatus.CONFIRMED,
               window.holds(Incident.sitting_id))).all()
    names: dict[int, str] = {}
    incidents: dict[int, set[int]] = defaultdict(set)
    sittings: dict[int, set[int]] = defaultdict(set)
    for person_id, name, incident_id, sitting_id in rows:
        names[person_id] = name
        incidents[person_id].add(incident_id)
        sittings[person_id].add(sitting_id)
    found = []
    for person_id, seen in sittings.items():
        if len(seen) < 2:
            continue
        n, m, name = len(seen), len(incidents[person_id]), names[person_id]
        found.append(Pattern(
            kind="repeat_offender", key=(-n, -m, person_id),
            title=Text(f"{name}：{n}个场次有经确认的违纪",
                       f"{name}: confirmed incidents in {n} sittings"),
            why=Text(f"{name}在{n}个考试场次共有{m}起经主考确认的违纪。",
                     f"{name} has {m} incidents confirmed by a chief examiner in {n} "
                     f"sittings."),
            figures={"sittings": n, "incidents": m},
            incident_ids=sorted(incidents[person_id]), person_ids=[person_id]))
    return found


def impostors_seen_again(window: Window, settings: Settings) -> list[Pattern]:
    """An ID number recorded as the impostor of a standing T3.4 incident in one sitting, and
    as a candidate or an impostor again in another sitting of the window."""
    rows = db.session.execute(
        db.select(IncidentParty.person_id, Person.name, Incident.id, Incident.sitting_id)
        .join(Incident, Incident.id == IncidentParty.incident_id)
        .join(Person, Person.id == IncidentParty.person_id)
        .where(IncidentParty.role == PartyRole.IMPOSTOR, Incident.rule_code == IMPERSONATION,
               Incident.status.in_(STANDING),
               window.holds(Incident.sitting_id))).all()
    if not rows:
        return []
    names: dict[int, str] = {}
    as_impostor: dict[int, dict[int, set[int]]] = defaultdict(lambda: defaultdict(set))
    for person_id, name, incident_id, sitting_id in rows:
        names[person_id] = name
        as_impostor[person_id][sitting_id].add(incident_id)
    candidacies = _candidacies(window, list(as_impostor))
    found = []
    for person_id, by_sitting in as_impostor.items():
        registered = candidacies.get(person_id, [])
        if len(set(by_sitting) | {c.sitting_id for c in registered}) < 2:
            continue  # one sitting only: nothing seen *again*
        incident_ids = sorted(i for ids in by_sitting.values() for i in ids)
        found.append(_impostor_pattern(person_id, names[person_id], by_sitting, incident_ids,
                                       registered))
    return found


def _impostor_pattern(person_id: int, name: str, by_sitting: dict[int, set[int]],
                      incident_ids: list[int], registered: list[Candidacy]) -> Pattern:
    n_imp, n_cand = len(by_sitting), len({c.sitting_id for c in registered})
    return Pattern(
        kind="impostor_reappears", key=(-(n_imp + n_cand), person_id),
        title=Text(f"{name}：替考者再次出现", f"{name}: an impostor seen again"),
        why=Text(f"该证件号码在{n_imp}个场次被记为替考者，在{n_cand}个场次登记为考生。",
                 f"This ID number was recorded as an impostor in {n_imp} sitting(s) and is "
                 f"registered as a candidate in {n_cand}."),
        figures={"sittings_as_impostor": n_imp, "sittings_as_candidate": n_cand},
        incident_ids=incident_ids, person_ids=[person_id], candidacies=registered)


def _candidacies(window: Window, person_ids: list[int]) -> dict[int, list[Candidacy]]:
    """The tickets these persons hold in the window's sittings, with room and seat."""
    rows = db.session.execute(
        db.select(Candidate.person_id, Candidate.sitting_id, Sitting.date, Candidate.ticket_no,
                  Room.name, SeatAssignment.seat_no)
        .join(Sitting, Sitting.id == Candidate.sitting_id)
        .outerjoin(SeatAssignment, SeatAssignment.candidate_id == Candidate.id)
        .outerjoin(Room, Room.id == SeatAssignment.room_id)
        .where(Candidate.person_id.in_(person_ids),
               window.holds(Candidate.sitting_id))
        .order_by(Sitting.date, Candidate.sitting_id)).all()
    found: dict[int, list[Candidacy]] = defaultdict(list)
    for person_id, sitting_id, day, ticket, room, seat in rows:
        found[person_id].append(Candidacy(person_id, sitting_id, day, ticket, room, seat))
    return found
