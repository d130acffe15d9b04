"""The candidate's own page for one letter (`/c/<token>`), with no account: the letter in the
reader's language (Chinese first), the photos it cites, and, while the letter allows it, a
statement (陈述申辩) or a waiver, or a request for review (复核).

Public: nobody logs in. The token opens one letter (see `proctor.services.candidate_links`);
the ticket number and the last 6 characters of the ID number prove the reader is its person,
with wrong answers limited per link, and passing is remembered for that link only. Forms carry
the app's CSRF token (proctor.hooks checks every POST of a page). Submissions go through the
same services as the staff's, recorded with no staff member, audited as `candidate:<number>`
and announced live to the chief examiner; each answers with a receipt number.
"""

from __future__ import annotations

import uuid
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    make_response,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _

import incidents as rules
from proctor import hashing
from proctor.errors import ApiError
from proctor.extensions import db, limiter
from proctor.messages import localized
from proctor.models import (
    CandidateLink,
    Incident,
    LetterKind,
    Notice,
    PreNotice,
    ReviewStatus,
    Statement,
    StatementKind,
)
from proctor.notices import notice_view, pre_notice_view
from proctor.services import (
    appeals,
    audit,
    candidate_links,
    due_process,
    evidence_store,
    statement_files,
)
from proctor.services.candidate_links import Letter
from proctor.services.sittings import venue_today

bp = Blueprint("candidate", __name__)

ONLINE_WITNESS = "online: the candidate's own page, identity checked"
MAX_TEXT = 5000


def _token_key() -> str:
    token = (request.view_args or {}).get("token", "")
    return "candidate:" + candidate_links.token_sha256(str(token))


def _failed(response: Response) -> bool:
    return response.status_code == 401


def _private(response: Any, status: int = 200) -> Response:
    answer = make_response(response, status)
    answer.headers["Cache-Control"] = "no-store"
    return answer


@bp.errorhandler(404)
def gone(_err: Exception):  # type: ignore[no-untyped-def]
    return _private(render_template("candidate/gone.html"), 404)


@bp.errorhandler(429)
def limited(_err: Exception):  # type: ignore[no-untyped-def]
    return _private(render_template("candidate/limited.html"), 429)


def _opened(token: str) -> tuple[CandidateLink, Letter]:
    found = candidate_links.open_link(token)
    if found is None:
        abort(404)
    return found


def _verified(token: str) -> tuple[CandidateLink, Letter]:
    link, letter = _opened(token)
    if not candidate_links.passed(link):
        abort(redirect(url_for("candidate.page", token=token)))
    return link, letter


@bp.get("/c/<token>")
def page(token: str):  # type: ignore[no-untyped-def]
    link, letter = _opened(token)
    if not candidate_links.passed(link):
        return _private(render_template("candidate/check.html", token=token))
    return _private(_render_page(token, letter))


@bp.post("/c/<token>")
@limiter.limit(lambda: current_app.config["CANDIDATE_CHECK_LIMIT"], key_func=_token_key,
               methods=["POST"], deduct_when=_failed)
def check(token: str):  # type: ignore[no-untyped-def]
    link, letter = _opened(token)
    ticket_no = request.form.get("ticket_no", "")[:32]
    id_tail = request.form.get("id_tail", "")[:16]
    if not candidate_links.identity_matches(letter, ticket_no, id_tail):
        audit.record("candidate_check_failed", "candidate_link", link.id,
                     actor=candidate_links.actor(letter))
        db.session.commit()
        flash(_("The ticket number or the ID number does not match this letter."), "error")
        return _private(render_template("candidate/check.html", token=token,
                                        lang_next=_page_url(token), ticket_no=ticket_no), 401)
    candidate_links.remember(link)
    audit.record("candidate_link_opened", "candidate_link", link.id,
                 actor=candidate_links.actor(letter))
    db.session.commit()
    return redirect(url_for("candidate.page", token=token))


@bp.post("/c/<token>/statement")
def statement(token: str):  # type: ignore[no-untyped-def]
    link, letter = _verified(token)
    if not isinstance(letter, PreNotice):
        abort(404)
    g.audit_actor = candidate_links.actor(letter)
    waiver = request.form.get("action") == "waive"
    text = "" if waiver else request.form.get("text", "").strip()[:MAX_TEXT]
    client_id = _client_id(link)
    today = venue_today()
    witness = ONLINE_WITNESS if waiver else None
    upload = request.files.get("file")
    sent = db.session.scalar(db.select(Statement).where(Statement.client_id == client_id))
    if sent is not None:  # the same form sent again (a double tap, a reload)
        return _receipt(token, letter, sent)
    try:
        due_process.check_statement(letter, waiver, text, today, witness)
        attachments = []
        if upload is not None and upload.filename and not waiver:
            row, _created = statement_files.add_file(letter, upload.read(), upload.filename,
                                                     f"{client_id}:file", None)
            attachments = statement_files.attachments_for(letter, [row.id])
        made, created = due_process.record_statement(
            letter, client_id=client_id, waiver=waiver, text=text, received_via="electronic",
            received_on=today, witness=witness, attachments=attachments, who=None)
    except ApiError as err:
        return _refused(token, letter, err)
    if created:
        audit.record("candidate_submission", "statement", made.id,
                     receipt=_statement_receipt(letter, made), kind=made.kind,
                     sha256=made.sha256)
    db.session.commit()
    return _receipt(token, letter, made)


def _statement_receipt(letter: PreNotice, made: Statement) -> str:
    return f"{letter.number}-S{made.id:04d}"


def _receipt(token: str, letter: PreNotice, made: Statement) -> Response:
    return _private(render_template(
        "candidate/receipt.html", token=token, lang_next=_page_url(token),
        receipt=_statement_receipt(letter, made),
        sha256=made.sha256, received_on=made.received_on,
        waiver=made.kind == StatementKind.WAIVER, files=made.attachments))


@bp.post("/c/<token>/review")
def review(token: str):  # type: ignore[no-untyped-def]
    _link, letter = _verified(token)
    if not isinstance(letter, Notice):
        abort(404)
    g.audit_actor = candidate_links.actor(letter)
    grounds = request.form.get("grounds", "").strip()[:MAX_TEXT]
    today = venue_today()
    try:
        made = appeals.request_review(letter, today, grounds, None)
    except ApiError as err:
        return _refused(token, letter, err)
    receipt = f"{letter.number}-R{made.id:04d}"
    sha256 = hashing.digest({"notice": letter.number, "received_on": today.isoformat(),
                             "grounds": grounds, "receipt": receipt})
    audit.record("candidate_submission", "review", made.id, receipt=receipt, kind="review",
                 sha256=sha256)
    db.session.commit()
    return _private(render_template(
        "candidate/receipt.html", token=token, lang_next=_page_url(token), receipt=receipt,
        sha256=sha256,
        received_on=today, review=made))


@bp.get("/c/<token>/photos/<int:eid>")
def photo(token: str, eid: int):  # type: ignore[no-untyped-def]
    """The thumbnail of a photo the letter cites; nothing else (no signature, no other case)."""
    _link, letter = _verified(token)
    item = next((e for e in _photos(letter) if e["id"] == eid), None)
    if item is None:
        abort(404)
    path = evidence_store.path_for(item["sha256"], "thumb")
    if not path.exists():
        abort(404)
    return _private(send_file(path, mimetype="image/jpeg", max_age=0))


def _page_url(token: str) -> str:
    """Where the language switch returns to after a form was sent (a POST is not reloaded)."""
    return url_for("candidate.page", token=token)


def _client_id(link: CandidateLink) -> str:
    """The form's id, kept apart from the staff's ids: one link's replays find its own only."""
    given = request.form.get("client_id", "").strip()[:40] or str(uuid.uuid4())
    return f"cand-{link.id}-{given}"


def _photos(letter: Letter) -> list[dict[str, Any]]:
    return [e for e in letter.content.get("evidence", []) if e.get("kind") == "photo"]


def _refused(token: str, letter: Letter, err: ApiError) -> Response:
    db.session.rollback()
    message, _extra = localized(err.code, err.message, err.field, err.extra)
    flash(message, "error")
    return _private(_render_page(token, letter), err.status)


def _render_page(token: str, letter: Letter) -> str:
    today = venue_today()
    if isinstance(letter, PreNotice):
        view, template = pre_notice_view(letter), "notices/pre_notice.html"
        incident = db.session.get_one(Incident, letter.incident_id)
        deadline = due_process.statement_deadline(letter)
        can_state = (incident.status == rules.IncidentStatus.PROPOSED and deadline is not None
                     and today <= deadline and not due_process.waived(letter))
        submitted = [{"receipt": _statement_receipt(letter, s), "kind": s.kind,
                      "received_on": s.received_on, "sha256": s.sha256}
                     for s in letter.statements]
        return render_template(
            "candidate/page.html", letter_template=template, n=view, notice=letter,
            lang_next=_page_url(token),
            candidate=True, token=token, photos=_photos(letter), can_state=can_state,
            statement_deadline=deadline, submitted=submitted, client_id=str(uuid.uuid4()))
    template = ("notices/review_letter.html" if letter.kind == LetterKind.REVIEW_DECISION
                else "notices/notice.html")
    last_day = appeals.review_last_day(letter)
    pending = any(r.status == ReviewStatus.PENDING for r in letter.reviews)
    can_review = (last_day is not None and today <= last_day and not pending
                  and letter.superseded_by_id is None
                  and not appeals.review_had(letter.incident_id, letter.person_id))
    submitted = [{"receipt": f"{letter.number}-R{r.id:04d}", "kind": "review",
                  "received_on": r.received_on, "status": r.status} for r in letter.reviews]
    return render_template(
        "candidate/page.html", letter_template=template, n=notice_view(letter), notice=letter,
        lang_next=_page_url(token),
        candidate=True, token=token, photos=_photos(letter), can_review=can_review,
        review_last_day=last_day, submitted=submitted)
