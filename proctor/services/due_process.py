"""Due process before a decision (拟处理 → 事先告知 → 陈述申辩): which incidents need it, the
service of a pre-notice, the statements and waivers, and when a proposal may be confirmed.

The rules, as the product applies them:
- The tiers of PROCTOR_PRE_NOTICE_TIERS (a sitting may set its own; empty: none) are decided in
  two steps: "propose", then, after a pre-notice served to every party and the statement
  window, "confirm". Other tiers, and a sitting with the stage off, confirm in one step.
- A proposed incident counts no more than a reported one: the engine sees only CONFIRMED.
- Service: attempts are recorded, failed ones too; the first success counts. Public
  announcement (公告送达) only after another method failed, and with where it was posted.
- The window runs PROCTOR_STATEMENT_DAYS from the day of service (that day is day 0), the
  last day included. Statements are received within it; a signed waiver closes it.
- Confirming needs every party served and every window closed or waived; it records the
  statements it considered, and reasons are required when there are any.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask import current_app

import incidents as rules
from proctor import hashing, publisher
from proctor.config import tiers
from proctor.database import utcnow
from proctor.errors import ApiError
from proctor.extensions import db
from proctor.models import (
    DecisionKind,
    Incident,
    PreNotice,
    PreNoticeService,
    ServiceMethod,
    Sitting,
    Statement,
    StatementKind,
    User,
)
from proctor.services import audit, idempotent
from proctor.services.sittings import venue_today


def statement_days() -> int:
    return int(current_app.config["STATEMENT_DAYS"])


def stage_tiers(sitting: Sitting) -> tuple[int, ...]:
    """The tiers this sitting decides in two steps: its own setting, else the app's."""
    if sitting.pre_notice_tiers is not None:
        return tiers(sitting.pre_notice_tiers)
    return tuple(int(tier) for tier in current_app.config["PRE_NOTICE_TIERS"])


def stage_applies(incident: Incident) -> bool:
    """Whether this incident's decision must be proposed and told to the candidate first."""
    return incident.tier in stage_tiers(db.session.get_one(Sitting, incident.sitting_id))


def pre_notices_of(incident: Incident) -> list[PreNotice]:
    return list(db.session.scalars(db.select(PreNotice).where(
        PreNotice.incident_id == incident.id).order_by(PreNotice.id)))


def statement_deadline(pre_notice: PreNotice) -> date | None:
    """The last day of the statement window (inclusive), once the pre-notice is served."""
    if pre_notice.served_on is None:
        return None
    return pre_notice.served_on + timedelta(days=statement_days())


def waived(pre_notice: PreNotice) -> bool:
    return any(s.kind == StatementKind.WAIVER for s in pre_notice.statements)


def pre_notice_event(pre_notice: PreNotice) -> dict[str, Any]:
    """The live payload: no names or ID numbers (those stay on the letter)."""
    deadline = statement_deadline(pre_notice)
    return {"pre_notice_id": pre_notice.id, "number": pre_notice.number,
            "incident_id": pre_notice.incident_id,
            "served_on": pre_notice.served_on.isoformat() if pre_notice.served_on else None,
            "statement_deadline": deadline.isoformat() if deadline else None}


# -- service ------------------------------------------------------------------------------
def record_service(pre_notice: PreNotice, method: str, served_on: date, who: User, *,
                   failed: bool = False, note: str | None = None,
                   posted_at: str | None = None) -> PreNotice:
    """Record one attempt to serve the pre-notice; the first that succeeds starts the window.
    A replay of the recorded service is accepted."""
    kind = ServiceMethod(method)
    if pre_notice.served_on is not None:
        if (pre_notice.service_method, pre_notice.served_on) == (kind, served_on) and not failed:
            return pre_notice
        raise ApiError(409, "already_served",
                       f"service was already recorded: {pre_notice.service_method} on "
                       f"{pre_notice.served_on.isoformat()}", "served_on")
    _check_service(pre_notice, kind, served_on, failed, posted_at)
    attempt = PreNoticeService(pre_notice_id=pre_notice.id, method=kind, served_on=served_on,
                               failed=failed, note=note, posted_at=posted_at,
                               recorded_by=who.id, recorded_at=utcnow())
    pre_notice.services.append(attempt)
    if not failed:
        pre_notice.service_method, pre_notice.served_on = kind, served_on
    db.session.flush()
    audit.record("pre_notice_service_failed" if failed else "pre_notice_served", "pre_notice",
                 pre_notice.id, method=method, served_on=served_on.isoformat(), note=note,
                 posted_at=posted_at)
    if not failed:
        publisher.publish("pre_notice_served", pre_notice.sitting_id, None,
                          pre_notice_event(pre_notice))
    return pre_notice


def _check_service(pre_notice: PreNotice, kind: ServiceMethod, served_on: date, failed: bool,
                   posted_at: str | None) -> None:
    if served_on < pre_notice.issued_on:
        raise ApiError(422, "served_before_issue",
                       f"the pre-notice was issued on {pre_notice.issued_on.isoformat()}; it "
                       f"cannot be served before that", "served_on")
    if served_on > venue_today():
        raise ApiError(422, "date_in_future", "service cannot be recorded for a future date",
                       "served_on")
    if kind != ServiceMethod.PUBLIC:
        return
    if failed:
        raise ApiError(422, "public_service_cannot_fail",
                       "a public announcement is the last resort: it is recorded when posted",
                       "failed")
    if not any(a.failed for a in pre_notice.services):
        raise ApiError(422, "public_service_not_allowed",
                       "public announcement (公告送达) only after another method failed: record "
                       "the failed attempt first", "method")
    if not (posted_at or "").strip():
        raise ApiError(422, "posted_at_required",
                       "say where the public announcement was posted", "posted_at")


# -- statements ---------------------------------------------------------------------------
def record_statement(pre_notice: PreNotice, *, client_id: str, waiver: bool, text: str,
                     received_via: str, received_on: date, witness: str | None,
                     attachments: list[dict[str, Any]], who: User | None) -> tuple[Statement, bool]:
    """Record a statement (陈述申辩) or a signed waiver received within the window; returns
    (statement, created). A client_id seen before returns the statement it made."""
    def make() -> Statement:
        check_statement(pre_notice, waiver, text, received_on, witness)
        record = {"pre_notice": pre_notice.number, "kind": "waiver" if waiver else "statement",
                  "text": text, "received_via": received_via,
                  "received_on": received_on.isoformat(), "witness": witness,
                  "attachments": attachments}
        return Statement(client_id=client_id, pre_notice_id=pre_notice.id,
                         incident_id=pre_notice.incident_id,
                         kind=StatementKind.WAIVER if waiver else StatementKind.STATEMENT,
                         text=text, received_via=received_via, received_on=received_on,
                         witness=witness, attachments=attachments,
                         sha256=hashing.digest(record),
                         recorded_by=who.id if who else None,
                         recorded_at=utcnow())

    statement, created = idempotent.insert_once(
        Statement, client_id, make, same_target=lambda found: found.pre_notice_id == pre_notice.id)
    if not created:
        return statement, False
    db.session.refresh(pre_notice, ["statements"])
    audit.record("statement_waived" if waiver else "statement_received", "statement",
                 statement.id, pre_notice_id=pre_notice.id, incident_id=pre_notice.incident_id,
                 received_via=received_via, received_on=received_on.isoformat(),
                 witness=witness, sha256=statement.sha256,
                 attachments=[a["sha256"] for a in attachments])
    publisher.publish("statement_received", pre_notice.sitting_id, None,
                      {**pre_notice_event(pre_notice), "statement_id": statement.id,
                       "kind": statement.kind})
    return statement, True


def check_statement(pre_notice: PreNotice, waiver: bool, text: str, received_on: date,
                     witness: str | None) -> None:
    incident = db.session.get_one(Incident, pre_notice.incident_id)
    deadline = statement_deadline(pre_notice)
    if incident.status != rules.IncidentStatus.PROPOSED:
        raise ApiError(409, "already_decided", f"this incident is already {incident.status}")
    if pre_notice.served_on is None or deadline is None:
        raise ApiError(409, "pre_notice_not_served",
                       "record the pre-notice's service first: the statement window runs from it")
    if waived(pre_notice):
        raise ApiError(409, "statement_waived", "the candidate has waived their statement")
    if received_on > venue_today():
        raise ApiError(422, "date_in_future", "received_on is in the future", "received_on")
    if received_on < pre_notice.served_on:
        raise ApiError(422, "received_before_service",
                       f"the pre-notice was served on {pre_notice.served_on.isoformat()}",
                       "received_on")
    if received_on > deadline:
        raise ApiError(422, "statement_window_closed",
                       f"the statement window closed on {deadline.isoformat()}", "received_on",
                       {"statement_deadline": deadline.isoformat()})
    if not waiver and not text.strip():
        raise ApiError(422, "statement_text_required", "the statement has no text", "text")


# -- confirming ---------------------------------------------------------------------------
def statements_to_consider(incident: Incident) -> list[Statement]:
    """The statements a confirmation of this proposed incident weighs; 422 while a party has
    no served pre-notice (pre_notice_required) or a window is open and not waived
    (statement_window_open)."""
    notices = {n.person_id: n for n in pre_notices_of(incident)}
    unserved = [p.person_id for p in incident.parties
                if p.person_id not in notices or notices[p.person_id].served_on is None]
    if unserved:
        raise ApiError(422, "pre_notice_required",
                       "Serve the pre-decision notice (事先告知书) on every party first: the "
                       "candidate is told the proposed decision before it is made.",
                       None, {"person_ids": unserved})
    today = venue_today()
    for notice in notices.values():
        deadline = statement_deadline(notice)
        if deadline is not None and today <= deadline and not waived(notice):
            raise ApiError(422, "statement_window_open",
                           f"The candidate may state their case until {deadline.isoformat()}; "
                           f"decide after that day, or once they have waived it.", None,
                           {"pre_notice_id": notice.id,
                            "statement_deadline": deadline.isoformat()})
    return [s for notice in notices.values() for s in notice.statements
            if s.kind == StatementKind.STATEMENT]


def hearing_of(incident: Incident, person_id: int) -> dict[str, Any] | None:
    """What the decision notice says of the hearing before it: the pre-notice and its
    service, the statements considered (or the waiver), and the chief examiner's reasons.
    None for a decision made without the proposal stage."""
    notice = next((n for n in pre_notices_of(incident) if n.person_id == person_id), None)
    confirm = [d for d in incident.decisions if d.decision == DecisionKind.CONFIRM]
    if notice is None or not confirm:
        return None
    considered = set(confirm[-1].considered_statement_ids or [])
    deadline = statement_deadline(notice)
    return {
        "pre_notice": {"number": notice.number, "issued_on": notice.issued_on.isoformat(),
                       "served_on": notice.served_on.isoformat() if notice.served_on else None,
                       "method": notice.service_method},
        "statement_deadline": deadline.isoformat() if deadline else None,
        "waived": waived(notice),
        "statements": [{"id": s.id, "received_on": s.received_on.isoformat(),
                        "received_via": s.received_via, "text": s.text, "sha256": s.sha256,
                        "attachments": s.attachments}
                       for s in notice.statements
                       if s.kind == StatementKind.STATEMENT and s.id in considered],
        "reasons": confirm[-1].reasons,
    }


def set_stage_tiers(sitting: Sitting, chosen: list[int] | None) -> Sitting:
    """Give the sitting its own tiers for the proposal stage ([]: none), or None: the app's.
    Incidents already proposed keep their stage."""
    before = sitting.pre_notice_tiers
    sitting.pre_notice_tiers = None if chosen is None else ",".join(
        str(tier) for tier in sorted(set(chosen)))
    if sitting.pre_notice_tiers != before:
        db.session.flush()
        audit.record("sitting_pre_notice_tiers_set", "sitting", sitting.id, before=before,
                     after=sitting.pre_notice_tiers)
    return sitting


def own_tiers(sitting: Sitting) -> list[int] | None:
    return None if sitting.pre_notice_tiers is None else list(tiers(sitting.pre_notice_tiers))
