"""Sanctions, bans, eligibility, revocations, the audit check and live events."""

from __future__ import annotations

import datetime as dt
from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, RootModel, StringConstraints

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


SheetLang = Annotated[Literal["zh", "en"], Field(
    description="the XLSX's headers, sheet names and 是/否: Chinese (zh) or English (en); "
                "CSV and JSON keep their keys")]


class BansQuery(In):
    as_of: IsoDate | None = None
    format: Literal["json", "csv", "xlsx"] = "json"
    masked: bool = False
    lang: SheetLang = "zh"


class BansOut(Out):
    as_of: dt.date
    generated_at: datetime
    count: int
    digest: str
    audit_head: str
    bans: list[BanOut]


class BanManifestQuery(In):
    audit_head: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")] = Field(
        description="the export's X-Audit-Head: the hash of the audit entry that recorded it")


class BanManifestOut(Out):
    """What a receiver checks an export against: its rows and the SHA-256 of them (the digest
    of the JSON rows; README), recorded in the audit chain once the last row was out."""

    audit_head: str
    as_of: dt.date
    format: Literal["json", "csv", "xlsx"]
    masked: bool
    rows: int
    sha256: str
    generated_at: datetime
    manifest_entry: str = Field(description="the hash of the audit entry holding the manifest")


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
    format: Literal["json", "csv", "xlsx"] = "json"
    lang: SheetLang = "zh"


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
