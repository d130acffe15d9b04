"""The one publisher: event names, channels, `publish`, and the cuts of ended sessions.

Every change that others must see calls `publish(...)` inside its transaction: the event gets the
sitting's next sequence number and is stored with the change, then emitted only after the
transaction commits (a rolled-back change is never announced). Channel names come only from the
helpers below. Server → client events are past tense; client → server ones imperative. The
Socket.IO handlers (connect, catch-up, who sees which room) are in `proctor.sockets`, which
imports this module and never the other way round: services publish without import cycles.

Ending what opened a socket (a logout, a disabled account, "end sessions", a new password, a
revoked API token) cuts that socket at once, on every process: the cut goes out on the message
queue and each process disconnects the sockets it holds for that session or token, telling each
one `SESSION_ENDED` first.
"""

from __future__ import annotations

from typing import Any

import socketio as python_socketio
from sqlalchemy import bindparam, event, insert, update
from sqlalchemy.orm import Session

from proctor.database import utcnow
from proctor.extensions import db, socketio
from proctor.models import LiveEvent, Sitting
from proctor.services.audit import current_actor

# Stored with the change, numbered by sitting, sent to the sitting's and the room's channels.
EVENTS = (
    "attendance_recorded",
    "seat_changed",
    "warning_recorded",
    "warning_resolved",
    "incident_reported",
    "incident_decided",
    "evidence_added",
    "room_log_added",
    "notice_issued", "notice_served", "review_requested", "review_decided",
    "pre_notice_issued", "pre_notice_served", "statement_received",
    "closeout_recorded", "discrepancy_explained", "room_record_signed",
    "movement_recorded",
    "patrol_flagged", "patrol_flag_photo_added", "patrol_flag_answered",
    "seating_arranged",
    "identity_mismatch",
)
# Told to one socket as it is cut (the screen logs itself out); never stored, never numbered.
SESSION_ENDED = "session_ended"


def room_channel(room_id: int) -> str:
    return f"room:{room_id}"


def sitting_channel(sitting_id: int) -> str:
    """Chief examiners and the evaluation body: every room of the sitting."""
    return f"sitting:{sitting_id}"


def user_channel(user_id: int) -> str:
    return f"user:{user_id}"


def publish(event_type: str, sitting_id: int, room_id: int | None,
            data: dict[str, Any]) -> dict[str, Any]:
    """Store the event in the current transaction; emit it once the transaction commits."""
    if event_type not in EVENTS:
        raise ValueError(f"unknown live event {event_type!r}")
    # Core statements (every write of every tablet comes through here); the UPDATE takes the
    # sitting's row lock, so seqs are handed out, and committed, in order.
    seq = db.session.execute(_NEXT_SEQ, {"sitting": sitting_id}).scalar_one()
    at, data = utcnow(), {**data, "by": current_actor()}
    db.session.execute(_STORE_EVENT, {"sitting_id": sitting_id, "seq": seq, "type": event_type,
                                      "room_id": room_id, "at": at, "data": data})
    payload = {"seq": seq, "type": event_type, "sitting_id": sitting_id, "room_id": room_id,
               "at": at.isoformat(), "data": data}
    db.session.info.setdefault("pending_events", []).append(payload)
    return payload


_sittings, _live_events = Sitting.__table__, LiveEvent.__table__
_NEXT_SEQ = (update(_sittings).where(_sittings.c.id == bindparam("sitting"))
             .values(event_seq=_sittings.c.event_seq + 1).returning(_sittings.c.event_seq))
_STORE_EVENT = insert(_live_events)


def event_payload(row: LiveEvent) -> dict[str, Any]:
    return {"seq": row.seq, "type": row.type, "sitting_id": row.sitting_id,
            "room_id": row.room_id, "at": row.at.isoformat(), "data": row.data}


def events_after(sitting_id: int, after_seq: int, rooms: set[int] | None,
                 limit: int = 1000) -> list[dict[str, Any]]:
    """Events of the sitting after `after_seq`, in order; rooms=None means every room."""
    stmt = (db.select(LiveEvent).where(LiveEvent.sitting_id == sitting_id,
                                       LiveEvent.seq > after_seq)
            .order_by(LiveEvent.seq).limit(limit))
    if rooms is not None:
        stmt = stmt.where(LiveEvent.room_id.in_(rooms))
    return [event_payload(row) for row in db.session.scalars(stmt)]


def _emit_pending(session: Session) -> None:
    pending = session.info.pop("pending_events", [])
    for payload in pending:
        channels = [sitting_channel(payload["sitting_id"])]
        if payload["room_id"] is not None:
            channels.append(room_channel(payload["room_id"]))
        socketio.emit(payload["type"], payload, to=channels)
    if pending:
        # Under gevent: let the sockets' writers send these now, before this request goes on
        # to build its own answer (a no-op sleep otherwise).
        socketio.sleep(0)


def _drop_pending(session: Session) -> None:
    session.info.pop("pending_events", None)


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    if session.info.get("pending_events"):
        _emit_pending(session)
    for callback in session.info.pop("after_commit", []):
        callback()


@event.listens_for(Session, "after_soft_rollback")
def _after_rollback(session: Session, _previous: Any) -> None:
    _drop_pending(session)
    session.info.pop("after_commit", None)


# -- cutting the sockets of an ended session or a revoked token --------------------------------
# Live connections of this process by Socket.IO sid: (user id, hash of the session token, hash
# of the API token); one of the two hashes is None. Kept by proctor.sockets as they come and go.
_sockets: dict[str, tuple[int, str | None, str | None]] = {}

# The event name of a cut on the message queue; handled by each process, never sent to a client.
CUT_EVENT = "proctor:cut"


def opened(sid: str, user_id: int, session_hash: str | None, api_hash: str | None) -> None:
    _sockets[sid] = (user_id, session_hash, api_hash)


def closed(sid: str) -> None:
    _sockets.pop(sid, None)


def open_sockets() -> int:
    return len(_sockets)


def end_sockets(user_id: int, session_hash: str | None = None, *, sessions: bool = True,
                tokens: bool = False) -> None:
    """Once the change commits, cut the live connections of an ended session (`session_hash`),
    or of every session of the user (`sessions`) and/or of every API token of the user
    (`tokens`), on every process: pushes stop at once, not at the next request."""
    order = {"user": user_id, "session": session_hash, "sessions": sessions, "tokens": tokens}
    db.session.info.setdefault("after_commit", []).append(lambda: _broadcast_cut(order))


def _broadcast_cut(order: dict[str, Any]) -> None:
    manager = socketio.server.manager
    if isinstance(manager, _CutsAcrossProcesses):
        # Through the message queue: every process (this one too) cuts its own sockets.
        manager.emit(CUT_EVENT, order, namespace="/", room=CUT_EVENT)
    else:
        cut_here(order)


def cut_here(order: dict[str, Any]) -> int:
    """Disconnect this process's sockets that the order names; tell each of them first (the
    screen logs itself out on SESSION_ENDED). Returns how many were cut."""
    doomed = [sid for sid, opened_by in list(_sockets.items()) if _names(order, *opened_by)]
    server = socketio.server
    for sid in doomed:
        server.manager.emit(SESSION_ENDED, {}, namespace="/", room=sid, ignore_queue=True)
        # Runs the socket's disconnect handler, which forgets the rest of it.
        server.disconnect(sid, namespace="/", ignore_queue=True)
        closed(sid)
    return len(doomed)


def _names(order: dict[str, Any], owner: int, session_hash: str | None,
           api_hash: str | None) -> bool:
    """Whether a cut order names a socket opened by this user with this session or token."""
    if owner != order.get("user"):
        return False
    if order.get("session"):
        return session_hash == order["session"]
    return bool((order.get("sessions") and session_hash is not None)
                or (order.get("tokens") and api_hash is not None))


class _CutsAcrossProcesses:
    """Mixed into the message-queue manager: a cut published by any process is carried out by
    each on its own sockets (python-socketio can disconnect a sid elsewhere, but only the
    process that holds a socket knows which session or token opened it)."""

    def _handle_emit(self, message: dict[str, Any]) -> None:
        if message.get("event") != CUT_EVENT:
            super()._handle_emit(message)  # type: ignore[misc]
            return
        data = message.get("data")
        order = data[0] if isinstance(data, list) and data else data
        if isinstance(order, dict):
            cut_here(order)


def cutting_manager(url: str, channel: str) -> Any:
    """Flask-SocketIO's own choice of queue for `url`, taught to carry the cuts."""
    if url.startswith(("redis://", "rediss://")):
        base: type = python_socketio.RedisManager
    elif url.startswith("kafka://"):
        base = python_socketio.KafkaManager
    elif url.startswith("zmq"):
        base = python_socketio.ZmqManager
    else:
        base = python_socketio.KombuManager
    cutting = type(f"Cutting{base.__name__}", (_CutsAcrossProcesses, base), {})
    return cutting(url, channel=channel, write_only=False)
