"""Request and response models of the JSON API v1 (pydantic), named as in DESIGN.md."""

from __future__ import annotations

import datetime as dt
import re
from datetime import datetime, time
from typing import Annotated, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    RootModel,
    StringConstraints,
    model_validator,
)

Code = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9_-]{1,32}$")]
RuleCode = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=8)]
TicketNo = Annotated[str, StringConstraints(strip_whitespace=True,
                                            pattern=r"^[A-Za-z0-9-]{1,32}$")]
ClientId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.:-]{1,64}$")]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
IdNumberText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                                max_length=32)]
Note = Annotated[str, StringConstraints(max_length=2000)]
DbId = Annotated[int, Field(ge=1, le=2**31 - 1)]  # INTEGER columns
Severity = Literal["minor", "serious"]


def _iso_date(value: object) -> object:
    """Dates are YYYY-MM-DD (the contract), never a number of seconds since 1970."""
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            raise ValueError(f"{value} is not a real date") from None
    if isinstance(value, dt.date) and not isinstance(value, datetime):
        return value
    raise ValueError("a date as YYYY-MM-DD")


IsoDate = Annotated[dt.date, BeforeValidator(_iso_date)]


class In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Out(BaseModel):
    model_config = ConfigDict(populate_by_name=True)


# -- auth -----------------------------------------------------------------------------------
class LoginIn(In):
    username: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                               max_length=64)]
    password: Annotated[str, StringConstraints(min_length=1, max_length=256)]


class LoginOut(Out):
    username: str
    role: str
    csrf_token: str


class MeOut(Out):
    username: str
    display_name: str
    role: str
    sittings: list[int]
    rooms: list[int]


# -- rules ----------------------------------------------------------------------------------
class TextOut(Out):
    zh: str
    en: str


class RuleOut(Out):
    code: str
    tier: int
    title: TextOut
    text: TextOut
    requires_refused_warning: bool


class RulesOut(RootModel[list[RuleOut]]):
    pass


class SuggestQuery(In):
    q: Annotated[str, StringConstraints(min_length=1, max_length=500)]
    limit: Annotated[int, Field(ge=1, le=20)] = 5


class SuggestionOut(Out):
    code: str
    score: float


class SuggestionsOut(RootModel[list[SuggestionOut]]):
    pass


# -- sittings -------------------------------------------------------------------------------
class SubjectIn(In):
    code: Code
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=128)]
    starts_at: AwareDatetime | time = Field(description="ISO 8601 with offset, or HH:MM local")
    ends_at: AwareDatetime | time


class SittingIn(In):
    occupation: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                                 max_length=128)]
    level: Annotated[int, Field(ge=1, le=5)]
    date: IsoDate
    subjects: Annotated[list[SubjectIn], Field(min_length=1, max_length=12)]


class SubjectOut(Out):
    code: str
    name: str
    starts_at: datetime
    ends_at: datetime


class RoomIn(In):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
    rows: Annotated[int, Field(ge=1, le=40)]
    cols: Annotated[int, Field(ge=1, le=40)]
    camera_source: Annotated[str, StringConstraints(max_length=512)] | None = None


class RoomPatch(In):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                           max_length=64)] | None = None
    camera_source: Annotated[str, StringConstraints(strip_whitespace=True,
                                                    max_length=512)] | None = None


class RoomOut(Out):
    id: int
    sitting_id: int
    name: str
    rows: int
    cols: int
    seats: int
    camera_source: str | None = None


class SittingOut(Out):
    id: int
    occupation: str
    level: int
    date: dt.date
    subjects: list[SubjectOut]
    rooms: list[RoomOut]


class SittingsOut(RootModel[list[SittingOut]]):
    pass


class StaffIn(In):
    username: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                               max_length=64)]
    role: Literal["invigilator", "chief"]
    room_id: DbId | None = None


class StaffOut(Out):
    id: int
    sitting_id: int
    username: str
    role: str
    room_id: int | None


# -- candidates -----------------------------------------------------------------------------
class CandidateIn(In):
    ticket_no: TicketNo
    name: Name
    id_number: IdNumberText
    subjects: Annotated[list[Code], Field(min_length=1, max_length=12)] | None = None
    application: Literal["group", "individual"] | None = None
    training_body: Annotated[str, StringConstraints(max_length=128)] | None = None


class SeatOut(Out):
    room_id: int
    seat_no: int


class CandidateOut(Out):
    id: int
    sitting_id: int
    ticket_no: str
    name: str
    id_number: str
    subjects: list[str]
    application: str | None
    training_body: str | None
    seat: SeatOut | None


class CandidatesOut(RootModel[list[CandidateOut]]):
    pass


class RowErrorOut(Out):
    row: int
    message: str
    field: str | None = None


class RosterQuery(In):
    dry_run: bool = False


class RosterOut(Out):
    created: int
    updated: int
    unchanged: int
    errors: list[RowErrorOut]


class SeatIn(In):
    room_id: DbId
    seat_no: Annotated[int, Field(ge=1, le=1600)]
    swap: bool = False


class SeatChangeOut(Out):
    ticket_no: str
    room_id: int
    seat_no: int
    swapped_with: str | None = None


class AttendanceIn(In):
    status: Literal["present", "absent", "late"]
    id_checked: bool = False
    subject: Code | None = None


class AttendanceOut(Out):
    ticket_no: str
    subject: str
    status: str
    id_checked: bool
    recorded_at: datetime


# -- warnings and incidents -----------------------------------------------------------------
class WarningIn(In):
    client_id: ClientId
    ticket_no: TicketNo
    subject: Code
    rule_code: RuleCode
    observed_at: AwareDatetime
    note: Note | None = None


class WarningOutcomeIn(In):
    outcome: Literal["complied", "refused"]
    note: Note | None = None


class WarningOut(Out):
    id: int
    client_id: str
    sitting_id: int
    ticket_no: str
    subject: str
    rule_code: str
    outcome: str
    note: str | None
    observed_at: datetime
    recorded_at: datetime
    incident_id: int | None


class PartyIn(In):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"anyOf": [
        {"required": ["ticket_no"]}, {"required": ["name", "id_number"]}]})

    ticket_no: TicketNo | None = None
    name: Name | None = None
    id_number: IdNumberText | None = None
    role: Literal["principal", "accomplice", "impostor"] = "principal"

    @model_validator(mode="after")
    def _one_way_to_name_them(self) -> PartyIn:
        if self.ticket_no is None and (self.name is None or self.id_number is None):
            raise ValueError("a party needs ticket_no, or name and id_number")
        return self


class IncidentIn(In):
    client_id: ClientId
    rule_code: RuleCode
    subject: Code | None = None
    observed_at: AwareDatetime
    description: Annotated[str, StringConstraints(max_length=5000)] = ""
    parties: Annotated[list[PartyIn], Field(min_length=1, max_length=30)]
    severity: Severity | None = None
    discovered_after_exam: bool = False


class PartyOut(Out):
    role: str
    name: str
    id_number: str
    ticket_no: str | None


class DecisionOut(Out):
    decision: str
    severity: str | None
    note: str | None
    record_hash: str | None = None
    rule_code_before: str | None = None
    rule_code_after: str | None = None
    decided_by: str
    decided_at: datetime


class IncidentOut(Out):
    id: int
    client_id: str
    sitting_id: int
    rule_code: str
    tier: int
    rulebook_version: str
    subject: str | None
    room_id: int | None
    status: str
    severity: str | None
    proposed_severity: str | None
    description: str
    discovered_after_exam: bool
    observed_at: datetime
    recorded_at: datetime
    reported_by: str
    warning_id: int | None
    parties: list[PartyOut]
    decisions: list[DecisionOut]


class IncidentsOut(RootModel[list[IncidentOut]]):
    pass


class RuleChangeIn(In):
    rule_code: RuleCode
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                             max_length=2000)]


class DecisionIn(In):
    decision: Literal["confirm", "dismiss"]
    severity: Severity | None = None
    note: Note | None = None


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


# -- rooms on exam day ----------------------------------------------------------------------
class RoomLogIn(In):
    client_id: ClientId
    kind: Literal["subject_started", "subject_ended", "rules_read", "late_arrival", "illness",
                  "evacuation", "equipment_fault", "other"]
    note: Note | None = None
    subject: Code | None = None
    observed_at: AwareDatetime


class RoomLogOut(Out):
    id: int
    kind: str
    note: str | None
    subject: str | None
    observed_at: datetime


class AttendanceMark(Out):
    status: str
    id_checked: bool
    recorded_at: datetime


class SeatWarning(Out):
    id: int
    rule_code: str
    subject: str
    outcome: str
    incident_id: int | None
    observed_at: datetime


class SeatIncident(Out):
    id: int
    rule_code: str
    tier: int
    status: str
    role: str
    observed_at: datetime


class SeatState(Out):
    seat_no: int
    ticket_no: str
    name: str
    id_number: str
    subjects: list[str]
    attendance: dict[str, AttendanceMark]
    warnings: list[SeatWarning]
    incidents: list[SeatIncident]


class RoomBrief(Out):
    id: int
    name: str
    rows: int
    cols: int


class RoomStateOut(Out):
    sitting_id: int
    room: RoomBrief
    seats: list[SeatState]
    log: list[RoomLogOut]
    last_seq: int


# -- evidence -------------------------------------------------------------------------------
class EvidenceOut(Out):
    id: int
    incident_id: int
    kind: str
    source: str
    sha256: str
    media_type: str
    size: int
    width: int
    height: int
    device: str | None
    taken_at: datetime
    recorded_at: datetime
    taken_by: str
    signs_record_hash: str | None
    purged: bool


class EvidenceListOut(RootModel[list[EvidenceOut]]):
    pass


class CameraIn(In):
    client_id: ClientId


class VerifyOut(Out):
    ok: bool
    sha256: str
    actual: str | None


class RefusalIn(In):
    client_id: ClientId


class AcknowledgementOut(Out):
    id: int
    incident_id: int
    kind: str
    record_hash: str
    evidence_id: int | None
    recorded_by: str
    recorded_at: datetime
    attested_by: str | None
    attested_at: datetime | None
    complete: bool


class AcknowledgementsOut(RootModel[list[AcknowledgementOut]]):
    pass


class AddendumIn(In):
    client_id: ClientId
    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000)]


class AddendumOut(Out):
    id: int
    incident_id: int
    text: str
    written_by: str
    written_at: datetime


class AddendaOut(RootModel[list[AddendumOut]]):
    pass


class SeizedIn(In):
    client_id: ClientId
    ticket_no: TicketNo | None = None
    description: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                                  max_length=1000)]
    kept_at: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                              max_length=255)]
    seized_at: AwareDatetime


class ReturnIn(In):
    returned_to: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                                  max_length=128)]


class SeizedOut(Out):
    id: int
    incident_id: int | None
    sitting_id: int
    name: str
    ticket_no: str | None
    description: str
    kept_at: str
    seized_by: str
    seized_at: datetime
    returned_at: datetime | None
    returned_to: str | None
    receipt_url: str


class SeizedListOut(RootModel[list[SeizedOut]]):
    pass


class CameraProbeOut(Out):
    ok: bool
    width: int | None = None
    height: int | None = None
    message: str | None = None


# -- the chief examiner's board --------------------------------------------------------------
class BoardRoomOut(Out):
    id: int
    name: str
    seated: int
    present: int
    late: int
    absent: int
    not_checked_in: int
    reminders_open: int
    incidents_waiting: int
    incidents_confirmed: int


class BoardOut(Out):
    sitting_id: int
    subject: str
    rooms: list[BoardRoomOut]
    incidents_waiting: int
    last_seq: int
