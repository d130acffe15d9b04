"""Ban-date arithmetic. Every period is inclusive at both ends and anchored at the sitting date."""

from __future__ import annotations

from datetime import MAXYEAR, date, timedelta


def end_of_year(day: date) -> date:
    """Return 31 December of ``day``'s year: the last day of a Tier 2 ban (当年不得参加评价)."""
    return date(day.year, 12, 31)


def anniversary(day: date, years: int) -> date:
    """Return the ``years``-th anniversary of ``day``.

    A 29 February has no anniversary in a common year; the anniversary is then 1 March (the
    period of whole years has not elapsed before 1 March). Past the calendar's end, `date.max`.
    """
    year = day.year + years
    if year > MAXYEAR:
        return date.max
    try:
        return day.replace(year=year)
    except ValueError:  # 29 February, common target year
        return date(year, 3, 1)


def years_ban_until(day: date, years: int) -> date:
    """Return the last banned day of a ban of ``years`` years from ``day`` (inclusive).

    That is the day before the anniversary: sitting 2025-06-28, 2 years -> 2027-06-27. A sitting
    on 29 February therefore ends on 28 February, whether or not the final year is a leap year.
    """
    end = anniversary(day, years)
    return end if end == date.max else end - timedelta(days=1)


def touches(first_until: date, second_start: date) -> bool:
    """Return True when a period ending ``first_until`` meets one from ``second_start``.

    Periods meet when they overlap or are adjacent (the second starts the day after).
    """
    return (second_start - first_until).days <= 1
