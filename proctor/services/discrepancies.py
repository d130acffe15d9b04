"""The discrepancies a room record raises at close-out, each one a small check.

A check is a function of the room's facts at the end of a subject (`Facts`: who was seated,
their check-ins, the attendance counts, the papers handed out and collected), registered with
`@check`, that yields a `Discrepancy` for each thing that does not add up. Adding a check (a
candidate still out of the room at the end, say) is one more such function. A discrepancy's
`key` is stable while it is the same discrepancy (`unrecorded:<ticket>`), and its `facts` say
what exactly is wrong: an explanation written for it holds only while the facts are the same.

- ``collected_vs_handed_out``: papers (or workpieces) collected ≠ handed out.
- ``handed_out_vs_present``: handed out ≠ candidates present (late arrivals included).
- ``collected_vs_present``: collected ≠ candidates present: a present candidate with no paper
  (or a paper too many).
- ``checked_in_twice:<ticket>``: the candidate's check-in was recorded by two invigilators, or
  changed (absent, then late …), as the audit log has it.
- ``unrecorded:<ticket>``: seated for the subject, but nobody recorded their attendance.
- ``still_out:<ticket>``: the candidate's last movement of the subject is a leaving: the room
  record says they never came back (the movement log, `services.movements`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Mark:
    """One check-in of a candidate as the audit log recorded it."""

    status: str
    by: str
    at: str  # ISO 8601, UTC


@dataclass(frozen=True)
class Seated:
    """A candidate seated in the room for the subject, and their check-ins in order."""

    seat_no: int
    ticket_no: str
    name: str
    status: str | None  # the attendance as it stands; None: never recorded
    marks: tuple[Mark, ...] = ()
    out_since: str | None = None  # ISO 8601, UTC: left the room and not recorded back


@dataclass(frozen=True)
class Facts:
    """What the checks look at: the room at the end of one subject."""

    seated: tuple[Seated, ...]
    counts: dict[str, int]
    handed_out: int | None = None  # None: the close-out figures were not entered yet
    collected: int | None = None

    @property
    def attending(self) -> int:
        return self.counts.get("present", 0) + self.counts.get("late", 0)

    @property
    def counted(self) -> bool:
        return self.handed_out is not None and self.collected is not None


@dataclass(frozen=True)
class Discrepancy:
    key: str
    kind: str
    facts: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # The facts as JSON stores them (lists, not tuples), so stored and found compare equal.
        object.__setattr__(self, "facts", json.loads(json.dumps(self.facts)))


Check = Callable[[Facts], Iterable[Discrepancy]]
CHECKS: list[Check] = []


def check(fn: Check) -> Check:
    """Register a check; they run in the order they are defined."""
    CHECKS.append(fn)
    return fn


def find(facts: Facts) -> list[Discrepancy]:
    """Every discrepancy of the room, check by check."""
    return [found for run in CHECKS for found in run(facts)]


@check
def collected_vs_handed_out(facts: Facts) -> Iterator[Discrepancy]:
    if facts.counted and facts.collected != facts.handed_out:
        yield Discrepancy("collected_vs_handed_out", "collected_vs_handed_out", {
            "handed_out": facts.handed_out, "collected": facts.collected})


@check
def handed_out_vs_present(facts: Facts) -> Iterator[Discrepancy]:
    if facts.counted and facts.handed_out != facts.attending:
        yield Discrepancy("handed_out_vs_present", "handed_out_vs_present", {
            "handed_out": facts.handed_out, "present": facts.attending})


@check
def collected_vs_present(facts: Facts) -> Iterator[Discrepancy]:
    if facts.counted and facts.collected != facts.attending:
        yield Discrepancy("collected_vs_present", "collected_vs_present", {
            "collected": facts.collected, "present": facts.attending})


@check
def checked_in_twice(facts: Facts) -> Iterator[Discrepancy]:
    """Two invigilators checked the candidate in, or the check-in was changed. Ticking the ID
    check after 已到 records the same status again by the same person: that is no discrepancy."""
    for seat in facts.seated:
        statuses = {m.status for m in seat.marks}
        recorders = {m.by for m in seat.marks}
        if len(statuses) > 1 or len(recorders) > 1:
            yield Discrepancy(f"checked_in_twice:{seat.ticket_no}", "checked_in_twice", {
                "ticket_no": seat.ticket_no, "name": seat.name, "seat_no": seat.seat_no,
                "marks": [{"status": m.status, "by": m.by, "at": m.at} for m in seat.marks]})


@check
def unrecorded(facts: Facts) -> Iterator[Discrepancy]:
    for seat in facts.seated:
        if seat.status is None:
            yield Discrepancy(f"unrecorded:{seat.ticket_no}", "unrecorded", {
                "ticket_no": seat.ticket_no, "name": seat.name, "seat_no": seat.seat_no})


@check
def still_out(facts: Facts) -> Iterator[Discrepancy]:
    for seat in facts.seated:
        if seat.out_since is not None:
            yield Discrepancy(f"still_out:{seat.ticket_no}", "still_out", {
                "ticket_no": seat.ticket_no, "name": seat.name, "seat_no": seat.seat_no,
                "out_since": seat.out_since})
