"""The Chinese font a letter's PDF is set in, embedded (as a subset), so the letter reads the same
in every viewer and on every printer.

reportlab's built-in STSong-Light is a reference to Adobe's Asian font pack, not a font: without
the pack the page is blank, and `·` prints as `�`. reportlab embeds only TrueType outlines, so
the font is a TrueType file (`.ttf`, or one face of a `.ttc`): Debian's `fonts-wqy-microhei`
is; Noto CJK (`fonts-noto-cjk`) is CFF and cannot be embedded. Found, in this order, by
`PROCTOR_PDF_FONT` (a path; `#N` picks the face of a `.ttc`, 0 by default), by fontconfig
(`fc-list :lang=zh:fontformat=TrueType`), by a few known paths. With none, or with a letter
whose text the font cannot show (a rare character in a name), the PDF is refused with
503 `pdf_font_missing` / `pdf_glyphs_missing`: the letter's page still prints from the browser,
which finds a font for every character; a decision letter with blanks in it is no letter.
"""

from __future__ import annotations

import logging
import re
import shutil
import subprocess
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import current_app
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle

from proctor.concurrency import native_lock
from proctor.errors import ApiError

log = logging.getLogger(__name__)

# Where the usual TrueType CJK fonts are installed when fontconfig is not there to ask:
# Debian/Ubuntu, then Fedora and Arch, for fonts-wqy-microhei, -zenhei, AR PL UMing, Droid.
KNOWN_PATHS = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/wqy-microhei/wqy-microhei.ttc",
    "/usr/share/fonts/wenquanyi/wqy-microhei/wqy-microhei.ttc",
    "/usr/share/fonts/wenquanyi/wqy-zenhei/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
)
# A font that lacks one of these cannot set a notice's own words (its title, brackets and
# punctuation), whatever the candidate's name: it is passed over.
PROBE = "处理决定书复核（）《》：·—“”、，。；0123456789ABCabc"
INSTALL_HINT = ("install a TrueType Chinese font (apt-get install fonts-wqy-microhei) or set "
                "PROCTOR_PDF_FONT to the path of one (.ttf, or .ttc#index)")


@dataclass(frozen=True)
class FontFile:
    """One face of a font file: a `.ttc` holds several, numbered from 0."""

    path: str
    index: int = 0

    def __str__(self) -> str:
        return f"{self.path}#{self.index}"


@dataclass(frozen=True)
class LetterFont:
    """A registered face: `name` for ParagraphStyle(fontName=…), also under <b> and <i>."""

    name: str
    file: FontFile
    chars: frozenset[int]

    def missing(self, texts: Iterable[str]) -> str:
        """The characters of `texts` this face has no glyph for, each once, in order."""
        seen: dict[str, None] = {}
        for text in texts:
            for ch in text:
                if ord(ch) not in self.chars and not ch.isspace() and ch not in seen:
                    seen[ch] = None
        return "".join(seen)


_lock = native_lock()  # held only while a face loads (CPU and file reads, never a greenlet yield)
_registered: dict[FontFile, LetterFont] = {}
_found: dict[str | None, FontFile] = {}
_told: set[str] = set()


def letter_font() -> LetterFont:
    """The face every letter is set in, per `PDF_FONT` of the app's config (registered once).

    Call it in the view, before `offload`: finding the font may run fc-list, and under gevent
    a child process can only be waited for on the main loop. Raises 503 pdf_font_missing."""
    return font_for(current_app.config.get("PDF_FONT"))


def font_for(setting: str | None) -> LetterFont:
    """The face `setting` names (a path, `#N` for a face of a .ttc), or with no setting the
    first usable one fontconfig or the known paths give."""
    found = _found.get(setting)
    if found is not None:
        return _register(found)
    if setting:
        candidates: Iterable[FontFile] = [parse_setting(setting)]
    else:
        candidates = _candidates()
    problems: list[str] = []
    for candidate in candidates:
        try:
            font = _register(candidate)
        except (OSError, TTFError) as err:
            problems.append(f"{candidate}: {err}")
            continue
        lacking = font.missing([PROBE])
        if lacking:
            problems.append(f"{candidate}: no glyph for {lacking!r}")
            continue
        _found[setting] = candidate
        return font
    raise _no_font(setting, problems)


def parse_setting(setting: str) -> FontFile:
    """`/path/font.ttc#1` → that file's face 1; a plain path → its face 0."""
    path, hash_sign, index = setting.strip().rpartition("#")
    if hash_sign and index.isdigit():
        return FontFile(str(Path(path).expanduser()), int(index))
    return FontFile(str(Path(setting.strip()).expanduser()))


def _candidates() -> Iterator[FontFile]:
    seen: set[FontFile] = set()
    for candidate in [*_fontconfig(), *(FontFile(path) for path in KNOWN_PATHS)]:
        if candidate not in seen and Path(candidate.path).is_file():
            seen.add(candidate)
            yield candidate


def _fontconfig() -> list[FontFile]:
    """fontconfig's TrueType faces that cover Chinese, proportional ones first (WenQuanYi
    Micro Hei before its Mono twin), in a stable order."""
    if shutil.which("fc-list") is None:
        return []
    try:
        listed = subprocess.run(
            ["fc-list", ":lang=zh:fontformat=TrueType", "--format",
             "%{file}\t%{index}\t%{spacing}\n"],
            capture_output=True, text=True, timeout=20, check=True).stdout
    except (OSError, subprocess.SubprocessError) as err:
        log.warning("fc-list failed, looking for a Chinese font at the known paths: %s", err)
        return []
    faces = []
    for line in listed.splitlines():
        path, _, rest = line.partition("\t")
        index, _, spacing = rest.partition("\t")
        if path and re.fullmatch(r"\d+", index):
            # spacing 100 is monospaced: a letter reads better in the proportional face.
            faces.append((spacing.strip() == "100", path, int(index)))
    return [FontFile(path, index) for _, path, index in sorted(faces)]


def _register(file: FontFile) -> LetterFont:
    known = _registered.get(file)
    if known is not None:
        return known
    with _lock:
        known = _registered.get(file)
        if known is not None:
            return known
        name = "Letter-" + re.sub(r"[^A-Za-z0-9]+", "-", Path(file.path).stem) + f"-{file.index}"
        face = TTFont(name, file.path, subfontIndex=file.index)
        pdfmetrics.registerFont(face)
        # No bold face in WenQuanYi: <b> and <i> stay in it (reportlab would switch to
        # Helvetica, which has no Chinese).
        pdfmetrics.registerFontFamily(name, normal=name, bold=name, italic=name,
                                      boldItalic=name)
        font = LetterFont(name, file, frozenset(face.face.charToGlyph))
        _registered[file] = font
    log.info("letters are set in %s (%s)", file, name)
    return font


def _no_font(setting: str | None, problems: list[str]) -> ApiError:
    if setting:
        message = (f"PROCTOR_PDF_FONT={setting} is not a TrueType font with Chinese that can be "
                   f"embedded ({'; '.join(problems)}): {INSTALL_HINT}. The letter's page "
                   "prints from the browser meanwhile.")
    else:
        tried = "; ".join(problems) or "fontconfig lists none and none is at the known paths"
        message = (f"No Chinese font that can be embedded in a PDF is installed ({tried}): "
                   f"{INSTALL_HINT}. The letter's page prints from the browser meanwhile.")
    if message not in _told:  # once a process: the refusal itself says it at every request
        _told.add(message)
        log.error("letters cannot be made as PDFs: %s", message)
    return ApiError(503, "pdf_font_missing", message)


def printed_text(flowables: Iterable[Any]) -> Iterator[str]:
    """Every text a story's paragraphs print, tables and KeepTogether groups included."""
    for flowable in flowables:
        if isinstance(flowable, Paragraph):
            yield flowable.getPlainText()
        elif isinstance(flowable, str):
            yield flowable
        elif isinstance(flowable, Table):
            for row in flowable._cellvalues:
                yield from printed_text(row)
        elif isinstance(flowable, list | tuple):
            yield from printed_text(flowable)
        else:
            yield from printed_text(getattr(flowable, "_content", ()))


def a4_document(out: Any, font: LetterFont, **kwargs: Any) -> SimpleDocTemplate:
    """An A4 document whose every page starts in `font` (reportlab's own start, Helvetica,
    would be listed in the PDF unembedded even when nothing is set in it)."""
    return SimpleDocTemplate(out, pagesize=A4, initialFontName=font.name, invariant=True,
                             **kwargs)


def table_style(font: str, *commands: Any) -> TableStyle:
    """A table's style with its cells in `font`: a table sets its cells' font even when they
    hold paragraphs, by default Helvetica, listed unembedded."""
    return TableStyle([("FONTNAME", (0, 0), (-1, -1), font), *commands])


def require_glyphs(font: LetterFont, story: Iterable[Any]) -> None:
    """Refuse (503 pdf_glyphs_missing) a story with a character the face cannot show, which
    reportlab would print as an empty box."""
    lacking = font.missing(printed_text(story))
    if lacking:
        log.warning("a letter needs %r, which %s lacks", lacking, font.file)
        raise ApiError(503, "pdf_glyphs_missing",
                       f"The font {font.file} has no glyph for {lacking!r}, which this letter "
                       "prints: print the letter's page from the browser, or set "
                       "PROCTOR_PDF_FONT to a TrueType font that has it.",
                       extra={"characters": lacking})
