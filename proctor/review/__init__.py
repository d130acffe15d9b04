"""The chief examiners' screens: the live board of a sitting and the review of each incident."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user, login_required

import incidents as rules
from proctor.database import utcnow
from proctor.i18n import current_language
from proctor.models import MANAGERS, Candidate, Incident, Sitting
from proctor.services import access, scope
from proctor.services.incidents import incidents_of_person
from proctor.services.review import incident_review
from proctor.services.sanctions import sanction_for_person
from proctor.services.sittings import venue_today, venue_zone

bp = Blueprint("review", __name__, url_prefix="/review")


@bp.before_request
@login_required
def _chiefs_and_the_body_only():  # type: ignore[no-untyped-def]
    if current_user.role not in MANAGERS:
        raise access.deny("the review screens are for chief examiners and the evaluation body")
    return None


@bp.get("/")
def index():  # type: ignore[no-untyped-def]
    sittings = access.sitting_ids_of(access.user())
    if not sittings:
        return redirect(url_for("auth.home"))
    return redirect(url_for("review.board", sid=sittings[0]))


@bp.get("/sittings/<int:sid>")
@scope.loads(scope.sitting(manage=True))
def board(sitting: Sitting):  # type: ignore[no-untyped-def]
    return render_template("review/board.html", sitting=sitting,
                           boot={"sitting_id": sitting.id, "language": current_language(),
                                 "now": utcnow().isoformat(), "zone": str(venue_zone())})


@bp.get("/incidents/<int:iid>")
@scope.loads(scope.incident(record=True, manage=True))
def incident(incident: Incident, sitting: Sitting):  # type: ignore[no-untyped-def]
    view = incident_review(incident, sitting, access.user())
    book = rules.default_rulebook()
    codes = [r for r in book.rules.values() if not r.requires_refused_warning or
             r.code == incident.rule_code]
    return render_template("review/incident.html", incident=incident, view=view, rules=codes,
                           lang=current_language(), today=venue_today().isoformat())


@bp.get("/sittings/<int:sid>/candidates/<ticket_no>")
@scope.loads(scope.candidate(manage=True))
def candidate(sitting: Sitting, candidate: Candidate):  # type: ignore[no-untyped-def]
    """A candidate's page: the sanctions the confirmed incidents bring, explained by the engine."""
    result = sanction_for_person(candidate.person_id)
    outcome = result.outcome_for(sitting.id)
    # This sitting only: the person's incidents elsewhere belong to other chief examiners.
    return render_template("review/candidate.html", sitting=sitting, candidate=candidate,
                           outcome=outcome,
                           bans=[b for b in result.bans if sitting.id in b.sitting_ids],
                           explanations=[e for e in result.explanations
                                         if e.incident_id in outcome.incident_ids],
                           incidents=incidents_of_person(sitting, candidate.person_id),
                           lang=current_language())
