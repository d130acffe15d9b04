"""Rates that stand out: a training body's candidates, an invigilator's records. Each is a
stated exact test (proctor.exact_tests), one-sided, Holm-corrected over the family tested, at
PROCTOR_PATTERN_ALPHA, with a minimum size (candidates, or candidates of the rooms watched)."""

from __future__ import annotations

from collections import Counter, defaultdict

from sqlalchemy import func

from incidents import IncidentStatus
from proctor.exact_tests import fisher_greater, holm, poisson_rates_greater
from proctor.extensions import db
from proctor.models import (
    Candidate,
    CandidateWarning,
    Incident,
    IncidentParty,
    Room,
    SeatAssignment,
    Sitting,
    StaffAssignment,
    StaffRole,
    User,
)
from proctor.services.patterns.common import (
    Pattern,
    Reminder,
    Settings,
    TestResult,
    Text,
    Window,
)

FISHER = Text("Fisher 精确检验（单侧：该机构比例更高），对所检验的机构作 Holm 校正",
              "Fisher's exact test (one-sided: the body's share is greater), Holm-corrected "
              "over the bodies tested")
POISSON = Text("两个泊松率的精确条件检验（二项分布，单侧：该监考员比率更高），"
               "对所有检验作 Holm 校正",
               "exact conditional test of two Poisson rates (binomial, one-sided: the "
               "invigilator's rate is greater), Holm-corrected over every test made")


def _per_100(events: int, exposure: int) -> float:
    return round(100.0 * events / exposure, 2) if exposure else 0.0


def training_body_outliers(window: Window, settings: Settings) -> list[Pattern]:
    """Bodies of at least `min_candidates` candidates whose share with ≥ 1 confirmed incident
    is significantly above the share among all other candidates of the window."""
    in_window = window.holds(Candidate.sitting_id)
    sizes = dict(db.session.execute(db.select(Candidate.training_body, func.count())
                                    .where(in_window).group_by(Candidate.training_body)).all())
    hit = dict(db.session.execute(
        db.select(Candidate.training_body, func.count(func.distinct(Candidate.id)))
        .join(IncidentParty, IncidentParty.candidate_id == Candidate.id)
        .join(Incident, Incident.id == IncidentParty.incident_id)
        .where(in_window, Incident.status == IncidentStatus.CONFIRMED)
        .group_by(Candidate.training_body)).all())
    total, total_hit = sum(sizes.values()), sum(hit.values())
    tested = [body for body, n in sizes.items()
              if body and n >= settings.min_candidates and total - n > 0]
    raw = {body: fisher_greater(hit.get(body, 0), sizes[body] - hit.get(body, 0),
                                total_hit - hit.get(body, 0),
                                total - sizes[body] - (total_hit - hit.get(body, 0)))
           for body in tested}
    adjusted = dict(zip(tested, holm([raw[b] for b in tested]), strict=True))
    flagged = [b for b in tested if adjusted[b] <= settings.alpha]
    incidents = _incidents_of_bodies(window, flagged)
    found = []
    for body in flagged:
        a, n = hit.get(body, 0), sizes[body]
        c, rest = total_hit - a, total - n
        test = TestResult(FISHER, raw[body], adjusted[body], settings.alpha, len(tested))
        found.append(Pattern(
            kind="training_body_outlier", key=(adjusted[body], body),
            title=Text(f"{body}：考生违纪比例 {_pct(a, n)}，其他考生 {_pct(c, rest)}",
                       f"{body}: {_pct(a, n)} of its candidates with a confirmed incident, "
                       f"{_pct(c, rest)} of the others"),
            why=Text(f"{body}的{n}名考生中有{a}名有经确认的违纪；其他{rest}名考生中有{c}名。"
                     f"Holm 校正后 p = {adjusted[body]:.2g}（检验了{len(tested)}个机构，"
                     f"显著性水平 {settings.alpha}）。",
                     f"{a} of the body's {n} candidates have a confirmed incident; {c} of the "
                     f"other {rest}. Holm-adjusted p = {adjusted[body]:.2g} ({len(tested)} "
                     f"bodies tested, alpha {settings.alpha})."),
            figures={"training_body": body, "candidates": n, "with_incident": a,
                     "other_candidates": rest, "others_with_incident": c,
                     "rate_percent": _rate(a, n), "others_rate_percent": _rate(c, rest)},
            incident_ids=incidents.get(body, []), test=test))
    return found


def _pct(part: int, whole: int) -> str:
    return f"{_rate(part, whole):g}%"


def _rate(part: int, whole: int) -> float:
    return round(100.0 * part / whole, 1) if whole else 0.0


def _incidents_of_bodies(window: Window, bodies: list[str]) -> dict[str, list[int]]:
    if not bodies:
        return {}
    found: dict[str, set[int]] = defaultdict(set)
    for body, incident_id in db.session.execute(
            db.select(Candidate.training_body, Incident.id)
            .join(IncidentParty, IncidentParty.candidate_id == Candidate.id)
            .join(Incident, Incident.id == IncidentParty.incident_id)
            .where(Candidate.training_body.in_(bodies), Incident.status == IncidentStatus.CONFIRMED,
                   window.holds(Candidate.sitting_id))):
        found[body].add(incident_id)
    return {body: sorted(ids) for body, ids in found.items()}


def invigilator_outliers(window: Window, settings: Settings) -> list[Pattern]:
    """Invigilators watching at least `min_exposure` candidates (the seated candidates of the
    rooms they were assigned to, summed) whose reminders or reported incidents per candidate
    are significantly above the pooled rate of every other invigilator of the window."""
    exposure, names = _exposure(window)
    counts = {"reminders": _reminder_counts(window), "incidents": _incident_counts(window)}
    total_exposure = sum(exposure.values())
    # Events of the invigilators with an exposure (a chief's reminders are nobody's rate).
    totals = {measure: sum(n for uid, n in by_user.items() if uid in exposure)
              for measure, by_user in counts.items()}
    tests: list[tuple[int, str, float]] = []
    for user_id, watched in exposure.items():
        if watched < settings.min_exposure or total_exposure - watched <= 0:
            continue
        for measure, by_user in counts.items():
            mine = by_user.get(user_id, 0)
            tests.append((user_id, measure, poisson_rates_greater(
                mine, watched, totals[measure] - mine, total_exposure - watched)))
    adjusted = holm([p for _, _, p in tests])
    found = []
    for (user_id, measure, p), p_adj in zip(tests, adjusted, strict=True):
        if p_adj > settings.alpha:
            continue
        mine, watched = counts[measure].get(user_id, 0), exposure[user_id]
        others = totals[measure] - mine
        found.append(_invigilator_pattern(
            user_id, names[user_id], measure, mine, watched, others,
            total_exposure - watched, TestResult(POISSON, p, p_adj, settings.alpha, len(tests))))
    _attach_records(window, found)
    return found


def _attach_records(window: Window, found: list[Pattern]) -> None:
    """The records behind the flagged invigilators: one query per measure, however many."""
    users = {measure: {int(p.key[1]) for p in found if p.key[2] == measure}
             for measure in ("incidents", "reminders")}
    incidents: dict[int, list[int]] = defaultdict(list)
    if users["incidents"]:
        for user_id, incident_id in db.session.execute(
                db.select(Incident.reported_by, Incident.id)
                .where(Incident.reported_by.in_(sorted(users["incidents"])),
                       window.holds(Incident.sitting_id)).order_by(Incident.id)):
            incidents[user_id].append(incident_id)
    reminders = _reminders_of(window, users["reminders"]) if users["reminders"] else {}
    for pattern in found:
        user_id = int(pattern.key[1])
        if pattern.key[2] == "incidents":
            pattern.incident_ids = incidents.get(user_id, [])
        else:
            pattern.reminders = reminders.get(user_id, [])


def _invigilator_pattern(user_id: int, name: str, measure: str, mine: int,
                         watched: int, others: int, others_watched: int,
                         test: TestResult) -> Pattern:
    zh_measure, en_measure = {"reminders": ("提醒", "reminders"),
                              "incidents": ("上报事件", "reported incidents")}[measure]
    rate, other_rate = _per_100(mine, watched), _per_100(others, others_watched)
    return Pattern(
        kind="invigilator_outlier", key=(test.p_adjusted, user_id, measure),
        title=Text(f"{name}：每百名考生{zh_measure} {rate:g}，其他监考员 {other_rate:g}",
                   f"{name}: {rate:g} {en_measure} per 100 candidates, the others "
                   f"{other_rate:g}"),
        why=Text(f"{name}所监考场共{watched}名考生，记录{zh_measure}{mine}次；其他监考员所监考场"
                 f"共{others_watched}名考生，{others}次。Holm 校正后 p = {test.p_adjusted:.2g}"
                 f"（共{test.tested}项检验，显著性水平 {test.alpha}）。",
                 f"{name} recorded {mine} {en_measure} in rooms of {watched} candidates; the "
                 f"other invigilators {others} in rooms of {others_watched}. Holm-adjusted "
                 f"p = {test.p_adjusted:.2g} ({test.tested} tests, alpha {test.alpha})."),
        figures={"invigilator": name, "measure": measure, "events": mine,
                 "candidates": watched, "per_100": rate, "others_events": others,
                 "others_candidates": others_watched, "others_per_100": other_rate},
        incident_ids=[], test=test)


def _exposure(window: Window) -> tuple[dict[int, int], dict[int, str]]:
    """Per invigilator: the candidates seated in the rooms they were assigned to; and names."""
    seats = db.select(SeatAssignment.room_id, func.count()).group_by(SeatAssignment.room_id)
    if not window.is_open:
        seats = seats.where(SeatAssignment.room_id.in_(
            db.select(Room.id).where(window.holds(Room.sitting_id))))
    seated = Counter(dict(db.session.execute(seats).all()))
    exposure: Counter[int] = Counter()
    names: dict[int, str] = {}
    for user_id, room_id, username, display in db.session.execute(
            db.select(StaffAssignment.user_id, StaffAssignment.room_id, User.username,
                      User.display_name)
            .join(User, User.id == StaffAssignment.user_id)
            .where(StaffAssignment.role == StaffRole.INVIGILATOR,
                   StaffAssignment.room_id.is_not(None),
                   window.holds(StaffAssignment.sitting_id))):
        exposure[user_id] += seated.get(room_id, 0)
        names[user_id] = f"{display}（{username}）" if display else username
    return dict(exposure), names


def _reminder_counts(window: Window) -> dict[int, int]:
    stmt = db.select(CandidateWarning.recorded_by, func.count()).group_by(
        CandidateWarning.recorded_by)
    if not window.is_open:
        stmt = stmt.join(Candidate, Candidate.id == CandidateWarning.candidate_id).where(
            window.holds(Candidate.sitting_id))
    return dict(db.session.execute(stmt).all())


def _incident_counts(window: Window) -> dict[int, int]:
    return dict(db.session.execute(
        db.select(Incident.reported_by, func.count())
        .where(window.holds(Incident.sitting_id))
        .group_by(Incident.reported_by)).all())


def _reminders_of(window: Window, user_ids: set[int]) -> dict[int, list[Reminder]]:
    rows = db.session.execute(
        db.select(CandidateWarning.recorded_by, CandidateWarning.id, Candidate.sitting_id,
                  Sitting.date, Room.name, CandidateWarning.rule_code, CandidateWarning.outcome,
                  Candidate.ticket_no)
        .join(Candidate, Candidate.id == CandidateWarning.candidate_id)
        .join(Sitting, Sitting.id == Candidate.sitting_id)
        .outerjoin(Room, Room.id == CandidateWarning.room_id)
        .where(CandidateWarning.recorded_by.in_(sorted(user_ids)),
               window.holds(Candidate.sitting_id))
        .order_by(Sitting.date, CandidateWarning.id)).all()
    found: dict[int, list[Reminder]] = defaultdict(list)
    for user_id, rid, sid, day, room, rule, outcome, ticket in rows:
        found[user_id].append(Reminder(rid, sid, day, room, rule, str(outcome), ticket))
    return found
