"""What runs around every request of the app, whichever blueprint answers it: the turn under
load, the read-only transaction mode, the CSRF policy, and the session's bookkeeping.

Registered by create_app after the extensions (Flask-Limiter's check runs first) and before the
error handlers' NUL check and the security headers (proctor.security_headers), in that order.
"""

from __future__ import annotations

from flask import Flask, Response, current_app, g, request
from flask_login import current_user

from proctor.auth.sessions import touch_after_request
from proctor.concurrency import take_turn
from proctor.database import end_read_transaction, set_read_only
from proctor.extensions import csrf, db

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
# Routes whose upload may exceed MAX_CONTENT_LENGTH, with the setting that bounds it instead
# (set before anything reads the body).
LARGE_UPLOADS = {"api.import_photos": "PHOTO_ZIP_MAX_BYTES"}


def register_request_hooks(app: Flask) -> None:
    app.before_request(request_guards)
    app.after_request(touch_session)
    app.teardown_request(end_request_mode)


def request_guards() -> None:
    # Reads begin DEFERRED; anything that may write begins IMMEDIATE (see proctor.database).
    # Who is asking, and the CSRF check (which reads the body), come first in a DEFERRED
    # transaction that is then ended: no write lock is held while a tablet's upload arrives.
    take_turn()
    set_read_only(True)
    if request.endpoint in LARGE_UPLOADS:
        request.max_content_length = current_app.config[LARGE_UPLOADS[request.endpoint]]
    if request.method in SAFE_METHODS:
        return
    try:
        check_csrf()
    finally:
        end_read_transaction(db.session())
        set_read_only(False)


def check_csrf() -> None:
    view = current_app.view_functions.get(request.endpoint or "")
    if view is None or getattr(view, "exempt_csrf", False):
        return
    authenticated = current_user.is_authenticated  # loads the user; sets g.auth_method
    if g.get("auth_method") == "bearer":
        return
    if not authenticated and request.path.startswith("/api/"):
        # No session and no valid token: there is no ambient authority a forged request could
        # borrow, and the API's guard answers 401 (a revoked token must not look like a CSRF
        # problem). Pages (the login form) keep their CSRF check.
        return
    csrf.protect()


def touch_session(response: Response) -> Response:
    touch_after_request()
    return response


def end_request_mode(_exc: BaseException | None = None) -> None:
    # The DEFERRED mode of a GET must not leak into later work on this thread (a Socket.IO
    # handler, a CLI command in tests): outside requests transactions begin IMMEDIATE.
    set_read_only(False)
