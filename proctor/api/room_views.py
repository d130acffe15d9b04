"""A room on exam day: its state for the tablet, and its log."""

from __future__ import annotations

from flask import Response, current_app

from proctor.api import bp
from proctor.api.auth_views import ALL_ROLES
from proctor.api.schemas import BoardOut, CameraProbeOut, RoomLogIn, RoomLogOut, RoomStateOut
from proctor.api.spec import endpoint
from proctor.concurrency import offload
from proctor.database import end_read_transaction
from proctor.errors import ApiError
from proctor.extensions import db
from proctor.models import Role, Subject
from proctor.services import access, room_log, room_record, scope
from proctor.services.board import board
from proctor.services.evidence import fresh_frame
from proctor.services.room_state import room_state
from proctor.services.sittings import subject_by_code

FLOOR = [Role.INVIGILATOR.value, Role.CHIEF.value]


@endpoint(bp, "GET", "/sittings/<id:sid>/rooms/<id:rid>/state",
          summary="Seats, attendance, reminders, incidents and log of a room", tag="floor",
          responses={200: RoomStateOut}, roles=ALL_ROLES)
def get_room_state(sid: int, rid: int) -> RoomStateOut:
    sitting = scope.sitting_in_scope(sid)
    room = scope.room_in_scope(sitting, rid)
    return RoomStateOut.model_validate(room_state(sitting, room))


@endpoint(bp, "POST", "/sittings/<id:sid>/rooms/<id:rid>/log",
          summary="Add to the room log (start, end, illness, evacuation …)", tag="floor",
          body=RoomLogIn, responses={201: RoomLogOut, 200: RoomLogOut}, roles=FLOOR)
def post_room_log(sid: int, rid: int, body: RoomLogIn):  # type: ignore[no-untyped-def]
    sitting = scope.sitting_in_scope(sid)
    room = scope.room_in_scope(sitting, rid)
    subject = subject_by_code(sitting, body.subject) if body.subject else None
    entry, created = room_log.add_entry(room, body.kind, body.note, subject, body.observed_at,
                                        body.client_id, access.user())
    db.session.commit()
    if not created:  # a replay: the entry as it was made
        subject = db.session.get(Subject, entry.subject_id) if entry.subject_id else None
    return _out(entry, subject), 201 if created else 200


def _out(entry, subject) -> RoomLogOut:  # type: ignore[no-untyped-def]
    return RoomLogOut(id=entry.id, kind=entry.kind, note=entry.note,
                      subject=subject.code if subject else None, observed_at=entry.observed_at)


MANAGERS = [Role.CHIEF.value, Role.AUTHORITY.value]


@endpoint(bp, "POST", "/sittings/<id:sid>/rooms/<id:rid>/camera/test",
          summary="Try the room's camera: can a frame be read?", tag="floor",
          responses={200: CameraProbeOut}, roles=MANAGERS)
def post_camera_test(sid: int, rid: int) -> CameraProbeOut:
    from proctor import camera  # cv2 loads on first use, not at start-up

    sitting = access.require_manager(sid)
    room = access.get_room(sitting, rid)
    if not room.camera_source:
        raise ApiError(422, "no_camera", "This room has no camera source.", "camera_source")
    end_read_transaction(db.session())  # no lock is held while the camera is tried
    result = camera.probe(room.camera_source,
                          timeout=current_app.config["CAMERA_TIMEOUT_SECONDS"])
    return CameraProbeOut(ok=bool(result.get("ok")), width=result.get("width"),
                          height=result.get("height"), message=result.get("error"))


@endpoint(bp, "GET", "/sittings/<id:sid>/rooms/<id:rid>/camera/preview",
          summary="A fresh frame from the room's camera (JPEG, not kept)", tag="floor",
          responses={200: "image/jpeg"}, roles=MANAGERS, errors=(503,))
def get_camera_preview(sid: int, rid: int) -> Response:
    from proctor import vision  # cv2 loads on first use, not at start-up

    sitting = access.require_manager(sid)
    frame = fresh_frame(access.get_room(sitting, rid))
    response = Response(offload(vision.encode_jpeg, frame, quality=80), mimetype="image/jpeg")
    response.headers["Cache-Control"] = "no-store"
    return response


@endpoint(bp, "GET", "/sittings/<id:sid>/board",
          summary="Every room of the sitting in numbers (the chief examiner's board)",
          tag="review", responses={200: BoardOut}, roles=MANAGERS)
def get_board(sid: int) -> BoardOut:
    return BoardOut.model_validate(board(access.require_manager(sid)))


@endpoint(bp, "GET", "/sittings/<id:sid>/rooms/<id:rid>/record/<subject>",
          summary="The room record (考场情况记录表) of one subject", tag="floor",
          responses={200: None}, roles=ALL_ROLES)
def get_room_record(sid: int, rid: int, subject: str):  # type: ignore[no-untyped-def]
    sitting = scope.sitting_in_scope(sid)
    room = scope.room_in_scope(sitting, rid)
    the_subject = subject_by_code(sitting, subject, "subject")
    content = room_record.record(room, the_subject)
    return {**content, "hash": room_record.record_hash(content),
            "signoffs": room_record.signoffs(room, the_subject),
            "closed": room_record.is_closed(room, the_subject)}


@endpoint(bp, "POST", "/sittings/<id:sid>/rooms/<id:rid>/record/<subject>/signoff",
          summary="An invigilator of the room signs the record off", tag="floor",
          responses={200: None}, roles=[Role.INVIGILATOR.value])
def post_room_record_signoff(sid: int, rid: int, subject: str):  # type: ignore[no-untyped-def]
    sitting = scope.sitting_in_scope(sid)
    room = scope.room_in_scope(sitting, rid)
    the_subject = subject_by_code(sitting, subject, "subject")
    row = room_record.sign_off(room, the_subject, access.user())
    db.session.commit()
    return {"record_hash": row.record_hash, "signed_at": row.signed_at.isoformat(),
            "closed": room_record.is_closed(room, the_subject)}
