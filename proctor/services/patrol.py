"""The patrol (巡考): flags on a seat or a room, the invigilators' answers, the patrol's visits
and its signed record (巡考记录表).

A flag asks a room's invigilators to look; it never sanctions anyone by itself (no reminder or
incident is made here). An answer may link a reminder or an incident the invigilators recorded
themselves, of that room only. Every write is audited and announced live to the room's tablets
and to the sitting's channel (its chief examiners and its patrols).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import update

from proctor import hashing, publisher
from proctor.database import utcnow
from proctor.errors import ApiError
from proctor.extensions import db
from proctor.models import (
    CandidateWarning,
    FlagOutcome,
    Incident,
    PatrolFlag,
    PatrolFlagPhoto,
    PatrolRecordSignoff,
    PatrolVisit,
    Room,
    Sitting,
    StaffAssignment,
    StaffRole,
    User,
)
from proctor.services import audit, evidence_store, idempotent
from proctor.services.evidence import decode_photo, server_client_id
from proctor.services.room_record import bare_name, invigilators


# -- flags ------------------------------------------------------------------------------------
def raise_flag(sitting: Sitting, room: Room, *, client_id: str, seat_no: int | None, note: str,
               observed_at: datetime, who: User) -> tuple[PatrolFlag, bool]:
    """A patrol flags a seat (or the whole room, seat_no None) with a note."""
    _refuse_if_signed(sitting, who)
    if seat_no is not None and not 1 <= seat_no <= room.rows * room.cols:
        raise ApiError(422, "seat_out_of_room",
                       f"Room {room.name} has seats 1 to {room.rows * room.cols}.", "seat_no")
    if not note.strip():
        raise ApiError(422, "flag_note_required", "Write what the patrol saw.", "note")

    def make() -> PatrolFlag:
        return PatrolFlag(client_id=client_id, sitting_id=sitting.id, room_id=room.id,
                          seat_no=seat_no, note=note.strip(), observed_at=observed_at,
                          raised_by=who.id)

    flag, created = idempotent.insert_once(
        PatrolFlag, client_id, make,
        same_target=lambda found: found.room_id == room.id and found.raised_by == who.id)
    if created:
        audit.record("patrol_flagged", "patrol_flag", flag.id, sitting_id=sitting.id,
                     room_id=room.id, seat_no=seat_no, note=flag.note,
                     observed_at=observed_at.isoformat())
        publisher.publish("patrol_flagged", sitting.id, room.id, flag_data(flag))
    return flag, created


def add_photo(flag: PatrolFlag, data: bytes, *, client_id: str | None, taken_at: datetime,
              device: str | None, who: User) -> tuple[PatrolFlagPhoto, bool]:
    """A photo of the flag, through the photo intake of evidence: checked by content before
    decoding, the original kept unchanged under its SHA-256 with a display copy and a
    thumbnail (EXIF stripped)."""
    if flag.raised_by != who.id:
        raise ApiError(403, "not_your_flag", "Only the patrol who raised a flag adds its photos.")
    files: list[bytes] = []

    def make() -> PatrolFlagPhoto:
        result = decode_photo(data)
        files.extend((data, result.display_jpeg, result.thumbnail_jpeg))
        return PatrolFlagPhoto(client_id=key, flag_id=flag.id, sha256=result.sha256,
                               media_type=f"image/{result.kind}", size=result.size,
                               width=result.width, height=result.height,
                               device=(device or "")[:255] or None, taken_at=taken_at,
                               taken_by=who.id)

    key = server_client_id("flag-photo") if client_id is None else client_id
    row, created = idempotent.insert_once(PatrolFlagPhoto, key, make,
                                          same_target=lambda found: found.flag_id == flag.id)
    if created:
        evidence_store.store(row.sha256, *files)
        audit.record("patrol_flag_photo_added", "patrol_flag", flag.id, photo_id=row.id,
                     sha256=row.sha256, size=row.size, device=row.device,
                     taken_at=taken_at.isoformat())
        publisher.publish("patrol_flag_photo_added", flag.sitting_id, flag.room_id,
                          {"flag_id": flag.id, "photo_id": row.id})
    return row, created


def answer_flag(flag: PatrolFlag, *, outcome: str, warning_id: int | None,
                incident_id: int | None, note: str | None, who: User) -> PatrolFlag:
    """The room's invigilator answers a flag once: nothing found, reminded (linking the
    reminder) or an incident reported (linking the incident), each of this room."""
    if flag.outcome is not None:
        raise _answered()
    kind = FlagOutcome(outcome)
    warning = _link(CandidateWarning, warning_id, "warning_id", flag,
                    kind == FlagOutcome.REMINDED)
    incident = _link(Incident, incident_id, "incident_id", flag,
                     kind == FlagOutcome.INCIDENT_REPORTED)
    # Once: a concurrent second answer finds the flag answered and changes nothing.
    done = db.session.execute(
        update(PatrolFlag).where(PatrolFlag.id == flag.id, PatrolFlag.outcome.is_(None))
        .values(outcome=kind, warning_id=warning, incident_id=incident,
                answer_note=(note or "").strip() or None, answered_by=who.id,
                answered_at=utcnow()).execution_options(synchronize_session=False))
    if done.rowcount != 1:  # type: ignore[attr-defined]
        raise _answered()
    db.session.refresh(flag)
    audit.record("patrol_flag_answered", "patrol_flag", flag.id, outcome=kind,
                 warning_id=warning, incident_id=incident, note=flag.answer_note)
    publisher.publish("patrol_flag_answered", flag.sitting_id, flag.room_id, flag_data(flag))
    return flag


def _answered() -> ApiError:
    return ApiError(409, "flag_already_answered", "This flag has been answered already.")


def _link(model: type[CandidateWarning] | type[Incident], ident: int | None, field: str,
          flag: PatrolFlag, wanted: bool) -> int | None:
    """The id of the reminder or incident the answer links: required by its outcome, refused
    by the others, and of the flag's room."""
    if ident is None:
        if wanted:
            raise ApiError(422, f"{field}_required", f"This outcome links a record: {field}.",
                           field)
        return None
    if not wanted:
        raise ApiError(422, "link_not_expected", f"This outcome links no {field}.", field)
    row = db.session.get(model, ident)
    if row is None:
        raise ApiError(422, "link_not_found", f"no record {ident}", field)
    if row.room_id != flag.room_id:
        raise ApiError(422, "link_other_room",
                       "The linked record must be of the flag's room.", field)
    return row.id


def flags_of_room(room: Room) -> list[PatrolFlag]:
    return list(db.session.scalars(db.select(PatrolFlag).where(PatrolFlag.room_id == room.id)
                                   .order_by(PatrolFlag.raised_at.desc(), PatrolFlag.id.desc())))


def photos_of(flag_ids: list[int]) -> dict[int, list[PatrolFlagPhoto]]:
    out: dict[int, list[PatrolFlagPhoto]] = {i: [] for i in flag_ids}
    if flag_ids:
        for photo in db.session.scalars(db.select(PatrolFlagPhoto).where(
                PatrolFlagPhoto.flag_id.in_(flag_ids)).order_by(PatrolFlagPhoto.id)):
            out[photo.flag_id].append(photo)
    return out


def _names(ids: set[int | None]) -> dict[int, User]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return {u.id: u for u in db.session.scalars(db.select(User).where(User.id.in_(wanted)))}


def flag_data(flag: PatrolFlag, photos: list[PatrolFlagPhoto] | None = None,
              users: dict[int, User] | None = None) -> dict[str, Any]:
    """A flag as the API answers it and the live events carry it (no ID number in it)."""
    users = users if users is not None else _names({flag.raised_by, flag.answered_by})
    raiser, answerer = users.get(flag.raised_by), users.get(flag.answered_by or 0)
    return {"id": flag.id, "client_id": flag.client_id, "sitting_id": flag.sitting_id,
            "room_id": flag.room_id, "seat_no": flag.seat_no, "note": flag.note,
            "observed_at": flag.observed_at.isoformat(), "raised_at": flag.raised_at.isoformat(),
            "raised_by": raiser.username if raiser else None,
            "raised_by_name": bare_name(raiser.display_name or raiser.username) if raiser else None,
            "open": flag.outcome is None,
            "answer": None if flag.outcome is None else {
                "outcome": str(flag.outcome), "note": flag.answer_note,
                "warning_id": flag.warning_id, "incident_id": flag.incident_id,
                "by": answerer.username if answerer else None,
                "by_name": bare_name(answerer.display_name or answerer.username)
                if answerer else None,
                "at": flag.answered_at.isoformat() if flag.answered_at else None},
            "photos": [{"id": p.id, "sha256": p.sha256, "width": p.width, "height": p.height}
                       for p in photos or []]}


def flags_out(flags: list[PatrolFlag]) -> list[dict[str, Any]]:
    photos = photos_of([f.id for f in flags])
    users = _names({f.raised_by for f in flags} | {f.answered_by for f in flags})
    return [flag_data(f, photos[f.id], users) for f in flags]


def open_flags_by_room(sitting: Sitting) -> dict[int, int]:
    """How many flags of each room of the sitting wait for an answer."""
    rows = db.session.execute(
        db.select(PatrolFlag.room_id, db.func.count()).where(
            PatrolFlag.sitting_id == sitting.id, PatrolFlag.outcome.is_(None))
        .group_by(PatrolFlag.room_id)).all()
    return {room_id: count for room_id, count in rows}


# -- visits and the patrol record ------------------------------------------------------------
def record_visit(sitting: Sitting, room: Room, *, client_id: str, visited_at: datetime,
                 present: list[str], rules_read: bool, remarks: str | None,
                 who: User) -> tuple[PatrolVisit, bool]:
    """One visit to a room: the invigilators present are chosen from the room's staff."""
    _refuse_if_signed(sitting, who)
    staff = {u.username for u in invigilators(room)}
    strangers = sorted(set(present) - staff)
    if strangers:
        raise ApiError(422, "not_an_invigilator_of_this_room",
                       f"{', '.join(strangers)} not invigilating room {room.name}",
                       "invigilators")

    def make() -> PatrolVisit:
        return PatrolVisit(client_id=client_id, sitting_id=sitting.id, room_id=room.id,
                           patrol_id=who.id, visited_at=visited_at,
                           invigilators=sorted(set(present)), rules_read=rules_read,
                           remarks=(remarks or "").strip() or None)

    visit, created = idempotent.insert_once(
        PatrolVisit, client_id, make,
        same_target=lambda found: found.room_id == room.id and found.patrol_id == who.id)
    if created:
        audit.record("patrol_visit_recorded", "patrol_visit", visit.id, sitting_id=sitting.id,
                     room_id=room.id, visited_at=visited_at.isoformat(),
                     invigilators=visit.invigilators, rules_read=rules_read,
                     remarks=visit.remarks)
    return visit, created


def patrols_of(sitting: Sitting) -> list[User]:
    return list(db.session.scalars(
        db.select(User).join(StaffAssignment, StaffAssignment.user_id == User.id)
        .where(StaffAssignment.sitting_id == sitting.id,
               StaffAssignment.role == StaffRole.PATROL).order_by(User.username)))


def record(sitting: Sitting, patrol: User) -> dict[str, Any]:
    """The patrol record (巡考记录表) of one patrol at one sitting, as canonical content: each
    visit (time, invigilators present, rules read out, remarks) with the flags the patrol
    raised in that room from that visit until the next; flags of a room before its first visit
    go with that visit, and a room flagged but never visited gets a row of its own."""
    rooms = {r.id: r for r in sitting.rooms}
    visits = list(db.session.scalars(db.select(PatrolVisit).where(
        PatrolVisit.sitting_id == sitting.id, PatrolVisit.patrol_id == patrol.id)
        .order_by(PatrolVisit.visited_at, PatrolVisit.id)))
    flags = list(db.session.scalars(db.select(PatrolFlag).where(
        PatrolFlag.sitting_id == sitting.id, PatrolFlag.raised_by == patrol.id)
        .order_by(PatrolFlag.observed_at, PatrolFlag.id)))
    staff = {u.username: u for r in rooms.values() for u in invigilators(r)}
    shown = flags_out(flags)
    rows: list[dict[str, Any]] = [
        {"visit_id": v.id, "room_id": v.room_id, "room": rooms[v.room_id].name,
         "visited_at": v.visited_at.isoformat(), "rules_read": v.rules_read,
         "remarks": v.remarks, "flags": [],
         "invigilators": [{"username": n, "name": bare_name(staff[n].display_name or n)
                           if n in staff else n} for n in v.invigilators]}
        for v in visits]
    for flag, data in zip(flags, shown, strict=True):
        _place(rows, flag, data, rooms)
    return {"sitting": {"id": sitting.id, "occupation": sitting.occupation,
                        "level": sitting.level, "date": sitting.date.isoformat()},
            "patrol": {"username": patrol.username,
                       "name": bare_name(patrol.display_name or patrol.username)},
            "visits": rows}


def _place(rows: list[dict[str, Any]], flag: PatrolFlag, data: dict[str, Any],
           rooms: dict[int, Room]) -> None:
    shown = {k: data[k] for k in ("id", "seat_no", "note", "observed_at", "answer")}
    of_room = [r for r in rows if r["room_id"] == flag.room_id]
    before = [r for r in of_room if r["visit_id"] is not None
              and r["visited_at"] <= flag.observed_at.isoformat()]
    target = before[-1] if before else (of_room[0] if of_room else None)
    if target is None:
        target = {"visit_id": None, "room_id": flag.room_id, "room": rooms[flag.room_id].name,
                  "visited_at": None, "rules_read": None, "remarks": None, "flags": [],
                  "invigilators": []}
        rows.append(target)
    target["flags"].append(shown)


def printed(content: dict[str, Any]) -> list[dict[str, Any]]:
    """The record's rows for the printed page: times as datetimes (shown in venue time)."""
    def when(value: str | None) -> datetime | None:
        return datetime.fromisoformat(value) if value else None

    return [{**row, "visited_at": when(row["visited_at"]),
             "flags": [{**f, "observed_at": when(f["observed_at"]),
                        "answer": f["answer"] and {**f["answer"], "at": when(f["answer"]["at"])}}
                       for f in row["flags"]]}
            for row in content["visits"]]


def record_hash(content: dict[str, Any]) -> str:
    return hashing.digest(content)


def signoff_of(sitting: Sitting, patrol: User) -> PatrolRecordSignoff | None:
    return db.session.scalar(db.select(PatrolRecordSignoff).filter_by(
        sitting_id=sitting.id, user_id=patrol.id))


def sign(sitting: Sitting, who: User) -> PatrolRecordSignoff:
    """The patrol signs their record as it stands (its SHA-256); after that it takes no more
    visits or flags of theirs. Signing twice changes nothing."""
    row, created = idempotent.insert_unique(
        lambda: signoff_of(sitting, who),
        lambda: PatrolRecordSignoff(sitting_id=sitting.id, user_id=who.id,
                                    record_hash=record_hash(record(sitting, who))))
    if created:
        audit.record("patrol_record_signed", "sitting", sitting.id, record_hash=row.record_hash)
    return row


def _refuse_if_signed(sitting: Sitting, who: User) -> None:
    if signoff_of(sitting, who) is not None:
        raise ApiError(409, "patrol_record_signed",
                       "Your patrol record of this sitting is signed: it takes nothing more.")


