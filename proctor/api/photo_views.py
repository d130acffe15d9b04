"""Registration photos (the evaluation body imports them from a ZIP; the staff of the room and
the sitting see them) and the identity check's photo taken at the door (人证核验)."""

from __future__ import annotations

from flask import Response, request, send_file
from pydantic import ValidationError

from proctor.api import bp
from proctor.api.evidence_views import evidence_out
from proctor.api.schemas import (
    CheckinPhotoForm,
    CheckinPhotoOut,
    EvidenceListOut,
    FacesOut,
    IdentityEvidenceIn,
    PhotoImportOut,
    PhotoImportQuery,
    PhotoProblemOut,
    PictureQuery,
)
from proctor.api.spec import endpoint, validation_failed
from proctor.database import utcnow
from proctor.errors import ApiError
from proctor.extensions import db
from proctor.models import (
    EVERYONE,
    FLOOR_STAFF,
    THE_BODY,
    WRITERS,
    Candidate,
    CheckinPhoto,
    Incident,
    Sitting,
)
from proctor.services import access, identity_evidence, photos, scope


def _answer(result: photos.PhotoImport) -> PhotoImportOut:
    return PhotoImportOut(matched=result.matched, new=result.new, replaced=result.replaced,
                          unchanged=result.unchanged, unmatched=result.unmatched,
                          errors=[PhotoProblemOut(name=p.name, code=p.code, message=p.message)
                                  for p in result.errors])


@endpoint(bp, "POST", "/sittings/<id:sid>/photos",
          summary="Import registration photos (a ZIP of JPEG/PNG named by ticket or ID number)",
          tag="candidates", query=PhotoImportQuery, responses={200: PhotoImportOut},
          roles=THE_BODY, errors=(413,),
          multipart={"file": "a ZIP of .jpg/.jpeg/.png files, each named by the candidate's "
                             "ticket number or ID number, at the top level"},
          load=scope.sitting())
def import_photos(sitting: Sitting, query: PhotoImportQuery):  # type: ignore[no-untyped-def]
    """dry_run=true: check every file and say what would happen, writing nothing. Otherwise
    all or nothing: any unmatched name or refused file is 422 `photos_invalid` (nothing kept);
    a photo replacing another is audited."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise ApiError(422, "file_required", "Send the ZIP as multipart field 'file'.", "file")
    result = photos.import_photos(sitting, upload.stream, upload.filename,
                                  dry_run=query.dry_run, who=access.user())
    answer = _answer(result)
    if query.dry_run:
        db.session.rollback()
        return answer
    if result.unmatched or result.errors:
        db.session.rollback()
        raise ApiError(422, "photos_invalid",
                       f"{len(result.unmatched)} name(s) match no candidate and "
                       f"{len(result.errors)} file(s) were refused; nothing was imported.",
                       "file", answer.model_dump())
    db.session.commit()
    return answer


def _picture(sha256: str, variant: str, name: str) -> Response:
    response = send_file(photos.picture_file(sha256, variant), mimetype="image/jpeg",
                         max_age=0, download_name=f"{name}-{variant}.jpg")
    response.headers["Cache-Control"] = "no-store"
    return response


@endpoint(bp, "GET", "/sittings/<id:sid>/candidates/<ticket_no>/photo",
          summary="The candidate's registration photo (display copy, thumbnail or face crop)",
          tag="candidates", query=PictureQuery, responses={200: "image/jpeg"}, roles=EVERYONE,
          load=scope.candidate())
def get_photo(sitting: Sitting, candidate: Candidate, query: PictureQuery) -> Response:
    """For the staff of the candidate's room, the sitting's chief examiner and the evaluation
    body; never cached."""
    row = photos.registration_photo(candidate)
    if row is None:
        raise ApiError(404, "photo_not_found", f"{candidate.ticket_no} has no registration photo.")
    return _picture(row.sha256, query.variant, f"photo-{candidate.ticket_no}")


def _form() -> CheckinPhotoForm:
    try:
        return CheckinPhotoForm.model_validate(request.form.to_dict())
    except ValidationError as exc:
        raise validation_failed(exc, "form") from None


def checkin_out(row: CheckinPhoto, candidate: Candidate) -> CheckinPhotoOut:
    registration = None
    if row.registration_faces is not None:
        registration = FacesOut(faces=row.registration_faces, face=row.registration_faces == 1)
    return CheckinPhotoOut(id=row.id, ticket_no=candidate.ticket_no, sha256=row.sha256,
                           width=row.width, height=row.height, taken_at=row.taken_at,
                           checkin=FacesOut(faces=row.faces, face=row.faces == 1),
                           registration=registration)


@endpoint(bp, "POST", "/sittings/<id:sid>/candidates/<ticket_no>/checkin-photos",
          summary="A photo taken at check-in; the faces found in it and in the registration "
                  "photo (no similarity score)",
          tag="floor", responses={201: CheckinPhotoOut, 200: CheckinPhotoOut}, roles=FLOOR_STAFF,
          multipart={"file": "the photo (JPEG, PNG or WebP)",
                     "client_id?": "idempotency key (tablets send it)",
                     "taken_at?": "ISO 8601, tablet clock", "device?": "the tablet"},
          load=scope.candidate())
def post_checkin_photo(sitting: Sitting, candidate: Candidate):  # type: ignore[no-untyped-def]
    form = _form()
    upload = request.files.get("file")
    if upload is None:
        raise ApiError(422, "file_required", "Send the photo as multipart field 'file'.", "file")
    row, created = photos.add_checkin_photo(
        candidate, upload.read(), client_id=form.client_id, taken_at=form.taken_at or utcnow(),
        device=form.device or request.user_agent.string, who=access.user())
    db.session.commit()
    return checkin_out(row, candidate), 201 if created else 200


@endpoint(bp, "GET", "/sittings/<id:sid>/candidates/<ticket_no>/checkin-photos/<id:pid>",
          summary="A photo taken at check-in (display copy, thumbnail or face crop)",
          tag="floor", query=PictureQuery, responses={200: "image/jpeg"}, roles=EVERYONE,
          load=scope.candidate())
def get_checkin_photo(sitting: Sitting, candidate: Candidate, pid: int,
                      query: PictureQuery) -> Response:
    row = photos.checkin_photo_of(candidate, pid)
    return _picture(row.sha256, query.variant, f"checkin-{row.id}")


@endpoint(bp, "POST", "/incidents/<id:iid>/evidence/identity",
          summary="Attach the registration photo and the check-in photo of a party (T3.4)",
          tag="evidence", body=IdentityEvidenceIn, responses={201: EvidenceListOut},
          roles=WRITERS, load=scope.incident())
def post_identity_evidence(incident: Incident, sitting: Sitting,
                           body: IdentityEvidenceIn):  # type: ignore[no-untyped-def]
    """Both pictures of the identity check become evidence of the incident, each through the
    evidence intake (hashed, audited, announced); a picture attached already is not again."""
    candidate = scope.candidate_in_scope(sitting, body.ticket_no, "ticket_no")
    rows = identity_evidence.attach(incident, candidate, access.user())
    db.session.commit()
    return EvidenceListOut([evidence_out(row) for row in rows]), 201
