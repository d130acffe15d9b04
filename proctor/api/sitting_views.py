"""Sittings, rooms, staff, candidates and the roster (set up by the evaluation body)."""

from __future__ import annotations

from typing import Annotated

from flask import request
from pydantic import StringConstraints

from proctor.api import bp
from proctor.api.present import candidate_out, room_out, sitting_out
from proctor.api.schemas import (
    CandidateIn,
    CandidateOut,
    CandidatesOut,
    EventsOut,
    EventsQuery,
    IdNumberText,
    In,
    Name,
    RoomIn,
    RoomOut,
    RoomPatch,
    RosterOut,
    RosterQuery,
    SittingIn,
    SittingOut,
    SittingPatch,
    SittingsOut,
    StaffIn,
    StaffOut,
)
from proctor.api.spec import endpoint
from proctor.errors import ApiError
from proctor.extensions import db
from proctor.models import EVERYONE, THE_BODY, Candidate, Role, Room, SeatAssignment, Sitting
from proctor.publisher import events_after
from proctor.services import access, audit, due_process, roster, scope, sittings
from proctor.services.people import correct_identity as correct_person
from proctor.services.people import register_candidate


@endpoint(bp, "GET", "/sittings", summary="The sittings you may open", tag="sittings",
          responses={200: SittingsOut}, roles=EVERYONE)
def list_sittings() -> SittingsOut:
    ids = access.sitting_ids_of(access.user())
    return SittingsOut([sitting_out(access.get_sitting(sid)) for sid in ids])


@endpoint(bp, "POST", "/sittings", summary="Create a sitting with its subjects", tag="sittings",
          body=SittingIn, responses={201: SittingOut}, roles=THE_BODY)
def create_sitting(body: SittingIn):  # type: ignore[no-untyped-def]
    sitting = sittings.create_sitting(
        body.occupation, body.level, body.date,
        [(s.code, s.name, s.starts_at, s.ends_at) for s in body.subjects])
    if body.pre_notice_tiers is not None:
        due_process.set_stage_tiers(sitting, body.pre_notice_tiers)
    db.session.commit()
    return sitting_out(sitting), 201


@endpoint(bp, "PUT", "/sittings/<id:sid>/pre-notice-tiers",
          summary="Set the sitting's tiers for the proposal stage (事先告知)", tag="sittings",
          body=SittingPatch, responses={200: SittingOut}, roles=THE_BODY,
          load=scope.sitting(manage=True))
def put_pre_notice_tiers(sitting: Sitting, body: SittingPatch) -> SittingOut:
    due_process.set_stage_tiers(sitting, body.pre_notice_tiers)
    db.session.commit()
    return sitting_out(sitting)


@endpoint(bp, "GET", "/sittings/<id:sid>", summary="One sitting", tag="sittings",
          responses={200: SittingOut}, roles=EVERYONE, load=scope.sitting())
def get_sitting(sitting: Sitting) -> SittingOut:
    return sitting_out(sitting)


@endpoint(bp, "POST", "/sittings/<id:sid>/rooms", summary="Add a room with its seat grid",
          tag="sittings", body=RoomIn, responses={201: RoomOut}, roles=THE_BODY,
          load=scope.sitting())
def create_room(sitting: Sitting, body: RoomIn):  # type: ignore[no-untyped-def]
    room = sittings.add_room(sitting, body.name, body.rows, body.cols, body.camera_source)
    db.session.commit()
    return room_out(room), 201


@endpoint(bp, "POST", "/sittings/<id:sid>/staff", summary="Assign a chief or an invigilator",
          tag="sittings", body=StaffIn, responses={201: StaffOut}, roles=THE_BODY,
          load=scope.sitting())
def assign_staff(sitting: Sitting, body: StaffIn):  # type: ignore[no-untyped-def]
    row = sittings.assign_staff(sitting, body.username, body.role, body.room_id)
    db.session.commit()
    return StaffOut(id=row.id, sitting_id=sitting.id, username=body.username, role=row.role,
                    room_id=row.room_id), 201


@endpoint(bp, "POST", "/sittings/<id:sid>/candidates", summary="Register a candidate",
          tag="candidates", body=CandidateIn, responses={201: CandidateOut, 200: CandidateOut},
          roles=THE_BODY, load=scope.sitting())
def create_candidate(sitting: Sitting, body: CandidateIn):  # type: ignore[no-untyped-def]
    candidate, outcome = register_candidate(sitting, body.ticket_no, body.name, body.id_number,
                                            body.subjects, body.application, body.training_body)
    db.session.commit()
    return candidate_out(candidate, sitting), 201 if outcome == "created" else 200


class IdentityIn(In):
    id_number: IdNumberText
    name: Name
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                             max_length=2000)]


@endpoint(bp, "POST", "/sittings/<id:sid>/candidates/<ticket_no>/identity",
          summary="Correct who holds a ticket (a wrong ID number), with a reason",
          tag="candidates", body=IdentityIn, responses={200: CandidateOut}, roles=THE_BODY,
          load=scope.candidate())
def correct_identity(sitting: Sitting, candidate: Candidate, body: IdentityIn) -> CandidateOut:
    """The one way a ticket changes person: explicit, reasoned, audited, and refused (409
    `ticket_has_records`) once a record naming the ticket is decided or signed; undecided
    records move with the ticket (see services.people.correct_identity)."""
    correct_person(sitting, candidate, body.id_number, body.name, body.reason)
    db.session.commit()
    return candidate_out(candidate, sitting)


@endpoint(bp, "GET", "/sittings/<id:sid>/candidates", summary="Candidates you may see",
          tag="candidates", responses={200: CandidatesOut}, roles=EVERYONE, load=scope.sitting())
def list_candidates(sitting: Sitting) -> CandidatesOut:
    stmt = (db.select(Candidate).where(Candidate.sitting_id == sitting.id)
            .order_by(Candidate.ticket_no))
    who = access.user()
    if who.role == Role.INVIGILATOR:
        stmt = stmt.join(SeatAssignment, SeatAssignment.candidate_id == Candidate.id).where(
            SeatAssignment.room_id.in_(access.rooms_of(who, sitting.id)))
    return CandidatesOut([candidate_out(c, sitting) for c in db.session.scalars(stmt)])


@endpoint(bp, "GET", "/sittings/<id:sid>/candidates/<ticket_no>", summary="One candidate",
          tag="candidates", responses={200: CandidateOut}, roles=EVERYONE, load=scope.candidate())
def get_candidate(sitting: Sitting, candidate: Candidate) -> CandidateOut:
    return candidate_out(candidate, sitting)


@endpoint(bp, "POST", "/sittings/<id:sid>/roster", summary="Import a roster (.csv or .xlsx)",
          tag="candidates", query=RosterQuery, responses={200: RosterOut}, roles=THE_BODY,
          multipart={"file": "the roster: .csv (UTF-8, UTF-8 with BOM or GB18030) or .xlsx"},
          load=scope.sitting())
def import_roster(sitting: Sitting, query: RosterQuery):  # type: ignore[no-untyped-def]
    """dry_run=true: check every row and say what would happen, writing nothing."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise ApiError(422, "file_required", "Send the roster as multipart field 'file'.",
                       "file")
    result = roster.import_roster(sitting, upload.read(), upload.filename)
    if query.dry_run:
        db.session.rollback()
        return RosterOut(created=result.created, updated=result.updated,
                         unchanged=result.unchanged, errors=result.errors)
    if result.errors:
        db.session.rollback()
        rows = [e.model_dump(exclude_none=True) for e in result.errors]
        raise ApiError(422, "roster_invalid",
                       f"{len(rows)} problem(s) in the file; nothing was imported.",
                       "file", {"rows": rows, "created": 0, "updated": 0, "errors": rows})
    db.session.commit()
    return RosterOut(created=result.created, updated=result.updated, unchanged=result.unchanged,
                     errors=[])


@endpoint(bp, "GET", "/sittings/<id:sid>/events", summary="Live events after a sequence number",
          tag="live", query=EventsQuery, responses={200: EventsOut}, roles=EVERYONE,
          load=scope.sitting())
def list_events(sitting: Sitting, query: EventsQuery) -> EventsOut:
    rooms = access.visible_rooms(sitting.id)
    if query.room_id is not None:
        rooms = {query.room_id} & rooms if rooms is not None else {query.room_id}
    return EventsOut(events_after(sitting.id, query.after_seq, rooms))


@endpoint(bp, "PATCH", "/sittings/<id:sid>/rooms/<id:rid>",
          summary="Rename a room or set its camera source (empty string: no camera)",
          tag="sittings", body=RoomPatch, responses={200: RoomOut}, roles=THE_BODY,
          load=scope.room())
def patch_room(sitting: Sitting, room: Room, body: RoomPatch) -> RoomOut:
    changes = body.model_dump(exclude_unset=True)
    if changes.get("name") is None:
        changes.pop("name", None)  # a room always has a name: null means "leave it"
    if "name" in changes and changes["name"] != room.name:
        if any(r.name == changes["name"] for r in sitting.rooms):
            raise ApiError(409, "room_exists", f"a room {changes['name']!r} exists already",
                           "name")
        room.name = changes["name"]
    if "camera_source" in changes:
        room.camera_source = changes["camera_source"] or None
    audit.record("room_changed", "room", room.id, **changes)
    db.session.commit()
    return room_out(room)
