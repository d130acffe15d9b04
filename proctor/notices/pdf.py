"""Every letter as an A4 PDF (reportlab), set in the letter font (see `proctor.notices.fonts`),
embedded as a subset: it reads the same in every viewer. The last page is the letter's proof of
service (送达回证)."""

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
    Flowable,
    HRFlowable,
    KeepTogether,
    PageBreak,
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
        "banner": ParagraphStyle("banner", parent=body, fontSize=12, leading=18,
                                 alignment=TA_CENTER, firstLineIndent=0, borderWidth=1,
                                 borderColor=colors.HexColor("#b00000"), borderPadding=4,
                                 textColor=colors.HexColor("#b00000"), spaceAfter=8),
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
    room = (c.get("facts") or {}).get("room")
    if room:
        rows.append((_("Room"), room))
    if n["seat_no"]:
        rows.append((_("Seat number"), str(n["seat_no"])))
    if c["person"]["role"] != PartyRole.PRINCIPAL:
        rows.append((_("Part taken"), n["labels"]["role"].get(c["person"]["role"],
                                                             c["person"]["role"])))
    return _table(rows, s)


def _table(rows: list[tuple[str, str]], s: dict[str, ParagraphStyle],
           height: float | None = None) -> Table:
    table = Table([[_p(k, s["flush"]), _p(v, s["flush"])] for k, v in rows],
                  colWidths=[32 * mm, 138 * mm], rowHeights=height)
    table.setStyle(table_style(s["body"].fontName,
                               ("GRID", (0, 0), (-1, -1), 0.6, colors.black),
                               ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#f4f4f4")),
                               ("VALIGN", (0, 0), (-1, -1), "TOP")))
    return table


def _title(n: dict[str, Any], title: str | None = None) -> str:
    title = title or n.get("title") or _("Decision notice")
    return " ".join(title) if n["lang"] == "zh" else title  # 处 理 决 定 书


def _masthead(n: dict[str, Any], s: dict[str, ParagraphStyle], title: str) -> list[Any]:
    """The issuer, the red rule, the title (and whether the letter was superseded), the
    number."""
    story: list[Any] = [_p(n["issuing_body"], s["issuer"]), Spacer(1, 4),
                        HRFlowable(width="100%", thickness=1.5, color=colors.HexColor("#b00000"),
                                   spaceBefore=2, spaceAfter=6),
                        _p(title, s["title"]),
                        _p(f"{_('No.')} {n['number']}", s["center"]), Spacer(1, 8)]
    if n.get("superseded"):
        story.insert(3, _p(n["superseded"], s["banner"]))
    return story


def _head(n: dict[str, Any], s: dict[str, ParagraphStyle]) -> list[Any]:
    return _masthead(n, s, _title(n))


def letter_head(n: dict[str, Any], s: dict[str, ParagraphStyle], title: str) -> list[Any]:
    """Every letter's top: the masthead and the party table."""
    return [*_masthead(n, s, title), _party_table(n, s)]


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
    story = _head(n, s)
    if n.get("revision"):
        story.append(_p(n["revision"], s["body"]))
    story += [_party_table(n, s), *facts_evidence_rule(n, s), _p(_("4. Decision"), s["h2"])]
    # The hearing: the pre-notice, the statements considered and the reasons (where there was
    # one), before the decision itself.
    story += [_p(sentence, s["body"]) for sentence in n.get("hearing") or []]
    story.append(_p(_("Under the provision above, it is decided as follows:"), s["body"]))
    story += [_p(f"{index}. {sentence}", s["item"])
              for index, sentence in enumerate(n["decision"], 1)]
    return story + _remedies_and_signoff(n, s, _("5. Review and further remedies"))


def _review_story(n: dict[str, Any], font: str) -> list[Any]:
    """The review decision letter: request, decision reviewed, outcome, reasons, remedies."""
    s = _styles(font)
    story = _head(n, s) + [_party_table(n, s), _p(_("1. The request for review"), s["h2"])]
    story += [_p(sentence, s["body"]) for sentence in n["request"]]
    story.append(_p(_("2. The decision under review"), s["h2"]))
    story += [_p(sentence, s["body"]) for sentence in n["reviewed"]]
    story.append(_p(_("3. Review decision"), s["h2"]))
    story += [_p(sentence, s["body"]) for sentence in n["outcome"]]
    story += [_p(f"{index}. {sentence}", s["item"])
              for index, sentence in enumerate(n["decision"], 1)]
    story += [_p(_("4. Reasons"), s["h2"]), _p(n["reasons"], s["body"])]
    return story + _remedies_and_signoff(n, s, _("5. Further remedies"))


def _remedies_and_signoff(n: dict[str, Any], s: dict[str, ParagraphStyle],
                          heading: str) -> list[Any]:
    story: list[Any] = [_p(heading, s["h2"])]
    story += [_p(sentence, s["body"]) for sentence in n["remedies"]]
    # The remedies and the seal stay on one page: a seal alone on a page proves nothing.
    return [KeepTogether(story + signoff(n, s)), Spacer(1, 8),
            _p(f"SHA-256 {n['sha256']}", s["small"]), *candidate_link(n, s),
            PageBreak()] + _proof(n, s)


class QrCode(Flowable):
    """A QR code drawn as filled squares: no font (a reportlab Drawing would add Helvetica,
    which is not embedded), with the quiet zone of 2 modules the scanners need."""

    def __init__(self, data: str, side: float) -> None:
        super().__init__()
        import segno

        self.rows = [list(row) for row in segno.make(data, error="m").matrix]
        self.width = self.height = side

    def draw(self) -> None:
        cell = self.width / (len(self.rows) + 4)
        self.canv.setFillColor(colors.black)
        for y, row in enumerate(self.rows):
            for x, dark in enumerate(row):
                if dark:
                    self.canv.rect((x + 2) * cell, self.height - (y + 3) * cell, cell, cell,
                                   stroke=0, fill=1)


def candidate_link(n: dict[str, Any], s: dict[str, ParagraphStyle]) -> list[Any]:
    """The candidate's short link and its QR code, beside the words that say what it opens;
    nothing for a letter issued without one."""
    link = n.get("link")
    if not link:
        return []
    side = 28 * mm
    words = Paragraph(
        escape(_("You may read this letter, state your case or ask for a review online: scan "
                 "the code or open")) + "<br/>" + escape(link["url"]) + "<br/>" + escape(
            _("(ticket number and the last 6 characters of your ID number; until %(day)s)",
              day=link["last_day"])), s["small"])
    table = Table([[QrCode(link["url"], side), words]], colWidths=[side + 4 * mm, None])
    table.setStyle(table_style(s["small"].fontName, ("VALIGN", (0, 0), (-1, -1), "MIDDLE")))
    return [Spacer(1, 6), table]


def signoff(n: dict[str, Any], s: dict[str, ParagraphStyle]) -> list[Any]:
    """The issuer, the seal, the signature line and the date."""
    return [Spacer(1, 14), _p(n["issuing_body"], s["right"]),
            _p(_("(seal)"), s["right"]), Spacer(1, 16),
            _p(f"{_('Signed by')}：________________", s["right"]),
            _p(n["issued_on"], s["right"])]


def receipt(n: dict[str, Any], s: dict[str, ParagraphStyle], line: str,
            *extra: Any) -> list[Any]:
    """The acknowledgement of service (送达回证) below the dashed line, with the fingerprint:
    the pre-decision notice's (a decision letter has a page of its own, `_proof`)."""
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


def _proof(n: dict[str, Any], s: dict[str, ParagraphStyle]) -> list[Any]:
    """The proof of service (送达回证), a page of its own to sign and file."""
    blank = "________________"
    proof = n["proof"]
    signatures = Table([[_p(f"{left}：{blank}", s["flush"]), _p(f"{right}：{blank}", s["flush"])]
                        for left, right in proof["signatures"]],
                       colWidths=[85 * mm, 85 * mm],
                       style=table_style(s["body"].fontName, ("TOPPADDING", (0, 0), (-1, -1),
                                                              14)))
    return [_p(n["issuing_body"], s["issuer"]), Spacer(1, 10),
            _p(_title(n, _("Acknowledgement of service")), s["title"]), Spacer(1, 12),
            _table(proof["rows"], s, 11 * mm), Spacer(1, 14), signatures, Spacer(1, 14),
            _table([(_("Remarks"), "")], s, 30 * mm), Spacer(1, 6),
            _p(proof["remark"], s["flush"]), Spacer(1, 18),
            _p(n["issuing_body"], s["right"]), _p(_("(seal)"), s["right"]),
            Spacer(1, 8), _p(f"SHA-256 {n['sha256']}", s["small"])]


def render_pdf(n: dict[str, Any], font: LetterFont, author: str = "") -> bytes:
    """The letter view (see proctor.notices.notice_view) as the bytes of an A4 PDF, in `font`
    (`fonts.letter_font()`); refused if the font lacks a character the letter prints."""
    review = n.get("kind") == "review_decision"
    story = _review_story(n, font.name) if review else _story(n, font.name)
    require_glyphs(font, story)
    name = n.get("title") or _("Decision notice")
    out = io.BytesIO()
    doc = a4_document(out, font, leftMargin=20 * mm, rightMargin=20 * mm, topMargin=20 * mm,
                      bottomMargin=18 * mm, title=f"{name} {n['number']}",
                      author=author, subject=n["number"])
    doc.build(story)
    return out.getvalue()
