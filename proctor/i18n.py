"""Language: Chinese by default, English one tap away (a cookie set by /lang/<code>)."""

from __future__ import annotations

from flask import request

LANGUAGES = {"zh_CN": "中文", "en": "English"}
COOKIE = "proctor_lang"


def select_locale() -> str:
    chosen = request.args.get("lang") or request.cookies.get(COOKIE)
    return chosen if chosen in LANGUAGES else "zh_CN"


def current_language() -> str:
    """'zh' or 'en', for texts kept in both languages (rules, explanations)."""
    return "en" if select_locale() == "en" else "zh"
