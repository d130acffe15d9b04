"""The app a benchmark measures: a fresh data folder, cheap password hashes (the benchmarks
measure the path under test, not argon2), and the migrations run with their log silenced."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from flask import Flask


def migrate(app: Flask) -> None:
    """Run the migrations on the app's database (inside its app context), quietly."""
    from flask_migrate import upgrade

    from proctor import MIGRATIONS_DIR

    logging.disable(logging.INFO)
    try:
        upgrade(directory=MIGRATIONS_DIR)
    finally:
        logging.disable(logging.NOTSET)


def bench_app(folder: Path, database_url: str | None = None, **config: Any) -> Flask:
    """The app over `folder` (SQLite there unless `database_url`), not yet migrated."""
    from proctor import create_app
    from proctor.config import sqlite_url

    return create_app({"DATA_DIR": str(folder), "SECRET_KEY": "bench",
                       "SQLALCHEMY_DATABASE_URI": database_url or sqlite_url(str(folder)),
                       "ARGON2_TIME_COST": 1, "ARGON2_MEMORY_COST": 1024, **config})
