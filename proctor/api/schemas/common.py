"""Shared field types and the In/Out bases of the API models."""

from __future__ import annotations

import datetime as dt
import re
from datetime import datetime
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
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


class In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Out(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
