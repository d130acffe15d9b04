"""Accounts, rules, sittings and candidates."""

from __future__ import annotations

import datetime as dt
from datetime import datetime, time
from typing import Annotated, Literal

from pydantic import AwareDatetime, Field, RootModel, StringConstraints, model_validator

from proctor.api.schemas.common import (
    Code,
    DbId,
    IdNumberText,
    In,
    IsoDate,
    Name,
    Out,
    TicketNo,
)
from proctor.api.schemas.photos import IdentityCheckIn, IdentityCheckOut


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


PreNoticeTiers = Annotated[list[Annotated[int, Field(ge=0, le=3)]], Field(max_length=4)]


class SittingIn(In):
    occupation: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                                 max_length=128)]
    level: Annotated[int, Field(ge=1, le=5)]
    date: IsoDate
    subjects: Annotated[list[SubjectIn], Field(min_length=1, max_length=12)]
    pre_notice_tiers: PreNoticeTiers | None = Field(
        default=None, description="tiers proposed and told first (事先告知); [] none; "
                                  "null: PROCTOR_PRE_NOTICE_TIERS")


class SittingPatch(In):
    pre_notice_tiers: PreNoticeTiers | None = Field(
        description="this sitting's tiers for the proposal stage; null: the app's default")


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
    pre_notice_tiers: list[int] | None = Field(description="the sitting's own setting")
    pre_notice_tiers_in_force: list[int]


class SittingsOut(RootModel[list[SittingOut]]):
    pass


class StaffIn(In):
    username: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                               max_length=64)]
    role: Literal["invigilator", "chief", "patrol"]
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
    id_checked: bool = False  # the ID card was checked (== identity.id_card)
    subject: Code | None = None
    identity: IdentityCheckIn | None = None

    @model_validator(mode="after")
    def _one_id_card(self) -> AttendanceIn:
        if self.identity is None:
            return self
        if "id_checked" in self.model_fields_set and self.id_checked != self.identity.id_card:
            raise ValueError("id_checked and identity.id_card disagree")
        self.id_checked = self.identity.id_card
        return self


class AttendanceOut(Out):
    ticket_no: str
    subject: str
    status: str
    id_checked: bool
    recorded_at: datetime
    identity: IdentityCheckOut | None = None
