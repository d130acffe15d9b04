"""The printed sheets of a sitting's seating (考场编排): the seating plan of each room (座位表),
the list posted on each door (门贴) and the desk labels (桌贴), on A4, in venue time, with ID
numbers masked (they hang on doors and lie on desks). For the sitting's chief examiner and the
evaluation body; they only read (the plan is made by `POST /api/v1/sittings/{sid}/seating`).
"""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user, login_required

from proctor.i18n import current_language
from proctor.models import MANAGERS, Role, Sitting
from proctor.services import access, scope
from proctor.services.seating import last_arrangement, room_sheets, unseated_count

bp = Blueprint("seating", __name__, url_prefix="/seating")

LABELS_PER_SHEET = 10  # 2 × 5 labels of 85 × 50 mm on an A4 sheet


@bp.before_request
@login_required
def _chiefs_and_the_body_only():  # type: ignore[no-untyped-def]
    if current_user.role not in MANAGERS:
        raise access.deny("the seating sheets are for chief examiners and the evaluation body")
    return None


def _sheets(sitting: Sitting, template: str, **extra: object) -> str:
    room = request.args.get("room", type=int)
    entry = last_arrangement(sitting)
    back = ("authority.sitting" if access.user().role == Role.AUTHORITY else "review.board")
    return render_template(f"seating/{template}.html", sitting=sitting,
                           sheets=room_sheets(sitting, room), unseated=unseated_count(sitting),
                           plan=entry.data if entry else None,
                           planned_at=entry.at if entry else None, back=back,
                           lang=current_language(), **extra)


@bp.get("/sittings/<int:sid>/plan")
@scope.loads(scope.sitting(manage=True))
def plan(sitting: Sitting):  # type: ignore[no-untyped-def]
    """座位表: each room's grid, the front at the top, seat number, name, ticket, masked ID."""
    return _sheets(sitting, "plan")


@bp.get("/sittings/<int:sid>/door")
@scope.loads(scope.sitting(manage=True))
def door(sitting: Sitting):  # type: ignore[no-untyped-def]
    """门贴: each room's name, its subjects and times, and its candidates by seat."""
    return _sheets(sitting, "door")


@bp.get("/sittings/<int:sid>/labels")
@scope.loads(scope.sitting(manage=True))
def labels(sitting: Sitting):  # type: ignore[no-untyped-def]
    """桌贴: one label a seated candidate, ten to an A4 sheet, room by room in seat order."""
    return _sheets(sitting, "labels", per_sheet=LABELS_PER_SHEET)
