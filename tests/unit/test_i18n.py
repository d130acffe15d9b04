"""The Chinese catalog is really found (Babel names zh_CN zh_Hans_CN) and is complete."""

from __future__ import annotations

from pathlib import Path

from babel.messages.pofile import read_po
from flask_babel import gettext

from proctor import create_app

CATALOG = Path(__file__).parents[2] / "proctor/translations/zh_Hans_CN/LC_MESSAGES/messages.po"


def test_chinese_is_the_default_and_english_is_one_tap_away(tmp_path):
    app = create_app({"TESTING": True, "DATA_DIR": str(tmp_path), "SECRET_KEY": "x"})
    with app.test_request_context("/"):
        assert gettext("Log in") == "登录"
    with app.test_request_context("/?lang=en"):
        assert gettext("Log in") == "Log in"


def test_every_message_has_a_chinese_translation():
    with CATALOG.open("rb") as handle:
        catalog = read_po(handle)
    missing = [m.id for m in catalog if m.id and (not m.string or m.fuzzy)]
    assert missing == []
