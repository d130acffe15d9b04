"""The pre-decision notice (处理事先告知书) as an A4 PDF, set like the decision notice
(`proctor.notices.pdf`): the same head, facts, evidence and rule, then the proposal, the right
to state one's case, and the acknowledgement of service (送达回证) with a line for a waiver."""

from __future__ import annotations

import io
from typing import Any

from flask_babel import gettext as _
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether

from proctor.notices.fonts import LetterFont, a4_document, require_glyphs
from proctor.notices.pdf import (
    _p,
    _styles,
    candidate_link,
    facts_evidence_rule,
    letter_head,
    receipt,
    signoff,
)


def _story(n: dict[str, Any], font: str) -> list[Any]:
    s = _styles(font)
    story = letter_head(n, s, _("Pre-decision notice")) + facts_evidence_rule(n, s)
    story += [_p(_("4. Proposed decision"), s["h2"]),
              _p(_("Under the provision above, it is proposed to decide as follows:"),
                 s["body"])]
    story += [_p(f"{index}. {sentence}", s["item"])
              for index, sentence in enumerate(n["proposal"], 1)]
    right = [_p(_("5. Your right to state your case"), s["h2"])]
    right += [_p(sentence, s["body"]) for sentence in n["statement"]]
    line = _("Pre-decision notice %(number)s, to %(name)s.", number=n["number"],
             name=n["c"]["person"]["name"])
    waiver = _p(f"{_('I waive my right to state my case (sign here only if so)')}："
                "______________", s["flush"])
    return story + [KeepTogether(right + signoff(n, s)), *candidate_link(n, s),
                    KeepTogether(receipt(n, s, line, waiver))]


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
