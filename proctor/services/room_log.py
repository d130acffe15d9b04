"""The room log (考场情况记录): the non-disciplinary events of a room, one tap each."""

from __future__ import annotations

from datetime import datetime

from proctor import publisher
from proctor.errors import ApiError
from proctor.models import Room, RoomLogEntry, Subject, User
from proctor.services import audit, idempotent

KINDS = ("subject_started", "subject_ended", "rules_read", "late_arrival", "illness",
         "evacuation", "equipment_fault", "misprint", "power_cut", "other")


def add_entry(room: Room, kind: str, note: str | None, subject: Subject | None,
              observed_at: datetime, client_id: str, who: User) -> tuple[RoomLogEntry, bool]:
    """Append an entry; a repeated client_id returns the entry it made in this room (else 409
    client_id_conflict)."""
    if kind == "other" and not (note or "").strip():
        raise ApiError(422, "note_required", "Say what happened in the note.", "note")
    entry, created = idempotent.insert_once(
        RoomLogEntry, client_id, lambda: RoomLogEntry(
            client_id=client_id, room_id=room.id, subject_id=subject.id if subject else None,
            kind=kind, note=note, observed_at=observed_at, recorded_by=who.id),
        same_target=lambda found: found.room_id == room.id)
    if not created:
        return entry, False
    audit.record("room_log_added", "room", room.id, kind=kind, client_id=client_id,
                 subject=subject.code if subject else None)
    publisher.publish("room_log_added", room.sitting_id, room.id, entry_data(entry, subject))
    return entry, True


def entry_data(entry: RoomLogEntry, subject: Subject | None) -> dict[str, object]:
    return {"id": entry.id, "kind": entry.kind, "note": entry.note,
            "subject": subject.code if subject else None,
            "observed_at": entry.observed_at.isoformat()}
