"""Accounts, API tokens and the audit log, for the evaluation body.

Every change goes through `proctor.services.accounts`, which writes the audit entry; the views
parse, authorise (the blueprint's guard: authority only), call one service, commit once, answer.
"""

from __future__ import annotations

from dataclasses import asdict

from proctor.api import bp
from proctor.api.schemas import (
    AuditEntryOut,
    AuditPageOut,
    AuditQuery,
    PasswordIn,
    TokenOut,
    UserActionOut,
    UserIn,
    UserOut,
    UsersOut,
)
from proctor.api.spec import endpoint
from proctor.errors import ApiError
from proctor.extensions import db
from proctor.models import THE_BODY, AuditEntry, User
from proctor.services import access, accounts, scope
from proctor.services.audit_search import AuditSearch, find_audit_entries


def user_out(user: User) -> UserOut:
    return UserOut(**asdict(accounts.account_of(user)))


# -- users -------------------------------------------------------------------------------------
@endpoint(bp, "GET", "/users", summary="Every account, with open sessions and API tokens",
          tag="accounts", responses={200: UsersOut}, roles=THE_BODY)
def list_users() -> UsersOut:
    return UsersOut(users=[UserOut(**asdict(a)) for a in accounts.all_accounts()])


@endpoint(bp, "POST", "/users", summary="Create an account", tag="accounts", body=UserIn,
          responses={201: UserOut}, roles=THE_BODY)
def create_user(body: UserIn):  # type: ignore[no-untyped-def]
    user = accounts.create_user(body.username, body.role, body.password, body.display_name)
    db.session.commit()
    return user_out(user), 201


@endpoint(bp, "POST", "/users/<username>/disable",
          summary="Disable an account: its sessions end at once, its tokens stop working",
          tag="accounts", responses={200: UserActionOut}, roles=THE_BODY, load=scope.account())
def disable_user(user: User) -> UserActionOut:
    if user.id == access.user().id:
        raise ApiError(409, "cannot_disable_self", "You cannot disable your own account.",
                       "username")
    ended = accounts.set_active(user, False)
    db.session.commit()
    return UserActionOut(user=user_out(user), sessions_ended=ended)


@endpoint(bp, "POST", "/users/<username>/enable", summary="Enable an account again",
          tag="accounts", responses={200: UserActionOut}, roles=THE_BODY, load=scope.account())
def enable_user(user: User) -> UserActionOut:
    accounts.set_active(user, True)
    db.session.commit()
    return UserActionOut(user=user_out(user))


@endpoint(bp, "POST", "/users/<username>/end-sessions",
          summary="End every open session of an account (it must log in again)",
          tag="accounts", responses={200: UserActionOut}, roles=THE_BODY, load=scope.account())
def end_user_sessions(user: User) -> UserActionOut:
    ended = accounts.end_sessions(user)
    db.session.commit()
    return UserActionOut(user=user_out(user), sessions_ended=ended)


@endpoint(bp, "POST", "/users/<username>/password",
          summary="Set a new password (an administrator's reset); its sessions end",
          tag="accounts", body=PasswordIn, responses={200: UserActionOut}, roles=THE_BODY,
          load=scope.account())
def set_user_password(user: User, body: PasswordIn) -> UserActionOut:
    ended = accounts.set_password(user, body.password)
    db.session.commit()
    return UserActionOut(user=user_out(user), sessions_ended=ended)


@endpoint(bp, "POST", "/users/<username>/tokens",
          summary="Make an API token (shown once; only its hash is kept)", tag="accounts",
          responses={201: TokenOut}, roles=THE_BODY, load=scope.account())
def create_user_token(user: User):  # type: ignore[no-untyped-def]
    if not user.active:
        raise ApiError(409, "user_disabled", "Enable the account before making a token.",
                       "username")
    token = accounts.create_api_token(user)
    db.session.commit()
    return TokenOut(username=user.username, token=token, prefix=token[:10]), 201


@endpoint(bp, "POST", "/users/<username>/revoke-tokens", summary="Revoke every API token",
          tag="accounts", responses={200: UserActionOut}, roles=THE_BODY, load=scope.account())
def revoke_user_tokens(user: User) -> UserActionOut:
    count = accounts.tokens_by_user().get(user.id, 0)
    accounts.revoke_tokens(user)
    db.session.commit()
    return UserActionOut(user=user_out(user), tokens_revoked=count)


# -- the audit log -----------------------------------------------------------------------------
def audit_entry_out(entry: AuditEntry) -> AuditEntryOut:
    return AuditEntryOut(seq=entry.seq, at=entry.at, actor=entry.actor, action=entry.action,
                         object_type=entry.object_type, object_id=entry.object_id,
                         data=entry.data or {}, hash=entry.hash)


@endpoint(bp, "GET", "/audit", summary="The audit log, newest first, searchable and paged",
          tag="registry", query=AuditQuery, responses={200: AuditPageOut}, roles=THE_BODY)
def list_audit(query: AuditQuery) -> AuditPageOut:
    page = find_audit_entries(AuditSearch(**query.model_dump()))
    return AuditPageOut(entries=[audit_entry_out(e) for e in page.entries],
                        next_before_seq=page.next_before_seq)
