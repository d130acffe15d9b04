"""Log in and out over the API."""

from __future__ import annotations

from flask import current_app, request
from flask_wtf.csrf import generate_csrf

from proctor.api import bp
from proctor.api.schemas import LoginIn, LoginOut, MeOut
from proctor.api.spec import endpoint
from proctor.auth.sessions import end_current_session, start_session
from proctor.errors import ApiError
from proctor.extensions import db, limiter
from proctor.models import EVERYONE
from proctor.services import access, accounts, audit


def login_username() -> str:
    """The rate-limit key: failed logins count per account, so one NAT address is no problem."""
    payload = request.get_json(silent=True) if request.is_json else None
    name = payload.get("username") if isinstance(payload, dict) else request.form.get("username")
    return "login:" + (str(name).strip().lower()[:64] if name else "-")


def failed(response) -> bool:  # type: ignore[no-untyped-def]
    return response.status_code == 401


def per_account() -> str:
    return current_app.config["LOGIN_LIMIT_PER_ACCOUNT"]


def per_address() -> str:
    return current_app.config["LOGIN_LIMIT_PER_ADDRESS"]


def login(username: str, password: str) -> LoginOut:
    user = accounts.authenticate(username, password)
    if user is None:
        audit.record("login_failed", "user", None, actor="anonymous", username=username)
        db.session.commit()
        raise ApiError(401, "invalid_credentials", "Wrong username or password.")
    start_session(user)
    audit.record("login", "user", user.id, actor=user.username)
    db.session.commit()
    return LoginOut(username=user.username, role=user.role, csrf_token=generate_csrf())


@endpoint(bp, "POST", "/auth/login", summary="Log in with a session", tag="auth",
          body=LoginIn, responses={200: LoginOut}, public=True)
@limiter.limit(per_account, key_func=login_username, deduct_when=failed)
@limiter.limit(per_address, deduct_when=failed)
def api_login(body: LoginIn) -> LoginOut:
    return login(body.username, body.password)


@endpoint(bp, "POST", "/auth/logout", summary="End this session", tag="auth",
          responses={200: None}, roles=EVERYONE)
def api_logout():  # type: ignore[no-untyped-def]
    who = access.user()
    audit.record("logout", "user", who.id)
    end_current_session(who)
    db.session.commit()
    return {"status": "logged_out"}


@endpoint(bp, "GET", "/auth/me", summary="Who is logged in and what they may open", tag="auth",
          responses={200: MeOut}, roles=EVERYONE)
def api_me() -> MeOut:
    who = access.user()
    rooms = sorted({a.room_id for a in access.assignments(who) if a.room_id is not None})
    return MeOut(username=who.username, display_name=who.display_name, role=who.role,
                 sittings=access.sitting_ids_of(who), rooms=rooms)


api_login.exempt_csrf = True  # type: ignore[attr-defined]
