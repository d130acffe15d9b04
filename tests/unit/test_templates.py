"""No template holds inline code or style: the Content-Security-Policy admits only the app's
own scripts and style sheets (proctor/security_headers.py), so anything inline would be
blocked on the tablet — this test says so before a browser does."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

TEMPLATES = sorted((Path(__file__).resolve().parents[2] / "proctor" / "templates").rglob("*.html"))
INLINE = {
    "a <style> block": re.compile(r"<style\b", re.I),
    "a style attribute": re.compile(r"\sstyle\s*=", re.I),
    "an inline event handler": re.compile(r"\son[a-z]+\s*=", re.I),
    "a javascript: URL": re.compile(r"javascript:", re.I),
    "an inline script": re.compile(r"<script(?![^>]*\b(?:src=|type=\"application/json\"))[^>]*>",
                                   re.I),
}


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: p.name)
def test_no_inline_code_or_style(template: Path) -> None:
    source = template.read_text()
    found = [what for what, pattern in INLINE.items() if pattern.search(source)]
    assert not found, f"{template.name}: {found}"
