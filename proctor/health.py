"""GET /healthz: the process answers and the database is reachable."""

from flask import Blueprint, jsonify
from sqlalchemy import text

from proctor.extensions import db

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():  # type: ignore[no-untyped-def]
    db.session.execute(text("SELECT 1"))
    return jsonify(status="ok")
