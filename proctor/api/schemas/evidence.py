"""Evidence, signatures, addenda, seized items, cameras."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AwareDatetime, RootModel, StringConstraints

from proctor.api.schemas.common import (
    ClientId,
    In,
    Out,
    TicketNo,
)


# -- evidence -------------------------------------------------------------------------------
class EvidenceOut(Out):
    id: int
    incident_id: int
    kind: str
    source: str
    sha256: str
    media_type: str
    size: int
    width: int
    height: int
    device: str | None
    taken_at: datetime
    recorded_at: datetime
    taken_by: str
    signs_record_hash: str | None
    purged: bool


class EvidenceListOut(RootModel[list[EvidenceOut]]):
    pass


class CameraIn(In):
    client_id: ClientId


class VerifyOut(Out):
    ok: bool
    sha256: str
    actual: str | None


class RefusalIn(In):
    client_id: ClientId


class AcknowledgementOut(Out):
    id: int
    incident_id: int
    kind: str
    record_hash: str
    evidence_id: int | None
    recorded_by: str
    recorded_at: datetime
    attested_by: str | None
    attested_at: datetime | None
    complete: bool


class AcknowledgementsOut(RootModel[list[AcknowledgementOut]]):
    pass


class AddendumIn(In):
    client_id: ClientId
    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000)]


class AddendumOut(Out):
    id: int
    incident_id: int
    text: str
    written_by: str
    written_at: datetime


class AddendaOut(RootModel[list[AddendumOut]]):
    pass


class SeizedIn(In):
    client_id: ClientId
    ticket_no: TicketNo | None = None
    description: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                                  max_length=1000)]
    kept_at: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                              max_length=255)]
    seized_at: AwareDatetime


class ReturnIn(In):
    returned_to: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                                  max_length=128)]


class SeizedOut(Out):
    id: int
    incident_id: int | None
    sitting_id: int
    name: str
    ticket_no: str | None
    description: str
    kept_at: str
    seized_by: str
    seized_at: datetime
    returned_at: datetime | None
    returned_to: str | None
    receipt_url: str


class SeizedListOut(RootModel[list[SeizedOut]]):
    pass


class CameraProbeOut(Out):
    ok: bool
    width: int | None = None
    height: int | None = None
    message: str | None = None
