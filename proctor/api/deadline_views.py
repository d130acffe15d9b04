"""The deadlines of a sitting for its chief examiner's board: what falls due, and when."""

from __future__ import annotations

import datetime as dt

from pydantic import RootModel

from proctor.api import bp
from proctor.api.schemas import Out
from proctor.api.spec import endpoint
from proctor.models import MANAGERS, Sitting
from proctor.services import scope
from proctor.services.deadlines import deadlines


class DeadlinePersonOut(Out):
    id: int
    name: str
    ticket_no: str | None


class DeadlineOut(Out):
    kind: str  # decision_due, review_due, review_window (services.deadlines)
    incident_id: int
    person: DeadlinePersonOut | None
    due_on: dt.date
    overdue: bool
    days_left: int
    rule_code: str | None
    room: str | None
    notice_id: int | None = None
    review_id: int | None = None


class DeadlinesOut(RootModel[list[DeadlineOut]]):
    pass


@endpoint(bp, "GET", "/sittings/<id:sid>/deadlines",
          summary="What falls due in the sitting and when (venue dates), soonest first",
          tag="review", responses={200: DeadlinesOut}, roles=MANAGERS,
          load=scope.sitting(manage=True))
def list_sitting_deadlines(sitting: Sitting) -> DeadlinesOut:
    return DeadlinesOut.model_validate([d.as_json() for d in deadlines(sitting)])
