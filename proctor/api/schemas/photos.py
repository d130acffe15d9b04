"""Registration photos and the identity check at check-in (人证核验)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime

from proctor.api.schemas.common import ClientId, DbId, In, Out, TicketNo


class PhotoImportQuery(In):
    dry_run: bool = False


class PhotoProblemOut(Out):
    name: str
    code: str
    message: str


class PhotoImportOut(Out):
    matched: int
    new: int
    replaced: int
    unchanged: int
    unmatched: list[str]
    errors: list[PhotoProblemOut]


class PictureQuery(In):
    variant: Literal["display", "thumb", "face"] = "display"


class IdentityCheckIn(In):
    """How identity was checked: the ID card (身份证) and the face against the registration
    photo; `checkin_photo_id`: the photo taken at the door for this check, if one was."""

    id_card: bool
    photo: Literal["match", "mismatch", "unsure"] | None = None
    checkin_photo_id: DbId | None = None


class IdentityCheckOut(Out):
    id_card: bool
    photo: str | None = None
    checkin_photo_id: int | None = None


class CheckinPhotoForm(In):
    client_id: ClientId | None = None
    taken_at: AwareDatetime | None = None
    device: str | None = None


class FacesOut(Out):
    """What the face detector found: a count, and `face` (one found: its crop exists). It
    never says whether the two faces are the same person."""

    faces: int
    face: bool


class CheckinPhotoOut(Out):
    id: int
    ticket_no: str
    sha256: str
    width: int
    height: int
    taken_at: datetime
    checkin: FacesOut
    registration: FacesOut | None  # None: the candidate has no registration photo


class IdentityEvidenceIn(In):
    ticket_no: TicketNo
