"""Evidence over the API: photos, room-camera frames, viewing, verifying; signatures, refusals,
addenda and seized items."""

from __future__ import annotations

from flask import Response, request, send_file
from pydantic import AwareDatetime, BaseModel, ValidationError

from proctor.api import bp
from proctor.api.schemas import (
    AcknowledgementOut,
    AcknowledgementsOut,
    AddendaOut,
    AddendumIn,
    AddendumOut,
    CameraIn,
    ClientId,
    EvidenceListOut,
    EvidenceOut,
    In,
    RefusalIn,
    VerifyOut,
)
from proctor.api.spec import endpoint, parse_body, validation_failed
from proctor.database import utcnow
from proctor.errors import ApiError
from proctor.extensions import db
from proctor.models import (
    EVERYONE,
    WRITERS,
    Acknowledgement,
    AcknowledgementKind,
    Addendum,
    Evidence,
    Incident,
)
from proctor.services import access, evidence_store, scope
from proctor.services import evidence as service
from proctor.services.accounts import username_of

FILE_FIELD = {"file": "the image (JPEG, PNG or WebP), unchanged from the camera"}


class PhotoForm(In):
    client_id: ClientId | None = None  # tablets send it; a bare `file` is kept without one
    source: str = "upload"
    taken_at: AwareDatetime | None = None
    device: str | None = None


def _form(model: type[BaseModel]) -> BaseModel:
    try:
        return model.model_validate(request.form.to_dict())
    except ValidationError as exc:
        raise validation_failed(exc, "form") from None


def _upload() -> bytes:
    upload = request.files.get("file")
    if upload is None:
        raise ApiError(422, "file_required", "Send the image as multipart field 'file'.", "file")
    return upload.read()


def evidence_out(row: Evidence) -> EvidenceOut:
    return EvidenceOut(id=row.id, incident_id=row.incident_id, kind=row.kind, source=row.source,
                       sha256=row.sha256, media_type=row.media_type, size=row.size,
                       width=row.width, height=row.height, device=row.device,
                       taken_at=row.taken_at, recorded_at=row.recorded_at,
                       taken_by=username_of(row.taken_by) or "", purged=row.purged_at is not None,
                       signs_record_hash=row.signs_record_hash)


@endpoint(bp, "POST", "/incidents/<id:iid>/evidence", summary="Add a photo to an incident",
          tag="evidence", responses={201: EvidenceOut, 200: EvidenceOut}, roles=WRITERS,
          multipart={**FILE_FIELD, "client_id?": "idempotency key (tablets send it)",
                     "source?": "tablet_camera or upload", "taken_at?": "ISO 8601, tablet clock",
                     "device?": "the tablet or camera"}, load=scope.incident())
def post_evidence(incident: Incident):  # type: ignore[no-untyped-def]
    """Without a client_id every post keeps a photo; with one, a replay answers the photo it
    made for this incident, and a client_id of another record is 409 client_id_conflict."""
    form = _form(PhotoForm)
    if form.source not in {"tablet_camera", "upload"}:
        raise ApiError(422, "validation_error", "source is tablet_camera or upload", "source")
    device = form.device or request.user_agent.string
    row, created = service.add_photo(incident, _upload(), source=form.source,
                                     client_id=form.client_id,
                                     taken_at=form.taken_at or utcnow(), device=device,
                                     who=access.user())
    db.session.commit()
    return evidence_out(row), 201 if created else 200


@endpoint(bp, "POST", "/incidents/<id:iid>/evidence/camera",
          summary="A fresh frame from the room's camera", tag="evidence",
          responses={201: EvidenceOut, 200: EvidenceOut}, roles=WRITERS, errors=(503,),
          load=scope.incident())
def post_camera_frame(incident: Incident):  # type: ignore[no-untyped-def]
    client_id = (parse_body(CameraIn).client_id if request.content_length  # type: ignore[attr-defined]
                 else None)
    row, created = service.camera_frame(incident, client_id, access.user())
    db.session.commit()
    return evidence_out(row), 201 if created else 200


@endpoint(bp, "GET", "/incidents/<id:iid>/evidence", summary="Evidence of an incident",
          tag="evidence", responses={200: EvidenceListOut}, roles=EVERYONE,
          load=scope.incident())
def list_evidence(incident: Incident) -> EvidenceListOut:
    return EvidenceListOut([evidence_out(row)
                            for row in scope.rows_of_incident(Evidence, incident)])


@endpoint(bp, "GET", "/evidence/<id:eid>/<any(original,display,thumb):variant>",
          summary="The stored file (original bytes, display copy or thumbnail)", tag="evidence",
          responses={200: "image/*"}, roles=EVERYONE, load=scope.evidence())
def get_evidence_file(evidence: Evidence, variant: str) -> Response:
    if evidence.purged_at is not None:
        raise ApiError(410, "evidence_purged", "This evidence was purged after its retention.")
    path = evidence_store.path_for(evidence.sha256, variant)
    if not path.exists():
        raise ApiError(404, "evidence_file_missing", "The stored file is missing.")
    original = variant == "original"
    extension = evidence.media_type.split("/")[1] if original else "jpg"
    response = send_file(path, mimetype=evidence.media_type if original else "image/jpeg",
                         as_attachment=True, max_age=0,
                         download_name=f"evidence-{evidence.id}-{variant}.{extension}")
    response.headers["Cache-Control"] = "no-store"
    return response


@endpoint(bp, "GET", "/evidence/<id:eid>/verify", summary="Re-hash the stored original",
          tag="evidence", responses={200: VerifyOut}, roles=EVERYONE, load=scope.evidence())
def verify_evidence(evidence: Evidence) -> VerifyOut:
    ok, actual = service.verify(evidence)
    return VerifyOut(ok=ok, sha256=evidence.sha256, actual=actual)


def ack_out(ack: Acknowledgement) -> AcknowledgementOut:
    return AcknowledgementOut(
        id=ack.id, incident_id=ack.incident_id, kind=ack.kind, record_hash=ack.record_hash,
        evidence_id=ack.evidence_id, recorded_by=username_of(ack.recorded_by) or "",
        recorded_at=ack.recorded_at, attested_by=username_of(ack.attested_by),
        attested_at=ack.attested_at,
        complete=ack.kind == AcknowledgementKind.SIGNED or ack.attested_by is not None)


class SignatureForm(In):
    client_id: ClientId
    taken_at: AwareDatetime | None = None


@endpoint(bp, "POST", "/incidents/<id:iid>/signature",
          summary="The candidate signs the record (PNG from the canvas)", tag="evidence",
          responses={201: AcknowledgementOut, 200: AcknowledgementOut}, roles=WRITERS,
          multipart={"file": "the signature as PNG", "client_id": "idempotency key"},
          load=scope.incident())
def post_signature(incident: Incident):  # type: ignore[no-untyped-def]
    form = _form(SignatureForm)
    ack, created = service.sign(incident, _upload(), form.client_id, form.taken_at or utcnow(),
                                request.user_agent.string, access.user())
    db.session.commit()
    return ack_out(ack), 201 if created else 200


@endpoint(bp, "POST", "/incidents/<id:iid>/refusal",
          summary="The candidate refuses to sign (a second invigilator attests)", tag="evidence",
          body=RefusalIn, responses={201: AcknowledgementOut, 200: AcknowledgementOut},
          roles=WRITERS, load=scope.incident())
def post_refusal(incident: Incident, body: RefusalIn):  # type: ignore[no-untyped-def]
    ack, created = service.refuse(incident, body.client_id, access.user())
    db.session.commit()
    return ack_out(ack), 201 if created else 200


@endpoint(bp, "POST", "/acknowledgements/<id:aid>/attest",
          summary="A second invigilator attests the refusal to sign", tag="evidence",
          responses={200: AcknowledgementOut}, roles=WRITERS, load=scope.acknowledgement())
def post_attest(acknowledgement: Acknowledgement) -> AcknowledgementOut:
    service.attest(acknowledgement, access.user())
    db.session.commit()
    return ack_out(acknowledgement)


@endpoint(bp, "GET", "/incidents/<id:iid>/acknowledgements",
          summary="Signatures and refusals on the record", tag="evidence",
          responses={200: AcknowledgementsOut}, roles=EVERYONE, load=scope.incident())
def list_acknowledgements(incident: Incident) -> AcknowledgementsOut:
    return AcknowledgementsOut([ack_out(row)
                                for row in scope.rows_of_incident(Acknowledgement, incident)])


def addendum_out(row: Addendum) -> AddendumOut:
    return AddendumOut(id=row.id, incident_id=row.incident_id, text=row.text,
                       written_by=username_of(row.written_by) or "", written_at=row.written_at)


@endpoint(bp, "POST", "/incidents/<id:iid>/addenda", summary="A dated addendum to the record",
          tag="evidence", body=AddendumIn, responses={201: AddendumOut, 200: AddendumOut},
          roles=WRITERS, load=scope.incident())
def post_addendum(incident: Incident, body: AddendumIn):  # type: ignore[no-untyped-def]
    row, created = service.add_addendum(incident, body.text, body.client_id, access.user())
    db.session.commit()
    return addendum_out(row), 201 if created else 200


@endpoint(bp, "GET", "/incidents/<id:iid>/addenda", summary="Addenda to the record, in order",
          tag="evidence", responses={200: AddendaOut}, roles=EVERYONE, load=scope.incident())
def list_addenda(incident: Incident) -> AddendaOut:
    return AddendaOut([addendum_out(row) for row in scope.rows_of_incident(Addendum, incident)])
