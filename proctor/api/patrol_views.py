"""The patrol (巡考) over the API: flags on a seat or a room and their photos, the invigilators'
answers, the patrol's visits and its signed record.

Scope: a patrol of the sitting raises flags and keeps its record (`scope.patrol_sitting`,
`scope.room_by_id(patrol=True)`); whoever sees a room reads its flags; only the room's floor
staff answer (a patrol's scope is read-only: `services.access`)."""

from __future__ import annotations

import uuid

from flask import Response, request, send_file
from pydantic import AwareDatetime, ValidationError

from proctor.api import bp
from proctor.api.schemas import (
    ClientId,
    FlagAnswerIn,
    FlagIn,
    FlagOut,
    FlagPhotoOut,
    FlagsOut,
    In,
    PatrolRecordOut,
    PatrolRecordQuery,
    PatrolSignoffOut,
    SittingFlagIn,
    VisitIn,
    VisitOut,
)
from proctor.api.spec import endpoint, validation_failed
from proctor.database import utcnow
from proctor.errors import ApiError
from proctor.extensions import db
from proctor.models import (
    EVERYONE,
    FLOOR_STAFF,
    PATROLS,
    PatrolFlag,
    PatrolFlagPhoto,
    PatrolVisit,
    Room,
    Sitting,
)
from proctor.services import access, evidence_store, scope
from proctor.services import patrol as service


class FlagPhotoForm(In):
    client_id: ClientId | None = None
    taken_at: AwareDatetime | None = None
    device: str | None = None


@endpoint(bp, "POST", "/rooms/<id:rid>/flags", summary="A patrol flags a seat or the room",
          tag="patrol", body=FlagIn, responses={201: FlagOut, 200: FlagOut}, roles=PATROLS,
          load=scope.room_by_id(patrol=True))
def post_flag(sitting: Sitting, room: Room, body: FlagIn):  # type: ignore[no-untyped-def]
    """Announced at once to the room's tablets (`patrol_flagged`); it sanctions nobody."""
    flag, created = service.raise_flag(sitting, room, client_id=body.client_id,
                                       seat_no=body.seat_no, note=body.note,
                                       observed_at=body.observed_at, who=access.user())
    db.session.commit()
    return _flag_out(flag), 201 if created else 200


@endpoint(bp, "POST", "/sittings/<id:sid>/flags",
          summary="A patrol flags a seat or a room of the sitting (the room in the body)",
          tag="patrol", body=SittingFlagIn, responses={201: FlagOut, 200: FlagOut},
          roles=PATROLS, load=scope.patrol_sitting())
def post_sitting_flag(sitting: Sitting, body: SittingFlagIn):  # type: ignore[no-untyped-def]
    """The same flag as `POST /rooms/{rid}/flags`, as the contract names it."""
    room = access.get_room(sitting, body.room_id)
    flag, created = service.raise_flag(
        sitting, room, client_id=body.client_id or f"srv-{uuid.uuid4()}", seat_no=body.seat_no,
        note=body.note, observed_at=body.observed_at or utcnow(), who=access.user())
    db.session.commit()
    return _flag_out(flag), 201 if created else 200


@endpoint(bp, "GET", "/rooms/<id:rid>/flags", summary="The patrol's flags of a room, newest first",
          tag="patrol", responses={200: FlagsOut}, roles=EVERYONE, load=scope.room_by_id())
def list_flags(room: Room) -> FlagsOut:
    return FlagsOut.model_validate(service.flags_out(service.flags_of_room(room)))


@endpoint(bp, "POST", "/flags/<id:fid>/photos", summary="A photo of a flag (the patrol's)",
          tag="patrol", responses={201: FlagPhotoOut, 200: FlagPhotoOut}, roles=PATROLS,
          multipart={"file": "the image (JPEG, PNG or WebP)", "client_id?": "idempotency key",
                     "taken_at?": "ISO 8601, tablet clock", "device?": "the tablet"},
          load=scope.flag(patrol=True))
def post_flag_photo(flag: PatrolFlag):  # type: ignore[no-untyped-def]
    try:
        form = FlagPhotoForm.model_validate(request.form.to_dict())
    except ValidationError as exc:
        raise validation_failed(exc, "form") from None
    upload = request.files.get("file")
    if upload is None:
        raise ApiError(422, "file_required", "Send the image as multipart field 'file'.", "file")
    row, created = service.add_photo(flag, upload.read(), client_id=form.client_id,
                                     taken_at=form.taken_at or utcnow(),
                                     device=form.device or request.user_agent.string,
                                     who=access.user())
    db.session.commit()
    return FlagPhotoOut(id=row.id, flag_id=row.flag_id, sha256=row.sha256,
                        media_type=row.media_type, size=row.size, width=row.width,
                        height=row.height), 201 if created else 200


@endpoint(bp, "GET", "/flag-photos/<id:pid>/<any(original,display,thumb):variant>",
          summary="A flag's photo (original bytes, display copy or thumbnail)", tag="patrol",
          responses={200: "image/*"}, roles=EVERYONE, load=scope.flag_photo())
def get_flag_photo(photo: PatrolFlagPhoto, variant: str) -> Response:
    path = evidence_store.path_for(photo.sha256, variant)
    if not path.exists():
        raise ApiError(404, "evidence_file_missing", "The stored file is missing.")
    original = variant == "original"
    response = send_file(path, mimetype=photo.media_type if original else "image/jpeg",
                         max_age=0)
    response.headers["Cache-Control"] = "no-store"
    return response


@endpoint(bp, "POST", "/flags/<id:fid>/answer", summary="The room's invigilator answers a flag",
          tag="patrol", body=FlagAnswerIn, responses={200: FlagOut}, roles=FLOOR_STAFF,
          errors=(409,), load=scope.flag())
def post_flag_answer(flag: PatrolFlag, body: FlagAnswerIn) -> FlagOut:
    """Once (409 flag_already_answered); a linked reminder or incident must be of the room."""
    service.answer_flag(flag, outcome=body.outcome, warning_id=body.warning_id,
                        incident_id=body.incident_id, note=body.note, who=access.user())
    db.session.commit()
    return _flag_out(flag)


@endpoint(bp, "POST", "/sittings/<id:sid>/patrol/visits",
          summary="The patrol records a visit to a room (巡考记录)", tag="patrol", body=VisitIn,
          responses={201: VisitOut, 200: VisitOut}, roles=PATROLS, load=scope.patrol_sitting())
def post_visit(sitting: Sitting, body: VisitIn):  # type: ignore[no-untyped-def]
    room = access.get_room(sitting, body.room_id)
    visit, created = service.record_visit(
        sitting, room, client_id=body.client_id, visited_at=body.visited_at,
        present=body.invigilators, rules_read=body.rules_read, remarks=body.remarks,
        who=access.user())
    db.session.commit()
    return _visit_out(visit), 201 if created else 200


@endpoint(bp, "GET", "/sittings/<id:sid>/patrol/record",
          summary="A patrol record (巡考记录表): the patrol's own, or ?patrol= for managers",
          tag="patrol", query=PatrolRecordQuery, responses={200: PatrolRecordOut},
          roles=EVERYONE, load=scope.sitting())
def get_patrol_record(sitting: Sitting, query: PatrolRecordQuery) -> PatrolRecordOut:
    patrol = scope.patrol_record_of(sitting, query.patrol)
    content = service.record(sitting, patrol)
    signed = service.signoff_of(sitting, patrol)
    return PatrolRecordOut(content=content, record_hash=service.record_hash(content),
                           signed=signed is not None,
                           signed_hash=signed.record_hash if signed else None,
                           signed_at=signed.signed_at if signed else None)


@endpoint(bp, "POST", "/sittings/<id:sid>/patrol/record/signoff",
          summary="The patrol signs their record (its SHA-256)", tag="patrol",
          responses={200: PatrolSignoffOut}, roles=PATROLS, load=scope.patrol_sitting())
def post_patrol_signoff(sitting: Sitting) -> PatrolSignoffOut:
    row = service.sign(sitting, access.user())
    db.session.commit()
    return PatrolSignoffOut(record_hash=row.record_hash, signed_at=row.signed_at)


def _flag_out(flag: PatrolFlag) -> FlagOut:
    return FlagOut.model_validate(service.flags_out([flag])[0])


def _visit_out(visit: PatrolVisit) -> VisitOut:
    return VisitOut(id=visit.id, room_id=visit.room_id, visited_at=visit.visited_at,
                    invigilators=visit.invigilators, rules_read=visit.rules_read,
                    remarks=visit.remarks)
