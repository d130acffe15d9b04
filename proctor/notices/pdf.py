"""The decision notice as an A4 PDF (reportlab), set in the letter font (see
`proctor.notices.fonts`), embedded as a subset: it reads the same in every viewer."""

from __future__ import annotations

import io
from typing import Any
from xml.sax.saxutils import escape

from flask_babel import gettext as _
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    HRFlowable,
    KeepTogether,
    Paragraph,
    Spacer,
    Table,
)

from incidents import PartyRole
from proctor.notices.fonts import LetterFont, a4_document, require_glyphs, table_style


def _styles(font: str) -> dict[str, ParagraphStyle]:
    body = ParagraphStyle("body", fontName=font, fontSize=11, leading=18, wordWrap="CJK",
                          firstLineIndent=22)
    return {
        "issuer": ParagraphStyle("issuer", parent=body, fontSize=15, leading=20,
                                 alignment=TA_CENTER, firstLineIndent=0,
                                 textColor=colors.HexColor("#b00000")),
        "title": ParagraphStyle("title", parent=body, fontSize=22, leading=30,
                                alignment=TA_CENTER, firstLineIndent=0, spaceBefore=6),
        "center": ParagraphStyle("center", parent=body, alignment=TA_CENTER, firstLineIndent=0),
        "h2": ParagraphStyle("h2", parent=body, fontSize=13, leading=20, firstLineIndent=0,
                             spaceBefore=9, spaceAfter=3, keepWithNext=1),
        "body": body,
        "flush": ParagraphStyle("flush", parent=body, firstLineIndent=0),
        "item": ParagraphStyle("item", parent=body, firstLineIndent=0, leftIndent=22),
        "right": ParagraphStyle("right", parent=body, alignment=TA_RIGHT, firstLineIndent=0),
        "small": ParagraphStyle("small", parent=body, fontSize=7, leading=10, firstLineIndent=0,
                                textColor=colors.HexColor("#444444")),
    }


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text), style)


def _party_table(n: dict[str, Any], s: dict[str, ParagraphStyle]) -> Table:
    c = n["c"]
    evaluation = f"{c['sitting']['occupation']} · {n['level']} · {n['sitting_date']}"
    rows = [(_("Name"), c["person"]["name"]),
            (_("ID number"), c["person"]["id_number"]),
            (_("Ticket number"), c["person"]["ticket_no"] or "—"),
            (_("Evaluation"), evaluation)]
    if c["facts"]["room"]:
        rows.append((_("Room"), c["facts"]["room"]))
    if n["seat_no"]:
        rows.append((_("Seat number"), str(n["seat_no"])))
    if c["person"]["role"] != PartyRole.PRINCIPAL:
        rows.append((_("Part taken"), n["labels"]["role"].get(c["person"]["role"],
                                                             c["person"]["role"])))
    return _table(rows, s)


def _table(rows: list[tuple[str, str]], s: dict[str, ParagraphStyle]) -> Table:
    table = Table([[_p(k, s["flush"]), _p(v, s["flush"])] for k, v in rows],
                  colWidths=[32 * mm, 138 * mm])
    table.setStyle(table_style(s["body"].fontName,
                               ("GRID", (0, 0), (-1, -1), 0.6, colors.black),
                               ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#f4f4f4")),
                               ("VALIGN", (0, 0), (-1, -1), "TOP")))
    return table


def _title(n: dict[str, Any]) -> str:
    title = _("Decision notice")
    return " ".join(title) if n["lang"] == "zh" else title  # 处 理 决 定 书


def letter_head(n: dict[str, Any], s: dict[str, ParagraphStyle], title: str) -> list[Any]:
    """The issuer, the red rule, the title and number, the party table: every letter's top."""
    return [_p(n["issuing_body"], s["issuer"]), Spacer(1, 4),
            HRFlowable(width="100%", thickness=1.5, color=colors.HexColor("#b00000"),
                       spaceBefore=2, spaceAfter=6),
            _p(title, s["title"]),
            _p(f"{_('No.')} {n['number']}", s["center"]), Spacer(1, 8),
            _party_table(n, s)]


def facts_evidence_rule(n: dict[str, Any], s: dict[str, ParagraphStyle]) -> list[Any]:
    """Parts 1 to 3, as the decision notice and the pre-decision notice both state them."""
    story: list[Any] = [_p(_("1. Facts"), s["h2"])]
    story += [_p(sentence, s["body"]) for sentence in n["facts"]]
    story.append(_p(_("2. Evidence"), s["h2"]))
    story += [_p(f"{index}. {line}", s["flush"]) for index, line in enumerate(n["evidence"], 1)]
    if not n["evidence"]:
        story.append(_p(_("The incident record made by the invigilators at the time."),
                        s["body"]))
    story.append(_p(_("3. Rule applied"), s["h2"]))
    story += [_p(sentence, s["body"]) for sentence in n["rule"]]
    return story


def _story(n: dict[str, Any], font: str) -> list[Any]:
    s = _styles(font)
    story = letter_head(n, s, _title(n)) + facts_evidence_rule(n, s)
    story.append(_p(_("4. Decision"), s["h2"]))
    story += [_p(sentence, s["body"]) for sentence in n.get("hearing", [])]
    story.append(_p(_("Under the provision above, it is decided as follows:"), s["body"]))
    story += [_p(f"{index}. {sentence}", s["item"])
              for index, sentence in enumerate(n["decision"], 1)]
    story += _review_and_signoff(n, s)
    return story


def signoff(n: dict[str, Any], s: dict[str, ParagraphStyle]) -> list[Any]:
    """The issuer, the seal, the signature line and the date."""
    return [Spacer(1, 14), _p(n["issuing_body"], s["right"]),
            _p(_("(seal)"), s["right"]), Spacer(1, 16),
            _p(f"{_('Signed by')}：________________", s["right"]),
            _p(n["issued_on"], s["right"])]


def receipt(n: dict[str, Any], s: dict[str, ParagraphStyle], line: str,
            *extra: Any) -> list[Any]:
    """The acknowledgement of service (送达回证) below the dashed line, with the fingerprint."""
    blank = "______________"
    return [HRFlowable(width="100%", thickness=0.6, dash=(3, 2), color=colors.black,
                       spaceBefore=14, spaceAfter=4),
            _p(_("Acknowledgement of service"), s["center"]),
            _p(line, s["flush"]),
            Table([[_p(f"{_('Recipient signature')}：{blank}", s["flush"]),
                    _p(f"{_('Date received')}：{blank}", s["flush"])],
                   [_p(f"{_('Manner of service')}：{n['method'] or blank}", s["flush"]),
                    _p(f"{_('Served by')}：{blank}", s["flush"])]],
                  colWidths=[85 * mm, 85 * mm],
                  style=table_style(s["body"].fontName, ("TOPPADDING", (0, 0), (-1, -1), 6))),
            *extra, Spacer(1, 8), _p(f"SHA-256 {n['sha256']}", s["small"])]


def _review_and_signoff(n: dict[str, Any], s: dict[str, ParagraphStyle]) -> list[Any]:
    story: list[Any] = [
        _p(_("5. Review"), s["h2"]),
        _p(_("If you disagree with this decision, you may ask %(body)s in writing for a review "
             "within %(days)s days of the day this notice is served on you.",
             body=n["review_to"], days=n["window_days"]), s["body"])]
    if n["served_on"]:
        story.append(_p(_("This notice was served %(method)s on %(date)s; the last day to ask "
                          "for a review is %(last)s.", method=n["method"], date=n["served_on"],
                          last=n["last_day"]), s["body"]))
    line = _("Notice %(number)s, to %(name)s.", number=n["number"],
             name=n["c"]["person"]["name"])
    # The review paragraph and the seal stay on one page: a seal alone on a page proves nothing.
    return [KeepTogether(story + signoff(n, s)), KeepTogether(receipt(n, s, line))]


def render_pdf(n: dict[str, Any], font: LetterFont, author: str = "") -> bytes:
    """The notice view (see proctor.notices.notice_view) as the bytes of an A4 PDF, in `font`
    (`fonts.letter_font()`); refused if the font lacks a character the notice prints."""
    story = _story(n, font.name)
    require_glyphs(font, story)
    out = io.BytesIO()
    doc = a4_document(out, font, leftMargin=20 * mm, rightMargin=20 * mm, topMargin=20 * mm,
                      bottomMargin=18 * mm, title=f"{_('Decision notice')} {n['number']}",
                      author=author, subject=n["number"])
    doc.build(story)
    return out.getvalue()
