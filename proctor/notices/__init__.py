"""The letters to print on A4 and as a PDF: the decision notice (处理决定书), a revised one, the
review decision letter (复核决定书), each with its proof of service (送达回证). Chief examiners
and the body only.

Each shows the letter's frozen snapshot; the service record, the review's last day and whether
a newer notice replaced it are added from the row. A page carries a full ID number, so it is
never cached.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, make_response, render_template
from flask_babel import gettext as _
from flask_login import current_user

from proctor.concurrency import offload
from proctor.extensions import login_manager
from proctor.i18n import current_language
from proctor.models import MANAGERS, LetterKind, Notice, PreNotice
from proctor.notices import letters, wording
from proctor.notices.wording import long_date
from proctor.services import access, appeals, candidate_links, due_process, scope

bp = Blueprint("notices", __name__)


@bp.before_request
def managers_only():  # type: ignore[no-untyped-def]
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if current_user.role not in MANAGERS:
        raise access.deny("only the chief examiner or the evaluation body opens a notice")
    return None


def labels() -> dict[str, dict[str, str]]:
    """Words the notice shows for stored codes, in the current language."""
    return {
        "method": {"in_person": _("in person"), "electronic": _("electronically"),
                   "post": _("by post"), "public": _("by public announcement")},
        "kind": {"photo": _("Photo"), "signature": _("Signature"), "refusal": _("Refusal")},
        "role": {"principal": _("Principal"), "accomplice": _("Accomplice"),
                 "impostor": _("Impostor")},
        "severity": {"minor": _("minor"), "serious": _("serious")},
    }


def notice_view(notice: Notice) -> dict[str, Any]:
    """The snapshot in the current language, as the sentences the candidate reads (see
    `wording` and `letters`), with the service record: for the page and the PDF alike."""
    lang = current_language()
    c = notice.content
    last_day = appeals.review_last_day(notice)
    words = labels()
    view: dict[str, Any] = {
        "lang": lang, "c": c, "kind": str(notice.kind), "title": letters.title(notice.kind),
        "number": notice.number, "sha256": notice.content_sha256,
        "level": wording.level(c, lang), "sitting_date": long_date(c["sitting"]["date"], lang),
        "seat_no": c["person"].get("seat_no"),
        "issuing_body": c["issuing_body"][lang],
        "issued_on": long_date(c["issued_on"], lang),
        "served_on": long_date(notice.served_on, lang) if notice.served_on else None,
        "method": words["method"].get(notice.service_method or "", ""),
        "last_day": long_date(last_day, lang) if last_day else None,
        "remedies": letters.remedies(notice, lang, last_day),
        "superseded": letters.superseded(notice),
        "proof": {"rows": letters.proof_rows(notice, lang),
                  "signatures": letters.proof_signatures(), "remark": letters.proof_remark()},
        "labels": words, "link": printed_link(notice, lang),
    }
    if notice.kind == LetterKind.REVIEW_DECISION:
        view.update(request=letters.request(c, lang), reviewed=letters.reviewed_rule(c, lang),
                    outcome=letters.outcome(c, lang), reasons=letters.reasons(c),
                    decision=wording.decision(c, lang) if c.get("sanction")
                    and c["outcome"] == "changed" else [])
        return view
    view.update(facts=wording.facts(c, lang), evidence=wording.evidence(c, lang, words["kind"]),
                rule=wording.rule_applied(c, lang), decision=wording.decision(c, lang),
                hearing=wording.hearing(c, lang),
                revision=letters.revision(c, lang), review_to=c["review"]["to"][lang],
                window_days=c["review"]["window_days"])
    return view


def pre_notice_view(row: PreNotice) -> dict[str, Any]:
    """The pre-notice's snapshot in the current language (see `wording`), with its service
    and the statement window's last day: for the page and the PDF alike."""
    lang = current_language()
    c = row.content
    words = labels()
    deadline = due_process.statement_deadline(row)
    return {
        "lang": lang, "c": c, "number": row.number, "sha256": row.content_sha256,
        "level": wording.level(c, lang), "sitting_date": long_date(c["sitting"]["date"], lang),
        "seat_no": c["person"].get("seat_no"),
        "facts": wording.facts(c, lang),
        "evidence": wording.evidence(c, lang, words["kind"]),
        "rule": wording.rule_applied(c, lang),
        "proposal": wording.proposal(c, lang),
        "statement": wording.statement_right(c, lang, deadline),
        "issuing_body": c["issuing_body"][lang],
        "issued_on": long_date(c["issued_on"], lang),
        "served_on": long_date(row.served_on, lang) if row.served_on else None,
        "method": words["method"].get(row.service_method or "", ""),
        "labels": words, "link": printed_link(row, lang),
    }


def printed_link(letter: Notice | PreNotice, lang: str) -> dict[str, Any] | None:
    """The candidate's short link and QR code as the letter prints them."""
    link = candidate_links.printed(letter)
    return link and {**link, "last_day": long_date(link["last_day"], lang)}


def _private(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


def _template(notice: Notice) -> str:
    return ("notices/review_letter.html" if notice.kind == LetterKind.REVIEW_DECISION
            else "notices/notice.html")


@bp.get("/notices/<int:nid>")
@scope.loads(scope.notice())
def show(notice: Notice):  # type: ignore[no-untyped-def]
    return _private(make_response(render_template(_template(notice), n=notice_view(notice),
                                                  notice=notice)))


@bp.get("/notices/<int:nid>/proof")
@scope.loads(scope.notice())
def proof(notice: Notice):  # type: ignore[no-untyped-def]
    """The proof of service (送达回证) alone, to print and take along when serving."""
    return _private(make_response(render_template("notices/proof.html", n=notice_view(notice),
                                                  notice=notice)))


@bp.get("/notices/<int:nid>.pdf")
@scope.loads(scope.notice())
def pdf(notice: Notice):  # type: ignore[no-untyped-def]
    # reportlab loads only when a PDF is asked for
    from proctor.notices.fonts import letter_font
    from proctor.notices.pdf import render_pdf

    return _pdf(render_pdf, notice_view(notice), f"notice-{notice.number}.pdf", letter_font())


def _pdf(render: Any, view: dict[str, Any], filename: str, font: Any) -> Response:
    """A letter as a PDF download. The font is found by the caller, in the request (finding it
    may run fc-list); reportlab is pure Python and takes a while: a real thread, so other
    tablets go on."""
    body = offload(render, view, font, author=current_app.config["ISSUING_BODY"])
    return _private(Response(body, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{filename}"'}))


@bp.get("/pre-notices/<int:pid>")
@scope.loads(scope.pre_notice())
def pre_notice(pre_notice: PreNotice):  # type: ignore[no-untyped-def]
    return _private(make_response(render_template(
        "notices/pre_notice.html", n=pre_notice_view(pre_notice), notice=pre_notice)))


@bp.get("/pre-notices/<int:pid>.pdf")
@scope.loads(scope.pre_notice())
def pre_notice_pdf(pre_notice: PreNotice):  # type: ignore[no-untyped-def]
    from proctor.notices.fonts import letter_font
    from proctor.notices.pre_notice_pdf import render_pre_notice_pdf

    return _pdf(render_pre_notice_pdf, pre_notice_view(pre_notice),
                f"pre-notice-{pre_notice.number}.pdf", letter_font())
