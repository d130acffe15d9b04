"""Oversight figures of a period: reminders, refusals, incidents and their decisions, notices and
their service, reviews and their outcomes, per rule, tier, room, sitting, training body,
invigilator or venue-local hour.

Definitions (the answer's `definitions` says the same to the reader):
- the period is the sittings whose date is within from..to (inclusive; either may be open);
- reminders: warnings (提醒) of the period's candidates; refusals: those whose outcome is refused;
- reported: every incident of the period's sittings (whatever its status now); confirmed: those
  a chief examiner confirmed, including any overturned on review later (`overturned` counts
  these); dismissed: dismissed; pending: reported or proposed, not yet decided;
- median_hours_to_decision: from the incident's recording (server clock) to its confirmation or
  dismissal; median_days_to_service: from the day of the confirmation (venue date) to the day
  its decision notice (处理决定书) was served, over the served notices;
- reviews: review requests (复核) of the group's decision letters, by status;
- candidates: the group's own for sitting, room (the candidates seated there; no room: not
  seated) and training body; the whole period's for rule, tier, invigilator and hour
  (`denominator` says which); rates are per 100 of them;
- room, invigilator (who recorded the reminder or reported the incident; a refusal's incident is
  reported by whoever recorded the refusal) and hour (of observed_at, in the venue's zone) come
  from the record itself; training body from the candidates: an incident counts once in each
  training body among its candidate parties (none: the "no training body" group), a notice and
  its review under its own person's.

Everything is counted in SQL (GROUP BY) in a fixed number of statements; Python only folds raw
keys into groups (a rule into its tier, a UTC minute into the venue hour), and takes medians over
the one narrow column of decision and service times.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, tzinfo
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, select
from sqlalchemy.sql import Select

import incidents as rules
from proctor.errors import ApiError
from proctor.extensions import db
from proctor.models import (
    Candidate,
    CandidateWarning,
    Decision,
    Incident,
    IncidentParty,
    Notice,
    ReviewRequest,
    SeatAssignment,
    Sitting,
)
from proctor.models.appeals import LetterKind, ReviewStatus
from proctor.models.floor import WarningOutcome
from proctor.models.incidents import DecisionKind
from proctor.services.analytics_labels import Key, group_names

GROUP_BYS = ("rule", "tier", "room", "sitting", "training_body", "invigilator", "hour")
# Where the group has candidates of its own; elsewhere the period's candidates are the base.
OWN_CANDIDATES = frozenset({"room", "sitting", "training_body"})
COUNTS = ("reminders", "refusals", "reported", "confirmed", "dismissed", "pending", "overturned")
RATES = ("reminders", "refusals", "reported", "confirmed", "dismissed")
REVIEW_OUTCOMES = ("upheld", "changed", "overturned", "pending")
Status = rules.IncidentStatus
_CONFIRMED = (Status.CONFIRMED, Status.OVERTURNED)
_PENDING = (Status.REPORTED, Status.PROPOSED)


@dataclass(frozen=True)
class Period:
    start: date | None = None
    end: date | None = None

    def of(self, column: Any) -> list[ColumnElement[bool]]:
        """The conditions that put a sitting date `column` in the period."""
        return ([column >= self.start] if self.start else []) + (
            [column <= self.end] if self.end else [])


@dataclass
class Group:
    key: Key
    label: dict[str, str] = field(default_factory=dict)
    candidates: int = 0
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNTS, 0))
    decision_hours: list[float] = field(default_factory=list)
    service_days: list[int] = field(default_factory=list)
    notices: int = 0
    reviews: dict[str, int] = field(default_factory=lambda: dict.fromkeys(REVIEW_OUTCOMES, 0))

    def answer(self) -> dict[str, Any]:
        per_100 = {name: (round(100 * self.counts[name] / self.candidates, 2)
                          if self.candidates else None) for name in RATES}
        return {"key": self.key, "label": self.label, "candidates": self.candidates,
                **self.counts,
                # The contract's one figure: incidents reported per 100 candidates; every
                # count's rate is in `rates_per_100`.
                "per_100": per_100["reported"], "rates_per_100": per_100,
                "decided": len(self.decision_hours),
                "median_hours_to_decision": _median(self.decision_hours, 2),
                "notices": self.notices, "served": len(self.service_days),
                "median_days_to_service": _median(self.service_days, 1),
                "reviews": {"requested": sum(self.reviews.values()), **self.reviews}}


def _median(values: list[float] | list[int], digits: int) -> float | None:
    return round(float(statistics.median(values)), digits) if values else None


def _minute(column: Any) -> ColumnElement[str]:
    """The UTC minute of a stored time as 'YYYY-MM-DD HH:MM' (folded into the venue's hour in
    Python, exact for every zone: SQLite has no time zones)."""
    if db.session.get_bind().dialect.name == "postgresql":
        return func.to_char(func.timezone("UTC", column), "YYYY-MM-DD HH24:MI")
    return func.strftime("%Y-%m-%d %H:%M", column)


class Analytics:
    """One answer: `run()` issues the statements and folds their rows into groups."""

    def __init__(self, group_by: str, period: Period, zone: tzinfo) -> None:
        if group_by not in GROUP_BYS:
            raise ValueError(group_by)
        self.group_by, self.period, self.zone = group_by, period, zone
        self.groups: dict[Key, Group] = {}
        self._hours: dict[str, int] = {}
        self._tiers = {code: int(rule.tier) for code, rule in
                       rules.default_rulebook().rules.items()}
        self.total_candidates = 0

    # -- keys --------------------------------------------------------------------------------
    def fold(self, raw: Any) -> Key:
        """The group of a raw key as SQL gives it."""
        if self.group_by == "hour":
            if raw not in self._hours:
                moment = datetime.strptime(raw, "%Y-%m-%d %H:%M").replace(tzinfo=UTC)
                self._hours[raw] = moment.astimezone(self.zone).hour
            return self._hours[raw]
        if self.group_by == "tier" and isinstance(raw, str):
            return self._tiers.get(raw)
        return raw  # type: ignore[no-any-return]

    def group(self, raw: Any) -> Group:
        key = self.fold(raw)
        if key not in self.groups:
            self.groups[key] = Group(key)
        return self.groups[key]

    def _warning_key(self) -> Any:
        return {"rule": CandidateWarning.rule_code, "tier": CandidateWarning.rule_code,
                "room": CandidateWarning.room_id, "sitting": Candidate.sitting_id,
                "training_body": Candidate.training_body,
                "invigilator": CandidateWarning.recorded_by,
                "hour": _minute(CandidateWarning.observed_at)}[self.group_by]

    def _incident_key(self) -> Any:
        return {"rule": Incident.rule_code, "tier": Incident.tier, "room": Incident.room_id,
                "sitting": Incident.sitting_id, "invigilator": Incident.reported_by,
                "hour": _minute(Incident.observed_at)}[self.group_by]

    def _incidents(self, *columns: Any) -> tuple[Select[Any], Any]:
        """SELECT key, *columns FROM the period's incidents (one row per incident, or per
        incident and training body of its candidate parties), and the key to group by."""
        stmt: Select[Any]
        if self.group_by != "training_body":
            key = self._incident_key()
            stmt = select(key, *columns).select_from(Incident)
        else:
            bodies = (select(IncidentParty.incident_id.label("incident_id"),
                             Candidate.training_body.label("body"))
                      .join(Candidate, IncidentParty.candidate_id == Candidate.id)
                      .distinct().subquery())
            key = bodies.c.body
            stmt = (select(key, *columns).select_from(Incident)
                    .outerjoin(bodies, bodies.c.incident_id == Incident.id))
        return (stmt.join(Sitting, Incident.sitting_id == Sitting.id)
                .where(*self.period.of(Sitting.date)), key)

    # -- the statements ----------------------------------------------------------------------
    def run(self) -> Analytics:
        self._candidates()
        self._warnings()
        self._incident_counts()
        self._decision_times()
        self._notices()
        self._reviews()
        self._labels()
        return self

    def _candidates(self) -> None:
        if self.group_by not in OWN_CANDIDATES:
            self.total_candidates = db.session.scalar(
                select(func.count(Candidate.id)).join(Sitting, Candidate.sitting_id == Sitting.id)
                .where(*self.period.of(Sitting.date))) or 0
            return
        key = {"sitting": Candidate.sitting_id, "room": SeatAssignment.room_id,
               "training_body": Candidate.training_body}[self.group_by]
        stmt = (select(key, func.count(Candidate.id))
                .join(Sitting, Candidate.sitting_id == Sitting.id)
                .where(*self.period.of(Sitting.date)).group_by(key))
        if self.group_by == "room":
            stmt = stmt.outerjoin(SeatAssignment, SeatAssignment.candidate_id == Candidate.id)
        for raw, count in db.session.execute(stmt):
            self.group(raw).candidates += count
            self.total_candidates += count

    def _warnings(self) -> None:
        key = self._warning_key()
        refused = func.sum(case((CandidateWarning.outcome == WarningOutcome.REFUSED, 1),
                                else_=0))
        stmt = (select(key, func.count(CandidateWarning.id), refused)
                .join(Candidate, CandidateWarning.candidate_id == Candidate.id)
                .join(Sitting, Candidate.sitting_id == Sitting.id)
                .where(*self.period.of(Sitting.date)).group_by(key))
        for raw, reminders, refusals in db.session.execute(stmt):
            group = self.group(raw)
            group.counts["reminders"] += reminders
            group.counts["refusals"] += int(refusals or 0)

    def _incident_counts(self) -> None:
        def count(*states: Status) -> Any:
            return func.sum(case((Incident.status.in_(states), 1), else_=0))

        stmt, key = self._incidents(func.count(Incident.id), count(*_CONFIRMED),
                                    count(Status.DISMISSED), count(*_PENDING),
                                    count(Status.OVERTURNED))
        stmt = stmt.group_by(key)
        for raw, reported, confirmed, dismissed, pending, overturned in db.session.execute(stmt):
            counts = self.group(raw).counts
            counts["reported"] += reported
            for name, value in (("confirmed", confirmed), ("dismissed", dismissed),
                                ("pending", pending), ("overturned", overturned)):
                counts[name] += int(value or 0)

    def _decision_times(self) -> None:
        stmt, _ = self._incidents(Incident.recorded_at, Decision.decided_at)
        stmt = (stmt.join(Decision, and_(Decision.incident_id == Incident.id, Decision.decision.in_(
                    (DecisionKind.CONFIRM, DecisionKind.DISMISS)))))
        for raw, recorded_at, decided_at in db.session.execute(stmt):
            self.group(raw).decision_hours.append(
                (decided_at - recorded_at).total_seconds() / 3600)

    def _letters(self, *columns: Any) -> tuple[Select[Any], Any]:
        """SELECT key, *columns FROM the period's decision letters (处理决定书) with their
        incident, and the key; the training body is that of the letter's own person."""
        stmt: Select[Any]
        if self.group_by == "training_body":
            key = Candidate.training_body
            stmt = (select(key, *columns).select_from(Notice)
                    .outerjoin(Candidate, Notice.candidate_id == Candidate.id))
        else:
            key = self._incident_key()
            stmt = select(key, *columns).select_from(Notice)
        return (stmt.join(Incident, Notice.incident_id == Incident.id)
                .join(Sitting, Incident.sitting_id == Sitting.id)
                .where(Notice.kind == LetterKind.DECISION, *self.period.of(Sitting.date)), key)

    def _notices(self) -> None:
        stmt, _ = self._letters(Decision.decided_at, Notice.served_on)
        stmt = (stmt.outerjoin(Decision, and_(Decision.incident_id == Incident.id,
                                          Decision.decision == DecisionKind.CONFIRM)))
        for raw, decided_at, served_on in db.session.execute(stmt):
            group = self.group(raw)
            group.notices += 1
            if served_on is not None and decided_at is not None:
                decided_on = decided_at.astimezone(self.zone).date()
                group.service_days.append((served_on - decided_on).days)

    def _reviews(self) -> None:
        stmt, key = self._letters(ReviewRequest.status, func.count(ReviewRequest.id))
        stmt = (stmt.join(ReviewRequest, ReviewRequest.notice_id == Notice.id)
                .group_by(key, ReviewRequest.status))
        for raw, status, count in db.session.execute(stmt):
            self.group(raw).reviews[ReviewStatus(status).value] += count

    # -- labels ------------------------------------------------------------------------------
    def _labels(self) -> None:
        keys = [key for key in self.groups if key is not None]
        names = group_names(self.group_by, keys, self.period.of(Sitting.date))
        for key, group in self.groups.items():
            zh, en = names.get(key, ("", ""))
            group.label = {"zh": zh, "en": en}

    # -- the answer --------------------------------------------------------------------------
    def ordered(self) -> list[Group]:
        groups = list(self.groups.values())
        if self.group_by not in OWN_CANDIDATES:
            for group in groups:
                group.candidates = self.total_candidates
        if self.group_by in ("room", "sitting", "training_body", "invigilator"):
            return sorted(groups, key=lambda g: (g.key is None, g.label["zh"], str(g.key)))
        if self.group_by == "rule":
            return sorted(groups, key=lambda g: (g.key is None, _rule_order(g.key)))
        return sorted(groups, key=lambda g: (g.key is None, g.key if g.key is not None else 0))

    def answer(self) -> dict[str, Any]:
        start, end = self.period.start, self.period.end
        return {"from": start.isoformat() if start else None,
                "to": end.isoformat() if end else None, "group_by": self.group_by,
                "candidates": self.total_candidates,
                "denominator": "group" if self.group_by in OWN_CANDIDATES else "period",
                "groups": [group.answer() for group in self.ordered()]}


def _rule_order(code: Key) -> tuple[int, ...]:
    text = str(code)
    return tuple(int(part) if part.isdigit() else ord(part[0]) for part in
                 text.replace("T", "").replace("A", "0.").split(".") if part)


def sitting_span() -> tuple[str | None, str | None]:
    """The first and the last sitting date there is (the filter's default bounds)."""
    first, last = db.session.execute(select(func.min(Sitting.date), func.max(Sitting.date))).one()
    return (first.isoformat() if first else None, last.isoformat() if last else None)


def period_of(start: date | None, end: date | None) -> Period:
    """The period from..to, refused (422 invalid_period) when it ends before it starts."""
    if start and end and start > end:
        raise ApiError(422, "invalid_period", f"from ({start.isoformat()}) is after to "
                       f"({end.isoformat()}): the period would be empty.", "from")
    return Period(start, end)


def analytics(group_by: str, period: Period, zone: tzinfo) -> dict[str, Any]:
    """The figures of `period` grouped by `group_by` (one of GROUP_BYS), as the API answers."""
    return Analytics(group_by, period, zone).run().answer()


__all__ = ["GROUP_BYS", "OWN_CANDIDATES", "Analytics", "Period", "analytics", "period_of",
           "sitting_span"]
