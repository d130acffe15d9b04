"""The letter of a conduct record as an A4 PDF, set like the candidates' letters
(`proctor.notices.pdf`: the same font, masthead and sign-off), its SHA-256 at the foot."""

from __future__ import annotations

import io
from typing import Any

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import HRFlowable, KeepTogether, Spacer, Table

from proctor.notices.fonts import LetterFont, a4_document, require_glyphs, table_style
from proctor.notices.pdf import _p, _styles, signoff


def _story(n: dict[str, Any], font: str) -> list[Any]:
    s = _styles(font)
    words = n["labels"]
    title = " ".join(n["title"]) if n["lang"] == "zh" else n["title"]
    party = Table([[_p(k, s["flush"]), _p(v, s["flush"])] for k, v in n["party"]],
                  colWidths=[32 * mm, 138 * mm])
    party.setStyle(table_style(font, ("GRID", (0, 0), (-1, -1), 0.6, colors.black),
                               ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#f4f4f4")),
                               ("VALIGN", (0, 0), (-1, -1), "TOP")))
    story: list[Any] = [
        _p(n["issuing_body"], s["issuer"]), Spacer(1, 4),
        HRFlowable(width="100%", thickness=1.5, color=colors.HexColor("#b00000"),
                   spaceBefore=2, spaceAfter=6),
        _p(title, s["title"]), _p(f"{words['no']} {n['number']}", s["center"]), Spacer(1, 8),
        party]
    for heading, part, style in (("facts", "facts", "body"), ("evidence", "evidence", "item"),
                                 ("finding", "finding", "body"),
                                 ("decision", "decision", "body")):
        story.append(_p(words[heading], s["h2"]))
        lines = n[part]
        story += [_p(f"{i}. {line}" if part == "evidence" else line, s[style])
                  for i, line in enumerate(lines, 1)]
    closing = [_p(words["objection"], s["h2"])]
    closing += [_p(line, s["body"]) for line in n["objection"]]
    return story + [KeepTogether(closing + signoff(n, s)), Spacer(1, 8),
                    _p(f"SHA-256 {n['sha256']}", s["small"])]


def render_conduct_pdf(n: dict[str, Any], font: LetterFont, author: str = "") -> bytes:
    """The letter view (`proctor.conduct.letter.letter_view`) as the bytes of an A4 PDF."""
    story = _story(n, font.name)
    require_glyphs(font, story)
    out = io.BytesIO()
    doc = a4_document(out, font, leftMargin=20 * mm, rightMargin=20 * mm, topMargin=20 * mm,
                      bottomMargin=18 * mm, title=f"{n['title']} {n['number']}",
                      author=author, subject=n["number"])
    doc.build(story)
    return out.getvalue()
