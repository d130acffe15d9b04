"""The invigilators' tablet: the room screen, its service worker and its front-end libraries."""

from __future__ import annotations

from pathlib import Path

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from flask_login import login_required

import incidents
from proctor.i18n import current_language
from proctor.models import Role, Room, SeizedItem, Sitting, Subject
from proctor.services import access, movements, patrol, scope
from proctor.services import room_record as records
from proctor.services.evidence import receipt
from proctor.services.sittings import venue_zone

bp = Blueprint("floor", __name__)

NODE_MODULES = Path(__file__).resolve().parents[2] / "node_modules"
# Only these folders of node_modules are served (pinned in package.json / package-lock.json).
VENDOR = {
    "socket.io": NODE_MODULES / "socket.io-client" / "dist",
    "idb": NODE_MODULES / "idb" / "build",
    "echarts": NODE_MODULES / "echarts" / "dist",  # the analytics page's charts
}


@bp.get("/floor/")
@login_required
def index():  # type: ignore[no-untyped-def]
    who = access.user()
    for sid in access.sitting_ids_of(who):
        rooms = access.rooms_of(who, sid) if who.role == Role.INVIGILATOR else None
        sitting = access.get_sitting(sid)
        targets = [r for r in sitting.rooms if rooms is None or r.id in rooms]
        if targets:
            return redirect(url_for("floor.room", sid=sid, rid=targets[0].id))
    return redirect(url_for("auth.home"))


@bp.get("/floor/sittings/<int:sid>/rooms/<int:rid>")
@login_required
@scope.loads(scope.room())
def room(sitting: Sitting, room: Room):  # type: ignore[no-untyped-def]
    book = incidents.default_rulebook()
    rules = [{"code": r.code, "tier": int(r.tier), "title": {"zh": r.title.zh, "en": r.title.en},
              "requires_refused_warning": r.requires_refused_warning,
              "keywords": list(r.keywords_zh) + list(r.keywords_en)}
             for r in book.rules.values() if r.code != "A0"]
    subjects = [{"code": s.code, "name": s.name, "starts_at": s.starts_at.isoformat(),
                 "ends_at": s.ends_at.isoformat()} for s in sitting.subjects]
    boot = {"sitting": {"id": sitting.id, "date": sitting.date.isoformat(),
                        "occupation": sitting.occupation, "level": sitting.level},
            "room": {"id": room.id, "name": room.name, "rows": room.rows,
                     "cols": room.cols},
            "user": {"username": access.user().username, "role": access.user().role},
            "subjects": subjects, "rules": rules, "zone": str(venue_zone()),
            "previews": _previews(sitting, book), "language": current_language(),
            # Who may escort a candidate out (离座陪同), and after how long an absence alerts.
            "escorts": [{"username": u.username, "name": u.display_name or u.username}
                        for u in movements.room_escorts(room)],
            "absence_alert_minutes": movements.alert_minutes(),
            "staff": [{"username": u.username, "name": records.bare_name(u.display_name
                                                                           or u.username)}
                      for u in records.invigilators(room)]}
    page = make_response(render_template(
        "floor/room.html", sitting=sitting, room=room, boot=boot,
        is_patrol=access.user().role == Role.PATROL,
        rooms=[r for r in sitting.rooms if _can_open(sitting, r.id)]))
    # The page holds no ID numbers: the tablet may keep it to reopen the room offline.
    page.headers["X-Offline-Cache"] = "allow"
    page.headers["Cache-Control"] = "no-cache"
    return page


def _previews(sitting, book) -> dict[str, dict[str, str]]:  # type: ignore[no-untyped-def]
    """What each rule would bring here, from the engine: '<code>|<subject>' -> {zh, en}."""
    out: dict[str, dict[str, str]] = {}
    names = {s.code: s.name for s in sitting.subjects}
    for rule in book.rules.values():
        for subject in list(names) if rule.tier == 1 else [None]:
            text = incidents.preview(rule.code, sitting_date=sitting.date, subject=subject,
                                     subject_name=names.get(subject or ""))
            out[f"{rule.code}|{subject or ''}"] = {"zh": text.zh, "en": text.en}
    return out


def _can_open(sitting, room_id: int) -> bool:  # type: ignore[no-untyped-def]
    seen = access.rooms_seen(access.user(), sitting.id)
    return seen is None or room_id in seen


@bp.get("/sw.js")
def service_worker() -> Response:
    response = send_from_directory(current_app.static_folder or "", "js/sw.js",
                                   mimetype="text/javascript", max_age=0)
    response.headers["Service-Worker-Allowed"] = "/"
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/vendor/<lib>/<path:filename>")
def vendor(lib: str, filename: str) -> Response:
    folder = VENDOR.get(lib)
    if folder is None or not filename.endswith((".js", ".map")):
        abort(404)
    if not folder.is_dir():
        abort(404, description="front-end libraries are not installed: run `make setup`")
    return send_from_directory(folder, filename, max_age=3600)


@bp.get("/floor/seized/<int:item_id>/receipt")
@login_required
@scope.loads(scope.seized_item())
def seized_receipt(item: SeizedItem, sitting: Sitting):  # type: ignore[no-untyped-def]
    """A printable receipt (扣押物品收据) for an item taken from a candidate: from whom (name,
    ticket, seat), what, where it is kept, who took it when, and its return."""
    return render_template("floor/receipt.html", item=item, sitting=sitting, **receipt(item))


@bp.get("/floor/sittings/<int:sid>/rooms/<int:rid>/record/<subject>")
@login_required
@scope.loads(scope.room_subject())
def room_record(sitting: Sitting, room: Room,
                subject: Subject):  # type: ignore[no-untyped-def]
    """The printable room record (考场情况记录表) of one subject, with its sign-offs."""
    content = records.record(room, subject)
    who = access.user()
    signed = records.signoffs(room, subject)
    shown = records.printed(content, signed, sitting, subject)
    invigilator = (who.role == Role.INVIGILATOR
                   and who.username in {i["username"] for i in content["invigilators"]})
    return render_template(
        "floor/record.html", sitting=sitting, room=room, subject=subject,
        record=content, hash=records.record_hash(content), signoffs=signed,
        shown=shown, lang=current_language(), closed=records.is_closed(room, subject),
        may_sign=invigilator and who.username not in {s["username"] for s in signed},
        may_edit=invigilator and not signed, closeout_by=shown["closeout_by"])


@bp.get("/floor/sittings/<int:sid>/patrol-record")
@login_required
@scope.loads(scope.sitting())
def patrol_record(sitting: Sitting):  # type: ignore[no-untyped-def]
    """The printable patrol record (巡考记录表): the patrol's own (or, for the sitting's
    managers, `?patrol=<username>`), each visit with its flags and their answers, signed."""
    who = scope.patrol_record_of(sitting, request.args.get("patrol"))
    content = patrol.record(sitting, who)
    signed = patrol.signoff_of(sitting, who)
    return render_template(
        "floor/patrol_record.html", sitting=sitting, content=content,
        visits=patrol.printed(content), hash=patrol.record_hash(content), signed=signed,
        may_sign=who.id == access.user().id and signed is None, lang=current_language())
