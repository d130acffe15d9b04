"""The JSON API v1: deny by default, every route declares who may call it.

The blueprint and its guards; the views put themselves on it when `proctor.api.routes` imports
them (create_app registers the blueprint from there)."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request
from flask_login import current_user
from werkzeug.routing import BaseConverter, ValidationError

from proctor.api.openapi import build_document
from proctor.errors import ApiError
from proctor.models import Role
from proctor.services.access import deny

bp = Blueprint("api", __name__)


MAX_DB_ID = 2**31 - 1  # INTEGER columns (PostgreSQL int4)


class IdConverter(BaseConverter):
    """A database id: 1 to 2³¹−1, so an absurd number is a 404, not an overflow."""

    regex = r"[1-9][0-9]{0,9}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if number > MAX_DB_ID:
            raise ValidationError()  # no such route: 404
        return number

    def to_url(self, value: object) -> str:
        return str(value)


@bp.record_once
def _register_converter(state) -> None:  # type: ignore[no-untyped-def]
    state.app.url_map.converters["id"] = IdConverter


@bp.before_request
def guard() -> None:
    view = current_app.view_functions.get(request.endpoint or "")
    if view is None or getattr(view, "public", False):
        return
    if not current_user.is_authenticated:
        raise ApiError(401, "unauthenticated", "Log in or send a bearer token.")
    roles = getattr(view, "roles", None)
    if not roles or current_user.role not in roles:
        raise deny(f"a {current_user.role} may not call {request.method} {request.path}")


# Answers a shared tablet may keep for offline use: an invigilator's, with ID numbers masked.
OFFLINE_CACHEABLE = {"api.get_room_state", "api.list_events", "api.list_rules"}


@bp.after_request
def mark_offline_cacheable(response):  # type: ignore[no-untyped-def]
    if (request.endpoint in OFFLINE_CACHEABLE and response.status_code == 200
            and current_user.is_authenticated and current_user.role == Role.INVIGILATOR):
        response.headers["X-Offline-Cache"] = "allow"
    return response


@bp.get("/openapi.json")
def openapi_document():  # type: ignore[no-untyped-def]
    return jsonify(build_document(request.script_root + "/api/v1"))


openapi_document.public = True  # type: ignore[attr-defined]
