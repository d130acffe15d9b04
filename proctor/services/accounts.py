"""Accounts: argon2id password hashes, API tokens (stored as hashes), disabling, ending sessions."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

from proctor.auth.sessions import end_all_sessions
from proctor.auth.tokens import token_hash
from proctor.concurrency import cooperative_semaphore, offload
from proctor.database import end_read_transaction, utcnow
from proctor.errors import ApiError
from proctor.extensions import db
from proctor.models import ApiToken, Role, User, UserSession
from proctor.publisher import end_sockets
from proctor.services import audit

_DUMMY_HASHES: dict[tuple[int, int], str] = {}
_HASHING: dict[int, Any] = {}  # the semaphore bounding concurrent hashes, by its size


def _hasher() -> PasswordHasher:
    cfg = current_app.config
    # argon2-cffi's PasswordHasher uses Argon2id (one lane: the cores serve several logins).
    return PasswordHasher(time_cost=cfg["ARGON2_TIME_COST"], memory_cost=cfg["ARGON2_MEMORY_COST"],
                          parallelism=1)


def _bounded(fn: Any, *args: Any) -> Any:
    """Run one argon2 computation: at most MAX_CONCURRENT_HASHES at a time in the process (each
    holds ARGON2_MEMORY_COST KiB), in a real thread so the other connections go on meanwhile;
    the others wait their turn without holding a thread."""
    size = current_app.config["MAX_CONCURRENT_HASHES"]
    if size not in _HASHING:
        _HASHING[size] = cooperative_semaphore(size)
    with _HASHING[size]:
        return offload(fn, *args)


def hash_password(password: str) -> str:
    return str(_bounded(_hasher().hash, password))


def _verify(hasher: PasswordHasher, stored: str, password: str) -> bool:
    return bool(_bounded(_matches, hasher, stored, password))


def _matches(hasher: PasswordHasher, stored: str, password: str) -> bool:
    # A wrong password is an answer, not an error: nothing is raised across the thread pool
    # (gevent would print each one as a traceback).
    try:
        return bool(hasher.verify(stored, password))
    except (VerificationError, InvalidHashError):
        return False


def _dummy_hash() -> str:
    cfg = current_app.config
    key = (cfg["ARGON2_TIME_COST"], cfg["ARGON2_MEMORY_COST"])
    if key not in _DUMMY_HASHES:
        _DUMMY_HASHES[key] = hash_password(secrets.token_urlsafe(16))
    return _DUMMY_HASHES[key]


def find_user(username: str) -> User | None:
    return db.session.scalar(db.select(User).where(User.username == username))


def username_of(user_id: int | None) -> str | None:
    """Who wrote a record, by name, for an answer (None for nobody)."""
    user = db.session.get(User, user_id) if user_id else None
    return user.username if user else None


def authenticate(username: str, password: str) -> User | None:
    """The active user with that password, or None. Unknown names cost as much as known ones.

    Nothing is written before the password is checked, so the read transaction ends first: no
    database lock is held while the hash is computed (a login storm would queue every write)."""
    user = find_user(username)
    stored = user.password_hash if user else _dummy_hash()
    end_read_transaction(db.session())
    hasher = _hasher()
    if not _verify(hasher, stored, password) or user is None or not user.active:
        return None
    if hasher.check_needs_rehash(stored):
        user.password_hash = hash_password(password)
    return user


def create_user(username: str, role: str, password: str, display_name: str = "") -> User:
    if role not in {r.value for r in Role}:
        raise ApiError(422, "validation_error", f"unknown role {role!r}", "role")
    check_password_strength(password)
    if find_user(username) is not None:
        raise ApiError(409, "username_taken", f"user {username!r} exists already", "username")
    user = User(username=username, role=role, display_name=display_name or username,
                password_hash=hash_password(password))
    db.session.add(user)
    db.session.flush()
    audit.record("user_created", "user", user.id, username=username, role=role)
    return user


def check_password_strength(password: str) -> None:
    if len(password) < 8:
        raise ApiError(422, "weak_password", "A password needs at least 8 characters.",
                       "password")


def set_password(user: User, password: str) -> int:
    """A new password (an administrator's reset); every open session of the user ends."""
    check_password_strength(password)
    user.password_hash = hash_password(password)
    ended = end_all_sessions(user.id, "password_changed")
    audit.record("password_changed", "user", user.id, username=user.username,
                 sessions_ended=ended)
    return ended


def create_api_token(user: User) -> str:
    """A new bearer token for the user; only its SHA-256 is kept, so show it once."""
    token = "pt_" + secrets.token_urlsafe(32)
    row = ApiToken(user_id=user.id, token_hash=token_hash(token), prefix=token[:10])
    db.session.add(row)
    db.session.flush()
    audit.record("api_token_created", "api_token", row.id, username=user.username,
                 prefix=row.prefix)
    return token


def set_active(user: User, active: bool) -> int:
    """Enable or disable an account; disabling ends its sessions at once."""
    user.active = active
    ended = 0 if active else end_all_sessions(user.id, "account_disabled", with_tokens=True)
    audit.record("user_enabled" if active else "user_disabled", "user", user.id,
                 username=user.username, sessions_ended=ended)
    return ended


def end_sessions(user: User) -> int:
    ended = end_all_sessions(user.id, "ended_by_administrator")
    audit.record("sessions_ended", "user", user.id, username=user.username, count=ended)
    return ended


def revoke_tokens(user: User) -> None:
    """Revoke every API token of the user; once that commits, the sockets opened with them are
    cut on every process."""
    for row in db.session.scalars(db.select(ApiToken).where(ApiToken.user_id == user.id,
                                                            ApiToken.revoked_at.is_(None))):
        row.revoked_at = utcnow()
    audit.record("api_tokens_revoked", "user", user.id, username=user.username)
    end_sockets(user.id, sessions=False, tokens=True)


# -- the evaluation body's view of the accounts ------------------------------------------------
@dataclass(frozen=True)
class Account:
    """An account as its screen and the API show it: with its open sessions and live tokens."""

    username: str
    display_name: str
    role: Role
    active: bool
    sessions: int
    tokens: int
    created_at: datetime


def open_sessions_by_user() -> dict[int, int]:
    """Open sessions (not ended, not idle, not too old) per user id."""
    now = utcnow()
    idle = now - timedelta(minutes=current_app.config["SESSION_IDLE_MINUTES"])
    oldest = now - timedelta(hours=current_app.config["SESSION_MAX_HOURS"])
    rows = db.session.execute(
        db.select(UserSession.user_id, db.func.count())
        .where(UserSession.ended_at.is_(None), UserSession.last_seen_at > idle,
               UserSession.created_at > oldest)
        .group_by(UserSession.user_id))
    return {user_id: int(count) for user_id, count in rows}


def tokens_by_user() -> dict[int, int]:
    """API tokens not revoked, per user id."""
    rows = db.session.execute(db.select(ApiToken.user_id, db.func.count())
                              .where(ApiToken.revoked_at.is_(None)).group_by(ApiToken.user_id))
    return {user_id: int(count) for user_id, count in rows}


def account_of(user: User, sessions: dict[int, int] | None = None,
               tokens: dict[int, int] | None = None) -> Account:
    sessions = open_sessions_by_user() if sessions is None else sessions
    tokens = tokens_by_user() if tokens is None else tokens
    return Account(username=user.username, display_name=user.display_name, role=user.role,
                   active=user.active, sessions=sessions.get(user.id, 0),
                   tokens=tokens.get(user.id, 0), created_at=user.created_at)


def active_users(role: Role) -> list[User]:
    """The active accounts of a role, by username (whom a sitting may be staffed with)."""
    return list(db.session.scalars(db.select(User).where(User.role == role, User.active)
                                   .order_by(User.username)))


def all_accounts() -> list[Account]:
    """Every account, by role and username, counted in two queries."""
    sessions, tokens = open_sessions_by_user(), tokens_by_user()
    users = db.session.scalars(db.select(User).order_by(User.role, User.username))
    return [account_of(user, sessions, tokens) for user in users]
