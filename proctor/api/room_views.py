"""A room on exam day: its state for the tablet, and its log."""

from __future__ import annotations

from flask import Response, current_app

from proctor.api import bp
from proctor.api.schemas import BoardOut, CameraProbeOut, RoomLogIn, RoomLogOut, RoomStateOut
from proctor.api.spec import endpoint
from proctor.concurrency import offload
from proctor.database import end_read_transaction
from proctor.errors import ApiError
from proctor.extensions import db
from proctor.models import (
    EVERYONE,
    FLOOR_STAFF,
    MANAGERS,
    Role,
    Room,
    RoomLogEntry,
    Sitting,
    Subject,
)
from proctor.services import access, room_log, room_record, scope
from proctor.services.board import board
from proctor.services.evidence import fresh_frame
from proctor.services.room_state import room_state
from proctor.services.sittings import subject_by_code


@endpoint(bp, "GET", "/sittings/<id:sid>/rooms/<id:rid>/state",
          summary="Seats, attendance, reminders, incidents and log of a room", tag="floor",
          responses={200: RoomStateOut}, roles=EVERYONE, load=scope.room())
def get_room_state(sitting: Sitting, room: Room) -> RoomStateOut:
    return RoomStateOut.model_validate(room_state(sitting, room))


@endpoint(bp, "POST", "/sittings/<id:sid>/rooms/<id:rid>/log",
          summary="Add to the room log (start, end, illness, evacuation …)", tag="floor",
          body=RoomLogIn, responses={201: RoomLogOut, 200: RoomLogOut}, roles=FLOOR_STAFF,
          load=scope.room())
def post_room_log(sitting: Sitting, room: Room,
                  body: RoomLogIn):  # type: ignore[no-untyped-def]
    subject = subject_by_code(sitting, body.subject) if body.subject else None
    entry, created = room_log.add_entry(room, body.kind, body.note, subject, body.observed_at,
                                        body.client_id, access.user())
    db.session.commit()
    return _out(entry), 201 if created else 200


def _out(entry: RoomLogEntry) -> RoomLogOut:
    """The entry as it was made (a replay answers its own subject, not the one sent again)."""
    subject: Subject | None = entry.subject
    return RoomLogOut(id=entry.id, kind=entry.kind, note=entry.note,
                      subject=subject.code if subject else None, observed_at=entry.observed_at)



@endpoint(bp, "POST", "/sittings/<id:sid>/rooms/<id:rid>/camera/test",
          summary="Try the room's camera: can a frame be read?", tag="floor",
          responses={200: CameraProbeOut}, roles=MANAGERS, load=scope.room(manage=True))
def post_camera_test(room: Room) -> CameraProbeOut:
    from proctor import camera  # cv2 loads on first use, not at start-up

    if not room.camera_source:
        raise ApiError(422, "no_camera", "This room has no camera source.", "camera_source")
    end_read_transaction(db.session())  # no lock is held while the camera is tried
    result = camera.probe(room.camera_source,
                          timeout=current_app.config["CAMERA_TIMEOUT_SECONDS"])
    return CameraProbeOut(ok=bool(result.get("ok")), width=result.get("width"),
                          height=result.get("height"), message=result.get("error"))


@endpoint(bp, "GET", "/sittings/<id:sid>/rooms/<id:rid>/camera/preview",
          summary="A fresh frame from the room's camera (JPEG, not kept)", tag="floor",
          responses={200: "image/jpeg"}, roles=MANAGERS, errors=(503,),
          load=scope.room(manage=True))
def get_camera_preview(room: Room) -> Response:
    from proctor import vision  # cv2 loads on first use, not at start-up

    frame = fresh_frame(room)
    response = Response(offload(vision.encode_jpeg, frame, quality=80), mimetype="image/jpeg")
    response.headers["Cache-Control"] = "no-store"
    return response


@endpoint(bp, "GET", "/sittings/<id:sid>/board",
          summary="Every room of the sitting in numbers (the chief examiner's board)",
          tag="review", responses={200: BoardOut}, roles=MANAGERS,
          load=scope.sitting(manage=True))
def get_board(sitting: Sitting) -> BoardOut:
    return BoardOut.model_validate(board(sitting))


@endpoint(bp, "GET", "/sittings/<id:sid>/rooms/<id:rid>/record/<subject>",
          summary="The room record (考场情况记录表) of one subject", tag="floor",
          responses={200: None}, roles=EVERYONE, load=scope.room_subject())
def get_room_record(room: Room, subject: Subject):  # type: ignore[no-untyped-def]
    content = room_record.record(room, subject)
    return {**content, "hash": room_record.record_hash(content),
            "signoffs": room_record.signoffs(room, subject),
            "closed": room_record.is_closed(room, subject)}


@endpoint(bp, "POST", "/sittings/<id:sid>/rooms/<id:rid>/record/<subject>/signoff",
          summary="An invigilator of the room signs the record off", tag="floor",
          responses={200: None}, roles=[Role.INVIGILATOR], load=scope.room_subject())
def post_room_record_signoff(room: Room, subject: Subject):  # type: ignore[no-untyped-def]
    row = room_record.sign_off(room, subject, access.user())
    db.session.commit()
    return {"record_hash": row.record_hash, "signed_at": row.signed_at.isoformat(),
            "closed": room_record.is_closed(room, subject)}
