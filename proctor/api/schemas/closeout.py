"""The close-out of a room record: the papers counted, and the explanations of discrepancies."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, StringConstraints

from proctor.api.schemas.common import ClientId, In, Out

PaperCount = Annotated[int, Field(ge=0, le=100_000)]


class CloseoutIn(In):
    client_id: ClientId
    handed_out: PaperCount
    collected: PaperCount


class DiscrepancyExplanationIn(In):
    client_id: ClientId
    discrepancy: Annotated[str, StringConstraints(min_length=1, max_length=96)]
    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                           max_length=2000)]


class CloseoutFigures(Out):
    id: int
    handed_out: int
    collected: int
    recorded_by: str | None
    recorded_at: str


class DiscrepancyOut(Out):
    key: str
    kind: str
    facts: dict[str, Any]
    explanation: dict[str, Any] | None


class CloseoutOut(Out):
    """The close-out as it stands, and the entry this request made (or made before: a replay)."""

    id: int
    subject: str
    entry: CloseoutFigures
    closeout: CloseoutFigures | None
    discrepancies: list[DiscrepancyOut]
    unexplained: int


class DiscrepancyExplanationOut(Out):
    id: int
    subject: str
    discrepancy: str
    text: str
    recorded_by: str | None
    recorded_at: str
    discrepancies: list[DiscrepancyOut]
    unexplained: int
