"""A candidate leaving the room and coming back (离座/返回)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AwareDatetime, Field, StringConstraints

from proctor.api.schemas.common import ClientId, Code, In, Note, Out, TicketNo
from proctor.models import USERNAME_PATTERN

EscortName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                              max_length=128)]


class MovementIn(In):
    client_id: ClientId
    ticket_no: TicketNo
    kind: Literal["left", "returned"]
    reason: Literal["toilet", "illness", "other"] | None = Field(
        default=None, description="required when the candidate leaves; a return takes the "
                                  "leaving's unless given")
    escort: EscortName | None = Field(
        default=None, description="who went with the candidate: a name as written")
    escort_username: Annotated[str, StringConstraints(pattern=USERNAME_PATTERN)] | None = Field(
        default=None, description="… or a staff member of the room or the sitting's chief "
                                  "examiner, by username (their name is recorded)")
    note: Note | None = None
    subject: Code | None = Field(default=None, description="default: the subject under way")
    observed_at: AwareDatetime


class MovementOut(Out):
    id: int
    client_id: str
    sitting_id: int
    room_id: int
    ticket_no: str
    name: str
    id_number: str
    seat_no: int | None
    subject: str
    kind: str
    reason: str
    escort: str | None
    note: str | None
    observed_at: datetime
    recorded_at: datetime
    recorded_by: str
    left_id: int | None
    left_at: datetime | None
    duration_seconds: int | None


class AbsenceOut(Out):
    """A leaving and its return (none yet: still out)."""

    ticket_no: str
    name: str
    seat_no: int | None
    subject: str
    reason: str
    escort: str | None
    left_at: datetime
    returned_at: datetime | None
    duration_seconds: int | None
    overdue: bool


class MovementsOut(Out):
    movements: list[MovementOut]
    absences: list[AbsenceOut]
    absence_alert_minutes: int


class MovementsQuery(In):
    subject: Code | None = Field(default=None, description="one subject's movements only")
