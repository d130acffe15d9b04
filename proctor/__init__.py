"""The exam-day proctoring app: create_app builds it in named steps."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask, request
from werkzeug.middleware.proxy_fix import ProxyFix

from proctor import config as config_module
from proctor import security_headers, sockets
from proctor.api.routes import bp as api_bp
from proctor.auth import bp as auth_bp
from proctor.auth.sessions import init_login
from proctor.authority import bp as authority_bp
from proctor.candidate import bp as candidate_bp
from proctor.cli import register as register_cli
from proctor.conduct import bp as conduct_bp
from proctor.database import configure_engine
from proctor.errors import install as install_errorhandlers
from proctor.extensions import babel, csrf, db, limiter, login_manager, migrate
from proctor.floor import bp as floor_bp
from proctor.health import bp as health_bp
from proctor.hooks import register_request_hooks
from proctor.i18n import select_locale
from proctor.notices import bp as notices_bp
from proctor.review import bp as review_bp
from proctor.seating import bp as seating_bp
from proctor.templating import register_template_filters

MIGRATIONS_DIR = str(Path(__file__).parent / "migrations")


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the application: configuration, extensions, request hooks, template filters,
    blueprints, errors, security headers, commands, Socket.IO."""
    app = Flask(__name__, instance_relative_config=True)
    app.json.sort_keys = False  # type: ignore[attr-defined]  # keep the contract's field order
    configure(app, test_config)
    register_extensions(app)
    # Hook order: Flask-Limiter, then the request guards (proctor/hooks.py), then the NUL check
    # of the error handlers; after a request, the security headers, then the session's touch.
    register_request_hooks(app)
    register_template_filters(app)
    register_blueprints(app)
    register_errorhandlers(app)
    security_headers.install(app)  # CSP, Permissions-Policy, no-store (proctor/security_headers.py)
    register_commands(app)
    sockets.init_app(app)  # socketio.init_app, last but one
    trust_proxies(app)  # outermost, so Socket.IO's requests see the client's address too
    return app


def trust_proxies(app: Flask) -> None:
    """Behind nginx every request comes from nginx: with PROCTOR_TRUSTED_PROXIES=N, the client's
    address and scheme are read from the X-Forwarded-For/-Proto entries the last N proxies
    added (the login limiter, sessions and the audit log key on `request.remote_addr`)."""
    hops = int(app.config["TRUSTED_PROXIES"])
    if hops > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]


def configure(app: Flask, test_config: dict[str, Any] | None) -> None:
    app.config.from_mapping(config_module.defaults(app.instance_path))
    app.config.update(config_module.from_environment())
    if test_config:
        app.config.update(test_config)
    data_dir = app.config["DATA_DIR"]
    os.makedirs(data_dir, exist_ok=True)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = config_module.sqlite_url(data_dir)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = config_module.secret_key_for(data_dir)
    if app.config.get("MESSAGE_QUEUE") and app.config["RATELIMIT_STORAGE_URI"] == "memory://":
        # Several workers share login counters through the same Redis.
        app.config["RATELIMIT_STORAGE_URI"] = app.config["MESSAGE_QUEUE"]
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", engine_options(app.config))
    # OpenCV reads its own pixel limit once, when cv2 is first imported (proctor.vision).
    os.environ.setdefault("OPENCV_IO_MAX_IMAGE_PIXELS", str(app.config["EVIDENCE_MAX_PIXELS"]))
    # Requests may carry a photo at the evidence limit (plus the form around it).
    app.config["MAX_CONTENT_LENGTH"] = max(app.config["MAX_CONTENT_LENGTH"],
                                           app.config["EVIDENCE_MAX_BYTES"] + (1 << 20))


def engine_options(cfg: dict[str, Any]) -> dict[str, Any]:
    url: str = cfg["SQLALCHEMY_DATABASE_URI"]
    if url.startswith("sqlite"):
        # check_same_thread off: connections move between the server's worker threads.
        return {"connect_args": {"check_same_thread": False, "timeout": 30}}
    return {"pool_pre_ping": True, "pool_size": 10, "max_overflow": 20}


def register_extensions(app: Flask) -> None:
    db.init_app(app)
    with app.app_context():
        configure_engine(db.engine, app.config["SQLITE_BUSY_TIMEOUT_MS"])
    migrate.init_app(app, db, directory=MIGRATIONS_DIR, render_as_batch=True)
    csrf.init_app(app)
    limiter.init_app(app)
    limit_only_logins(app)
    babel.init_app(app, locale_selector=select_locale)
    init_login(app, login_manager)


# The only routes with rate limits (the login forms): Flask-Limiter otherwise resolves limits
# before every request of every tablet, for nothing (about a sixth of a /healthz).
LIMITED_ENDPOINTS = frozenset({"auth.login_page", "api.api_login"})


def limit_only_logins(app: Flask) -> None:
    hooks = app.before_request_funcs.setdefault(None, [])
    check = next(hook for hook in hooks if getattr(hook, "__self__", None) is limiter)

    def check_login_limits() -> None:
        if request.endpoint in LIMITED_ENDPOINTS:
            check()

    hooks[hooks.index(check)] = check_login_limits


def register_blueprints(app: Flask) -> None:
    app.register_blueprint(health_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(floor_bp)
    app.register_blueprint(review_bp)
    app.register_blueprint(authority_bp)
    app.register_blueprint(conduct_bp)
    app.register_blueprint(notices_bp)
    app.register_blueprint(candidate_bp)
    app.register_blueprint(seating_bp)
    app.register_blueprint(api_bp, url_prefix="/api/v1")


def register_errorhandlers(app: Flask) -> None:
    install_errorhandlers(app)


def register_commands(app: Flask) -> None:
    register_cli(app)
