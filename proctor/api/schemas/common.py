"""Shared field types and the In/Out bases of the API models."""

from __future__ import annotations

import datetime as dt
import re
from datetime import datetime
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    NaiveDatetime,
    StringConstraints,
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


def _has_utc(value: object) -> object:
    """An aware time must have a UTC equivalent (it is stored in UTC): 0001-01-01T00:00+05:00
    and 9999-12-31T23:59-05:00 have none. Only years 1 and 9999 need the conversion tried."""
    if (isinstance(value, datetime) and value.tzinfo is not None
            and (value.year == 1 or value.year == 9999)):
        try:
            value.astimezone(dt.UTC)
        except OverflowError:
            raise ValueError("this time has no UTC equivalent (it falls outside years "
                             "1 to 9999 in UTC)") from None
    return value


_HAS_UTC = AfterValidator(_has_utc)


def _mentions_datetime(annotation: object) -> bool:
    if isinstance(annotation, type) and issubclass(annotation, datetime):
        return True
    if annotation is AwareDatetime or annotation is NaiveDatetime:
        return True
    return any(_mentions_datetime(arg) for arg in get_args(annotation))


class In(BaseModel):
    """A request body, query or form: unknown fields are refused, and every time in it must
    have a UTC equivalent (checked on the time fields only, where pydantic reports them)."""

    model_config = ConfigDict(extra="forbid")

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        changed = False
        for info in cls.model_fields.values():
            if _mentions_datetime(info.annotation) and _HAS_UTC not in info.metadata:
                info.metadata.append(_HAS_UTC)
                changed = True
        if changed:
            cls.model_rebuild(force=True, raise_errors=False)


class Out(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
