"""A pattern report as the API answers it and the page shows it, and the audit of a look-up."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import url_for

from proctor.services import audit
from proctor.services.patterns import KINDS, PatternReport


def report_json(report: PatternReport, show_id: Callable[[str], str]) -> dict[str, Any]:
    """The answer of GET /api/v1/patterns; `show_id` masks ID numbers as the caller may see
    them (access.shown_id_number)."""
    found = {kind: 0 for kind in report.kinds}
    for pattern in report.patterns:
        found[pattern.kind] += 1
    return {
        "from": report.window.start, "to": report.window.end,
        "settings": report.settings.as_json(),
        "kinds": [{"kind": kind, "title": KINDS[kind].title.as_json(),
                   "means": KINDS[kind].means.as_json(),
                   "does_not_mean": KINDS[kind].does_not_mean.as_json(), "found": found[kind]}
                  for kind in report.kinds],
        "patterns": [_pattern(report, p, show_id) for p in report.patterns],
    }


def _pattern(report: PatternReport, pattern: Any, show_id: Callable[[str], str]) -> dict[str, Any]:
    persons = [report.persons[pid] for pid in pattern.person_ids if pid in report.persons]
    return {
        "kind": pattern.kind, "title": pattern.title.as_json(), "why": pattern.why.as_json(),
        "figures": pattern.figures,
        "persons": [{"id": p.id, "name": p.name, "id_number": show_id(p.id_number)}
                    for p in persons],
        "incident_ids": pattern.incident_ids,
        "test": pattern.test.as_json() if pattern.test else None,
        "records": [_record(report.incidents[i], show_id) for i in pattern.incident_ids
                    if i in report.incidents],
        "candidacies": [{
            "person_id": c.person_id, "sitting_id": c.sitting_id,
            "sitting_date": c.sitting_date, "ticket_no": c.ticket_no, "room": c.room,
            "seat_no": c.seat_no,
            "url": url_for("review.candidate", sid=c.sitting_id, ticket_no=c.ticket_no)}
            for c in pattern.candidacies],
        "reminders": [{
            "id": r.id, "sitting_id": r.sitting_id, "sitting_date": r.sitting_date,
            "room": r.room, "rule_code": r.rule_code, "outcome": r.outcome,
            "ticket_no": r.ticket_no,
            "url": url_for("review.candidate", sid=r.sitting_id, ticket_no=r.ticket_no)}
            for r in pattern.reminders],
    }


def _record(record: Any, show_id: Callable[[str], str]) -> dict[str, Any]:
    return {
        "incident_id": record.id, "sitting_id": record.sitting_id,
        "sitting_date": record.sitting_date, "room": record.room, "rule_code": record.rule_code,
        "tier": record.tier, "status": record.status, "subject": record.subject,
        "subject_name": record.subject_name,
        "parties": [{"person_id": p.person_id, "name": p.name,
                     "id_number": show_id(p.id_number), "role": p.role,
                     "ticket_no": p.ticket_no} for p in record.parties],
        "url": url_for("review.incident", iid=record.id),
    }


def audit_lookup(report: PatternReport, where: str) -> None:
    """Who looked at which persons' records, as the eligibility look-up is audited: the window,
    the kinds, how many patterns, and the persons shown (ids, never ID numbers)."""
    audit.record("patterns_viewed", "person", None, where=where,
                 **{"from": report.window.start.isoformat() if report.window.start else None,
                    "to": report.window.end.isoformat() if report.window.end else None},
                 kinds=report.kinds, patterns=len(report.patterns),
                 person_ids=report.person_ids())
