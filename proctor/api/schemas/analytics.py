"""The oversight figures (GET /api/v1/analytics)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import Field

from proctor.api.schemas.common import In, IsoDate, Out
from proctor.api.schemas.registry import SheetLang

GroupBy = Literal["rule", "tier", "room", "sitting", "training_body", "invigilator", "hour"]


class AnalyticsQuery(In):
    from_: IsoDate | None = Field(None, alias="from",
                                  description="the first sitting date of the period")
    to: IsoDate | None = Field(None, description="the last sitting date of the period")
    group_by: GroupBy = Field(description="one grouping")
    format: Literal["json", "xlsx"] = "json"
    lang: SheetLang = "zh"


class AnalyticsLabelOut(Out):
    zh: str
    en: str


class AnalyticsRatesOut(Out):
    reminders: float | None
    refusals: float | None
    reported: float | None
    confirmed: float | None
    dismissed: float | None


class AnalyticsReviewsOut(Out):
    requested: int
    upheld: int
    changed: int
    overturned: int
    pending: int


class AnalyticsGroupOut(Out):
    key: Annotated[str | int | None, Field(description="a rule code, a tier, a room, sitting "
                                                       "or user id, a training body, an hour")]
    label: AnalyticsLabelOut
    candidates: int
    reminders: int
    refusals: int
    reported: int
    confirmed: int = Field(description="confirmed by a chief examiner, overturned later or not")
    dismissed: int
    pending: int
    overturned: int
    per_100: float | None = Field(description="incidents reported per 100 candidates")
    rates_per_100: AnalyticsRatesOut = Field(description="each count per 100 candidates")
    decided: int
    median_hours_to_decision: float | None
    notices: int
    served: int
    median_days_to_service: float | None
    reviews: AnalyticsReviewsOut


class AnalyticsOut(Out):
    from_: dt.date | None = Field(alias="from")
    to: dt.date | None
    group_by: GroupBy
    candidates: int = Field(description="the candidates of the period's sittings")
    denominator: Literal["group", "period"] = Field(
        description="group: each group's own candidates (room, sitting, training body); "
                    "period: the period's candidates (rule, tier, invigilator, hour)")
    groups: list[AnalyticsGroupOut]
