"""The Socket.IO handlers: who may connect, which channels a socket joins, and catch-up.

A socket is authenticated by the session cookie or by an API token (`auth: {token}` on connect,
or the handshake's Authorization header), and re-checked on every event: sessions can end. The
events it receives are published by `proctor.publisher`, which also cuts it when what opened it
ends; this module tells the publisher which session or token opened each socket.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, request
from flask_login import current_user
from flask_socketio import ConnectionRefusedError, disconnect, join_room

from proctor import publisher
from proctor.auth.tokens import bearer_token, bearer_user, token_hash
from proctor.concurrency import cooperative
from proctor.extensions import socketio
from proctor.models import User
from proctor.publisher import room_channel, sitting_channel, user_channel
from proctor.services import access

CATCH_UP_PAGE = 1000

# Socket clients that connected with `auth: {token}` (other systems), by Socket.IO sid.
_bearer_tokens: dict[str, str] = {}


def init_app(app: Flask) -> None:
    mode = app.config.get("SOCKETIO_ASYNC_MODE") or ("gevent" if cooperative() else "threading")
    options: dict[str, Any] = {}
    queue = app.config.get("MESSAGE_QUEUE")
    if queue:
        # Flask-SocketIO's own choice of queue, taught to carry the cuts of ended sessions.
        options["client_manager"] = publisher.cutting_manager(
            queue, app.config.get("MESSAGE_QUEUE_CHANNEL") or "flask-socketio")
    socketio.init_app(app, message_queue=queue, async_mode=mode, cors_allowed_origins=None,
                      manage_session=False, **options)


def _socket_user() -> User | None:
    """The user behind this socket event, re-checked on every event (sessions can end)."""
    if current_user.is_authenticated:
        return current_user._get_current_object()  # type: ignore[no-any-return]
    token = _bearer_tokens.get(request.sid)  # type: ignore[attr-defined]
    return bearer_user(token) if token else None


def _visible_rooms(who: User, sitting_id: int) -> set[int] | None:
    return access.rooms_seen(who, sitting_id)


@socketio.on("connect")
def on_connect(auth: dict[str, Any] | None = None) -> bool:
    refuse_when_full()
    if not current_user.is_authenticated and isinstance(auth, dict) and auth.get("token"):
        _bearer_tokens[request.sid] = str(auth["token"])  # type: ignore[attr-defined]
    who = _socket_user()
    if who is None:
        _bearer_tokens.pop(request.sid, None)  # type: ignore[attr-defined]
        return False
    session_token = getattr(who, "current_session_token", None)
    # An API token: in `auth`, or in the handshake's Authorization header.
    bearer = (_bearer_tokens.get(request.sid)  # type: ignore[attr-defined]
              or bearer_token(request.headers.get("Authorization", "")))
    publisher.opened(
        request.sid, who.id,  # type: ignore[attr-defined]
        token_hash(session_token) if session_token else None,
        token_hash(bearer) if bearer and not session_token else None)
    join_room(user_channel(who.id))
    for sitting_id in access.sitting_ids_of(who):
        rooms = _visible_rooms(who, sitting_id)
        if rooms is None:
            join_room(sitting_channel(sitting_id))
        for room_id in rooms or ():
            join_room(room_channel(room_id))
    return True


def refuse_when_full() -> None:
    """Backpressure: at the process's limit a new socket is refused at once, before any work,
    and the tablet retries later (HTTP of the connected tablets goes on being served)."""
    limit = current_app.config["MAX_SOCKETS"]
    if publisher.open_sockets() >= limit:
        retry = current_app.config["SOCKET_RETRY_SECONDS"]
        raise ConnectionRefusedError("server_full", {
            "code": "server_full", "retry_after": retry,
            "message": f"This server holds {limit} live connections; retry in {retry} s."})


@socketio.on("disconnect")
def on_disconnect(*_args: Any) -> None:
    _bearer_tokens.pop(request.sid, None)  # type: ignore[attr-defined]
    publisher.closed(request.sid)  # type: ignore[attr-defined]


@socketio.on("catch_up")
def on_catch_up(message: Any) -> dict[str, Any]:
    """Everything after `after_seq` that this user may see, in order."""
    who = _socket_user()
    if who is None:
        disconnect()
        return {"error": {"code": "unauthenticated", "message": "the session has ended"}}
    try:
        sitting_id = int(message["sitting_id"])
        after_seq = int(message.get("after_seq", 0))
    except (TypeError, KeyError, ValueError, AttributeError):
        return {"error": {"code": "validation_error",
                          "message": "send {sitting_id, after_seq} as integers"}}
    if sitting_id not in access.sitting_ids_of(who):
        return {"error": {"code": "forbidden", "message": "not one of your sittings"}}
    events = publisher.events_after(sitting_id, after_seq, _visible_rooms(who, sitting_id),
                                    CATCH_UP_PAGE)
    # `more`: the page is full; ask again after its last seq.
    return {"sitting_id": sitting_id, "events": events, "more": len(events) == CATCH_UP_PAGE}
