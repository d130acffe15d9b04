"""Fair seating (考场编排) of a sitting."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from proctor.api.schemas.common import In, Out
from proctor.seat_plan import SEED_MAX

__all__ = ["SeatingIn", "SeatingOut", "SeatingRoomOut", "UnseparatedOut", "InseparableOut"]


class SeatingIn(In):
    strategy: Annotated[str, StringConstraints(max_length=32)] = Field(
        description='"random" (a seeded shuffle), the one strategy so far')
    separate_by: Annotated[str, StringConstraints(max_length=32)] | None = Field(
        default=None, description='"training_body": no two candidates of one training body '
                                  'side by side or one behind the other; null: no separation')
    seed: Annotated[int, Field(ge=0, le=SEED_MAX)] | None = Field(
        default=None, description="the same seed gives the same plan; generated when absent")
    dry_run: bool = False


class SeatingRoomOut(Out):
    room_id: int
    name: str
    seats: int
    assigned: int


class UnseparatedOut(Out):
    training_body: str
    room_id: int
    room: str
    seats: list[int]
    tickets: list[str]


class InseparableOut(Out):
    training_body: str
    candidates: int
    max_apart: int = Field(description="the most candidates of one body the rooms hold apart")


class SeatingOut(Out):
    sitting_id: int
    strategy: str
    separate_by: str | None
    seed: int
    dry_run: bool
    assigned: int
    seats: int
    plan_sha256: str
    rooms: list[SeatingRoomOut]
    unseparated: list[UnseparatedOut]
    unseparated_count: int
    lower_bound: int = Field(description="pairs that no plan can avoid")
    inseparable: list[InseparableOut]
