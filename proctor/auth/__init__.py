"""Pages: log in, log out, and each role's home page (who is logged in, what they may open)."""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf.csrf import generate_csrf

from proctor.auth.redirects import safe_next
from proctor.auth.sessions import end_current_session, start_session, touch_after_request
from proctor.concurrency import take_turn
from proctor.database import end_read_transaction, set_read_only
from proctor.extensions import csrf, db, limiter
from proctor.i18n import COOKIE, LANGUAGES
from proctor.services import access, accounts, audit

bp = Blueprint("auth", __name__)

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


@bp.before_app_request
def _request_guards() -> None:
    # Reads begin DEFERRED; anything that may write begins IMMEDIATE (see proctor.database).
    # Who is asking, and the CSRF check (which reads the body), come first in a DEFERRED
    # transaction that is then ended: no write lock is held while a tablet's upload arrives.
    take_turn()
    set_read_only(True)
    if request.method in SAFE_METHODS:
        return
    try:
        _check_csrf()
    finally:
        end_read_transaction(db.session())
        set_read_only(False)


def _check_csrf() -> None:
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


@bp.teardown_app_request
def _end_request_mode(_exc: BaseException | None = None) -> None:
    # The DEFERRED mode of a GET must not leak into later work on this thread (a Socket.IO
    # handler, a CLI command in tests): outside requests transactions begin IMMEDIATE.
    set_read_only(False)


@bp.after_app_request
def _after(response):  # type: ignore[no-untyped-def]
    touch_after_request()
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    if request.path.startswith("/api/"):
        response.headers.setdefault("Cache-Control", "no-store")
    return response


@bp.app_context_processor
def _template_globals() -> dict[str, object]:
    from proctor.i18n import select_locale

    return {"csrf_token": generate_csrf, "languages": LANGUAGES, "locale": select_locale(),
            "tier_name": tier_name}


def tier_name(tier: int | None) -> str:
    """一类违纪 / Tier 1: the one name of a tier on every screen and paper."""
    names = {1: _("Tier 1"), 2: _("Tier 2"), 3: _("Tier 3")}
    return names.get(tier or 0, "")


def _login_key() -> str:
    return "login:" + (request.form.get("username", "").strip().lower()[:64] or "-")


def _failed(response) -> bool:  # type: ignore[no-untyped-def]
    return response.status_code == 401


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"], key_func=_login_key,
               methods=["POST"], deduct_when=_failed)
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"], methods=["POST"],
               deduct_when=_failed)
def login_page():  # type: ignore[no-untyped-def]
    if request.method == "GET":
        if current_user.is_authenticated:
            return redirect(url_for("auth.home"))
        return render_template("auth/login.html")
    username = request.form.get("username", "").strip()[:64]
    user = accounts.authenticate(username, request.form.get("password", "")[:256])
    if user is None:
        audit.record("login_failed", "user", None, actor="anonymous", username=username)
        db.session.commit()
        flash(_("Wrong username or password."), "error")
        return render_template("auth/login.html", username=username), 401
    start_session(user)
    audit.record("login", "user", user.id, actor=user.username)
    db.session.commit()
    return redirect(safe_next(request.args.get("next")) or url_for("auth.home"))


@bp.post("/logout")
@login_required
def logout():  # type: ignore[no-untyped-def]
    audit.record("logout", "user", current_user.id)
    end_current_session(current_user._get_current_object())
    db.session.commit()
    flash(_("You are logged out."), "info")
    return redirect(url_for("auth.login_page"))


@bp.get("/")
@login_required
def home():  # type: ignore[no-untyped-def]
    who = access.user()
    sittings = [access.get_sitting(sid) for sid in access.sitting_ids_of(who)]
    places = []
    for sitting in sittings:
        if who.role == "invigilator":
            mine = access.rooms_of(who, sitting.id)
            rooms = [room for room in sitting.rooms if room.id in mine]
        else:
            rooms = list(sitting.rooms)
        places.append((sitting, rooms))
    return render_template(f"home/{who.role}.html", who=who, places=places)


@bp.get("/lang/<code>")
def set_language(code: str):  # type: ignore[no-untyped-def]
    response = make_response(redirect(safe_next(request.args.get("next"))
                                      or url_for("auth.home")))
    if code in LANGUAGES:
        response.set_cookie(COOKIE, code, max_age=365 * 24 * 3600, samesite="Lax")
    return response


@bp.app_template_filter("venue_time")
def venue_time(moment) -> str:  # type: ignore[no-untyped-def]
    from proctor.services.sittings import venue_zone

    return moment.astimezone(venue_zone()).strftime("%H:%M")


@bp.app_template_filter("venue_datetime")
def venue_datetime(moment) -> str:  # type: ignore[no-untyped-def]
    from proctor.services.sittings import venue_zone

    return moment.astimezone(venue_zone()).strftime("%Y-%m-%d %H:%M")


@bp.app_template_filter("venue_datetime_seconds")
def venue_datetime_seconds(moment) -> str:  # type: ignore[no-untyped-def]
    from proctor.services.sittings import venue_zone

    return moment.astimezone(venue_zone()).strftime("%Y-%m-%d %H:%M:%S")
