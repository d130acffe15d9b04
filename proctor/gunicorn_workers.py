"""gunicorn's workers, with gunicorn's own error answers in the contract's format.

gunicorn answers some requests itself, before the app sees them: a request line longer than
`limit_request_line` (414), more headers than `limit_request_fields` or one longer than
`limit_request_field_size` (431), a request it cannot parse (400). Its answer is an HTML page;
these workers answer `{"error": {"code", "message"}}` instead (application/json), as every
other error of the app. gunicorn has not read the request's headers (nor, for a 414, its path)
when it answers, so it cannot tell what the client asked for: the answer is always JSON, which
the tablets and other systems read and a browser shows as text. The limits stay gunicorn's
(bounded memory per connection); only the answer changes.

    run.py: worker_class="proctor.gunicorn_workers.GeventWorker" (or ThreadWorker)
"""

from __future__ import annotations

import json
from typing import Any

from gunicorn import util

_CODES = {
    400: ("bad_request", "The request is malformed"),
    403: ("forbidden", "The request is forbidden"),
    414: ("uri_too_long", "The request line (the address) is too long"),
    417: ("expectation_failed", "The Expect header cannot be met"),
    431: ("headers_too_large",
          "The request has too many header fields, or one that is too long"),
    500: ("internal_error", "The server failed to handle this request"),
    501: ("not_implemented", "The request uses a transfer coding this server does not know"),
}


def write_json_error(sock: Any, status_int: int, reason: str, mesg: str) -> None:
    """gunicorn's `util.write_error`, answering in the contract's format."""
    code, words = _CODES.get(status_int, ("bad_request" if status_int < 500
                                          else "internal_error", reason))
    message = f"{words}: {mesg}." if mesg and status_int < 500 else f"{words}."
    body = json.dumps({"error": {"code": code, "message": message}}).encode()
    head = (f"HTTP/1.1 {status_int} {reason}\r\nConnection: close\r\n"
            f"Content-Type: application/json\r\nCache-Control: no-store\r\n"
            f"Content-Length: {len(body)}\r\n\r\n")
    util.write_nonblock(sock, head.encode("latin-1") + body)


class JsonErrors:
    """Mixed into a gunicorn worker: in the worker's process, gunicorn's error pages are JSON
    (`Worker.handle_error` is the only caller of `util.write_error`)."""

    def init_process(self) -> None:
        util.write_error = write_json_error
        super().init_process()  # type: ignore[misc]  # runs the worker's loop


def __getattr__(name: str) -> type:
    """The worker classes, built when gunicorn asks for them (the gevent one imports gevent)."""
    if name == "GeventWorker":
        from gunicorn.workers.ggevent import GeventWorker as base
    elif name == "ThreadWorker":
        from gunicorn.workers.gthread import ThreadWorker as base  # type: ignore[assignment]
    else:
        raise AttributeError(name)
    worker = type(name, (JsonErrors, base), {"__module__": __name__})
    globals()[name] = worker
    return worker
