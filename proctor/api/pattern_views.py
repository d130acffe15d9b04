"""Patterns across sittings, for the evaluation body: prompts with the records behind them."""

from __future__ import annotations

from proctor.api import bp
from proctor.api.schemas.patterns import PatternsOut, PatternsQuery
from proctor.api.spec import endpoint
from proctor.extensions import db
from proctor.models import THE_BODY
from proctor.services import access
from proctor.services.patterns import Settings, find_patterns, window_of
from proctor.services.patterns.present import audit_lookup, report_json


@endpoint(bp, "GET", "/patterns", summary="Patterns across sittings (prompts, not findings)",
          tag="registry", query=PatternsQuery, responses={200: PatternsOut}, roles=THE_BODY)
def list_patterns(query: PatternsQuery) -> PatternsOut:
    """Reads only; the look-up itself is audited (`patterns_viewed`), as eligibility is."""
    report = find_patterns(window_of(query.from_, query.to), Settings.from_config(), query.kind)
    answer = PatternsOut.model_validate(report_json(report, access.shown_id_number))
    audit_lookup(report, "api")
    db.session.commit()
    return answer
