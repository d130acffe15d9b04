"""Tokens: only their SHA-256 is stored, and an API token names its active user.

Session tokens (in the signed cookie) and API tokens (in `Authorization: Bearer …`, or in a
socket's `auth`) are random strings the server never keeps: a stolen database holds no token.
"""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import bindparam

from proctor.extensions import db
from proctor.models import ApiToken, User


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_session_token() -> str:
    return secrets.token_urlsafe(32)


def bearer_token(header: str) -> str | None:
    """The token of an `Authorization: Bearer …` header; None for any other header."""
    if not header.startswith("Bearer "):
        return None
    return header[len("Bearer "):].strip()


def bearer_user(token: str) -> User | None:
    """The active user an unrevoked API token belongs to."""
    return db.session.scalar(_BEARER_USER, {"token_hash": token_hash(token)})  # type: ignore[no-any-return]


# Built once: it runs on every request of every other system.
_BEARER_USER = (
    db.select(User).join(ApiToken, ApiToken.user_id == User.id)
    .where(ApiToken.token_hash == bindparam("token_hash"), ApiToken.revoked_at.is_(None),
           User.active.is_(True)))
