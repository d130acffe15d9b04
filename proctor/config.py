"""Configuration: defaults, overridden by PROCTOR_* environment variables, then by test_config."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

ENV_PREFIX = "PROCTOR_"

# Settings whose empty value means something (no tiers: the stage is off), not "unset".
_EMPTY_MEANS_NONE = frozenset({"PRE_NOTICE_TIERS"})


def tiers(value: str) -> tuple[int, ...]:
    """"2,3" → (2, 3); "" → () (the proposal stage is off)."""
    return tuple(sorted({int(part) for part in value.replace(" ", "").split(",") if part}))


# name -> (config key, parser)
_ENV: dict[str, tuple[str, type]] = {
    "DATABASE_URL": ("SQLALCHEMY_DATABASE_URI", str),
    "DATA_DIR": ("DATA_DIR", str),
    "MESSAGE_QUEUE": ("MESSAGE_QUEUE", str),
    "MESSAGE_QUEUE_CHANNEL": ("MESSAGE_QUEUE_CHANNEL", str),
    "SECRET_KEY": ("SECRET_KEY", str),
    "TIMEZONE": ("TIMEZONE", str),
    "SESSION_IDLE_MINUTES": ("SESSION_IDLE_MINUTES", int),
    "SESSION_MAX_HOURS": ("SESSION_MAX_HOURS", int),
    "LOGIN_LIMIT_PER_ACCOUNT": ("LOGIN_LIMIT_PER_ACCOUNT", str),
    "LOGIN_LIMIT_PER_ADDRESS": ("LOGIN_LIMIT_PER_ADDRESS", str),
    "CANDIDATE_CHECK_LIMIT": ("CANDIDATE_CHECK_LIMIT", str),
    "CANDIDATE_BASE_URL": ("CANDIDATE_BASE_URL", str),
    "RATELIMIT_STORAGE_URI": ("RATELIMIT_STORAGE_URI", str),
    "SQLITE_BUSY_TIMEOUT_MS": ("SQLITE_BUSY_TIMEOUT_MS", int),
    "SECURE_COOKIES": ("SESSION_COOKIE_SECURE", lambda v: v.lower() in {"1", "true", "yes"}),
    "EVIDENCE_MAX_BYTES": ("EVIDENCE_MAX_BYTES", int),
    "EVIDENCE_MAX_PIXELS": ("EVIDENCE_MAX_PIXELS", int),
    "EVIDENCE_RETENTION_DAYS": ("EVIDENCE_RETENTION_DAYS", int),
    "PHOTO_ZIP_MAX_BYTES": ("PHOTO_ZIP_MAX_BYTES", int),
    "PHOTO_ZIP_MAX_UNPACKED": ("PHOTO_ZIP_MAX_UNPACKED", int),
    "PHOTO_ZIP_MAX_FILES": ("PHOTO_ZIP_MAX_FILES", int),
    "CAMERA_TIMEOUT_SECONDS": ("CAMERA_TIMEOUT_SECONDS", float),
    "REVIEW_WINDOW_DAYS": ("REVIEW_WINDOW_DAYS", int),
    "REVIEW_DECISION_DAYS": ("REVIEW_DECISION_DAYS", int),
    "INCIDENT_DECISION_DAYS": ("INCIDENT_DECISION_DAYS", int),
    "ISSUING_BODY": ("ISSUING_BODY", str),  # the name printed on notices (Chinese)
    "ISSUING_BODY_EN": ("ISSUING_BODY_EN", str),
    "MAX_SOCKETS": ("MAX_SOCKETS", int),
    "SOCKET_RETRY_SECONDS": ("SOCKET_RETRY_SECONDS", int),
    "MAX_CONCURRENT_HASHES": ("MAX_CONCURRENT_HASHES", int),
    "ARGON2_TIME_COST": ("ARGON2_TIME_COST", int),
    "ARGON2_MEMORY_COST": ("ARGON2_MEMORY_COST", int),
    "TRUSTED_PROXIES": ("TRUSTED_PROXIES", int),
    "PDF_FONT": ("PDF_FONT", str),
    "REMEDIES_FILE": ("REMEDIES_FILE", str),
    "PRE_NOTICE_TIERS": ("PRE_NOTICE_TIERS", tiers),
    "STATEMENT_DAYS": ("STATEMENT_DAYS", int),
    "ABSENCE_ALERT_MINUTES": ("ABSENCE_ALERT_MINUTES", int),
    "CLOCK_SKEW_SECONDS": ("CLOCK_SKEW_SECONDS", int),
    # patterns across sittings (/authority/patterns)
    "PATTERN_ALPHA": ("PATTERN_ALPHA", float),
    "PATTERN_MIN_CANDIDATES": ("PATTERN_MIN_CANDIDATES", int),
    "PATTERN_MIN_EXPOSURE": ("PATTERN_MIN_EXPOSURE", int),
    "PATTERN_NEIGHBOUR_MIN": ("PATTERN_NEIGHBOUR_MIN", int),
}


def defaults(instance_path: str) -> dict[str, Any]:
    return {
        "DATA_DIR": instance_path,
        "SQLALCHEMY_DATABASE_URI": None,  # filled from DATA_DIR below
        "MESSAGE_QUEUE": None,
        # The Redis channel of Socket.IO's messages: deployments sharing one Redis each need
        # their own (Redis publishes to every database's subscribers).
        "MESSAGE_QUEUE_CHANNEL": "flask-socketio",
        "TIMEZONE": "Asia/Shanghai",
        "SESSION_IDLE_MINUTES": 30,
        "SESSION_MAX_HOURS": 12,
        "LOGIN_LIMIT_PER_ACCOUNT": "10 per 5 minutes",
        "LOGIN_LIMIT_PER_ADDRESS": "1000 per minute",
        # Wrong answers on a candidate's page (/c/<token>), per link.
        "CANDIDATE_CHECK_LIMIT": "5 per 15 minutes",
        # Where candidates reach the app from home ("https://exam.example.org"); None: the
        # address the letter was printed from (a venue's LAN address is no use at home).
        "CANDIDATE_BASE_URL": None,
        "RATELIMIT_STORAGE_URI": "memory://",
        "RATELIMIT_HEADERS_ENABLED": True,
        "SQLITE_BUSY_TIMEOUT_MS": 15000,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_NAME": "proctor_session",
        "WTF_CSRF_CHECK_DEFAULT": False,  # checked in before_request unless bearer-authenticated
        "WTF_CSRF_TIME_LIMIT": None,  # bound to the session, which has its own timeouts
        "WTF_CSRF_HEADERS": ["X-CSRFToken", "X-CSRF-Token"],
        "BABEL_DEFAULT_LOCALE": "zh_CN",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Shanghai",
        # argon2id at OWASP's first recommendation (46 MiB, one pass, one lane), chosen by
        # bench/logins.py: 500 logins of a venue within a minute on 2 cores stay well under a
        # second each (64 MiB with three passes queued them past a second). Older hashes are
        # redone at their next login.
        "ARGON2_TIME_COST": 1,
        "ARGON2_MEMORY_COST": 47104,
        "EVIDENCE_MAX_BYTES": 15 * 1024 * 1024,
        "EVIDENCE_MAX_PIXELS": 50_000_000,
        "EVIDENCE_RETENTION_DAYS": 180,
        # The registration photos' ZIP: the upload, what it may unpack to, and its files.
        "PHOTO_ZIP_MAX_BYTES": 512 * 1024 * 1024,
        "PHOTO_ZIP_MAX_UNPACKED": 1024 * 1024 * 1024,
        "PHOTO_ZIP_MAX_FILES": 20_000,
        "CAMERA_TIMEOUT_SECONDS": 5.0,
        "REVIEW_WINDOW_DAYS": 15,  # a review (复核) may be asked within this many days of service
        "REVIEW_DECISION_DAYS": 30,  # its outcome is due this many days after receipt
        # A reported incident awaits its chief examiner's decision until this many days after
        # the venue date it was recorded on (the board's deadlines show it due, then overdue).
        "INCIDENT_DECISION_DAYS": 1,
        "ISSUING_BODY": "上海市人工智能行业协会",
        "ISSUING_BODY_EN": "Shanghai Artificial Intelligence Industry Association",
        # A little above the evidence limit, so an oversized photo gets the precise 413.
        "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,
        # Live connections one process holds; a new one past it is refused at once (the tablet
        # says so and retries after about SOCKET_RETRY_SECONDS, with backoff and jitter).
        "MAX_SOCKETS": 4000,
        "SOCKET_RETRY_SECONDS": 5,
        "SOCKETIO_ASYNC_MODE": None,  # None: gevent when the stdlib is patched, else threading
        # Password hashes at once: each takes ARGON2_MEMORY_COST KiB and a core for its time.
        "MAX_CONCURRENT_HASHES": 2,
        # Reverse proxies in front of the app (nginx: 1) whose X-Forwarded-For/-Proto are
        # believed; 0 takes the peer's address as the client's (no proxy, or do not trust it).
        "TRUSTED_PROXIES": 0,
        # The TrueType Chinese font letters' PDFs embed (a path, "#N" for a face of a .ttc);
        # None: fontconfig's, else a known path (proctor.notices.fonts).
        "PDF_FONT": None,
        # The letters' text on remedies beyond review (TOML: zh = [...], en = [...]); None:
        # <DATA_DIR>/remedies.toml if there is one, else proctor.services.letters' default.
        "REMEDIES_FILE": None,
        # Tiers whose decision is proposed first and told to the candidate (事先告知), who may
        # state their case (陈述申辩) for STATEMENT_DAYS after service; () turns the stage off.
        "PRE_NOTICE_TIERS": (2, 3),
        "STATEMENT_DAYS": 7,
        # A candidate out of the room longer than this alerts the room's tablets and the chief
        # examiner's board (each screen times it, once per absence).
        "ABSENCE_ALERT_MINUTES": 10,
        # How far a tablet's observed time may be ahead of the server's clock (a movement
        # observed later than that is refused: observed_in_future).
        "CLOCK_SKEW_SECONDS": 300,
        # Patterns across sittings: the tests' significance level (Holm-corrected), the
        # fewest candidates a training body needs to be tested, the fewest candidates an
        # invigilator's rooms need, the fewest T2.2 incidents among neighbouring seats.
        "PATTERN_ALPHA": 0.01,
        "PATTERN_MIN_CANDIDATES": 30,
        "PATTERN_MIN_EXPOSURE": 100,
        "PATTERN_NEIGHBOUR_MIN": 3,
    }


def from_environment(environ: os._Environ[str] | dict[str, str] | None = None) -> dict[str, Any]:
    environ = os.environ if environ is None else environ
    found: dict[str, Any] = {}
    for name, (key, parse) in _ENV.items():
        raw = environ.get(ENV_PREFIX + name)
        if raw is not None and (raw != "" or name in _EMPTY_MEANS_NONE):
            found[key] = parse(raw)  # type: ignore[operator]
    return found


def secret_key_for(data_dir: str) -> str:
    """The secret key kept in the data folder, generated on first use (file mode 0600)."""
    path = Path(data_dir) / "secret_key"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another worker made it first
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


def sqlite_url(data_dir: str) -> str:
    return "sqlite:///" + str(Path(data_dir) / "proctor.sqlite3")
