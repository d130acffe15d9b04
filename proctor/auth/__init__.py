"""Pages: log in, log out, the language switch, and each role's home page (who is logged in,
what they may open). The hooks every request goes through are in proctor.hooks."""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from proctor.auth.redirects import safe_next
from proctor.auth.sessions import end_current_session, start_session
from proctor.extensions import db, limiter
from proctor.i18n import COOKIE, LANGUAGES
from proctor.models import Role
from proctor.services import access, accounts, audit, patrol

bp = Blueprint("auth", __name__)


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
        if who.role == Role.INVIGILATOR:
            mine = access.rooms_of(who, sitting.id)
            rooms = [room for room in sitting.rooms if room.id in mine]
        else:
            rooms = list(sitting.rooms)
        places.append((sitting, rooms))
    open_flags = ({sitting.id: patrol.open_flags_by_room(sitting) for sitting in sittings}
                  if who.role == Role.PATROL else {})
    return render_template(f"home/{who.role}.html", who=who, places=places,
                           open_flags=open_flags)


@bp.get("/lang/<code>")
def set_language(code: str):  # type: ignore[no-untyped-def]
    response = make_response(redirect(safe_next(request.args.get("next"))
                                      or url_for("auth.home")))
    if code in LANGUAGES:
        response.set_cookie(COOKIE, code, max_age=365 * 24 * 3600, samesite="Lax")
    return response
