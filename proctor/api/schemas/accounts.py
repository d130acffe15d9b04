"""Accounts, API tokens and the audit log (the evaluation body's)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from proctor.api.schemas.common import In, IsoDate, Out
from proctor.models import USERNAME_PATTERN

_PLAIN = r"^[^\x00-\x1f\x7f]*$"  # no control characters (PostgreSQL refuses NUL in text)

Username = Annotated[str, StringConstraints(strip_whitespace=True, pattern=USERNAME_PATTERN)]
Password = Annotated[str, StringConstraints(min_length=1, max_length=256)]
SearchText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200,
                                              pattern=_PLAIN)]


class UserIn(In):
    username: Username
    display_name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=128,
                                                   pattern=_PLAIN)] = ""
    role: Literal["invigilator", "chief", "authority", "patrol"]
    password: Password


class PasswordIn(In):
    password: Password


class UserOut(Out):
    username: str
    display_name: str
    role: str
    active: bool
    sessions: int = Field(description="open sessions (logged in, not ended, not timed out)")
    tokens: int = Field(description="API tokens not revoked")
    created_at: datetime


class UsersOut(Out):
    users: list[UserOut]


class UserActionOut(Out):
    user: UserOut
    sessions_ended: int = 0
    tokens_revoked: int = 0


class TokenOut(Out):
    username: str
    token: str = Field(description="shown this once: only its SHA-256 is stored")
    prefix: str


class AuditQuery(In):
    action: SearchText | None = None
    actor: SearchText | None = None
    q: SearchText | None = Field(default=None, description="searched in object ids and in the data")
    since: IsoDate | None = Field(default=None, description="first venue date, inclusive")
    until: IsoDate | None = Field(default=None, description="last venue date, inclusive")
    before_seq: Annotated[int, Field(ge=1, le=2**31 - 1)] | None = None
    limit: Annotated[int, Field(ge=1, le=200)] = 50


class AuditEntryOut(Out):
    seq: int
    at: datetime
    actor: str
    action: str
    object_type: str | None
    object_id: str | None
    data: dict[str, object]
    hash: str


class AuditPageOut(Out):
    entries: list[AuditEntryOut]
    next_before_seq: int | None = Field(description="pass as before_seq for older entries")
