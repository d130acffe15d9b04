"""Patterns across sittings (GET /api/v1/patterns): a prompt for the evaluation body."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field

from proctor.api.schemas.common import In, IsoDate, Out

PatternKind = Literal["repeat_offender", "impostor_reappears", "training_body_outlier",
                      "neighbour_copying", "invigilator_outlier",
                      # the same kinds by the names
                      "repeat_person", "impostor_id", "training_body_rate", "invigilator_rate"]


class PatternsQuery(In):
    from_: IsoDate | None = Field(default=None, alias="from",
                                  description="the first sitting date looked at, inclusive")
    to: IsoDate | None = Field(default=None, description="the last sitting date, inclusive")
    kind: PatternKind | None = Field(default=None, description="only patterns of this kind")


class BothLanguages(Out):
    zh: str
    en: str


class PatternPartyOut(Out):
    person_id: int
    name: str
    id_number: str
    role: str
    ticket_no: str | None


class PatternRecordOut(Out):
    incident_id: int
    sitting_id: int
    sitting_date: dt.date
    room: str | None
    rule_code: str
    tier: int
    status: str
    subject: str | None = Field(description="the subject's code")
    subject_name: str | None
    parties: list[PatternPartyOut]
    url: str = Field(description="the incident's review page")


class PatternPersonOut(Out):
    id: int
    name: str
    id_number: str


class PatternCandidacyOut(Out):
    person_id: int
    sitting_id: int
    sitting_date: dt.date
    ticket_no: str
    room: str | None
    seat_no: int | None
    url: str = Field(description="the candidate's page of that sitting")


class PatternReminderOut(Out):
    id: int
    sitting_id: int
    sitting_date: dt.date
    room: str | None
    rule_code: str
    outcome: str
    ticket_no: str
    url: str


class PatternTestOut(Out):
    name: BothLanguages
    p_value: float
    p_adjusted: float
    alpha: float
    correction: Literal["holm"]
    tested: int = Field(description="how many tests Holm's correction ran over")


class PatternOut(Out):
    kind: str
    title: BothLanguages
    why: BothLanguages
    figures: dict[str, int | float | str | None]
    persons: list[PatternPersonOut]
    incident_ids: list[int]
    test: PatternTestOut | None
    records: list[PatternRecordOut]
    candidacies: list[PatternCandidacyOut]
    reminders: list[PatternReminderOut]


class PatternKindOut(Out):
    kind: str
    title: BothLanguages
    means: BothLanguages
    does_not_mean: BothLanguages
    found: int


class PatternSettingsOut(Out):
    alpha: float
    min_candidates: int
    min_exposure: int
    neighbour_min: int


class PatternsOut(Out):
    from_: dt.date | None = Field(alias="from")
    to: dt.date | None
    settings: PatternSettingsOut
    kinds: list[PatternKindOut]
    patterns: list[PatternOut]
