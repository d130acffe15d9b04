"""The case file of one incident (案卷), for 行政复议 or a court: one ZIP with a manifest.

    incident.json                     the record: parties, rule and citation, description,
                                      times (UTC and venue), reminder, decisions with reasons
    letters/<kind>-<number>.json      each letter as issued: its frozen content and SHA-256
    letters/<kind>-<number>.pdf       … and as a PDF, rendered now from that content
    reviews.json                      the review (复核) requests and their outcomes
    evidence.json, evidence/<id>.<ext> every piece of evidence: its row, its stored hash
                                      checked, and the original bytes
    acknowledgements.json, addenda.json, seized_items.json
    movements.json                    leaving the seat (T1.2): the candidate's movements (离座/返回)
                                      of that subject, with the absences they make
    audit.json                        every audit entry about the incident or its rows, the
                                      audit head and the chain's verification at export time
    manifest.json, SHA256SUMS         see services.case_file_zip

What goes in comes from SOURCES, in order: a source is a function of the `Collection` that adds
parts (and the audit objects its rows are recorded under); a new letter kind or the statements
of the proposal stage is one more `@source`. The audit source runs last.

A letter whose PDF cannot be made (no embeddable Chinese font, or a character the font lacks)
is not a reason to refuse the whole file: the letter's frozen content, whose SHA-256 the audit
chain holds since its issue, is what was issued, and it is in the file; the PDF is a rendering
made now. So the PDF is left out, and manifest.json's `omitted` says which and why.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import current_app

import incidents as rules
from proctor import hashing
from proctor.concurrency import offload
from proctor.database import utcnow
from proctor.errors import ApiError
from proctor.extensions import db
from proctor.models import (
    Acknowledgement,
    Addendum,
    AuditEntry,
    AuditHead,
    CandidateWarning,
    Evidence,
    Incident,
    Notice,
    PreNotice,
    ReviewRequest,
    Room,
    SeizedItem,
    Sitting,
    Statement,
    StatementFile,
    User,
)
from proctor.notices import notice_view, pre_notice_view
from proctor.services import evidence_store, movements, scope
from proctor.services.audit import verify_chain
from proctor.services.case_file_zip import Part, json_part
from proctor.services.sittings import venue_zone


@dataclass
class Collection:
    """What the sources gather for one incident: the parts, the audit objects (type, id) whose
    entries belong in the file, what had to be left out, and the problems found."""

    incident: Incident
    sitting: Sitting
    parts: list[Part] = field(default_factory=list)
    audit_objects: set[tuple[str, str]] = field(default_factory=set)
    omitted: list[dict[str, str]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    users: dict[int, str] = field(default_factory=dict)

    def add_json(self, path: str, value: Any) -> None:
        self.parts.append(json_part(path, value))

    def concerns(self, object_type: str, *ids: int | None) -> None:
        self.audit_objects.update((object_type, str(i)) for i in ids if i is not None)

    def user(self, user_id: int | None) -> str | None:
        return None if user_id is None else self.users.get(user_id, str(user_id))


Source = Callable[[Collection], None]
SOURCES: list[Source] = []


def source(fn: Source) -> Source:
    SOURCES.append(fn)
    return fn


def collect(incident: Incident, sitting: Sitting) -> Collection:
    """Every source's parts for the incident (read in this request; the PDFs are rendered in a
    real thread), the audit source last."""
    found = Collection(incident, sitting, users=dict(
        db.session.execute(db.select(User.id, User.username)).all()))
    for fn in SOURCES:
        fn(found)
    audit_trail(found)
    return found


def times(moment: datetime | None) -> dict[str, str] | None:
    """A moment in UTC and in venue time, both ISO 8601 with their offsets."""
    if moment is None:
        return None
    return {"utc": moment.isoformat(), "venue": moment.astimezone(venue_zone()).isoformat()}


# -- the record ----------------------------------------------------------------------------
@source
def incident_record(c: Collection) -> None:
    incident = c.incident
    rule = rules.default_rulebook().get(incident.rule_code)
    room = db.session.get(Room, incident.room_id) if incident.room_id else None
    warning = (db.session.get(CandidateWarning, incident.warning_id)
               if incident.warning_id else None)
    c.concerns("incident", incident.id)
    c.concerns("warning", incident.warning_id)
    c.add_json("incident.json", {
        "id": incident.id, "client_id": incident.client_id, "status": incident.status,
        "tier": incident.tier, "severity": incident.severity,
        "proposed_severity": incident.proposed_severity,
        "sitting": {"id": c.sitting.id, "occupation": c.sitting.occupation,
                    "level": c.sitting.level, "date": c.sitting.date.isoformat()},
        "room": room.name if room else None,
        "subject": ({"code": incident.subject.code, "name": incident.subject.name}
                    if incident.subject else None),
        "rule": {"code": rule.code, "tier": int(rule.tier),
                 "rulebook_version": incident.rulebook_version,
                 "title": {"zh": rule.title.zh, "en": rule.title.en},
                 "text": {"zh": rule.text.zh, "en": rule.text.en},
                 "citation": {"zh": rules.cite(rule, "zh"), "en": rules.cite(rule, "en")}},
        "description": incident.description,
        "discovered_after_exam": incident.discovered_after_exam,
        "observed_at": times(incident.observed_at), "recorded_at": times(incident.recorded_at),
        "reported_by": c.user(incident.reported_by), "witness": c.user(incident.witness_id),
        "parties": [{"role": p.role, "person_id": p.person_id,
                     "name": p.name_as_given or p.person.name,
                     "id_number": p.person.id_number,
                     "ticket_no": p.candidate.ticket_no if p.candidate else None}
                    for p in incident.parties],
        "reminder": None if warning is None else {
            "id": warning.id, "rule_code": warning.rule_code, "note": warning.note,
            "observed_at": times(warning.observed_at), "outcome": warning.outcome,
            "resolved_at": times(warning.resolved_at),
            "recorded_by": c.user(warning.recorded_by),
            "resolved_by": c.user(warning.resolved_by)},
        "decisions": [{"decision": d.decision, "severity": d.severity, "note": d.note,
                       "decided_by": c.user(d.decided_by), "decided_at": times(d.decided_at),
                       "record_hash": d.record_hash, "rule_code_before": d.rule_code_before,
                       "rule_code_after": d.rule_code_after} for d in incident.decisions],
    })


# -- letters -------------------------------------------------------------------------------
def add_letter(c: Collection, kind: str, number: str, record: dict[str, Any],
               render: Callable[[], bytes]) -> None:
    """A letter's record as JSON and its PDF (`render`, called now); a PDF that cannot be made
    (503 pdf_font_missing / pdf_glyphs_missing) is left out and said so."""
    stem = f"letters/{kind}-{number}"
    c.add_json(f"{stem}.json", record)
    try:
        c.parts.append(Part(f"{stem}.pdf", "application/pdf", render()))
    except ApiError as refused:
        if refused.status != 503:
            raise
        c.omitted.append({"path": f"{stem}.pdf", "code": refused.code,
                          "message": refused.message})


# Each letter kind's file name in letters/: the decision notice, the revised notice after a
# changed review, the review decision letter (复核决定书).
LETTER_STEMS = {"decision": "decision-notice", "revised_decision": "revised-decision-notice",
                "review_decision": "review-decision"}


def _frozen(c: Collection, object_type: str, letter: Notice | PreNotice, what: str) -> None:
    """A letter's audit entries belong in the file, and its frozen content must still hash to
    the SHA-256 recorded at issue (else it is listed in `problems`)."""
    c.concerns(object_type, letter.id)
    if hashing.digest(letter.content) != letter.content_sha256:
        c.problems.append(f"{what}: its content no longer hashes to the SHA-256 recorded at issue")


def _pdf_of(render: Callable[..., bytes], view: Callable[[Any], dict[str, Any]], letter: Any,
            find_font: Callable[[], Any]) -> Callable[[], bytes]:
    """The letter's PDF, made when `add_letter` asks: the font found in the request (finding it
    may run fc-list), reportlab in a real thread."""
    def made() -> bytes:
        return offload(render, view(letter), find_font(),
                       author=current_app.config["ISSUING_BODY"])

    return made


@source
def decision_notices(c: Collection) -> None:
    # reportlab loads only when a PDF is asked for
    from proctor.notices.fonts import letter_font
    from proctor.notices.pdf import render_pdf

    notices = scope.rows_of_incident(Notice, c.incident)
    for notice in notices:
        _frozen(c, "notice", notice, f"notice {notice.number}")
        add_letter(c, LETTER_STEMS.get(str(notice.kind), "letter"), notice.number, {
            "id": notice.id, "number": notice.number, "kind": str(notice.kind),
            "supersedes_id": notice.supersedes_id, "superseded_by_id": notice.superseded_by_id,
            "review_id": notice.review_id,
            "person_id": notice.person_id, "issued_by": c.user(notice.issued_by),
            "issued_at": times(notice.issued_at), "issued_on": notice.issued_on.isoformat(),
            "content_sha256": notice.content_sha256, "content": notice.content,
            "service": None if notice.served_on is None else {
                "method": notice.service_method, "served_on": notice.served_on.isoformat(),
                "recorded_by": c.user(notice.served_by),
                "recorded_at": times(notice.service_recorded_at)},
        }, _pdf_of(render_pdf, notice_view, notice, letter_font))


@source
def reviews(c: Collection) -> None:
    rows = list(db.session.scalars(
        db.select(ReviewRequest).join(Notice, ReviewRequest.notice_id == Notice.id)
        .where(Notice.incident_id == c.incident.id).order_by(ReviewRequest.id)))
    c.concerns("review", *(r.id for r in rows))
    c.add_json("reviews.json", [{
        "id": r.id, "notice_id": r.notice_id, "received_on": r.received_on.isoformat(),
        "due_on": r.due_on.isoformat(), "grounds": r.grounds,
        "recorded_by": c.user(r.recorded_by), "recorded_at": times(r.recorded_at),
        "status": r.status, "outcome_note": r.outcome_note,
        "decided_by": c.user(r.decided_by), "decided_at": times(r.decided_at),
        "severity": {"before": r.old_severity, "after": r.new_severity},
        "rule_code": {"before": r.old_rule_code, "after": r.new_rule_code},
    } for r in rows])


def _original(c: Collection, path: str, media_type: str, sha256: str, what: str) -> str | None:
    """An original file as stored, into the ZIP at `path` as found, its SHA-256 checked against
    the one recorded at upload (a mismatch or a missing file is listed in `problems`); the hash
    it has now, or None if it is missing."""
    found = offload(evidence_store.rehash, sha256)
    if found is None:
        c.problems.append(f"{what}: the stored file is missing")
        return None
    c.parts.append(Part(path, media_type, source=evidence_store.path_for(sha256)))
    if found != sha256:
        c.problems.append(f"{what}: the stored file hashes to {found}, not to {sha256} "
                          "recorded at upload")
    return found


# -- the hearing: pre-decision notices, their service, statements and attached files ---------
@source
def pre_notices(c: Collection) -> None:
    """Each pre-decision notice (事先告知书) as issued (frozen content and PDF), every attempt
    to serve it, and the statements (陈述申辩) or waivers received, with their attached files
    (each original, its SHA-256 checked as evidence is)."""
    from proctor.notices.fonts import letter_font  # reportlab, only for a case file
    from proctor.notices.pre_notice_pdf import render_pre_notice_pdf

    rows = scope.rows_of_incident(PreNotice, c.incident)
    for row in rows:
        _frozen(c, "pre_notice", row, f"pre-notice {row.number}")
        add_letter(c, "pre-notice", row.number, {
            "id": row.id, "number": row.number, "kind": "pre_notice",
            "person_id": row.person_id, "issued_by": c.user(row.issued_by),
            "issued_at": times(row.issued_at), "issued_on": row.issued_on.isoformat(),
            "content_sha256": row.content_sha256, "content": row.content,
            "service": [{"method": str(a.method), "served_on": a.served_on.isoformat(),
                         "failed": a.failed, "note": a.note, "posted_at": a.posted_at,
                         "recorded_by": c.user(a.recorded_by),
                         "recorded_at": times(a.recorded_at)} for a in row.services],
        }, _pdf_of(render_pre_notice_pdf, pre_notice_view, row, letter_font))
    statements = scope.rows_of_incident(Statement, c.incident)
    c.concerns("statement", *(st.id for st in statements))
    c.add_json("statements.json", [{
        "id": st.id, "pre_notice_id": st.pre_notice_id, "kind": str(st.kind), "text": st.text,
        "received_via": st.received_via, "received_on": st.received_on.isoformat(),
        "witness": st.witness, "attachments": st.attachments, "sha256": st.sha256,
        "recorded_by": c.user(st.recorded_by), "recorded_at": times(st.recorded_at),
    } for st in statements])
    files = scope.rows_of_incident(StatementFile, c.incident)
    c.concerns("statement_file", *(f.id for f in files))
    listed = []
    for row in files:
        path = f"statements/{row.id}.{row.media_type.split('/')[-1]}"
        found = _original(c, path, row.media_type, row.sha256, f"statement file {row.id}")
        listed.append({"id": row.id, "pre_notice_id": row.pre_notice_id,
                       "filename": row.filename, "media_type": row.media_type,
                       "size": row.size, "sha256": row.sha256,
                       "uploaded_by": c.user(row.uploaded_by),
                       "uploaded_at": times(row.uploaded_at),
                       "file": path if found is not None else None,
                       "verified": found == row.sha256})
    c.add_json("statement_files.json", listed)


# -- evidence and the rest of the record ---------------------------------------------------
@source
def evidence(c: Collection) -> None:
    """Each original as stored, its SHA-256 checked against the one recorded at upload (a
    mismatch or a missing file is listed in `problems`, and the file goes in as found)."""
    rows = scope.rows_of_incident(Evidence, c.incident)
    c.concerns("evidence", *(e.id for e in rows))
    listed = []
    for row in rows:
        path = f"evidence/{row.id}-{row.kind}.{row.media_type.split('/')[-1]}"
        found = None if row.purged_at else _original(c, path, row.media_type, row.sha256,
                                                     f"evidence {row.id}")
        listed.append({
            "id": row.id, "kind": row.kind, "source": row.source, "media_type": row.media_type,
            "size": row.size, "width": row.width, "height": row.height, "device": row.device,
            "taken_at": times(row.taken_at), "recorded_at": times(row.recorded_at),
            "taken_by": c.user(row.taken_by), "note": row.note,
            "signs_record_hash": row.signs_record_hash, "sha256": row.sha256,
            "file": path if found is not None else None, "verified": found == row.sha256,
            "purged_at": times(row.purged_at)})
    c.add_json("evidence.json", listed)


@source
def record_rows(c: Collection) -> None:
    """Signatures and refusals to sign, addenda, seized items."""
    acks = scope.rows_of_incident(Acknowledgement, c.incident)
    c.add_json("acknowledgements.json", [{
        "id": a.id, "kind": a.kind, "person_id": a.person_id, "record_hash": a.record_hash,
        "evidence_id": a.evidence_id, "recorded_by": c.user(a.recorded_by),
        "recorded_at": times(a.recorded_at), "attested_by": c.user(a.attested_by),
        "attested_at": times(a.attested_at)} for a in acks])
    c.add_json("addenda.json", [{
        "id": a.id, "text": a.text, "written_by": c.user(a.written_by),
        "written_at": times(a.written_at)}
        for a in scope.rows_of_incident(Addendum, c.incident)])
    items = scope.rows_of_incident(SeizedItem, c.incident)
    c.concerns("seized_item", *(i.id for i in items))
    c.add_json("seized_items.json", [{
        "id": i.id, "person_id": i.person_id, "description": i.description,
        "kept_at": i.kept_at, "seized_by": c.user(i.seized_by), "seized_at": times(i.seized_at),
        "recorded_at": times(i.recorded_at), "returned_at": times(i.returned_at),
        "returned_to": i.returned_to, "returned_by": c.user(i.returned_by)} for i in items])


@source
def movement_log(c: Collection) -> None:
    """Leaving the seat (T1.2): the candidate's movements (离座/返回) of that subject."""
    found = movements.of_incident(c.incident)
    if found is None:
        return
    c.concerns("movement", *(m["id"] for m in found["movements"]))
    c.add_json("movements.json", {
        "absence_alert_minutes": found["absence_alert_minutes"],
        "movements": [{**m, "observed_at": times(m["observed_at"]),
                       "recorded_at": times(m["recorded_at"]),
                       "left_at": times(m["left_at"])} for m in found["movements"]],
        "absences": [{**a, "left_at": times(a["left_at"]),
                      "returned_at": times(a["returned_at"])} for a in found["absences"]]})


# -- the audit trail (after every other source) ---------------------------------------------
def audit_trail(c: Collection) -> None:
    """The entries about the objects the sources named, with the head and the chain's
    verification now: a receiver checks each entry's hash and its place in the chain."""
    by_type: dict[str, set[str]] = {}
    for object_type, ident in c.audit_objects:
        by_type.setdefault(object_type, set()).add(ident)
    entries: list[AuditEntry] = []
    if by_type:
        wanted = db.or_(*(db.and_(AuditEntry.object_type == kind,
                                  AuditEntry.object_id.in_(sorted(ids)))
                          for kind, ids in by_type.items()))
        entries = list(db.session.scalars(db.select(AuditEntry).where(wanted)
                                          .order_by(AuditEntry.seq)))
    head = db.session.get(AuditHead, 1)
    report = offload(verify_chain, anchor=False)
    if not report.ok:
        c.problems.append("the audit chain does not verify: " + "; ".join(report.problems[:5]))
    c.add_json("audit.json", {
        "head": {"seq": head.seq if head else 0, "hash": head.hash if head else None},
        "verification": {"ok": report.ok, "entries": report.entries, "head": report.head,
                         "problems": report.problems, "verified_at": times(utcnow())},
        "entries": [{"seq": e.seq, "at": e.at.isoformat(), "actor": e.actor,
                     "action": e.action, "object_type": e.object_type,
                     "object_id": e.object_id, "data": e.data, "prev_hash": e.prev_hash,
                     "hash": e.hash, "mac": e.mac} for e in entries],
    })
