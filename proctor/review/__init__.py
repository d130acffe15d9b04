"""The chief examiners' screens: the live board of a sitting and the review of each incident."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, url_for
from flask_login import current_user, login_required

import incidents as rules
from proctor.database import utcnow
from proctor.extensions import db
from proctor.i18n import current_language
from proctor.models import Incident, Role
from proctor.services import access
from proctor.services.incidents import load_incident
from proctor.services.people import candidate_by_ticket
from proctor.services.review import incident_review
from proctor.services.sanctions import sanction_for_person
from proctor.services.sittings import venue_today

bp = Blueprint("review", __name__, url_prefix="/review")


@bp.before_request
@login_required
def _chiefs_and_the_body_only():  # type: ignore[no-untyped-def]
    if current_user.role not in {Role.CHIEF, Role.AUTHORITY}:
        raise access.deny("the review screens are for chief examiners and the evaluation body")
    return None


@bp.get("/")
def index():  # type: ignore[no-untyped-def]
    sittings = access.sitting_ids_of(access.user())
    if not sittings:
        return redirect(url_for("auth.home"))
    return redirect(url_for("review.board", sid=sittings[0]))


@bp.get("/sittings/<int:sid>")
def board(sid: int):  # type: ignore[no-untyped-def]
    sitting = access.require_manager(sid)
    return render_template("review/board.html", sitting=sitting,
                           boot={"sitting_id": sitting.id, "language": current_language(),
                                 "now": utcnow().isoformat()})


@bp.get("/incidents/<int:iid>")
def incident(iid: int):  # type: ignore[no-untyped-def]
    row = load_incident(iid)
    if row is None:
        abort(404)
    view = incident_review(row, access.require_manager(row.sitting_id), access.user())
    book = rules.default_rulebook()
    codes = [r for r in book.rules.values() if not r.requires_refused_warning or
             r.code == row.rule_code]
    return render_template("review/incident.html", incident=row, view=view, rules=codes,
                           lang=current_language(), today=venue_today().isoformat())


@bp.get("/sittings/<int:sid>/candidates/<ticket_no>")
def candidate(sid: int, ticket_no: str):  # type: ignore[no-untyped-def]
    """A candidate's page: the sanctions the confirmed incidents bring, explained by the engine."""
    sitting = access.require_manager(sid)
    who = candidate_by_ticket(sitting, ticket_no, "path")
    result = sanction_for_person(who.person_id)
    # This sitting only: the person's incidents elsewhere belong to other chief examiners.
    incidents_of = db.session.scalars(
        db.select(Incident).where(Incident.sitting_id == sid,
                                  Incident.parties.any(person_id=who.person_id))
        .order_by(Incident.id))
    outcome = result.outcome_for(sid)
    return render_template("review/candidate.html", sitting=sitting, candidate=who,
                           outcome=outcome, bans=[b for b in result.bans if sid in b.sitting_ids],
                           explanations=[e for e in result.explanations
                                         if e.incident_id in outcome.incident_ids],
                           incidents=list(incidents_of), lang=current_language())
