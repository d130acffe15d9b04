"""States kept as enums: stored as their value in a plain VARCHAR, read back as the enum."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import Enum


def stored_enum(enum: type[StrEnum], length: int) -> Enum:
    """The column type of a state. Non-native (a VARCHAR of `length`, no CHECK constraint) and
    holding each member's value, so the DDL and the stored strings are those of the String
    column it replaces; a string that is no member is refused on write."""
    return Enum(enum, native_enum=False, values_callable=_values, validate_strings=True,
                length=length)


def _values(enum: type[StrEnum]) -> list[str]:
    return [member.value for member in enum]
