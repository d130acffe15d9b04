"""Helpers shared by the test modules (import them as `from helpers import …`)."""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from proctor.idnumber import make_id_number

PASSWORD = "correct horse battery"
# One audit key for the test apps and the real servers they start on the same database (as
# processes that share a database must share it); tests of the key file drop it.
AUDIT_KEY = "test-audit-key"
FAST_HASHING = {"ARGON2_TIME_COST": 1, "ARGON2_MEMORY_COST": 1024}


def base_config(data_dir: Path, url: str) -> dict[str, Any]:
    return {"TESTING": True, "DATA_DIR": str(data_dir), "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "test-secret", "AUDIT_KEY": AUDIT_KEY, **FAST_HASHING,
            # Today's one-step confirm; tests/api/test_due_process.py turns the stage on.
            "PRE_NOTICE_TIERS": ()}


def cid() -> str:
    return uuid.uuid4().hex


def now_iso() -> str:
    return datetime.now(UTC).isoformat()


def id_number(index: int) -> str:
    return make_id_number("310101", date(1990, 1, 1 + index % 28), index)


def digest_of(rows: list[dict[str, Any]]) -> str:
    """The ban registry's digest, computed apart from the app's own code: SHA-256 over each row
    as canonical JSON (sorted keys, no spaces, UTF-8), one line a row."""
    hasher = hashlib.sha256()
    for row in rows:
        hasher.update(json.dumps(row, sort_keys=True, ensure_ascii=False,
                                 separators=(",", ":")).encode() + b"\n")
    return hasher.hexdigest()
