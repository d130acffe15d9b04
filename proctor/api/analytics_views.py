"""Oversight: the figures of a period, grouped one way (JSON, or XLSX for the clerk)."""

from __future__ import annotations

from typing import Any

from flask import Response, request

from proctor.api import bp
from proctor.api.schemas.analytics import AnalyticsOut, AnalyticsQuery
from proctor.api.spec import endpoint
from proctor.concurrency import offload
from proctor.database import utcnow
from proctor.errors import ApiError
from proctor.models import THE_BODY
from proctor.services import analytics
from proctor.services.analytics_sheet import xlsx
from proctor.services.sittings import venue_zone

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@endpoint(bp, "GET", "/analytics", summary="Reminders, incidents, decisions, service and "
          "reviews of a period, grouped by rule, tier, room, sitting, training body, "
          "invigilator or hour (JSON or XLSX)", tag="oversight", query=AnalyticsQuery,
          responses={200: AnalyticsOut}, roles=THE_BODY)
def get_analytics(query: AnalyticsQuery) -> dict[str, Any] | Response:
    """The answer is AnalyticsOut's shape (tests/api/test_analytics.py holds it to the schema),
    sent as built: validating 2 000 room groups again would take longer than counting them."""
    for name in request.args:
        if len(request.args.getlist(name)) > 1:  # the query would be read as its first value
            raise ApiError(422, "validation_error", f"{name}: give one value, not several",
                           name, {"details": [{"field": name, "message": "give one value",
                                               "type": "too_long"}], "in": "query"})
    period = analytics.period_of(query.from_, query.to)
    answer = analytics.analytics(query.group_by, period, venue_zone())
    if query.format == "xlsx":
        generated_at = utcnow().isoformat()
        content = offload(xlsx, answer, generated_at, query.lang, venue_zone())
        stem = f"analytics-{query.group_by}-{query.from_ or 'start'}-{query.to or 'end'}"
        return Response(content, mimetype=XLSX_TYPE, headers={
            "Content-Disposition": f'attachment; filename="{stem}.xlsx"'})
    return answer
