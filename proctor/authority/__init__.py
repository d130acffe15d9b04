"""The evaluation body's screens: sittings and their set-up, accounts, the audit log, exports.

The pages only read; every change is made by the page's script through the JSON API, so the
rules, the validation and the audit entry are the API's own.
"""

from __future__ import annotations

from datetime import datetime, time

from flask import Blueprint, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from pydantic import ValidationError

import incidents as rules
from proctor.api.schemas import AuditQuery
from proctor.api.schemas.analytics import AnalyticsQuery
from proctor.api.schemas.patterns import PatternsQuery
from proctor.api.spec import validation_failed
from proctor.errors import ApiError
from proctor.extensions import db
from proctor.i18n import current_language
from proctor.messages import localized
from proctor.models import Role, Sitting
from proctor.services import access, analytics, scope, seating, sittings
from proctor.services.accounts import active_users, all_accounts
from proctor.services.audit import verify_chain
from proctor.services.audit_search import AuditSearch, audit_actions, find_audit_entries
from proctor.services.patterns import DETECTORS, KINDS, Settings, find_patterns, window_of
from proctor.services.patterns.present import audit_lookup, report_json
from proctor.services.sittings import venue_today, venue_zone

bp = Blueprint("authority", __name__, url_prefix="/authority")


@bp.before_request
@login_required
def _the_evaluation_body_only():  # type: ignore[no-untyped-def]
    if current_user.role != Role.AUTHORITY:
        raise access.deny("the set-up and registry screens are for the evaluation body")
    return None


@bp.get("/")
def index():  # type: ignore[no-untyped-def]
    return render_template("authority/index.html", sittings=sittings.all_sittings(),
                           candidates=sittings.candidate_counts(),
                           today=venue_today().isoformat())


def _venue_offset(sitting: Sitting) -> str:
    """The venue's UTC offset on the sitting's day, e.g. +08:00, for times typed in the form."""
    offset = datetime.combine(sitting.date, time(12), venue_zone()).strftime("%z")
    return f"{offset[:3]}:{offset[3:]}"


@bp.get("/sittings/<int:sid>")
@scope.loads(scope.sitting())
def sitting(sitting: Sitting):  # type: ignore[no-untyped-def]
    book = rules.default_rulebook()
    after_exam_rules = [r for r in book.rules.values() if not r.requires_refused_warning]
    rooms = {room.id: room.name for room in sitting.rooms}
    boot = {"sitting_id": sitting.id, "date": sitting.date.isoformat(),
            "offset": _venue_offset(sitting), "rooms": rooms, "language": current_language()}
    return render_template(
        "authority/sitting.html", sitting=sitting, taken=sittings.taken_seats(sitting),
        staff=sittings.staff_of(sitting), chiefs=active_users(Role.CHIEF),
        invigilators=active_users(Role.INVIGILATOR), patrols=active_users(Role.PATROL),
        rules=after_exam_rules,
        lang=current_language(), boot=boot,
        candidates=sittings.candidate_counts().get(sitting.id, 0),
        seating={"locked": seating.check_in_started(sitting),
                 "last": seating.last_arrangement(sitting)})


@bp.get("/accounts")
def accounts():  # type: ignore[no-untyped-def]
    return render_template("authority/accounts.html", users=all_accounts(),
                           me=access.user().username)


@bp.get("/audit")
def audit():  # type: ignore[no-untyped-def]
    given = {key: value.strip() for key, value in request.args.items() if value.strip()}
    error = None
    try:
        query = AuditQuery.model_validate_strings(given, strict=True)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        error = f"{'.'.join(map(str, first['loc']))}: {first['msg']}"
        query = AuditQuery()
        given = {}
    page = find_audit_entries(AuditSearch(**query.model_dump()))
    newest = {k: v for k, v in given.items() if k != "before_seq"}
    older = None if page.next_before_seq is None else {**newest,
                                                       "before_seq": page.next_before_seq}
    return render_template("authority/audit.html", chain=verify_chain(), page=page,
                           given=given, error=error, actions=audit_actions(), older=older,
                           newest=newest, summarize=summarize)


def summarize(data: dict[str, object], limit: int = 160) -> str:
    """The data of an entry in one line: key=value, the request's address last."""
    parts = [f"{key}={_short(value)}" for key, value in data.items() if key != "ip"]
    if data.get("ip"):
        parts.append(f"ip={data['ip']}")
    text = " · ".join(parts)
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _short(value: object) -> str:
    if isinstance(value, list):
        return ",".join(map(str, value)) or "[]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}={v}" for k, v in value.items()) + "}"
    return str(value)


@bp.get("/analytics")
def analytics_page():  # type: ignore[no-untyped-def]
    """The figures of a period as charts with their tables; the filters live in the query
    string (a reload or a shared link shows the same view); a bad filter is said and the
    default view shown."""
    given = {key: value.strip() for key, value in request.args.items()
             if key in ("from", "to", "group_by") and value.strip()}
    error = None
    try:
        query = AnalyticsQuery.model_validate_strings({"group_by": "rule", **given},
                                                      strict=True)
        period = analytics.period_of(query.from_, query.to)
    except (ValidationError, ApiError) as exc:
        failure = exc if isinstance(exc, ApiError) else validation_failed(exc, "query")
        error = localized(failure.code, failure.message, failure.field, failure.extra)[0]
        query = AnalyticsQuery.model_validate({"group_by": "rule"})
        period, given = analytics.Period(), {}
    answer = analytics.analytics(query.group_by, period, venue_zone())
    xlsx_url = url_for("api.get_analytics", **{**given, "group_by": query.group_by,
                                                "format": "xlsx", "lang": current_language()})
    return render_template("authority/analytics.html", answer=answer, given=given,
                           group_by=query.group_by, error=error, lang=current_language(),
                           xlsx_url=xlsx_url, span=analytics.sitting_span())


@bp.get("/exports")
def exports():  # type: ignore[no-untyped-def]
    return render_template("authority/exports.html", today=venue_today().isoformat())


@bp.get("/patterns")
def patterns():  # type: ignore[no-untyped-def]
    """Patterns across sittings, each kind a section; a bad filter is said and ignored. The
    look-up is audited as the API's is."""
    given = {key: value.strip() for key, value in request.args.items()
             if value.strip() and key != "lang"}
    error = None
    try:
        query = PatternsQuery.model_validate_strings(given, strict=True)
        window = window_of(query.from_, query.to)
    except ValidationError as exc:
        field = str(exc.errors(include_url=False)[0]["loc"][0])
        label = {"from": _("From (sitting date)"), "to": _("To (sitting date)"),
                 "kind": _("Kind")}.get(field, field)
        error = _("This filter is not valid and was left out: %(field)s", field=label)
        query, window, given = PatternsQuery(), window_of(None, None), {}
    except ApiError:
        error = _("The first date is after the last one; every sitting is shown.")
        query, window, given = PatternsQuery(), window_of(None, None), {}
    report = find_patterns(window, Settings.from_config(), query.kind)
    answer = report_json(report, access.shown_id_number)
    audit_lookup(report, "page")
    db.session.commit()
    return render_template("authority/patterns.html", answer=answer, given=given, error=error,
                           titles={kind: KINDS[kind].title.as_json() for kind in DETECTORS},
                           lang=current_language())
