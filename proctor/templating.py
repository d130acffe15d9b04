"""What every template may use: the `venue_format` filter and the globals (the CSRF token, the
languages and the reader's locale, `tier_name`)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from flask import Flask
from flask_babel import gettext as _
from flask_wtf.csrf import generate_csrf

from proctor.i18n import LANGUAGES, select_locale
from proctor.services.sittings import venue_zone

# Every moment on a page or a printed record reads as the venue's clock.
VENUE_FORMATS = {"time": "%H:%M", "datetime": "%Y-%m-%d %H:%M", "seconds": "%Y-%m-%d %H:%M:%S"}


def register_template_filters(app: Flask) -> None:
    app.add_template_filter(venue_format, "venue_format")
    app.context_processor(template_globals)


def venue_format(moment: datetime, kind: Literal["time", "datetime", "seconds"]) -> str:
    """`08:30`, `2025-06-01 08:30` or `2025-06-01 08:30:05` in the venue's time zone."""
    return moment.astimezone(venue_zone()).strftime(VENUE_FORMATS[kind])


def template_globals() -> dict[str, object]:
    return {"csrf_token": generate_csrf, "languages": LANGUAGES, "locale": select_locale(),
            "tier_name": tier_name}


def tier_name(tier: int | None) -> str:
    """一类违纪 / Tier 1: the one name of a tier on every screen and paper."""
    names = {1: _("Tier 1"), 2: _("Tier 2"), 3: _("Tier 3")}
    return names.get(tier or 0, "")
