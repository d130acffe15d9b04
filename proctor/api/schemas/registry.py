"""Sanctions, bans, eligibility, revocations, the audit check and live events."""

from __future__ import annotations

import datetime as dt
from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, RootModel

from proctor.api.schemas.common import (
    DbId,
    IdNumberText,
    In,
    IsoDate,
    Out,
)


# -- sanctions, bans, eligibility -----------------------------------------------------------
class BanPeriodOut(Out):
    from_: dt.date = Field(alias="from")
    until: dt.date
    tier: int
    rule_codes: list[str]
    referral: bool


class ExplanationOut(Out):
    incident_id: int
    rule_code: str
    zh: str
    en: str


class SanctionsOut(Out):
    ticket_no: str
    voided_subjects: list[str]
    all_subjects_voided: bool
    ban: BanPeriodOut | None
    certificate_revoked: bool
    incidents: list[int]
    explanations: list[ExplanationOut]


class BanOut(Out):
    name: str
    id_number: str
    ticket_no: str | None = None
    from_: dt.date = Field(alias="from")
    until: dt.date
    tier: int
    rule_codes: list[str]
    referral: bool
    sitting_id: int | None
    incident_ids: list[int]


class BansQuery(In):
    as_of: IsoDate | None = None
    format: Literal["json", "csv", "xlsx"] = "json"
    masked: bool = False


class BansOut(Out):
    as_of: dt.date
    generated_at: datetime
    count: int
    digest: str
    audit_head: str
    bans: list[BanOut]


class EligibilityQuery(In):
    id_number: IdNumberText
    date: IsoDate | None = None


class EligibilityOut(Out):
    id_number: str
    date: dt.date
    eligible: bool
    bans: list[BanOut]


class EligibilityBatchIn(In):
    id_numbers: Annotated[list[IdNumberText], Field(min_length=1, max_length=1000)]
    date: IsoDate | None = None


class EligibilityBatchOut(Out):
    date: dt.date
    results: list[EligibilityOut]


class RevocationsQuery(In):
    format: Literal["json", "csv"] = "json"


class RevocationOut(Out):
    name: str
    id_number: str
    ticket_no: str
    sitting_id: int
    incident_ids: list[int]
    decided_at: datetime | None


class RevocationsOut(Out):
    revocations: list[RevocationOut]


class AuditVerifyOut(Out):
    ok: bool
    entries: int
    head: str
    problems: list[str]


class EventsQuery(In):
    after_seq: Annotated[int, Field(ge=0, le=2**31 - 1)] = 0
    room_id: DbId | None = None


class EventOut(Out):
    seq: int
    type: str
    sitting_id: int
    room_id: int | None
    at: datetime
    data: dict[str, object]


class EventsOut(RootModel[list[EventOut]]):
    pass
