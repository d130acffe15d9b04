"""What falls due in a sitting, and when: the deadlines on the chief examiner's board.

Every deadline is a venue date (`PROCTOR_TIMEZONE`), inclusive: a thing due on the 3rd is in
time on the 3rd and overdue on the 4th. Each kind comes from one *source*, a function of the
sitting and today's venue date registered with `@source`; adding a kind (the statement windows
of the proposal stage, say) is one more such function. A source reads its rows in one query per
relation, never one per row, so the board costs the same for 2 incidents as for 40.

- ``decision_due``: a reported incident awaits its chief examiner; due
  ``INCIDENT_DECISION_DAYS`` after the venue date it was recorded on.
- ``review_due``: a review (复核) request awaits its outcome; due on its ``due_on``, fixed at
  receipt (``REVIEW_DECISION_DAYS``), overdue after it.
- ``statement_window``: a served pre-decision notice (事先告知书) of a proposed incident, while
  the candidate may state their case (``STATEMENT_DAYS`` from service, unless waived); the
  incident may be confirmed after it.
- ``decision_due`` also covers a proposed incident whose every statement window has closed (or
  was waived): due ``INCIDENT_DECISION_DAYS`` after the last window's last day.
- ``review_window``: a served decision notice no review was asked of, while the candidate may
  still ask (``REVIEW_WINDOW_DAYS`` from service); the decision is final after it. A window that
  has closed is no longer a deadline and drops out.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from flask import current_app
from sqlalchemy.orm import selectinload

from incidents import IncidentStatus
from proctor.extensions import db
from proctor.models import (
    Incident,
    IncidentParty,
    Notice,
    PreNotice,
    ReviewRequest,
    ReviewStatus,
    Sitting,
)
from proctor.services import appeals, due_process
from proctor.services.sittings import venue_today, venue_zone

DECISION_DUE, REVIEW_DUE, REVIEW_WINDOW = "decision_due", "review_due", "review_window"
STATEMENT_WINDOW = "statement_window"


@dataclass(frozen=True)
class Deadline:
    """One thing due on one venue date. `person` is {id, name, ticket_no}, or None for an
    incident without parties; `ref` names the row the deadline belongs to (notice, review)."""

    kind: str
    incident_id: int
    due_on: date
    today: date
    person: dict[str, Any] | None = None
    rule_code: str | None = None
    room: str | None = None
    ref: dict[str, int] = field(default_factory=dict)

    @property
    def overdue(self) -> bool:
        return self.today > self.due_on

    @property
    def days_left(self) -> int:
        """Days until the due date: 0 on the day itself, negative once overdue."""
        return (self.due_on - self.today).days

    def as_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "incident_id": self.incident_id, "person": self.person,
                "due_on": self.due_on.isoformat(), "overdue": self.overdue,
                "days_left": self.days_left, "rule_code": self.rule_code, "room": self.room,
                **self.ref}


Source = Callable[[Sitting, date], Iterable[Deadline]]
SOURCES: list[Source] = []


def source(fn: Source) -> Source:
    """Register a source of deadlines (kept in the order of registration)."""
    SOURCES.append(fn)
    return fn


def deadlines(sitting: Sitting, today: date | None = None) -> list[Deadline]:
    """Every deadline of the sitting from every source, soonest first (then by incident)."""
    day = today or venue_today()
    found = [d for fn in SOURCES for d in fn(sitting, day)]
    return sorted(found, key=lambda d: (d.due_on, d.incident_id, d.kind, sorted(d.ref.items())))


def _person(party: IncidentParty | None) -> dict[str, Any] | None:
    if party is None:
        return None
    return {"id": party.person_id, "name": party.name_as_given or party.person.name,
            "ticket_no": party.candidate.ticket_no if party.candidate else None}


def _room_names(sitting: Sitting) -> dict[int, str]:
    return {room.id: room.name for room in sitting.rooms}  # loaded once a request


@source
def decisions_due(sitting: Sitting, today: date) -> Iterable[Deadline]:
    """Reported incidents awaiting their chief examiner's decision; the person is the first
    party (the principal)."""
    days = int(current_app.config["INCIDENT_DECISION_DAYS"])
    waiting = list(db.session.scalars(
        db.select(Incident).where(Incident.sitting_id == sitting.id,
                                  Incident.status == IncidentStatus.REPORTED)
        .options(selectinload(Incident.parties).selectinload(IncidentParty.person),
                 selectinload(Incident.parties).selectinload(IncidentParty.candidate))))
    rooms = _room_names(sitting) if waiting else {}
    zone = venue_zone()
    for incident in waiting:
        recorded_on = incident.recorded_at.astimezone(zone).date()
        yield Deadline(DECISION_DUE, incident.id, recorded_on + timedelta(days=days), today,
                       _person(incident.parties[0] if incident.parties else None),
                       incident.rule_code, rooms.get(incident.room_id or 0))


def _notice_person(notice: Notice | PreNotice) -> dict[str, Any]:
    person = notice.content["person"]
    return {"id": notice.person_id, "name": person["name"], "ticket_no": person["ticket_no"]}


def _incidents_of(notices: Iterable[Notice]) -> dict[int, Incident]:
    ids = {n.incident_id for n in notices}
    if not ids:
        return {}
    return {i.id: i for i in db.session.scalars(db.select(Incident).where(Incident.id.in_(ids)))}


@source
def reviews_due(sitting: Sitting, today: date) -> Iterable[Deadline]:
    """Review requests awaiting their outcome (overdue after `due_on`)."""
    pending = list(db.session.execute(
        db.select(ReviewRequest, Notice).join(Notice, ReviewRequest.notice_id == Notice.id)
        .where(Notice.sitting_id == sitting.id,
               ReviewRequest.status == ReviewStatus.PENDING)).all())
    incidents = _incidents_of(notice for _, notice in pending)
    rooms = _room_names(sitting) if pending else {}
    for review, notice in pending:
        incident = incidents[notice.incident_id]
        yield Deadline(REVIEW_DUE, notice.incident_id, review.due_on, today,
                       _notice_person(notice), incident.rule_code,
                       rooms.get(incident.room_id or 0),
                       {"notice_id": notice.id, "review_id": review.id})


@source
def review_windows(sitting: Sitting, today: date) -> Iterable[Deadline]:
    """Served notices of confirmed incidents without a review request, whose review window is
    still open: due on the window's last day."""
    earliest = today - timedelta(days=appeals.window_days())
    served = list(db.session.scalars(
        db.select(Notice).join(Incident, Notice.incident_id == Incident.id)
        .where(Notice.sitting_id == sitting.id, Notice.served_on.is_not(None),
               Notice.served_on >= earliest, Incident.status == IncidentStatus.CONFIRMED,
               ~Notice.reviews.any())))
    incidents = _incidents_of(served)
    rooms = _room_names(sitting) if served else {}
    for notice in served:
        last_day = appeals.review_last_day(notice)
        incident = incidents[notice.incident_id]
        if last_day is not None:
            yield Deadline(REVIEW_WINDOW, notice.incident_id, last_day, today,
                           _notice_person(notice), incident.rule_code,
                           rooms.get(incident.room_id or 0), {"notice_id": notice.id})


@source
def statement_windows(sitting: Sitting, today: date) -> Iterable[Deadline]:
    """Pre-decision notices of proposed incidents: each open statement window, due on its last
    day; once every window of an incident has closed (or was waived), its decision is due."""
    served = list(db.session.scalars(
        db.select(PreNotice).join(Incident, PreNotice.incident_id == Incident.id)
        .where(PreNotice.sitting_id == sitting.id, PreNotice.served_on.is_not(None),
               Incident.status == IncidentStatus.PROPOSED)
        .options(selectinload(PreNotice.statements))))
    if not served:
        return
    incidents = {i.id: i for i in db.session.scalars(db.select(Incident).where(
        Incident.id.in_({p.incident_id for p in served})))}
    rooms = _room_names(sitting)
    closed_on: dict[int, date] = {}
    still_open: set[int] = set()
    for pre_notice in served:
        incident = incidents[pre_notice.incident_id]
        last_day = due_process.statement_deadline(pre_notice)
        person = _notice_person(pre_notice)
        if last_day is None:
            continue
        if due_process.waived(pre_notice) or today > last_day:
            closed_on[incident.id] = max(closed_on.get(incident.id, last_day), last_day)
            continue
        still_open.add(incident.id)
        yield Deadline(STATEMENT_WINDOW, incident.id, last_day, today, person,
                       incident.rule_code, rooms.get(incident.room_id or 0),
                       {"pre_notice_id": pre_notice.id})
    days = int(current_app.config["INCIDENT_DECISION_DAYS"])
    for incident_id, last_day in closed_on.items():
        if incident_id in still_open:
            continue
        incident = incidents[incident_id]
        principal = next((p for p in served if p.incident_id == incident_id), None)
        person = _notice_person(principal) if principal else None
        yield Deadline(DECISION_DUE, incident_id, last_day + timedelta(days=days), today, person,
                       incident.rule_code, rooms.get(incident.room_id or 0))
