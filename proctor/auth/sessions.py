"""Server-side sessions on top of Flask-Login, so the server can end a session at once.

The signed cookie carries only a random session token. Each request looks the token's hash up in
`user_sessions`: a logout, a disabled account or an administrator's "end sessions" marks the row
ended and the very next request is anonymous. Idle and absolute timeouts are checked here too,
because tablets are shared. Bearer tokens (for other systems) are checked by the request loader
(the token helpers are in `proctor.auth.tokens`).
"""

from __future__ import annotations

from datetime import timedelta

from flask import Flask, current_app, g, redirect, request, url_for
from flask_login import LoginManager, login_user, logout_user
from sqlalchemy import bindparam, update

from proctor.auth.tokens import bearer_token, bearer_user, new_session_token, token_hash
from proctor.database import reset_read_only, set_read_only, utcnow
from proctor.errors import ApiError, storage_retry_after, wants_json
from proctor.extensions import db
from proctor.models import User, UserSession
from proctor.publisher import end_sockets

# Touch last_seen_at at most this often: a write per request would serialise every GET.
_TOUCH_EVERY = timedelta(seconds=60)


def init_login(app: Flask, manager: LoginManager) -> None:
    manager.init_app(app)
    manager.session_protection = None  # the server-side session row is the protection
    manager.user_loader(load_session_user)
    manager.request_loader(load_bearer_user)

    @manager.unauthorized_handler
    def _unauthorized():  # type: ignore[no-untyped-def]
        if wants_json():
            raise ApiError(401, "unauthenticated", "Log in or send a bearer token.")
        return redirect(url_for("auth.login_page", next=request.full_path))


def load_session_user(token: str) -> User | None:
    # The session's times and its user in one query: this runs on every request of every tablet.
    row = db.session.execute(_SESSION_USER, {"token_hash": token_hash(token)}).first()
    if row is None:
        return None
    user, session_id, ended_at, last_seen_at, created_at = row
    if ended_at is not None or not user.active:
        return None
    now = utcnow()
    idle = timedelta(minutes=current_app.config["SESSION_IDLE_MINUTES"])
    absolute = timedelta(hours=current_app.config["SESSION_MAX_HOURS"])
    if now - last_seen_at > idle or now - created_at > absolute:
        g.expired_session_id = session_id
        return None
    if now - last_seen_at > _TOUCH_EVERY:
        g.touch_session_id = session_id
    user.current_session_token = token
    g.auth_method = "session"
    return user


def load_bearer_user(req) -> User | None:  # type: ignore[no-untyped-def]
    token = bearer_token(req.headers.get("Authorization", ""))
    if token is None:
        return None
    user = bearer_user(token)
    if user is not None:
        g.auth_method = "bearer"
    return user


# Built once: it runs on every request.
_SESSION_USER = (
    db.select(User, UserSession.id, UserSession.ended_at, UserSession.last_seen_at,
              UserSession.created_at)
    .join(UserSession, UserSession.user_id == User.id)
    .where(UserSession.token_hash == bindparam("token_hash")))


def start_session(user: User) -> str:
    """Create the server-side session for a successful login and log the user in."""
    token = new_session_token()
    db.session.add(UserSession(
        token_hash=token_hash(token), user_id=user.id,
        remote_addr=request.remote_addr, user_agent=(request.user_agent.string or "")[:255],
    ))
    user.current_session_token = token
    login_user(user)
    return token


def end_current_session(user: User, reason: str = "logout") -> None:
    if user.current_session_token:
        db.session.execute(
            update(UserSession)
            .where(UserSession.token_hash == token_hash(user.current_session_token))
            .where(UserSession.ended_at.is_(None))
            .values(ended_at=utcnow(), end_reason=reason)
        )
        end_sockets(user.id, token_hash(user.current_session_token))
    logout_user()


def end_all_sessions(user_id: int, reason: str, *, with_tokens: bool = False) -> int:
    """End every open session of a user (account disabled, administrator's order, a new
    password) and cut their live connections on every process; `with_tokens` cuts the sockets
    opened with the user's API tokens too (a disabled account's tokens stop working)."""
    result = db.session.execute(
        update(UserSession)
        .where(UserSession.user_id == user_id, UserSession.ended_at.is_(None))
        .values(ended_at=utcnow(), end_reason=reason)
    )
    end_sockets(user_id, tokens=with_tokens)
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def touch_after_request() -> None:
    """Record activity (idle timeout) or the end of an expired session, in its own commit."""
    expired = g.pop("expired_session_id", None)
    touched = g.pop("touch_session_id", None)
    if expired is None and touched is None:
        return
    # A fresh write transaction: a read transaction that turns into a write can fail at once.
    db.session.rollback()
    token = set_read_only(False)
    try:
        _end_or_touch(expired, touched)
    except Exception as exc:
        if storage_retry_after(exc) is None:
            raise
        # Best effort: the answer (whose own write has committed) must not turn into a 503
        # for a bookkeeping write; the next request touches or ends the session again.
        db.session.rollback()
        current_app.logger.warning("session bookkeeping skipped: %s", exc)
    finally:
        reset_read_only(token)


def _end_or_touch(expired: int | None, touched: int | None) -> None:
    if expired is not None:
        db.session.execute(update(UserSession).where(UserSession.id == expired)
                           .where(UserSession.ended_at.is_(None))
                           .values(ended_at=utcnow(), end_reason="timeout"))
    if touched is not None:
        db.session.execute(update(UserSession).where(UserSession.id == touched)
                           .values(last_seen_at=utcnow()))
    db.session.commit()
