"""The notice's PDF renders everywhere (issue #11, item 4): every font in it is an embedded
subset (no STSong-Light, which viewers without Adobe's Asian font pack show blank); poppler reads
the name, the rule and `·` back; page 1, drawn by pdftoppm, is kept in
test-artifacts/screenshots/notice-pdf-a4.png. Without a Chinese TrueType font the PDF is refused
with a clear answer, not made half-readable."""

from __future__ import annotations

import io
import logging
import os
import re
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
OBSERVED = datetime(2025, 6, 28, 7, 42, tzinfo=UTC).isoformat()   # 15:42 in Asia/Shanghai
# The invigilator's words, with the punctuation a notice prints: （）《》：—·“”
WHAT = "考生在理论知识考试中使用手机（黑色）查阅《理论知识》答案：经制止后交出手机——见照片·一。"
NOTO_CFF = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")


def needed(tool: str) -> str:
    """An external tool's path; missing, a skip here and a failure in CI (.ci/run installs it)."""
    found = shutil.which(tool)
    if found is None:
        reason = f"{tool} is missing: apt-get install poppler-utils"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    return found


@pytest.fixture
def letter_font():
    """The face letters are set in on this machine (CI installs fonts-wqy-microhei)."""
    from proctor.errors import ApiError
    from proctor.notices.fonts import font_for

    try:
        return font_for(None)
    except ApiError as err:
        if os.environ.get("CI"):
            pytest.fail(err.message)
        pytest.skip(err.message)


@pytest.fixture
def issued(app, make_sitting, auth, make_incident, decide, issue_notices):
    """A confirmed T2.1 of 考生3 (room A, seat 2) with its notice, and the chief examiner."""
    def issue(name: str | None = None):
        s = make_sitting()
        ticket = s["tickets"][2]
        if name:
            rename(app, ticket, name)
        inv, chief = auth.login("inv1"), auth.login("chief")
        made = make_incident(inv, s, tickets=[ticket], observed_at=OBSERVED, subject="theory",
                             description=WHAT)
        decide(chief, made["id"], note="事实清楚")
        return chief, issue_notices(chief, made["id"])[0]

    return issue


def rename(app, ticket: str, name: str) -> None:
    with app.app_context():
        from proctor.extensions import db
        from proctor.models import Candidate

        candidate = db.session.scalar(db.select(Candidate).where(Candidate.ticket_no == ticket))
        candidate.person.name = name
        db.session.commit()


def download(chief, notice, tmp_path: Path, lang: str = "zh") -> Path:
    response = chief.get(f"/notices/{notice['id']}.pdf?lang={lang}")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/pdf"
    path = tmp_path / f"notice-{lang}.pdf"
    path.write_bytes(response.get_data())
    return path


def fonts_of(pdf: Path) -> list[dict[str, str]]:
    """pdffonts' table: name, type, embedded, subset, per font."""
    listed = subprocess.run([needed("pdffonts"), str(pdf)], capture_output=True, text=True,
                            check=True, timeout=60).stdout.splitlines()
    rows = []
    for line in listed[2:]:  # the header and its dashes
        # name type encoding emb sub uni object ID: the name has no space; the type may.
        match = re.match(r"(\S+)\s+(.+?)\s{2,}(\S+)\s+(yes|no)\s+(yes|no)\s+(yes|no)\s+\d+",
                         line)
        assert match, line
        rows.append(dict(zip(("name", "type", "encoding", "emb", "sub", "uni"), match.groups(),
                             strict=True)))
    return rows


def text_of(pdf: Path) -> str:
    return subprocess.run([needed("pdftotext"), "-raw", str(pdf), "-"], capture_output=True,
                          text=True, check=True, timeout=60).stdout


def flat(text: str) -> str:
    return re.sub(r"\s", "", text)


def assert_embedded(pdf: Path) -> None:
    fonts = fonts_of(pdf)
    assert fonts, "no font in the PDF"
    for font in fonts:
        assert font["emb"] == "yes" and font["sub"] == "yes", font
        assert re.fullmatch(r"[A-Z]{6}\+\S+", font["name"]), font   # a subset's name
        assert "TrueType" in font["type"], font
        assert font["uni"] == "yes", font                           # text can be copied
    names = " ".join(font["name"] for font in fonts)
    assert "STSong" not in names and "Helvetica" not in names and "Times" not in names, names


def test_notice_pdf_embeds_a_chinese_subset_and_reads_back(issued, letter_font, tmp_path):
    chief, notice = issued()
    pdf = download(chief, notice, tmp_path)
    assert_embedded(pdf)
    text = text_of(pdf)
    rule = notice["content"]["rule"]["text"]["zh"]
    for words in ("处理决定书", "考生3", notice["id_number"], notice["number"], rule,
                  "《职业技能等级认定考生须知》第三条第1项", WHAT, "人工智能训练师 · 四级",
                  "受送达人签名：", "签发人：", "上海市人工智能行业协会"):
        assert flat(words) in flat(text), (words, text)
    assert "·" in text and "\ufffd" not in text
    # Page 1 as the candidate's printer would put it: A4 at 80 dpi, black text on white.
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    target = SCREENSHOTS / "notice-pdf-a4"
    subprocess.run([needed("pdftoppm"), "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile",
                    str(pdf), str(target)], check=True, timeout=60)
    png = target.with_suffix(".png")
    import cv2

    page = cv2.imread(str(png), cv2.IMREAD_GRAYSCALE)
    assert page is not None
    height, width = page.shape
    assert abs(width - 661) <= 1 and abs(height - 935) <= 1, (width, height)   # A4, 80 dpi
    dark = int((page < 128).sum())
    # A blank page (the font not drawn) has none; a page of set text has tens of thousands.
    assert dark > 15_000, dark
    # The text stands inside the margins (20 mm left and right, 20 mm at the top).
    rows, cols = (page < 128).nonzero()
    margin = 15 * 80 / 25.4
    assert cols.min() > margin and width - cols.max() > margin and rows.min() > margin


def test_english_notice_pdf_is_set_in_the_same_embedded_font(issued, letter_font, tmp_path):
    chief, notice = issued()
    pdf = download(chief, notice, tmp_path, lang="en")
    assert_embedded(pdf)
    text = text_of(pdf)
    assert "Decision notice" in text and "考生3" in text and "·" in text
    assert "\ufffd" not in text


def test_bold_and_italic_stay_in_the_letter_font(letter_font, tmp_path):
    """<b> and <i> in a paragraph: reportlab would switch to Helvetica, which has no Chinese."""
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph

    from proctor.notices.fonts import a4_document

    out = io.BytesIO()
    style = ParagraphStyle("p", fontName=letter_font.name, fontSize=12, leading=18)
    a4_document(out, letter_font).build([Paragraph("<b>处理决定书</b>、<i>复核</i>与正文", style)])
    pdf = tmp_path / "bold.pdf"
    pdf.write_bytes(out.getvalue())
    assert_embedded(pdf)
    assert flat("处理决定书、复核与正文") in flat(text_of(pdf))


def test_every_character_a_notice_can_print_is_in_the_font(letter_font):
    """The Chinese catalogue (every sentence of a letter), the rulebook's titles, texts and
    citations, and the wording's own characters: none would come out as an empty box."""
    with (ROOT / "proctor/translations/zh_Hans_CN/LC_MESSAGES/messages.po").open("rb") as po:
        catalogue = read_po(po)
    texts = ["".join(m.string) if isinstance(m.string, list | tuple) else (m.string or "")
             for m in catalogue]
    texts += [(ROOT / "incidents" / "rulebook.toml").read_text(encoding="utf-8"),
              (ROOT / "proctor" / "notices" / "wording.py").read_text(encoding="utf-8"),
              (ROOT / "proctor" / "notices" / "pdf.py").read_text(encoding="utf-8"),
              "·（）《》：—“”、，。；０１２３４５６７８９"]
    assert letter_font.missing(texts) == ""


def test_a_face_of_a_collection_is_chosen_by_its_index(letter_font):
    from proctor.notices.fonts import font_for, parse_setting

    assert parse_setting("/x/wqy-microhei.ttc#1").index == 1
    assert parse_setting("/x/font#name.ttf").path == "/x/font#name.ttf"
    if not letter_font.file.path.endswith(".ttc"):
        pytest.skip("the font found is not a collection")
    other = font_for(f"{letter_font.file.path}#1")
    assert other.file.index == 1 and other.name != letter_font.name


def test_a_missing_font_setting_refuses_the_pdf_clearly(app, issued, monkeypatch, caplog):
    from proctor.notices import fonts

    chief, notice = issued()
    monkeypatch.setattr(fonts, "_told", set())   # what this process has logged already
    missing = "/nonexistent/fonts/simsun.ttc#0"
    monkeypatch.setitem(app.config, "PDF_FONT", missing)
    with caplog.at_level(logging.ERROR, logger="proctor.notices.fonts"):
        answers = [chief.get(f"/notices/{notice['id']}.pdf?lang=en",
                             headers={"Accept": "application/json"}) for _ in range(2)]
    for answer in answers:
        assert answer.status_code == 503 and answer.mimetype == "application/json"
        error = answer.get_json()["error"]
        assert error["code"] == "pdf_font_missing"
        assert "PROCTOR_PDF_FONT" in error["message"] and missing in error["message"]
        assert "fonts-wqy-microhei" in error["message"]
    told = [r for r in caplog.records if r.name == "proctor.notices.fonts"]
    assert len(told) == 1 and "fonts-wqy-microhei" in told[0].getMessage()   # logged once
    # The chief examiner's "Download PDF" link: a page that says so, in Chinese.
    page = chief.get(f"/notices/{notice['id']}.pdf")
    assert page.status_code == 503 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assert "中文字体" in html and "用浏览器打印" in html and "pdf_font_missing" in html
    # The notice's page itself is untouched: it prints from the browser.
    assert chief.get(f"/notices/{notice['id']}").status_code == 200


def test_no_chinese_truetype_font_anywhere_refuses_the_pdf(app, issued, monkeypatch):
    from proctor.notices import fonts

    chief, notice = issued()
    monkeypatch.setattr(fonts, "_found", {})
    monkeypatch.setattr(fonts, "_fontconfig", list)          # fontconfig lists nothing
    monkeypatch.setattr(fonts, "KNOWN_PATHS", ("/nonexistent/wqy-microhei.ttc",))
    answer = chief.get(f"/notices/{notice['id']}.pdf?lang=en",
                       headers={"Accept": "application/json"})
    assert answer.status_code == 503
    error = answer.get_json()["error"]
    assert error["code"] == "pdf_font_missing" and "fonts-wqy-microhei" in error["message"]


WQY = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
DEJAVU = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


@pytest.mark.parametrize(("setting", "why"), [
    (f"{NOTO_CFF}#2", "postscript outlines"),   # Noto CJK is CFF: reportlab cannot embed it
    (DEJAVU, "no glyph for"),                   # TrueType, but no Chinese
    (f"{WQY}#5", "bad subfontIndex"),           # a face the collection does not have
])
def test_an_unusable_font_setting_is_refused_not_half_embedded(app, issued, monkeypatch,
                                                               setting, why):
    if not Path(setting.partition("#")[0]).is_file():
        pytest.skip(f"{setting} is not installed here")
    chief, notice = issued()
    monkeypatch.setitem(app.config, "PDF_FONT", setting)
    answer = chief.get(f"/notices/{notice['id']}.pdf?lang=en",
                       headers={"Accept": "application/json"})
    assert answer.status_code == 503
    error = answer.get_json()["error"]
    assert error["code"] == "pdf_font_missing" and why in error["message"], error


def test_the_font_is_registered_once_whichever_thread_asks_first(letter_font, monkeypatch):
    from proctor.notices import fonts

    monkeypatch.setattr(fonts, "_found", {})
    monkeypatch.setattr(fonts, "_registered", {})
    loaded = []
    real = fonts.TTFont

    def counting(*args, **kwargs):
        loaded.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(fonts, "TTFont", counting)
    with ThreadPoolExecutor(8) as pool:
        got = list(pool.map(lambda _: fonts.font_for(str(letter_font.file)), range(16)))
    assert len(loaded) == 1 and len({id(font) for font in got}) == 1
    assert got[0].file == letter_font.file and got[0].name == letter_font.name


def test_the_setting_comes_from_the_environment():
    from proctor.config import from_environment

    assert from_environment({"PROCTOR_PDF_FONT": f"{WQY}#1"})["PDF_FONT"] == f"{WQY}#1"


def test_a_name_the_font_cannot_show_refuses_the_pdf(issued, letter_font):
    """䶮 (U+4DAE, in Extension A) is in no WenQuanYi font: an empty box in the name of the
    person a decision is about would make the letter worthless."""
    rare = "王䶮"
    assert letter_font.missing([rare]) == "䶮"
    chief, notice = issued(name=rare)
    answer = chief.get(f"/notices/{notice['id']}.pdf", headers={"Accept": "application/json"})
    assert answer.status_code == 503
    error = answer.get_json()["error"]
    assert error["code"] == "pdf_glyphs_missing" and error["characters"] == "䶮"
    assert chief.get(f"/notices/{notice['id']}").status_code == 200
