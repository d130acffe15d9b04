"""The contract's error format, {"error": {"code", "message", "field"?}}, for every failure."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, jsonify, make_response, render_template, request
from flask.json.provider import DefaultJSONProvider
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DataError, DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException

from proctor.extensions import db
from proctor.messages import localized

log = logging.getLogger(__name__)

_HTTP_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    414: "uri_too_long",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    431: "headers_too_large",
    503: "storage_unavailable",
}


class ApiError(Exception):
    """An answer the client must act on: raised anywhere, rendered by the handler below."""

    def __init__(self, status: int, code: str, message: str, field: str | None = None,
                 extra: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.extra = extra or {}


def error_body(code: str, message: str, field: str | None = None,
               extra: dict[str, Any] | None = None) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message}
    if field:
        error["field"] = field
    if extra:
        error.update(extra)
    return {"error": error}


def wants_json() -> bool:
    if request.path.startswith("/api/") or request.path == "/healthz":
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


def _render(status: int, code: str, message: str, field: str | None = None,
            extra: dict[str, Any] | None = None) -> tuple[Response | str, int]:
    # The words in the reader's language (the code never changes): proctor.messages.
    message, extra = localized(code, message, field, extra)
    if wants_json():
        return jsonify(error_body(code, message, field, extra)), status
    return render_template("error.html", status=status, code=code, message=message), status


def install(app: Flask) -> None:
    _parse_json_safely(app)
    app.before_request(refuse_nul_bytes)

    @app.errorhandler(ApiError)
    def _api_error(err: ApiError):  # type: ignore[no-untyped-def]
        return _render(err.status, err.code, err.message, err.field, err.extra)

    @app.errorhandler(CSRFError)
    def _csrf(err: CSRFError):  # type: ignore[no-untyped-def]
        return _render(400, "csrf_failed", f"CSRF check failed: {err.description}",
                       "X-CSRFToken")

    @app.errorhandler(HTTPException)
    def _http(err: HTTPException):  # type: ignore[no-untyped-def]
        original = getattr(err, "original_exception", None)
        if original is not None and not isinstance(original, HTTPException):
            # An unhandled error outside the view (an after_request hook): the same answer
            # as in the view.
            return _unexpected(original)
        status = err.code or 500
        code = _HTTP_CODES.get(status, "http_error")
        response = make_response(*_render(status, code, err.description or err.name))
        allowed = getattr(err, "valid_methods", None)
        if allowed:
            response.headers["Allow"] = ", ".join(allowed)
        return response

    @app.errorhandler(Exception)
    def _unexpected(err: Exception):  # type: ignore[no-untyped-def]
        _rollback()
        retry = storage_retry_after(err)
        if retry is not None:
            log.warning("storage unavailable on %s %s: %s", request.method, request.path, err)
            response = make_response(*_render(
                503, "storage_unavailable", "The database cannot take this now (it is busy, "
                "unreachable or out of space); nothing was saved. Send it again shortly.",
                extra={"retry_after": retry}))
            response.headers["Retry-After"] = str(retry)
            return response
        refused = _bad_input(err)
        if refused is not None:
            log.warning("refused input on %s %s: %r", request.method, request.path, err)
            return _render(*refused)
        log.exception("unhandled error on %s %s", request.method, request.path)
        return _render(500, "internal_error", "The server failed to handle this request.")


def _rollback() -> None:
    """Nothing of a failed request is kept (its transaction goes, whatever it had written)."""
    try:
        db.session.rollback()
    except Exception:  # the connection itself is gone: the pool replaces it
        log.warning("rollback failed after an error", exc_info=True)


# -- storage that cannot take a write now: 503 with Retry-After, so tablets keep it ------------
# SQLite reports these as OperationalError; its other OperationalErrors (no such table, a
# syntax error) are bugs and stay 500s.
_SQLITE_BUSY = ("database is locked", "database table is locked", "database schema is locked")
_SQLITE_STORAGE = ("database or disk is full", "disk i/o error", "unable to open database file",
                   "attempt to write a readonly database", "locking protocol")
RETRY_BUSY_SECONDS, RETRY_STORAGE_SECONDS = 5, 30


def storage_retry_after(err: BaseException) -> int | None:
    """Seconds a client should wait if `err`, or what it arose from, says the database cannot
    take a write now (locked, full, unreachable, timed out), else None. (When SQLite gives up a
    transaction on a full disk, the rollback to a savepoint that follows fails too: the error
    raised is then "no such savepoint", arisen from the full disk.)"""
    seen: BaseException | None = err
    for _ in range(5):
        if seen is None:
            break
        retry = _storage_retry_after(seen)
        if retry is not None:
            return retry
        seen = seen.__cause__ or seen.__context__
    return None


def _storage_retry_after(err: BaseException) -> int | None:
    if isinstance(err, PoolTimeout):  # every pooled connection busy for pool_timeout
        return RETRY_BUSY_SECONDS
    if not isinstance(err, DBAPIError):
        return None
    if err.connection_invalidated:
        return RETRY_BUSY_SECONDS
    original = err.orig
    if type(original).__module__.startswith("sqlite3"):
        text = str(original).lower()
        if any(words in text for words in _SQLITE_BUSY):
            return RETRY_BUSY_SECONDS
        if any(words in text for words in _SQLITE_STORAGE):
            return RETRY_STORAGE_SECONDS
        return None
    try:
        import psycopg  # PostgreSQL's driver: loaded only once one of its errors is examined
    except ImportError:  # pragma: no cover - psycopg is a dependency
        return None
    # Connection lost or refused, lock_timeout or statement_timeout, disk full, too many
    # connections, serialization failure or deadlock, server shutting down: all say "later".
    if isinstance(original, psycopg.OperationalError | psycopg.InterfaceError):
        full = getattr(original, "sqlstate", None) in {"53100", "53200", "58030"}
        return RETRY_STORAGE_SECONDS if full else RETRY_BUSY_SECONDS
    return None


def _bad_input(err: BaseException) -> tuple[int, str, str] | None:
    """Input that got past validation and failed deeper: a 4xx, never a 500."""
    if isinstance(err, OverflowError):  # a date or number beyond what can be computed with
        return 422, "validation_error", "A date, time or number is out of range."
    if isinstance(err, RecursionError):
        return 400, "too_deeply_nested", "The request is nested too deeply."
    if isinstance(err, DataError) and "nul" in str(err.orig).lower():
        return 422, "validation_error", "Text must not contain a NUL character (\\u0000)."
    return None


# -- input the parsers would choke on ---------------------------------------------------------
def _parse_json_safely(app: Flask) -> None:
    """`request.get_json()` anywhere: JSON nested past Python's recursion limit is invalid JSON
    (400), not a RecursionError."""
    class SafeJSON(DefaultJSONProvider):
        def loads(self, s: str | bytes, **kwargs: Any) -> Any:
            try:
                return super().loads(s, **kwargs)
            except RecursionError:
                raise ValueError("JSON nested too deeply") from None

    settings = {k: v for k, v in vars(app.json).items() if not k.startswith("_")}
    app.json = SafeJSON(app)
    for name, value in settings.items():
        setattr(app.json, name, value)


def refuse_nul_bytes() -> None:
    """Before every view: no text of the query, the form (field names, values, file names) or
    the path may hold a NUL (PostgreSQL cannot store one; no text of ours has one). JSON bodies
    are checked where they are parsed (proctor.api.spec.parse_body). About a microsecond for a
    tablet's JSON write (no query, no form)."""
    current = request._get_current_object()  # type: ignore[attr-defined]
    for where, values in (("query", current.args), ("form", current.form)):
        if values:
            for name, value in values.items(multi=True):
                if "\x00" in (name or "") or "\x00" in (value or ""):
                    _refuse_nul(name or "", where)
    if current.files:
        for name, upload in current.files.items(multi=True):
            if "\x00" in (name or "") or "\x00" in (upload.filename or ""):
                _refuse_nul(name or "file", "form")
    for name, value in (current.view_args or {}).items():
        if isinstance(value, str) and "\x00" in value:
            _refuse_nul(name, "path")


def nul_refused(field: str, where: str) -> ApiError:
    """PostgreSQL cannot store a NUL in text, and no text of ours holds one: every body, query,
    form and path that carries one is refused, naming the field."""
    return ApiError(422, "validation_error",
                    f"{field}: text must not contain a NUL character (\\u0000)", field,
                    {"details": [{"field": field, "message": "contains a NUL character",
                                  "type": "string_nul"}], "in": where})


def _refuse_nul(name: str, where: str) -> None:
    raise nul_refused(name.replace("\x00", "\\u0000"), where)
