"""Accounts, API tokens and the audit log, for the evaluation body.

Every change goes through `proctor.services.accounts`, which writes the audit entry; the views
parse, authorise (the blueprint's guard: authority only), call one service, commit once, answer.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Annotated, Literal

from flask import current_app
from pydantic import Field, StringConstraints
from sqlalchemy import Text, cast, func, or_

from proctor.api import bp
from proctor.api.schemas import In, IsoDate, Out
from proctor.api.spec import endpoint
from proctor.database import utcnow
from proctor.errors import ApiError
from proctor.extensions import db
from proctor.models import ApiToken, AuditEntry, Role, User, UserSession
from proctor.services import access, accounts
from proctor.services.sittings import venue_zone

AUTHORITY = [Role.AUTHORITY.value]
USERNAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"
_PLAIN = r"^[^\x00-\x1f\x7f]*$"  # no control characters (PostgreSQL refuses NUL in text)

Username = Annotated[str, StringConstraints(strip_whitespace=True, pattern=USERNAME_PATTERN)]
Password = Annotated[str, StringConstraints(min_length=1, max_length=256)]
SearchText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200,
                                              pattern=_PLAIN)]


# -- models ------------------------------------------------------------------------------------
class UserIn(In):
    username: Username
    display_name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=128,
                                                   pattern=_PLAIN)] = ""
    role: Literal["invigilator", "chief", "authority"]
    password: Password


class PasswordIn(In):
    password: Password


class UserOut(Out):
    username: str
    display_name: str
    role: str
    active: bool
    sessions: int = Field(description="open sessions (logged in, not ended, not timed out)")
    tokens: int = Field(description="API tokens not revoked")
    created_at: datetime


class UsersOut(Out):
    users: list[UserOut]


class UserActionOut(Out):
    user: UserOut
    sessions_ended: int = 0
    tokens_revoked: int = 0


class TokenOut(Out):
    username: str
    token: str = Field(description="shown this once: only its SHA-256 is stored")
    prefix: str


class AuditQuery(In):
    action: SearchText | None = None
    actor: SearchText | None = None
    q: SearchText | None = Field(default=None, description="searched in object ids and in the data")
    since: IsoDate | None = Field(default=None, description="first venue date, inclusive")
    until: IsoDate | None = Field(default=None, description="last venue date, inclusive")
    before_seq: Annotated[int, Field(ge=1, le=2**31 - 1)] | None = None
    limit: Annotated[int, Field(ge=1, le=200)] = 50


class AuditEntryOut(Out):
    seq: int
    at: datetime
    actor: str
    action: str
    object_type: str | None
    object_id: str | None
    data: dict[str, object]
    hash: str


class AuditPageOut(Out):
    entries: list[AuditEntryOut]
    next_before_seq: int | None = Field(description="pass as before_seq for older entries")


# -- queries shared with the pages (proctor.authority) ------------------------------------------
def open_sessions_by_user() -> dict[int, int]:
    now = utcnow()
    idle = now - timedelta(minutes=current_app.config["SESSION_IDLE_MINUTES"])
    oldest = now - timedelta(hours=current_app.config["SESSION_MAX_HOURS"])
    rows = db.session.execute(
        db.select(UserSession.user_id, func.count())
        .where(UserSession.ended_at.is_(None), UserSession.last_seen_at > idle,
               UserSession.created_at > oldest)
        .group_by(UserSession.user_id))
    return {user_id: int(count) for user_id, count in rows}


def tokens_by_user() -> dict[int, int]:
    rows = db.session.execute(db.select(ApiToken.user_id, func.count())
                              .where(ApiToken.revoked_at.is_(None)).group_by(ApiToken.user_id))
    return {user_id: int(count) for user_id, count in rows}


def user_out(user: User, sessions: dict[int, int] | None = None,
             tokens: dict[int, int] | None = None) -> UserOut:
    sessions = open_sessions_by_user() if sessions is None else sessions
    tokens = tokens_by_user() if tokens is None else tokens
    return UserOut(username=user.username, display_name=user.display_name, role=user.role,
                   active=user.active, sessions=sessions.get(user.id, 0),
                   tokens=tokens.get(user.id, 0), created_at=user.created_at)


def all_users() -> list[UserOut]:
    sessions, tokens = open_sessions_by_user(), tokens_by_user()
    users = db.session.scalars(db.select(User).order_by(User.role, User.username))
    return [user_out(user, sessions, tokens) for user in users]


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _venue_start(day: date) -> datetime:
    return datetime.combine(day, time(0), venue_zone())


@dataclass
class AuditPage:
    entries: list[AuditEntry]
    next_before_seq: int | None


def find_audit_entries(query: AuditQuery) -> AuditPage:
    """Newest first, `limit` at a time below `before_seq`; `q` looks in object ids and data."""
    stmt = db.select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(query.limit + 1)
    if query.action:
        stmt = stmt.where(AuditEntry.action == query.action)
    if query.actor:
        stmt = stmt.where(AuditEntry.actor == query.actor)
    if query.q:
        data = cast(AuditEntry.data, Text)
        # JSON columns keep non-ASCII text as \\uXXXX escapes: look for both spellings.
        escaped = json.dumps(query.q)[1:-1]
        stmt = stmt.where(or_(AuditEntry.object_id.ilike(_like(query.q), escape="\\"),
                              data.ilike(_like(query.q), escape="\\"),
                              data.ilike(_like(escaped), escape="\\")))
    if query.since:
        stmt = stmt.where(AuditEntry.at >= _venue_start(query.since))
    if query.until:
        stmt = stmt.where(AuditEntry.at < _venue_start(query.until + timedelta(days=1)))
    if query.before_seq:
        stmt = stmt.where(AuditEntry.seq < query.before_seq)
    rows = list(db.session.scalars(stmt))
    more = len(rows) > query.limit
    rows = rows[:query.limit]
    return AuditPage(rows, rows[-1].seq if more and rows else None)


def audit_actions() -> list[str]:
    return list(db.session.scalars(db.select(AuditEntry.action).distinct()
                                   .order_by(AuditEntry.action)))


# -- users -------------------------------------------------------------------------------------
def _user(username: str) -> User:
    user = accounts.find_user(username) if re.fullmatch(USERNAME_PATTERN, username) else None
    if user is None:
        raise ApiError(404, "user_not_found", f"no user {username!r}", "username")
    return user


@endpoint(bp, "GET", "/users", summary="Every account, with open sessions and API tokens",
          tag="accounts", responses={200: UsersOut}, roles=AUTHORITY)
def list_users() -> UsersOut:
    return UsersOut(users=all_users())


@endpoint(bp, "POST", "/users", summary="Create an account", tag="accounts", body=UserIn,
          responses={201: UserOut}, roles=AUTHORITY)
def create_user(body: UserIn):  # type: ignore[no-untyped-def]
    user = accounts.create_user(body.username, body.role, body.password, body.display_name)
    db.session.commit()
    return user_out(user), 201


@endpoint(bp, "POST", "/users/<username>/disable",
          summary="Disable an account: its sessions end at once, its tokens stop working",
          tag="accounts", responses={200: UserActionOut}, roles=AUTHORITY)
def disable_user(username: str) -> UserActionOut:
    user = _user(username)
    if user.id == access.user().id:
        raise ApiError(409, "cannot_disable_self", "You cannot disable your own account.",
                       "username")
    ended = accounts.set_active(user, False)
    db.session.commit()
    return UserActionOut(user=user_out(user), sessions_ended=ended)


@endpoint(bp, "POST", "/users/<username>/enable", summary="Enable an account again",
          tag="accounts", responses={200: UserActionOut}, roles=AUTHORITY)
def enable_user(username: str) -> UserActionOut:
    user = _user(username)
    accounts.set_active(user, True)
    db.session.commit()
    return UserActionOut(user=user_out(user))


@endpoint(bp, "POST", "/users/<username>/end-sessions",
          summary="End every open session of an account (it must log in again)",
          tag="accounts", responses={200: UserActionOut}, roles=AUTHORITY)
def end_user_sessions(username: str) -> UserActionOut:
    user = _user(username)
    ended = accounts.end_sessions(user)
    db.session.commit()
    return UserActionOut(user=user_out(user), sessions_ended=ended)


@endpoint(bp, "POST", "/users/<username>/password",
          summary="Set a new password (an administrator's reset); its sessions end",
          tag="accounts", body=PasswordIn, responses={200: UserActionOut}, roles=AUTHORITY)
def set_user_password(username: str, body: PasswordIn) -> UserActionOut:
    user = _user(username)
    ended = accounts.set_password(user, body.password)
    db.session.commit()
    return UserActionOut(user=user_out(user), sessions_ended=ended)


@endpoint(bp, "POST", "/users/<username>/tokens",
          summary="Make an API token (shown once; only its hash is kept)", tag="accounts",
          responses={201: TokenOut}, roles=AUTHORITY)
def create_user_token(username: str):  # type: ignore[no-untyped-def]
    user = _user(username)
    if not user.active:
        raise ApiError(409, "user_disabled", "Enable the account before making a token.",
                       "username")
    token = accounts.create_api_token(user)
    db.session.commit()
    return TokenOut(username=user.username, token=token, prefix=token[:10]), 201


@endpoint(bp, "POST", "/users/<username>/revoke-tokens", summary="Revoke every API token",
          tag="accounts", responses={200: UserActionOut}, roles=AUTHORITY)
def revoke_user_tokens(username: str) -> UserActionOut:
    user = _user(username)
    count = tokens_by_user().get(user.id, 0)
    accounts.revoke_tokens(user)
    db.session.commit()
    return UserActionOut(user=user_out(user), tokens_revoked=count)


# -- the audit log -----------------------------------------------------------------------------
def audit_entry_out(entry: AuditEntry) -> AuditEntryOut:
    return AuditEntryOut(seq=entry.seq, at=entry.at, actor=entry.actor, action=entry.action,
                         object_type=entry.object_type, object_id=entry.object_id,
                         data=entry.data or {}, hash=entry.hash)


@endpoint(bp, "GET", "/audit", summary="The audit log, newest first, searchable and paged",
          tag="registry", query=AuditQuery, responses={200: AuditPageOut}, roles=AUTHORITY)
def list_audit(query: AuditQuery) -> AuditPageOut:
    page = find_audit_entries(query)
    return AuditPageOut(entries=[audit_entry_out(e) for e in page.entries],
                        next_before_seq=page.next_before_seq)
