"""The evaluation body's screens for misconduct of staff and training bodies
(`/authority/conduct`): the list, a new record, one record with its files, decision and letter,
and the letter itself on A4 and as a PDF.

The pages only read; every change is made by the page's script through the JSON API
(`/api/v1/conduct-records`), so the checks and the audit entries are the API's own. A page
carries full ID numbers of staff, so it is never cached.
"""

from __future__ import annotations

from datetime import datetime

from flask import (
    Blueprint,
    Response,
    current_app,
    make_response,
    render_template,
    request,
    send_file,
)
from flask_login import current_user, login_required

from incidents.conduct import ConductSubject, conduct_codes
from proctor.concurrency import offload
from proctor.conduct.letter import DUTIES, letter_view
from proctor.errors import ApiError
from proctor.i18n import current_language
from proctor.models import ConductRecord, Role
from proctor.services import access, conduct, conduct_letters, evidence_store, scope
from proctor.services.sittings import all_sittings, venue_zone

bp = Blueprint("conduct", __name__, url_prefix="/authority/conduct")


@bp.before_request
@login_required
def _the_evaluation_body_only():  # type: ignore[no-untyped-def]
    if current_user.role != Role.AUTHORITY:
        raise access.deny("staff conduct records are the evaluation body's")
    return None


def _private(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


def _codes() -> dict[str, list[dict[str, str]]]:
    lang = current_language()
    book = conduct_codes()
    return {kind.value: [{"code": c.code, "title": getattr(c.title, lang),
                          "text": getattr(c.text, lang)} for c in book.of(kind)]
            for kind in ConductSubject}


def _measures() -> dict[str, list[str]]:
    lang = current_language()
    return {kind.value: [getattr(m, lang) for m in conduct_codes().measures[kind]]
            for kind in ConductSubject}


@bp.get("/")
def index():  # type: ignore[no-untyped-def]
    status = request.args.get("status") or None
    kind = request.args.get("subject_kind") or None
    given = conduct.Filter(status=status if status in ("reported", "confirmed", "dismissed")
                           else None,
                           subject_kind=kind if kind in ("staff", "training_body") else None)
    rows = conduct.visible_records(given, access.user())
    return _private(make_response(render_template(
        "authority/conduct_list.html", rows=rows, given=given, codes=conduct_codes(),
        lang=current_language(), subject=conduct.subject_part, duties=DUTIES,
        notice_of=conduct_letters.notice_of)))


@bp.get("/new")
def new():  # type: ignore[no-untyped-def]
    offset = datetime.now(venue_zone()).strftime("%z")
    boot = {"codes": _codes(), "language": current_language(),
            "offset": f"{offset[:3]}:{offset[3:]}",
            "now": datetime.now(venue_zone()).strftime("%Y-%m-%dT%H:%M")}
    return render_template("authority/conduct_new.html", sittings=all_sittings(), boot=boot,
                           codes=_codes(), duties=DUTIES, lang=current_language())


@bp.get("/<int:rid>")
@scope.loads(scope.conduct_record())
def record(record: ConductRecord):  # type: ignore[no-untyped-def]
    code = conduct_codes().get(record.code)
    boot = {"record_id": record.id, "measures": _measures()[record.subject_kind]}
    return _private(make_response(render_template(
        "authority/conduct_record.html", r=record, code=code, lang=current_language(),
        subject=conduct.subject_part(record), duties=DUTIES, boot=boot,
        notice=conduct_letters.notice_of(record), name=conduct.display_name,
        may_decide=conduct.may_decide(record, access.user()),
        sitting=access.get_sitting(record.sitting_id) if record.sitting_id else None)))


@bp.get("/<int:rid>/files/<int:fid>/<any(original,thumb,display):variant>")
@scope.loads(scope.conduct_record())
def file(record: ConductRecord, fid: int, variant: str):  # type: ignore[no-untyped-def]
    row = conduct.file_of(record, fid)
    if row.media_type == "application/pdf" and variant != "original":
        raise ApiError(404, "conduct_file_not_found", "A PDF has no picture copies.")
    path = evidence_store.path_for(row.sha256, variant)
    if not path.exists():
        raise ApiError(404, "evidence_file_missing", "The stored file is missing.")
    original = variant == "original"
    extension = row.media_type.split("/")[1] if original else "jpg"
    response = send_file(path, mimetype=row.media_type if original else "image/jpeg",
                         as_attachment=original, max_age=0,
                         download_name=f"conduct-{record.id}-{row.id}-{variant}.{extension}")
    return _private(response)


@bp.get("/<int:rid>/notice")
@scope.loads(scope.conduct_record())
def notice(record: ConductRecord):  # type: ignore[no-untyped-def]
    letter = conduct_letters.require_notice(record)
    return _private(make_response(render_template(
        "authority/conduct_notice.html", n=letter_view(letter), record=record)))


@bp.get("/<int:rid>/notice.pdf")
@scope.loads(scope.conduct_record())
def notice_pdf(record: ConductRecord):  # type: ignore[no-untyped-def]
    # reportlab loads only when a PDF is asked for
    from proctor.conduct.pdf import render_conduct_pdf
    from proctor.notices.fonts import letter_font

    letter = conduct_letters.require_notice(record)
    font = letter_font()
    body = offload(render_conduct_pdf, letter_view(letter), font,
                   author=current_app.config["ISSUING_BODY"])
    return _private(Response(body, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="conduct-{letter.number}.pdf"'}))
