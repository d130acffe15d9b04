"""Reminders, incidents, rooms on exam day and the chief examiner's board."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AwareDatetime, ConfigDict, Field, RootModel, StringConstraints, model_validator

from proctor.api.schemas.common import (
    ClientId,
    Code,
    IdNumberText,
    In,
    Name,
    Note,
    Out,
    RuleCode,
    Severity,
    TicketNo,
)


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
    decision: Literal["propose", "confirm", "dismiss"]
    severity: Severity | None = None
    note: Note | None = None
    reasons: Note | None = Field(
        default=None, description="confirming a proposal: why the decision stands in the light "
                                  "of the statements (required when there are any)")

# -- rooms on exam day ----------------------------------------------------------------------
class RoomLogIn(In):
    client_id: ClientId
    kind: Literal["subject_started", "subject_ended", "rules_read", "late_arrival", "illness",
                  "evacuation", "equipment_fault", "misprint", "power_cut", "other"]
    note: Note | None = None
    subject: Code | None = None
    observed_at: AwareDatetime


class RoomLogOut(Out):
    id: int
    kind: str
    note: str | None
    subject: str | None
    observed_at: datetime


class DoorPhoto(Out):
    id: int
    faces: int
    registration_faces: int | None


class SeatIdentity(Out):
    id_card: bool
    photo: str | None
    checkin_photo: DoorPhoto | None


class AttendanceMark(Out):
    status: str
    id_checked: bool
    recorded_at: datetime
    identity: SeatIdentity | None = None


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


class SeatMovement(Out):
    id: int
    client_id: str
    kind: str
    reason: str
    escort: str | None
    observed_at: datetime
    left_at: datetime | None
    duration_seconds: int | None


class SeatState(Out):
    seat_no: int
    ticket_no: str
    name: str
    id_number: str
    subjects: list[str]
    attendance: dict[str, AttendanceMark]
    warnings: list[SeatWarning]
    incidents: list[SeatIncident]
    movements: list[SeatMovement] = []
    photo: bool = False  # a registration photo was imported


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
    absence_alert_minutes: int = 10

# -- the chief examiner's board --------------------------------------------------------------
class OutNow(Out):
    """A candidate out of the room now (离座)."""

    id: int
    ticket_no: str
    name: str
    seat_no: int | None
    since: datetime
    reason: str
    escort: str | None


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
    out: int = 0
    out_now: list[OutNow] = []


class BoardOut(Out):
    sitting_id: int
    subject: str
    rooms: list[BoardRoomOut]
    incidents_waiting: int
    last_seq: int
    absence_alert_minutes: int = 10
