"""The pre-decision notice (处理事先告知书) as an A4 PDF, set like the decision notice
(`proctor.notices.pdf`): the same party table, facts, evidence and rule, then the proposal,
the right to state one's case, and the acknowledgement of service (送达回证)."""

from __future__ import annotations

import io
from typing import Any

from flask_babel import gettext as _
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import HRFlowable, KeepTogether, Spacer, Table

from proctor.notices.fonts import LetterFont, a4_document, require_glyphs, table_style
from proctor.notices.pdf import _p, _party_table, _styles


def _story(n: dict[str, Any], font: str) -> list[Any]:
    s = _styles(font)
    title = _("Pre-decision notice")
    story: list[Any] = [_p(n["issuing_body"], s["issuer"]), Spacer(1, 4),
                        HRFlowable(width="100%", thickness=1.5, color=colors.HexColor("#b00000"),
                                   spaceBefore=2, spaceAfter=6),
                        _p(title, s["title"]),
                        _p(f"{_('No.')} {n['number']}", s["center"]), Spacer(1, 8),
                        _party_table(n, s), _p(_("1. Facts"), s["h2"])]
    story += [_p(sentence, s["body"]) for sentence in n["facts"]]
    story.append(_p(_("2. Evidence"), s["h2"]))
    story += [_p(f"{index}. {line}", s["flush"]) for index, line in enumerate(n["evidence"], 1)]
    if not n["evidence"]:
        story.append(_p(_("The incident record made by the invigilators at the time."),
                        s["body"]))
    story.append(_p(_("3. Rule applied"), s["h2"]))
    story += [_p(sentence, s["body"]) for sentence in n["rule"]]
    story += [_p(_("4. Proposed decision"), s["h2"]),
              _p(_("Under the provision above, it is proposed to decide as follows:"),
                 s["body"])]
    story += [_p(f"{index}. {sentence}", s["item"])
              for index, sentence in enumerate(n["proposal"], 1)]
    right = [_p(_("5. Your right to state your case"), s["h2"])]
    right += [_p(sentence, s["body"]) for sentence in n["statement"]]
    signoff = [Spacer(1, 14), _p(n["issuing_body"], s["right"]),
               _p(_("(seal)"), s["right"]), Spacer(1, 16),
               _p(f"{_('Signed by')}：________________", s["right"]),
               _p(n["issued_on"], s["right"])]
    return story + [KeepTogether(right + signoff), KeepTogether(_receipt(n, s))]


def _receipt(n: dict[str, Any], s: dict[str, Any]) -> list[Any]:
    blank = "______________"
    return [HRFlowable(width="100%", thickness=0.6, dash=(3, 2), color=colors.black,
                       spaceBefore=14, spaceAfter=4),
            _p(_("Acknowledgement of service"), s["center"]),
            _p(_("Pre-decision notice %(number)s, to %(name)s.", number=n["number"],
                 name=n["c"]["person"]["name"]), s["flush"]),
            Table([[_p(f"{_('Recipient signature')}：{blank}", s["flush"]),
                    _p(f"{_('Date received')}：{blank}", s["flush"])],
                   [_p(f"{_('Manner of service')}：{n['method'] or blank}", s["flush"]),
                    _p(f"{_('Served by')}：{blank}", s["flush"])]],
                  colWidths=[85 * mm, 85 * mm],
                  style=table_style(s["body"].fontName, ("TOPPADDING", (0, 0), (-1, -1), 6))),
            _p(f"{_('I waive my right to state my case (sign here only if so)')}：{blank}",
               s["flush"]),
            Spacer(1, 8), _p(f"SHA-256 {n['sha256']}", s["small"])]


def render_pre_notice_pdf(n: dict[str, Any], font: LetterFont, author: str = "") -> bytes:
    """The pre-notice view (see proctor.notices.pre_notice_view) as the bytes of an A4 PDF."""
    story = _story(n, font.name)
    require_glyphs(font, story)
    out = io.BytesIO()
    doc = a4_document(out, font, leftMargin=20 * mm, rightMargin=20 * mm, topMargin=20 * mm,
                      bottomMargin=18 * mm, title=f"{_('Pre-decision notice')} {n['number']}",
                      author=author, subject=n["number"])
    doc.build(story)
    return out.getvalue()
