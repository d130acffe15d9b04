"""The patrol (巡考): flags, their answers, visits and the patrol record."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import AwareDatetime, Field, RootModel, field_validator

from proctor.api.schemas.common import ClientId, DbId, In, Note, Out

__all__ = ["FlagAnswerIn", "FlagIn", "FlagOut", "FlagPhotoOut", "FlagsOut", "PatrolRecordOut",
           "PatrolRecordQuery", "PatrolSignoffOut", "SittingFlagIn", "VisitIn", "VisitOut"]


class FlagIn(In):
    client_id: ClientId
    seat_no: int | None = Field(default=None, ge=1, le=10_000)
    note: Note = Field(min_length=1)
    observed_at: AwareDatetime


class SittingFlagIn(In):
    """The contract's form (`POST /sittings/{sid}/flags`): the room in the body; `client_id`
    (the tablets send one) and `observed_at` (default: when the server got it) optional."""

    room_id: DbId
    client_id: ClientId | None = None
    seat_no: int | None = Field(default=None, ge=1, le=10_000)
    note: Note = Field(min_length=1)
    observed_at: AwareDatetime | None = None


class FlagAnswerIn(In):
    # `incident` is the contract's word; `incident_reported` the stored one (both accepted).
    outcome: Literal["nothing_found", "reminded", "incident", "incident_reported"]

    @field_validator("outcome")
    @classmethod
    def _stored(cls, value: str) -> str:
        return "incident_reported" if value == "incident" else value
    warning_id: DbId | None = None
    incident_id: DbId | None = None
    note: Note | None = None


class FlagPhoto(Out):
    id: int
    sha256: str
    width: int
    height: int


class FlagAnswer(Out):
    outcome: str
    note: str | None
    warning_id: int | None
    incident_id: int | None
    by: str | None
    by_name: str | None
    at: str | None


class FlagOut(Out):
    id: int
    client_id: str
    sitting_id: int
    room_id: int
    seat_no: int | None
    note: str
    observed_at: str
    raised_at: str
    raised_by: str | None
    raised_by_name: str | None
    open: bool
    answer: FlagAnswer | None
    photos: list[FlagPhoto]


class FlagsOut(RootModel[list[FlagOut]]):
    pass


class FlagPhotoOut(Out):
    id: int
    flag_id: int
    sha256: str
    media_type: str
    size: int
    width: int
    height: int


class VisitIn(In):
    client_id: ClientId
    room_id: DbId
    visited_at: AwareDatetime
    invigilators: list[str] = Field(default_factory=list, max_length=20)
    rules_read: bool
    remarks: Note | None = None


class VisitOut(Out):
    id: int
    room_id: int
    visited_at: AwareDatetime
    invigilators: list[str]
    rules_read: bool
    remarks: str | None


class PatrolRecordQuery(In):
    patrol: str | None = Field(default=None, max_length=64)


class PatrolRecordOut(Out):
    content: dict[str, Any]
    record_hash: str
    signed: bool
    signed_hash: str | None
    signed_at: AwareDatetime | None


class PatrolSignoffOut(Out):
    record_hash: str
    signed_at: AwareDatetime
