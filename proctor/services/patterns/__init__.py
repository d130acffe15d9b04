"""Patterns across sittings, for the evaluation body: each kind is one detector (a function of
the window and the settings), run in a fixed order; then the records behind every pattern are
read in two queries, whatever their number. Nothing here writes, and no pattern changes a
sanction or a rule: each is a prompt for a person to read the records.

- repeat_offender, impostor_reappears: proctor.services.patterns.people
- neighbour_copying: proctor.services.patterns.seats
- training_body_outlier, invigilator_outlier: proctor.services.patterns.rates
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from proctor.errors import ApiError
from proctor.extensions import db
from proctor.models import Candidate, Incident, IncidentParty, Person, Room, Sitting, Subject
from proctor.services.patterns.common import (
    ALIASES,
    KINDS,
    Pattern,
    Settings,
    Window,
)
from proctor.services.patterns.people import impostors_seen_again, repeat_offenders
from proctor.services.patterns.rates import invigilator_outliers, training_body_outliers
from proctor.services.patterns.seats import neighbour_copying

Detector = Callable[[Window, Settings], list[Pattern]]
DETECTORS: dict[str, Detector] = {
    "repeat_offender": repeat_offenders,
    "impostor_reappears": impostors_seen_again,
    "training_body_outlier": training_body_outliers,
    "neighbour_copying": neighbour_copying,
    "invigilator_outlier": invigilator_outliers,
}
KIND_NAMES = tuple(DETECTORS) + tuple(ALIASES)

__all__ = ["ALIASES", "DETECTORS", "KINDS", "KIND_NAMES", "IncidentRecord", "Pattern",
           "PatternReport", "PersonRecord", "Settings", "Window", "find_patterns", "kind_of",
           "window_of"]


@dataclass(frozen=True)
class PartyRecord:
    person_id: int
    name: str
    id_number: str
    role: str
    ticket_no: str | None


@dataclass(frozen=True)
class IncidentRecord:
    id: int
    sitting_id: int
    sitting_date: date
    room: str | None
    rule_code: str
    tier: int
    status: str
    subject: str | None
    subject_name: str | None
    observed_at: datetime
    parties: list[PartyRecord]


@dataclass(frozen=True)
class PersonRecord:
    id: int
    name: str
    id_number: str


@dataclass
class PatternReport:
    window: Window
    settings: Settings
    kinds: list[str]
    patterns: list[Pattern]
    incidents: dict[int, IncidentRecord] = field(default_factory=dict)
    persons: dict[int, PersonRecord] = field(default_factory=dict)

    def person_ids(self) -> list[int]:
        return sorted({pid for p in self.patterns for pid in p.person_ids}
                      | {party.person_id for r in self.incidents.values() for party in r.parties})


def window_of(start: date | None, end: date | None) -> Window:
    """The window from two venue dates (either may be open); 422 when it ends before it
    starts."""
    if start and end and start > end:
        raise ApiError(422, "invalid_date_range", "from is after to", "from")
    return Window(start, end)


def kind_of(name: str) -> str:
    """The kind a name stands for (the contract's names, or the issue's aliases)."""
    return ALIASES.get(name, name)


def find_patterns(window: Window, settings: Settings, kind: str | None = None) -> PatternReport:
    """Every pattern of the window (or of one kind), most telling first within each kind."""
    kinds = [kind_of(kind)] if kind else list(DETECTORS)
    patterns: list[Pattern] = []
    for name in kinds:
        patterns += sorted(DETECTORS[name](window, settings), key=lambda p: p.key)
    report = PatternReport(window, settings, kinds, patterns)
    report.incidents = _incident_records({i for p in patterns for i in p.incident_ids})
    report.persons = _persons({pid for p in patterns for pid in p.person_ids})
    return report


def _incident_records(ids: set[int]) -> dict[int, IncidentRecord]:
    """The records behind the patterns: two queries (incidents, their parties)."""
    if not ids:
        return {}
    parties: dict[int, list[PartyRecord]] = defaultdict(list)
    for incident_id, person_id, name, number, role, ticket in db.session.execute(
            db.select(IncidentParty.incident_id, Person.id, Person.name, Person.id_number,
                      IncidentParty.role, Candidate.ticket_no)
            .join(Person, Person.id == IncidentParty.person_id)
            .outerjoin(Candidate, Candidate.id == IncidentParty.candidate_id)
            .where(IncidentParty.incident_id.in_(sorted(ids))).order_by(IncidentParty.id)):
        parties[incident_id].append(PartyRecord(person_id, name, number, role, ticket))
    rows = db.session.execute(
        db.select(Incident.id, Incident.sitting_id, Sitting.date, Room.name, Incident.rule_code,
                  Incident.tier, Incident.status, Subject.code, Subject.name,
                  Incident.observed_at)
        .join(Sitting, Sitting.id == Incident.sitting_id)
        .outerjoin(Room, Room.id == Incident.room_id)
        .outerjoin(Subject, Subject.id == Incident.subject_id)
        .where(Incident.id.in_(sorted(ids)))).all()
    return {iid: IncidentRecord(iid, sid, day, room, rule, tier, str(status), subject,
                                subject_name, observed, parties[iid])
            for iid, sid, day, room, rule, tier, status, subject, subject_name, observed in rows}


def _persons(ids: set[int]) -> dict[int, PersonRecord]:
    if not ids:
        return {}
    return {pid: PersonRecord(pid, name, number) for pid, name, number in db.session.execute(
        db.select(Person.id, Person.name, Person.id_number).where(Person.id.in_(sorted(ids))))}
