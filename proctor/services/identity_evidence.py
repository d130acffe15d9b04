"""The identity check's pictures as evidence of an impersonation report (T3.4): the candidate's
registration photo and the latest photo taken of them at the door, each kept through the
evidence intake like any photo (its own row, hash, audit entry and live event)."""

from __future__ import annotations

from proctor.errors import ApiError
from proctor.extensions import db
from proctor.models import Candidate, Evidence, Incident, IncidentParty, User
from proctor.services import evidence, evidence_store, photos


def attach(incident: Incident, candidate: Candidate, who: User) -> list[Evidence]:
    """The evidence rows of both pictures (those attached before included, not twice)."""
    party = db.session.scalar(db.select(IncidentParty.id).where(
        IncidentParty.incident_id == incident.id, IncidentParty.candidate_id == candidate.id))
    if party is None:
        raise ApiError(422, "not_a_party",
                       f"{candidate.ticket_no} is not named in incident {incident.id}",
                       "ticket_no")
    pictures = []
    registration = photos.registration_photo(candidate)
    if registration is not None:
        pictures.append((registration.sha256, "registration", registration.imported_at,
                         f"registration photo: {registration.source_name}"))
    door = photos.latest_checkin_photo(candidate)
    if door is not None:
        pictures.append((door.sha256, "checkin", door.taken_at, door.device))
    if not pictures:
        raise ApiError(422, "no_identity_photos",
                       f"{candidate.ticket_no} has neither a registration photo nor a "
                       f"check-in photo.", "ticket_no")
    kept = {row.sha256: row for row in db.session.scalars(db.select(Evidence).where(
        Evidence.incident_id == incident.id, Evidence.kind == "photo"))}
    rows = []
    for sha256, source, taken_at, device in pictures:
        if sha256 in kept:
            rows.append(kept[sha256])
            continue
        data = evidence_store.path_for(sha256).read_bytes()
        row, _ = evidence.add_photo(incident, data, source=source, client_id=None,
                                    taken_at=taken_at, device=device, who=who)
        kept[sha256] = row
        rows.append(row)
    return rows
