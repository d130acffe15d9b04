"""Evidence: photos (tablet, upload, room camera), signatures and refusals, addenda, seizures."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from flask import current_app

from incidents import IncidentStatus
from proctor import hashing, publisher
from proctor.concurrency import offload
from proctor.database import end_read_transaction, utcnow
from proctor.errors import ApiError
from proctor.extensions import db
from proctor.models import (
    Acknowledgement,
    AcknowledgementKind,
    Addendum,
    CheckinPhoto,
    Decision,
    DecisionKind,
    Evidence,
    Incident,
    RegistrationPhoto,
    Room,
    SeizedItem,
    User,
)
from proctor.services import audit, evidence_store, idempotent
from proctor.services.floor import seat_of
from proctor.services.people import candidate_of_person


def ingest_error(exc) -> ApiError:  # type: ignore[no-untyped-def]
    return ApiError(exc.status, exc.code, str(exc), "file")


def decode_photo(data: bytes):  # type: ignore[no-untyped-def]
    """Check an image by content and decode it in a real thread (OpenCV, with the configured
    limits), holding no database lock: the intake of every photo, the patrol's flags' too."""
    from proctor import vision  # OpenCV loads on first use, not at start-up

    end_read_transaction(db.session())  # the decode holds no database lock
    try:
        return offload(vision.ingest, data, max_bytes=current_app.config["EVIDENCE_MAX_BYTES"],
                       max_pixels=current_app.config["EVIDENCE_MAX_PIXELS"])
    except vision.IngestError as exc:
        raise ingest_error(exc) from None


def _photo_of(incident: Incident, kind: str):  # type: ignore[no-untyped-def]
    """The target of an evidence client_id: this incident, this kind of picture."""
    return lambda found: found.incident_id == incident.id and found.kind == kind


def server_client_id(kind: str) -> str:
    """A key for a record the caller sent no client_id for; "/" is outside the client_id
    alphabet, so no tablet can ever send it."""
    return f"{kind}/{uuid.uuid4().hex}"


def add_photo(incident: Incident, data: bytes, *, source: str, client_id: str | None,
              taken_at: datetime, device: str | None, who: User,
              kind: str = "photo", signs: str | None = None) -> tuple[Evidence, bool]:
    """Check and keep an image: the original unchanged under its SHA-256, plus two copies.

    A client_id seen before returns the picture it made for this incident (nothing is decoded
    again); one of another record is 409 client_id_conflict. Without a client_id there is no
    replay protection: every call keeps a picture."""
    return _keep_image(incident, lambda: (data, taken_at, device), source=source,
                       client_id=client_id, who=who, kind=kind, signs=signs)


Shot = tuple[bytes, datetime, str | None]  # the image, when and on what it was taken


def _keep_image(incident: Incident, take: Callable[[], Shot], *, source: str,
                client_id: str | None, who: User, kind: str = "photo",
                signs: str | None = None) -> tuple[Evidence, bool]:
    """`take` gives the image; it is asked only for a new client_id."""
    from proctor import vision  # OpenCV loads on first use, not at start-up

    files: list[bytes] = []  # the original and its two copies, stored once the row is in

    def make() -> Evidence:
        data, taken_at, device = take()
        end_read_transaction(db.session())  # the decode holds no database lock
        try:
            result = offload(vision.ingest, data,
                             max_bytes=current_app.config["EVIDENCE_MAX_BYTES"],
                             max_pixels=current_app.config["EVIDENCE_MAX_PIXELS"])
        except vision.IngestError as exc:
            raise ingest_error(exc) from None
        files.extend((data, result.display_jpeg, result.thumbnail_jpeg))
        return Evidence(client_id=key, incident_id=incident.id, kind=kind, source=source,
                        sha256=result.sha256, media_type=f"image/{result.kind}",
                        size=result.size, width=result.width, height=result.height,
                        orientation=result.orientation, device=(device or "")[:255] or None,
                        taken_at=taken_at, taken_by=who.id, signs_record_hash=signs)

    key = server_client_id(kind) if client_id is None else client_id
    row, created = idempotent.insert_once(Evidence, key, make,
                                          same_target=_photo_of(incident, kind))
    if created:
        evidence_store.store(row.sha256, *files)
        audit.record("evidence_added", "evidence", row.id, incident_id=incident.id, kind=kind,
                     source=source, sha256=row.sha256, size=row.size, device=row.device,
                     taken_at=row.taken_at.isoformat(), signs_record_hash=signs)
        publisher.publish("evidence_added", incident.sitting_id, incident.room_id, {
            "id": row.id, "incident_id": incident.id, "kind": kind, "source": source})
    return row, created


def fresh_frame(room: Room):  # type: ignore[no-untyped-def]
    """A frame from the room's camera taken now, or 503 camera_unavailable within the timeout."""
    from proctor import camera  # cv2 loads on first use, not at start-up

    if not room.camera_source:
        raise ApiError(422, "no_camera", f"Room {room.name} has no camera.", "camera_source")
    end_read_transaction(db.session())  # waiting for the camera holds no database lock
    try:
        # The wait polls in cooperative sleeps; the camera's own reads run in its OS thread.
        return camera.grab_frame(room.camera_source,
                                 timeout=current_app.config["CAMERA_TIMEOUT_SECONDS"])
    except camera.CameraUnavailable as exc:
        raise ApiError(503, "camera_unavailable",
                       f"The room camera did not answer: {exc}") from None


def camera_frame(incident: Incident, client_id: str | None, who: User) -> tuple[Evidence, bool]:
    """A fresh frame from the room's camera, kept like any other photo (a replay of its
    client_id is answered before the camera is asked)."""
    def shoot() -> Shot:
        room = db.session.get(Room, incident.room_id) if incident.room_id else None
        if room is None:
            raise ApiError(422, "no_camera", "This incident is not tied to a room with a camera.")
        from proctor import vision  # cv2 loads on first use, not at start-up

        data = offload(vision.encode_jpeg, fresh_frame(room))
        return data, utcnow(), f"room camera: {room.name}"

    return _keep_image(incident, shoot, source="room_camera", client_id=client_id, who=who)


def record_hash(incident: Incident) -> str:
    """The SHA-256 of the incident record as it stands: what a signature is bound to."""
    photos = db.session.scalars(db.select(Evidence.sha256).where(
        Evidence.incident_id == incident.id, Evidence.kind == "photo").order_by(Evidence.id))
    record = {
        "id": incident.id, "sitting_id": incident.sitting_id, "rule_code": incident.rule_code,
        "subject_id": incident.subject_id, "description": incident.description,
        "observed_at": incident.observed_at.isoformat(), "reported_by": incident.reported_by,
        "parties": [(p.person_id, p.role) for p in incident.parties], "photos": list(photos),
    }
    return hashing.digest(record)


def principal_person(incident: Incident) -> int:
    return incident.parties[0].person_id


def _acknowledgement_of(incident: Incident, kind: str):  # type: ignore[no-untyped-def]
    return lambda found: found.incident_id == incident.id and found.kind == kind


def sign(incident: Incident, png: bytes, client_id: str, taken_at: datetime,
         device: str | None, who: User) -> tuple[Acknowledgement, bool]:
    """The candidate's signature on the tablet, bound to the record's hash at that moment; a
    replay returns the signature it made on this incident (else 409 client_id_conflict)."""
    def make() -> Acknowledgement:
        _refuse_if_acknowledged(incident)
        bound = record_hash(incident)
        # The picture's key derives from the signature's, in a form no tablet sends (64 chars).
        image_key = "signature/" + hashing.sha256_hex(client_id.encode())[:54]
        evidence, _ = add_photo(incident, png, source="canvas", client_id=image_key,
                                taken_at=taken_at, device=device, who=who, kind="signature",
                                signs=bound)
        return Acknowledgement(client_id=client_id, incident_id=incident.id,
                               kind=AcknowledgementKind.SIGNED,
                               person_id=principal_person(incident), record_hash=bound,
                               evidence_id=evidence.id, recorded_by=who.id)

    ack, created = idempotent.insert_once(
        Acknowledgement, client_id, make,
        same_target=_acknowledgement_of(incident, AcknowledgementKind.SIGNED))
    if created:
        audit.record("record_signed", "incident", incident.id, record_hash=ack.record_hash,
                     evidence_id=ack.evidence_id)
    return ack, created


def refuse(incident: Incident, client_id: str, who: User) -> tuple[Acknowledgement, bool]:
    """The candidate refuses to sign: recorded now, complete once a second invigilator attests.
    A replay returns the refusal it made on this incident (else 409 client_id_conflict)."""
    def make() -> Acknowledgement:
        _refuse_if_acknowledged(incident)
        return Acknowledgement(client_id=client_id, incident_id=incident.id,
                               kind=AcknowledgementKind.REFUSED,
                               person_id=principal_person(incident),
                               record_hash=record_hash(incident), recorded_by=who.id)

    ack, created = idempotent.insert_once(
        Acknowledgement, client_id, make,
        same_target=_acknowledgement_of(incident, AcknowledgementKind.REFUSED))
    if created:
        audit.record("signature_refused", "incident", incident.id, record_hash=ack.record_hash)
    return ack, created


def attest(ack: Acknowledgement, who: User) -> Acknowledgement:
    if ack.kind != AcknowledgementKind.REFUSED:
        raise ApiError(422, "nothing_to_attest", "Only a refusal to sign is attested.")
    if ack.attested_by is not None:
        if ack.attested_by == who.id:
            return ack
        raise ApiError(409, "already_attested", "A second invigilator has attested already.")
    if ack.recorded_by == who.id:
        raise ApiError(403, "second_invigilator_required",
                       "The refusal must be attested by another invigilator.")
    ack.attested_by, ack.attested_at = who.id, utcnow()
    audit.record("signature_refusal_attested", "incident", ack.incident_id, ack_id=ack.id)
    return ack


def _refuse_if_acknowledged(incident: Incident) -> None:
    done = db.session.scalar(db.select(Acknowledgement).where(
        Acknowledgement.incident_id == incident.id))
    if done is not None:
        raise ApiError(409, "already_acknowledged",
                       f"The record was already {done.kind}; add an addendum instead.")


def add_addendum(incident: Incident, text: str, client_id: str,
                 who: User) -> tuple[Addendum, bool]:
    """A dated addendum; a replay returns the one it made on this incident (else 409)."""
    addendum, created = idempotent.insert_once(
        Addendum, client_id, lambda: Addendum(client_id=client_id, incident_id=incident.id,
                                              text=text, written_by=who.id),
        same_target=lambda found: found.incident_id == incident.id)
    if created:
        audit.record("addendum_added", "incident", incident.id, addendum_id=addendum.id)
    return addendum, created


def seize(incident: Incident, person_id: int, *, description: str, kept_at: str,
          seized_at: datetime, client_id: str, who: User) -> tuple[SeizedItem, bool]:
    """An item taken from a party of the incident; a replay returns the item it recorded on
    this incident (else 409 client_id_conflict)."""
    item, created = idempotent.insert_once(
        SeizedItem, client_id, lambda: SeizedItem(
            client_id=client_id, incident_id=incident.id, sitting_id=incident.sitting_id,
            room_id=incident.room_id, person_id=person_id, description=description,
            kept_at=kept_at, seized_by=who.id, seized_at=seized_at),
        same_target=lambda found: found.incident_id == incident.id)
    if created:
        audit.record("item_seized", "seized_item", item.id, incident_id=incident.id,
                     description=description, kept_at=kept_at)
    return item, created


def return_item(item: SeizedItem, returned_to: str, who: User) -> SeizedItem:
    """Record the return of a seized item, once (the same return again changes nothing)."""
    if item.returned_at is not None:
        if item.returned_to == returned_to:
            return item
        raise ApiError(409, "already_returned", f"returned already to {item.returned_to}")
    item.returned_at, item.returned_to, item.returned_by = utcnow(), returned_to, who.id
    audit.record("item_returned", "seized_item", item.id, returned_to=returned_to)
    return item


def receipt(item: SeizedItem) -> dict[str, Any]:
    """What the receipt (扣押物品收据) of a seized item names: from whom (the person, as a
    candidate of the sitting, and their seat), in which room, who took it and who returned it."""
    candidate = candidate_of_person(item.sitting_id, item.person_id)
    seat = seat_of(candidate) if candidate else None
    return {"person": item.person, "candidate": candidate,
            "seat_no": seat.seat_no if seat else None,
            "room": db.session.get(Room, item.room_id) if item.room_id else None,
            "seized_by": db.session.get(User, item.seized_by),
            "returned_by": db.session.get(User, item.returned_by) if item.returned_by else None}


def verify(evidence: Evidence) -> tuple[bool, str | None]:
    """Re-hash the stored original: does it still match the hash recorded at intake?"""
    if evidence.purged_at is not None:
        return False, None
    actual = evidence_store.rehash(evidence.sha256)
    return actual == evidence.sha256, actual


def purge_dismissed(retention_days: int, now: datetime | None = None) -> tuple[list[int], set[str]]:
    """Mark evidence of incidents dismissed longer ago than the retention as purged.

    Returns the evidence ids and the file hashes no longer needed by any other evidence: the
    caller deletes those files only after the transaction has committed.
    """
    moment = now or utcnow()
    cutoff = moment - timedelta(days=retention_days)
    dismissed = (db.select(Decision.incident_id).where(Decision.decision == DecisionKind.DISMISS)
                 .group_by(Decision.incident_id)
                 .having(db.func.max(Decision.decided_at) < cutoff))
    rows = list(db.session.scalars(db.select(Evidence).join(Incident).where(
        Incident.status == IncidentStatus.DISMISSED, Evidence.purged_at.is_(None),
        Evidence.incident_id.in_(dismissed))))
    for row in rows:
        row.purged_at = moment
        audit.record("evidence_purged", "evidence", row.id, incident_id=row.incident_id,
                     sha256=row.sha256, retention_days=retention_days)
    db.session.flush()
    hashes = {row.sha256 for row in rows}
    kept = set(db.session.scalars(db.select(Evidence.sha256).where(
        Evidence.sha256.in_(hashes), Evidence.purged_at.is_(None))))
    # A registration or check-in photo attached to an incident keeps its files.
    for model in (RegistrationPhoto, CheckinPhoto):
        kept |= set(db.session.scalars(db.select(model.sha256).where(model.sha256.in_(hashes))))
    return [row.id for row in rows], hashes - kept
