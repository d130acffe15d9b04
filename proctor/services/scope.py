"""Load, check, act — once: every object a request names is loaded here and checked against
the caller's scope, whether it was named in the URL or in the body.

`load(Model, id)` answers 404 in the contract's format; `sitting_in_scope`, `room_in_scope`,
`candidate_in_scope` and `incident_in_scope` add the scope check of `services.access` (403,
audited) for an id wherever it was named. What a route's path names is loaded before its view
runs by a `PathLoader` (`@endpoint(..., load=scope.room())` for the API,
`@scope.loads(scope.room())` for a page): the view takes the objects (`sitting`, `room` …) in
place of the ids. The idempotent insert of tablet writes is `services.idempotent.insert_once`.
"""

from __future__ import annotations

import functools
import inspect
import re
from collections.abc import Callable
from typing import Any, TypeVar

from proctor.errors import ApiError
from proctor.extensions import db
from proctor.models import (
    USERNAME_PATTERN,
    Acknowledgement,
    Candidate,
    CandidateWarning,
    ConductRecord,
    Evidence,
    Incident,
    Notice,
    PatrolFlag,
    PatrolFlagPhoto,
    PreNotice,
    ReviewRequest,
    Room,
    SeizedItem,
    Sitting,
    User,
)
from proctor.services import access, conduct
from proctor.services.floor import room_of
from proctor.services.incidents import RECORD
from proctor.services.people import candidate_by_ticket
from proctor.services.sittings import subject_by_code

T = TypeVar("T")

# The 404 of each kind of object: (code, words for the message).
_NOT_FOUND: dict[type, tuple[str, str]] = {
    Sitting: ("sitting_not_found", "sitting"),
    Room: ("room_not_found", "room"),
    Incident: ("incident_not_found", "incident"),
    CandidateWarning: ("warning_not_found", "reminder"),
    Evidence: ("evidence_not_found", "evidence"),
    Acknowledgement: ("acknowledgement_not_found", "acknowledgement"),
    SeizedItem: ("seized_item_not_found", "seized item"),
    Notice: ("notice_not_found", "notice"),
    ReviewRequest: ("review_not_found", "review"),
    PreNotice: ("pre_notice_not_found", "pre-decision notice"),
    ConductRecord: ("conduct_record_not_found", "conduct record"),
    PatrolFlag: ("flag_not_found", "flag"),
    PatrolFlagPhoto: ("flag_photo_not_found", "flag photo"),
}


def load(model: type[T], ident: int, *, options: tuple[Any, ...] = ()) -> T:
    """The row, or 404 `<kind>_not_found`."""
    row = db.session.get(model, ident, options=options)
    if row is None:
        code, words = _NOT_FOUND[model]
        raise ApiError(404, code, f"no {words} {ident}")
    return row


# -- scope ------------------------------------------------------------------------------------
def sitting_in_scope(sitting_id: int, *, manage: bool = False) -> Sitting:
    """The sitting, for its staff (manage: only its chief examiner and the evaluation body)."""
    return access.require_manager(sitting_id) if manage else access.require_sitting(sitting_id)


def room_in_scope(sitting: Sitting, room_id: int) -> Room:
    """A room of the sitting that the caller works in (404 if it is not the sitting's)."""
    room = access.get_room(sitting, room_id)
    access.require_room(sitting, room.id)
    return room


def candidate_in_scope(sitting: Sitting, ticket_no: str, field: str = "path", *,
                       unseated: bool = False) -> Candidate:
    """A candidate of the sitting seated where the caller works (a ticket in the URL is 404
    when unknown; one in the body 422 with its field); `unseated`: or not seated yet, for any
    floor staff of the sitting to seat."""
    candidate = candidate_by_ticket(sitting, ticket_no, field)
    room_id = room_of(candidate)
    if room_id is not None or not unseated:
        access.require_room(sitting, room_id)
    return candidate


def incident_in_scope(incident_id: int, *, record: bool = False,
                      manage: bool = False) -> tuple[Incident, Sitting]:
    """The incident and its sitting, if the caller may see it (`record`: with its parties and
    decisions loaded; `manage`: only its chief examiner and the evaluation body)."""
    incident = load(Incident, incident_id, options=RECORD if record else ())
    sitting = sitting_in_scope(incident.sitting_id, manage=manage)
    if not manage:
        access.require_room(sitting, incident.room_id)
    return incident, sitting


def rows_of_incident(model: type[T], incident: Incident) -> list[T]:
    """The rows of `model` (evidence, addenda, seized items …) of an incident already loaded
    in scope, in the order they were made."""
    column = model.incident_id  # type: ignore[attr-defined]
    return list(db.session.scalars(db.select(model).where(column == incident.id)
                                   .order_by(model.id)))  # type: ignore[attr-defined]


def shown_camera_source(room: Room) -> str | None:
    """A camera source may hold a password (rtsp://user:pw@…) and tablets never need it: only
    the sitting's managers read it."""
    who = access.user()
    if access.is_authority(who) or access.is_chief_of(who, room.sitting_id):
        return room.camera_source
    return None


# -- what a route's path names ----------------------------------------------------------------
class PathLoader:
    """Loads the objects a route's path names, checked against the caller's scope, before the
    view runs. `load` takes the path's ids by their names in the rule (`sid`, `rid` …) and
    returns the objects by the names views take them (`sitting`, `room` …)."""

    def __init__(self, load: Callable[..., dict[str, Any]]) -> None:
        self.load = load
        self.ids = tuple(inspect.signature(load).parameters)


def loads(loader: PathLoader) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorate a view (a page, or an API endpoint through `@endpoint(load=...)`): the ids of its
    path are loaded by `loader`, and it is called with those of the objects it takes, in place
    of the ids, beside the rest of its arguments."""
    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        takes = set(inspect.signature(view).parameters)

        @functools.wraps(view)
        def with_objects(**kwargs: Any) -> Any:
            found = loader.load(**{name: kwargs.pop(name) for name in loader.ids})
            return view(**kwargs, **{name: obj for name, obj in found.items() if name in takes})

        return with_objects

    return decorate


def sitting(*, manage: bool = False) -> PathLoader:
    """`<sid>`: the sitting, for its staff (manage: its chief examiner and the body only)."""
    return PathLoader(lambda sid: {"sitting": sitting_in_scope(sid, manage=manage)})


def room(*, manage: bool = False) -> PathLoader:
    """`<sid>/rooms/<rid>`: the sitting, and a room of it the caller works in."""
    def objects(sid: int, rid: int) -> dict[str, Any]:
        the_sitting = sitting_in_scope(sid, manage=manage)
        return {"sitting": the_sitting, "room": room_in_scope(the_sitting, rid)}

    return PathLoader(objects)


def room_subject() -> PathLoader:
    """`<sid>/rooms/<rid>/…/<subject>`: the room's record of one subject of the sitting."""
    def objects(sid: int, rid: int, subject: str) -> dict[str, Any]:
        found = room().load(sid, rid)
        return {**found, "subject": subject_by_code(found["sitting"], subject, "subject")}

    return PathLoader(objects)


def candidate(*, manage: bool = False, unseated: bool = False) -> PathLoader:
    """`<sid>/candidates/<ticket_no>`: the sitting and a candidate seated where the caller
    works (`unseated`: or not seated yet; see `candidate_in_scope`)."""
    def objects(sid: int, ticket_no: str) -> dict[str, Any]:
        the_sitting = sitting_in_scope(sid, manage=manage)
        return {"sitting": the_sitting,
                "candidate": candidate_in_scope(the_sitting, ticket_no, unseated=unseated)}

    return PathLoader(objects)


def incident(*, record: bool = False, manage: bool = False) -> PathLoader:
    """`<iid>`: the incident and its sitting (see `incident_in_scope`)."""
    def objects(iid: int) -> dict[str, Any]:
        the_incident, the_sitting = incident_in_scope(iid, record=record, manage=manage)
        return {"incident": the_incident, "sitting": the_sitting}

    return PathLoader(objects)


def warning() -> PathLoader:
    """`<wid>`: a reminder given in a room the caller works in, and its sitting."""
    def objects(wid: int) -> dict[str, Any]:
        row = load(CandidateWarning, wid)
        the_sitting = access.require_sitting(row.candidate.sitting_id)
        access.require_room(the_sitting, row.room_id)
        return {"warning": row, "sitting": the_sitting}

    return PathLoader(objects)


def seized_item() -> PathLoader:
    """`<item_id>`: an item seized in a room the caller works in, and its sitting."""
    def objects(item_id: int) -> dict[str, Any]:
        row = load(SeizedItem, item_id)
        the_sitting = access.require_sitting(row.sitting_id)
        access.require_room(the_sitting, row.room_id)
        return {"item": row, "sitting": the_sitting}

    return PathLoader(objects)


def evidence() -> PathLoader:
    """`<eid>`: a piece of evidence of an incident the caller may see."""
    return PathLoader(lambda eid: {"evidence": _of_incident_in_scope(Evidence, eid)})


def acknowledgement() -> PathLoader:
    """`<aid>`: a signature or a refusal on an incident the caller may see."""
    return PathLoader(lambda aid: {"acknowledgement": _of_incident_in_scope(Acknowledgement,
                                                                            aid)})


def _of_incident_in_scope(model: type[T], ident: int) -> T:
    row = load(model, ident)
    incident_in_scope(row.incident_id)  # type: ignore[attr-defined]
    return row


def notice() -> PathLoader:
    """`<nid>`: a decision notice; it carries a full ID number, so for its sitting's chief
    examiner and the evaluation body only."""
    def objects(nid: int) -> dict[str, Any]:
        row = load(Notice, nid)
        access.require_manager(row.sitting_id)
        return {"notice": row}

    return PathLoader(objects)


def pre_notice() -> PathLoader:
    """`<pid>`: a pre-decision notice; like a decision notice, for its sitting's chief
    examiner and the evaluation body only."""
    def objects(pid: int) -> dict[str, Any]:
        row = load(PreNotice, pid)
        access.require_manager(row.sitting_id)
        return {"pre_notice": row}

    return PathLoader(objects)


def review() -> PathLoader:
    """`<rid>` of `/reviews/`: a review request, for its notice's managers."""
    def objects(rid: int) -> dict[str, Any]:
        row = load(ReviewRequest, rid)
        access.require_manager(row.notice.sitting_id)
        return {"review": row}

    return PathLoader(objects)


def account() -> PathLoader:
    """`<username>`: an account (the evaluation body's routes), or 404 user_not_found."""
    def objects(username: str) -> dict[str, Any]:
        user = (db.session.scalar(db.select(User).where(User.username == username))
                if re.fullmatch(USERNAME_PATTERN, username) else None)
        if user is None:
            raise ApiError(404, "user_not_found", f"no user {username!r}", "username")
        return {"user": user}

    return PathLoader(objects)


def conduct_record() -> PathLoader:
    """`<rid>` of `/conduct-records/`: a record of staff or training-body conduct, for the
    evaluation body and the chief examiner who reported it (see `services.conduct.may_see`)."""
    return PathLoader(lambda rid: {"record": conduct.require_visible(load(ConductRecord, rid))})


# -- the patrol (巡考) ---------------------------------------------------------------------------
def room_by_id(*, patrol: bool = False) -> PathLoader:
    """`/rooms/<rid>`: the room and its sitting, for whoever sees the room (reads, and the
    answers of its floor staff); `patrol`: for a patrol of its sitting only (its flags)."""
    def objects(rid: int) -> dict[str, Any]:
        row = load(Room, rid)
        if patrol:
            return {"room": row, "sitting": access.require_patrol(access.get_sitting(
                row.sitting_id))}
        the_sitting = sitting_in_scope(row.sitting_id)
        access.require_room(the_sitting, row.id)
        return {"room": row, "sitting": the_sitting}

    return PathLoader(objects)


def flag(*, patrol: bool = False) -> PathLoader:
    """`<fid>`: a flag of a room the caller sees (and answers, as its floor staff); `patrol`:
    for a patrol of its sitting only (its photos)."""
    def objects(fid: int) -> dict[str, Any]:
        row = load(PatrolFlag, fid)
        if patrol:
            the_sitting = access.require_patrol(access.get_sitting(row.sitting_id))
        else:
            the_sitting = sitting_in_scope(row.sitting_id)
            access.require_room(the_sitting, row.room_id)
        return {"flag": row, "sitting": the_sitting}

    return PathLoader(objects)


def flag_photo() -> PathLoader:
    """`<pid>`: a photo of a flag the caller may see."""
    def objects(pid: int) -> dict[str, Any]:
        row = load(PatrolFlagPhoto, pid)
        flag().load(row.flag_id)
        return {"photo": row}

    return PathLoader(objects)


def patrol_sitting() -> PathLoader:
    """`<sid>` of the patrol's own writes: a sitting the caller patrols."""
    return PathLoader(lambda sid: {"sitting": access.require_patrol(access.get_sitting(sid))})


def patrol_record_of(sitting: Sitting, username: str | None) -> User:
    """Whose patrol record: a patrol's own, or (the sitting's managers) the patrol named."""
    who = access.user()
    if access.is_patrol_of(who, sitting.id) and username in (None, who.username):
        return who
    access.require_manager(sitting.id)
    found = (db.session.scalar(db.select(User).where(User.username == username))
             if username else None)
    if found is None or not access.is_patrol_of(found, sitting.id):
        raise ApiError(404, "patrol_not_found", f"no patrol {username!r} of this sitting",
                       "patrol")
    return found
