"""What the printed papers say must be true (issue #9, items 6–8): the room record in venue
time with who, where, which rule and what was done; the decision notice citing the attachment's
own numbering in plain Chinese, in its page and its reportlab PDF; the seized-item receipt with
ticket and seat, and the seized item on the review page."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import UTC, datetime
from html import unescape

import pytest
from helpers import cid

from proctor.services.appeals import content_sha256

# 07:42 UTC is 15:42 in Asia/Shanghai (the default PROCTOR_TIMEZONE).
OBSERVED = datetime(2025, 6, 28, 7, 42, tzinfo=UTC).isoformat()
STARTED = datetime(2025, 6, 28, 1, 5, tzinfo=UTC).isoformat()      # 09:05 local
REMINDED = datetime(2025, 6, 28, 1, 35, tzinfo=UTC).isoformat()    # 09:35 local
WHAT = "考生在理论知识考试中使用手机查阅答案，经制止后交出手机。"
CITATION_T21 = "《职业技能等级认定考生须知》第三条第1项"
# Two English words in a row: an English sentence (or part of one) on a Chinese paper.
ENGLISH = re.compile(r"[A-Za-z]{2,}[\s,.;:'’]+[A-Za-z]{2,}")


def text_of(html: str, tag: str = "article") -> str:
    """The visible text of the first <tag> element (tags dropped, entities decoded)."""
    body = html[html.index(f"<{tag}"):html.rindex(f"</{tag}>")]
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S)
    return unescape(re.sub(r"<[^>]+>", " ", body))


def section(html: str, element_id: str) -> str:
    """The visible text of the <section id=element_id> (it holds no nested section)."""
    start = html.index(f'id="{element_id}"')
    return unescape(re.sub(r"<[^>]+>", " ", html[start:html.index("</section>", start)]))


def name_invigilators(app) -> None:
    """Display names as the demo has them: the role word comes with the name."""
    with app.app_context():
        from proctor.extensions import db
        from proctor.models import User

        for username, name in (("inv1", "监考员 张明"), ("inv2", "监考员 李华")):
            db.session.scalar(db.select(User).where(User.username == username)) \
                .display_name = name
        db.session.commit()


@pytest.fixture
def report_phone(make_incident):
    def report(inv, s):
        """The phone in the theory paper of 考生3 (room A, seat 2), at 15:42 venue time."""
        return make_incident(inv, s, tickets=[s["tickets"][2]], observed_at=OBSERVED,
                             subject="theory", description=WHAT)["id"]

    return report


# -- 6. the room record ------------------------------------------------------------------
def test_room_record_in_venue_time_with_people_rules_and_outcomes(app, make_sitting, auth,
                                                                  report_phone, make_incident,
                                                                  make_warning, decide):
    s = make_sitting()
    name_invigilators(app)
    inv1, inv2, chief = auth.login("inv1"), auth.login("inv2"), auth.login("chief")
    sid, room = s["id"], s["rooms"][0]
    inv1.post(f"/api/v1/sittings/{sid}/rooms/{room}/log", json={
        "client_id": cid(), "kind": "subject_started", "subject": "theory",
        "observed_at": STARTED})
    phone = report_phone(inv1, s)                        # 考生3, room A, seat 2
    decide(chief, phone, note="事实清楚")
    dismissed = make_incident(inv1, s, "T2.2", observed_at=OBSERVED, subject="theory",
                              description="疑似偷看邻座")
    decide(chief, dismissed["id"], "dismiss", note="证据不足")
    make_warning(inv2, s, ticket=s["tickets"][4], rule="T1.2", observed_at=REMINDED,
                 outcome="refused")
    inv1.post(f"/api/v1/sittings/{sid}/rooms/{room}/record/theory/signoff")

    page = inv1.get(f"/floor/sittings/{sid}/rooms/{room}/record/theory")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    text = text_of(html)
    # The title once, the invigilators' role word once.
    assert text.count("考场情况记录表") == 1, text
    assert "监考员 监考员" not in text and "监考员：监考员" not in text
    assert "张明" in text and "李华" in text
    # Venue time, never UTC.
    assert "09:05" in text and "01:05" not in text
    assert "15:42" in text and "07:42" not in text
    assert "09:35" in text and "01:35" not in text
    assert "UTC" not in text
    # Each incident: name, seat, rule in words, what was done.
    rows = re.findall(r'<tr class="incident"[^>]*>(.*?)</tr>', html, flags=re.S)
    assert len(rows) == 3
    raw = {name: row for row in rows for name in ("考生1", "考生3", "考生5") if name in row}
    by_name = {name: unescape(re.sub(r"<[^>]+>", " ", row)) for name, row in raw.items()}
    assert '<td class="seat-cell">2</td>' in raw["考生3"]
    assert '<td class="seat-cell">3</td>' in raw["考生5"]
    phone_row = by_name["考生3"]
    for words in ("使用规定以外的电子设备", "15:42", "已确认", "取消当次全部科目成绩",
                  "当年不得参加评价"):
        assert words in phone_row, (words, phone_row)
    assert "抄袭或协助他人抄袭" in by_name["考生1"] and "不予认定" in by_name["考生1"]
    refusal = by_name["考生5"]
    assert "未在规定座位或擅自离开座位" in refusal and "已报告" in refusal
    assert "09:35" in refusal and "拒不改正" in refusal
    # Printed on A4 with margins.
    assert "print.css" in html


def test_room_record_data_names_the_people_and_their_seats(make_sitting, auth, report_phone):
    s = make_sitting()
    inv1 = auth.login("inv1")
    report_phone(inv1, s)
    record = inv1.get(
        f"/api/v1/sittings/{s['id']}/rooms/{s['rooms'][0]}/record/theory").get_json()
    incident, = record["incidents"]
    assert incident["parties"] == [{"name": "考生3", "ticket_no": s["tickets"][2], "seat_no": 2,
                                    "role": "principal"}]
    assert incident["tickets"] == [s["tickets"][2]]     # the older field stays


# -- 7. the decision notice ----------------------------------------------------------------
def notice_text(chief, notice) -> str:
    page = chief.get(f"/notices/{notice['id']}")
    assert page.status_code == 200
    return text_of(page.get_data(as_text=True))


def pdf_text(chief, notice, tmp_path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext is missing: apt-get install poppler-utils")
    pdf = chief.get(f"/notices/{notice['id']}.pdf")
    assert pdf.status_code == 200
    path = tmp_path / "notice.pdf"
    path.write_bytes(pdf.get_data())
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def flat(text: str) -> str:
    return re.sub(r"\s", "", text)


def assert_chinese_notice(text: str, *, must: tuple[str, ...]) -> None:
    for words in must:
        assert flat(words) in flat(text), (words, text)
    for internal in ("T1.", "T2.", "T3.", "事件 #", "事件#", "第 1 场评价"):
        assert internal not in text, (internal, text)
    assert not re.search(r"#\s*\d", text), text
    assert not ENGLISH.search(text), ENGLISH.search(text)


def test_notice_cites_the_attachment_and_says_the_facts_in_plain_chinese(
        app, make_sitting, auth, tmp_path, report_phone, decide, issue_notices):
    s = make_sitting()
    inv, chief = auth.login("inv1"), auth.login("chief")
    iid = report_phone(inv, s)
    decide(chief, iid, note="事实清楚")
    notice = issue_notices(chief, iid)[0]
    rule_text = notice["content"]["rule"]["text"]["zh"]
    must = ("处理决定书", "考生3", notice["id_number"], s["tickets"][2], CITATION_T21,
            "2025年6月28日15时42分", "理论知识", "座位号", WHAT, rule_text,
            "取消你本次评价全部科目（理论知识、操作技能）成绩", "2025年12月31日", "复核")
    html = notice_text(chief, notice)
    assert_chinese_notice(html, must=must)
    assert "7时42分" not in html
    assert html.count(rule_text) == 1          # the rule is quoted once, not twice
    assert html.count("处理决定书") == 2        # the title, and the acknowledgement's line
    reportlab = pdf_text(chief, notice, tmp_path)
    assert_chinese_notice(reportlab, must=must)
    assert flat(reportlab).count(flat(rule_text)) == 1
    # The frozen content still hashes to the notice's SHA-256.
    assert content_sha256(notice["content"]) == notice["sha256"]
    assert notice["content"]["rule"]["citation"]["zh"] == CITATION_T21
    # Staff keep the engine's explanation, with its codes.
    assert "T2.1" in notice["content"]["sanction"]["explanation"]["zh"]


def test_notice_after_a_refused_reminder_tells_the_reminder(app, make_sitting, auth, tmp_path,
                                                            make_warning, decide, issue_notices):
    s = make_sitting()
    inv, chief = auth.login("inv1"), auth.login("chief")
    refused = make_warning(inv, s, rule="T1.1", observed_at=REMINDED,
                           note="桌面放有与考试内容相关的书籍", outcome="refused")
    decide(chief, refused["incident_id"], note="事实清楚")
    notice = issue_notices(chief, refused["incident_id"])[0]
    must = ("考生1", "2025年6月28日9时35分", "提醒", "拒不改正", "桌面放有与考试内容相关的书籍",
            "《职业技能等级认定考生须知》第二条第1项", "取消你本次评价理论知识科目成绩")
    for text in (notice_text(chief, notice), pdf_text(chief, notice, tmp_path)):
        assert_chinese_notice(text, must=must)
        assert "refused" not in text and "2025年6月28日1时35分" not in flat(text)
    assert content_sha256(notice["content"]) == notice["sha256"]


def test_notice_tier_three_serious_ban_and_referral(app, make_sitting, auth, tmp_path,
                                                    make_incident, decide, issue_notices):
    s = make_sitting()
    inv, chief = auth.login("inv1"), auth.login("chief")
    made = make_incident(inv, s, "T3.4", tickets=[s["tickets"][2]], observed_at=OBSERVED,
                         subject="theory",
                         description="入场核验时发现人证不符，系他人冒名参加评价。")
    decide(chief, made["id"], note="事实清楚", severity="serious")
    notice = issue_notices(chief, made["id"])[0]
    must = ("《职业技能等级认定考生须知》第四条第4项", "情节严重",
            "取消你本次评价全部科目（理论知识、操作技能）成绩", "2025年6月28日", "2030年6月27日",
            "移交有关部门")
    for text in (notice_text(chief, notice), pdf_text(chief, notice, tmp_path)):
        assert_chinese_notice(text, must=must)
    english = text_of(chief.get(f"/notices/{notice['id']}?lang=en").get_data(as_text=True))
    assert "article 4, item 4" in english and "27 June 2030" in english
    assert "T3.4" not in english and not re.search(r"#\s*\d", english)


# -- 8. the seized item: receipt and review page --------------------------------------------
def test_receipt_shows_ticket_and_seat_and_review_lists_the_item(app, make_sitting, auth,
                                                                 report_phone):
    s = make_sitting()
    name_invigilators(app)
    inv, chief = auth.login("inv1"), auth.login("chief")
    iid = report_phone(inv, s)
    item = inv.post(f"/api/v1/incidents/{iid}/seized", json={
        "client_id": cid(), "description": "手机一部（黑色）", "kept_at": "考务办公室保管箱 3 号",
        "seized_at": OBSERVED}).get_json()
    receipt = text_of(inv.get(item["receipt_url"]).get_data(as_text=True))
    for words in ("考生3", s["tickets"][2], "准考证号", "座位号", "手机一部（黑色）",
                  "考务办公室保管箱 3 号", "张明", "2025-06-28 15:42"):
        assert words in receipt, (words, receipt)
    assert re.search(r"座位号\s+2\b", receipt), receipt
    page = chief.get(f"/review/incidents/{iid}").get_data(as_text=True)
    seized = section(page, "seized")
    for words in ("手机一部（黑色）", "考生3", "考务办公室保管箱 3 号", "2025-06-28 15:42", "张明",
                  "未归还"):
        assert words in seized, (words, seized)
    assert item["receipt_url"] in page
    inv.post(f"/api/v1/seized/{item['id']}/return", json={"returned_to": "考生本人"})
    page = chief.get(f"/review/incidents/{iid}").get_data(as_text=True)
    seized = section(page, "seized")
    assert "考生本人" in seized and "未归还" not in seized
