"""The headers that say what a page may do: Content-Security-Policy, Permissions-Policy,
`Cache-Control: no-store` on every page that shows full ID numbers and on every API answer, and
nosniff, same-origin referrers and no framing everywhere.

Scripts are the pages' own ES modules from /static and the vendored Socket.IO client from
/vendor: `script-src 'self'`, never 'unsafe-inline'; styles come from /static only. The pages
carry their data in `<script type="application/json">` blocks, which are not executed and so
not subject to it. No template holds inline code or style (`tests/unit/test_templates.py`).

The camera (getUserMedia) is used on the room screen only (its incident sheet takes photos):
`camera=(self)` there, `camera=()` everywhere else.
"""

from __future__ import annotations

from flask import Flask, Response, request

# Pages whose answers hold full ID numbers (review, the evaluation body's screens, notices).
NO_STORE_PREFIXES = ("/review/", "/authority/", "/notices/", "/c/")
CAMERA_ENDPOINTS = frozenset({"floor.room"})
_DENIED_FEATURES = ("microphone", "geolocation", "payment", "usb", "display-capture")

CONTENT_SECURITY_POLICY = "; ".join(f"{name} {' '.join(values)}" for name, values in {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "blob:"],  # evidence images; the camera preview as a blob
    "media-src": ["'self'", "blob:"],
    "connect-src": ["'self'"],  # the API and the live socket (ws: of this host)
    "worker-src": ["'self'"],  # the tablet's service worker
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}.items())


def permissions_policy(camera: bool) -> str:
    return ", ".join([f"camera={'(self)' if camera else '()'}",
                      *(f"{feature}=()" for feature in _DENIED_FEATURES)])


def install(app: Flask) -> None:
    """Set the policies on every answer (a page, an error page, an API answer, a file)."""
    policy = CONTENT_SECURITY_POLICY
    app.config["CONTENT_SECURITY_POLICY"] = policy
    with_camera, without_camera = permissions_policy(True), permissions_policy(False)

    @app.after_request
    def _security_headers(response: Response) -> Response:
        response.headers["Content-Security-Policy"] = policy
        response.headers["Permissions-Policy"] = (
            with_camera if request.endpoint in CAMERA_ENDPOINTS else without_camera)
        if request.path.startswith(NO_STORE_PREFIXES):
            response.headers["Cache-Control"] = "no-store"
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        if request.path.startswith("/api/"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response
