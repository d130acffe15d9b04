"""Every letter the review needs (issue #11, item 3): a changed review issues a revised decision
notice that replaces the old one (never edited: its content and SHA-256 stay), every outcome a
review decision letter (复核决定书), each letter has its proof of service (送达回证) and its
service is recorded through the API; letters are numbered in one sequence per sitting and list
the remedies still open, from configurable text with dates filled in. Every letter's PDF reads
back the candidate's name and the rule text, never an internal code; page 1 of each is kept in
test-artifacts/screenshots/letter-<kind>-a4.png, and the proof page in letter-proof-a4.png."""

from __future__ import annotations

import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from test_appeals import ask_review, serve, today
from test_notice_pdf_font import (  # noqa: F401 (letter_font: a fixture, skips without a font)
    SCREENSHOTS,
    assert_embedded,
    flat,
    letter_font,
    needed,
    text_of,
)


def zh_date(day) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


@pytest.fixture
def reviewed(app, make_sitting, auth, make_incident, decide, issue_notices):
    """A confirmed T3.2 (serious) of 考生1, its notice served and a review asked for:
    decide(outcome, **body) answers the review's outcome; the chief and the notice."""
    s = make_sitting()
    inv, chief = auth.login("inv1"), auth.login("chief")
    iid = make_incident(inv, s, "T3.2", tickets=[s["tickets"][0]])["id"]
    decide(chief, iid, severity="serious")
    notice, = issue_notices(chief, iid)
    notice = serve(chief, notice, today(app))
    review = ask_review(chief, notice, today(app))

    def outcome(kind: str, **body):
        answer = chief.post(f"/api/v1/reviews/{review['id']}/outcome",
                            json={"outcome": kind, **body})
        assert answer.status_code == 200, answer.get_json()
        return answer.get_json()

    return {"sitting": s, "chief": chief, "notice": notice, "iid": iid, "decide": outcome}


def get(chief, nid):
    answer = chief.get(f"/api/v1/notices/{nid}")
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()


def pdf_text(chief, nid, tmp_path: Path, name: str) -> tuple[Path, str]:
    response = chief.get(f"/notices/{nid}.pdf")
    assert response.status_code == 200, response.get_data(as_text=True)
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(response.get_data())
    return path, text_of(path)


def screenshot(pdf: Path, name: str, page: int = 1) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    target = SCREENSHOTS / name
    subprocess.run([needed("pdftoppm"), "-png", "-r", "80", "-f", str(page), "-l", str(page),
                    "-singlefile", str(pdf), str(target)], check=True, timeout=60)
    return target.with_suffix(".png")


def page_count(pdf: Path) -> int:
    info = subprocess.run([needed("pdfinfo"), str(pdf)], capture_output=True, text=True,
                          check=True, timeout=60).stdout
    return int(next(line.split()[1] for line in info.splitlines()
                    if line.startswith("Pages:")))


def test_changed_review_issues_a_revised_notice_and_the_old_one_is_superseded(app, reviewed):
    chief, old = reviewed["chief"], reviewed["notice"]
    out = reviewed["decide"]("changed", severity="minor", note="情节轻微，初犯")
    assert out["letter"]["kind"] == "review_decision"
    revised_ref, = out["revised_notices"]
    revised = get(chief, revised_ref["id"])
    assert revised["kind"] == "revised_decision" and revised["supersedes"]["id"] == old["id"]
    assert revised["superseded_by"] is None and revised["review_id"] == out["id"]
    assert revised["content"]["sanction"]["bans"][0]["until"] == "2027-06-27"
    assert revised["content"]["revision"]["review"]["letter_number"] == out["letter"]["number"]
    # The old notice: linked to its replacement, its content and fingerprint as issued.
    again = get(chief, old["id"])
    assert again["superseded_by"] == {"id": revised["id"], "number": revised["number"],
                                      "kind": "revised_decision"}
    assert again["content"] == old["content"] and again["sha256"] == old["sha256"]
    assert again["content"]["sanction"]["bans"][0]["until"] == "2030-06-27"
    with app.app_context():
        from proctor.extensions import db
        from proctor.hashing import digest
        from proctor.models import Notice

        row = db.session.get(Notice, old["id"])
        assert digest(row.content) == row.content_sha256 == old["sha256"]
    replaced = f"已被第{revised['number']}号决定书取代"
    assert replaced in chief.get(f"/notices/{old['id']}").get_data(as_text=True)
    page = chief.get(f"/notices/{revised['id']}").get_data(as_text=True)
    for words in ("变更处理决定书", f"第{out['letter']['number']}号复核决定书",
                  f"第{old['number']}号处理决定书", "2027年6月27日", "不再受理复核申请"):
        assert words in page, words
    # Issuing again answers the notice in force; a review goes to that one, and only once.
    assert [n["id"] for n in chief.post(f"/api/v1/incidents/{reviewed['iid']}/notices",
                                        json={}).get_json()] == [revised["id"]]
    day = today(app)
    assert ask_review(chief, old, day, 409)["error"]["code"] == "notice_superseded"
    serve(chief, revised, day)
    assert ask_review(chief, revised, day, 409)["error"]["code"] == "review_exhausted"
    assert revised["review_last_day"] is None


def test_a_changed_incident_revises_every_partys_notice(app, make_sitting, auth, make_incident,
                                                        decide, issue_notices):
    s = make_sitting()
    inv, chief = auth.login("inv1"), auth.login("chief")
    iid = make_incident(inv, s, "T3.5", tickets=[s["tickets"][0], s["tickets"][2]])["id"]
    decide(chief, iid, severity="serious")
    first, second = issue_notices(chief, iid)
    serve(chief, first, today(app))
    review = ask_review(chief, first, today(app))
    out = chief.post(f"/api/v1/reviews/{review['id']}/outcome",
                     json={"outcome": "changed", "severity": "minor"}).get_json()
    revised = {get(chief, r["id"])["person_id"]: get(chief, r["id"])
               for r in out["revised_notices"]}
    assert set(revised) == {first["person_id"], second["person_id"]}
    # The other party was not heard on review: their revised notice still offers one.
    other = serve(chief, revised[second["person_id"]], today(app))
    assert other["review_last_day"] == (today(app) + timedelta(days=15)).isoformat()
    assert "15" in chief.get(f"/notices/{other['id']}").get_data(as_text=True)
    assert ask_review(chief, other, today(app))["status"] == "pending"


@pytest.mark.parametrize(("outcome", "body", "says"), [
    ("upheld", {"note": "事实清楚"}, "决定予以维持"),
    ("changed", {"severity": "minor", "note": "情节轻微"}, "予以变更"),
    ("overturned", {"note": "证据不足"}, "决定撤销原处理决定"),
])
def test_every_outcome_issues_a_review_decision_letter(app, reviewed, outcome, body, says):
    chief, old = reviewed["chief"], reviewed["notice"]
    out = reviewed["decide"](outcome, **body)
    letter = get(chief, out["letter"]["id"])
    assert letter["kind"] == "review_decision" and letter["review_id"] == out["id"]
    assert letter["person_id"] == old["person_id"] and letter["review_last_day"] is None
    c = letter["content"]
    assert (c["outcome"], c["reasons"], c["request"]["grounds"]) == (
        outcome, body["note"], "本人未使用手机，请求复核")
    assert c["reviewed"]["number"] == old["number"]
    with app.app_context():
        from proctor.hashing import digest

        assert digest(c) == letter["sha256"]
    page = chief.get(f"/notices/{letter['id']}")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    html = page.get_data(as_text=True)
    for words in ("复核决定书", old["name"], says, body["note"], "本人未使用手机，请求复核",
                  f"第{old['number']}号处理决定书", "《职业技能等级认定考生须知》第四条第2项",
                  "人力资源和社会保障局", "送达回证"):
        assert words in html, words
    assert "T3.2" not in html
    # The outcome's answer is unchanged in its other fields, and a letter is not reviewed.
    assert out["status"] == outcome
    assert ask_review(chief, serve(chief, letter, today(app)), today(app), 409)["error"][
        "code"] == "not_reviewable"
    # Upheld and overturned leave the notice in force as it was.
    assert (get(chief, old["id"])["superseded_by"] is None) == (outcome != "changed")


def test_each_letter_has_its_proof_of_service_and_service_is_recorded(app, reviewed):
    chief = reviewed["chief"]
    out = reviewed["decide"]("changed", severity="minor")
    letters = [reviewed["notice"]["id"], out["letter"]["id"], out["revised_notices"][0]["id"]]
    day = today(app)
    for nid in letters:
        letter = get(chief, nid)
        assert letter["proof_url"] == f"/notices/{nid}/proof"
        proof = chief.get(letter["proof_url"])
        assert proof.status_code == 200 and proof.headers["Cache-Control"] == "no-store"
        html = proof.get_data(as_text=True)
        for words in ("送达回证", letter["number"], letter["name"], "受送达人签名", "送达人",
                      "见证人", "送达方式", "送达日期"):
            assert words in html, words
        if letter["service"] is None:
            assert "□ 直接送达" in html
            served = chief.post(f"/api/v1/notices/{nid}/service",
                                json={"method": "post", "served_on": day.isoformat()})
            assert served.status_code == 200, served.get_json()
            assert served.get_json()["service"]["method"] == "post"
        html = chief.get(letter["proof_url"]).get_data(as_text=True)
        assert zh_date(day) in html and "□ 直接送达" not in html
    with app.app_context():
        from proctor.extensions import db
        from proctor.models import AuditEntry

        served = [e.data for e in db.session.scalars(db.select(AuditEntry).where(
            AuditEntry.action == "notice_served"))]
        assert sorted(e["kind"] for e in served[1:]) == ["review_decision", "revised_decision"]


def test_letters_are_numbered_in_one_sequence_per_sitting(app, reviewed, make_sitting, auth,
                                                          make_incident, decide, issue_notices):
    chief = reviewed["chief"]
    out = reviewed["decide"]("changed", severity="minor")
    year, sid = 2025, reviewed["sitting"]["id"]
    assert [reviewed["notice"]["number"], out["letter"]["number"],
            out["revised_notices"][0]["number"]] == [
        f"{year}-{sid}-001", f"{year}-{sid}-002", f"{year}-{sid}-003"]
    other = make_sitting()
    iid = make_incident(auth.login("inv1"), other, "T2.1")["id"]
    decide(chief, iid)
    assert issue_notices(chief, iid)[0]["number"] == f"{year}-{other['id']}-001"


def test_remedies_are_configurable_and_shown_with_their_dates(app, make_sitting, auth,
                                                              make_incident, decide,
                                                              issue_notices, tmp_path):
    s = make_sitting()
    inv, chief = auth.login("inv1"), auth.login("chief")
    remedies = tmp_path / "remedies.toml"
    remedies.write_text('zh = ["对复核决定不服的，可于{served+30}前向市人社局投诉（文书日期'
                        '{issued_on}）。"]\nen = ["Complain by {served+30}."]\n',
                        encoding="utf-8")
    app.config["REMEDIES_FILE"] = str(remedies)
    iid = make_incident(inv, s, "T2.1")["id"]
    decide(chief, iid)
    notice, = issue_notices(chief, iid)
    assert notice["content"]["remedies"]["beyond"]["en"] == ["Complain by {served+30}."]
    day = today(app)
    html = chief.get(f"/notices/{notice['id']}").get_data(as_text=True)
    assert f"可于送达之日起第30日前向市人社局投诉（文书日期{zh_date(day)}）" in html
    serve(chief, notice, day)
    html = chief.get(f"/notices/{notice['id']}").get_data(as_text=True)
    assert f"可于{zh_date(day + timedelta(days=30))}前向市人社局投诉" in html
    assert zh_date(day + timedelta(days=15)) in html       # the review's own last day
    english = chief.get(f"/notices/{notice['id']}?lang=en").get_data(as_text=True)
    assert "Complain by" in english and str((day + timedelta(days=30)).year) in english
    # The text is frozen in the letter: a later change of the setting leaves it as issued.
    remedies.write_text('zh = ["另一段文字。"]\n', encoding="utf-8")
    assert "市人社局投诉" in chief.get(f"/notices/{notice['id']}").get_data(as_text=True)
    remedies.write_text('zh = 5\n', encoding="utf-8")
    iid = make_incident(inv, s, "T2.1", tickets=[s["tickets"][2]])["id"]
    decide(chief, iid)
    broken = chief.post(f"/api/v1/incidents/{iid}/notices", json={})
    assert broken.status_code == 503
    assert broken.get_json()["error"]["code"] == "remedies_file_invalid"


def test_the_default_remedies_name_the_supervising_department(app, reviewed):
    out = reviewed["decide"]("upheld")
    html = reviewed["chief"].get(f"/notices/{out['letter']['id']}").get_data(as_text=True)
    for words in ("上海市人力资源和社会保障局", "行政复议", "行政诉讼", "送达之日起第60日"):
        assert words in html, words


@pytest.mark.usefixtures("letter_font")
def test_every_letter_pdf_reads_back_and_is_kept_as_a4_png(app, reviewed, tmp_path):
    chief, old = reviewed["chief"], reviewed["notice"]
    out = reviewed["decide"]("changed", rule_code="T2.5", note="证据只能证明一般作弊行为")
    letters = {"decision": old["id"], "review_decision": out["letter"]["id"],
               "revised_decision": out["revised_notices"][0]["id"]}
    titles = {"decision": "处理决定书", "review_decision": "复核决定书",
              "revised_decision": "变更处理决定书"}
    for kind, nid in letters.items():
        letter = get(chief, nid)
        pdf, text = pdf_text(chief, nid, tmp_path, kind)
        assert_embedded(pdf)
        rule = letter["content"]["rule"]["text"]["zh"]
        for words in (" ".join(titles[kind]), letter["name"], letter["number"], rule,
                      "送达回证", "受送达人签名：", "上海市人力资源和社会保障局"):
            assert flat(words) in flat(text), (kind, words)
        for code in ("T2.1", "T2.5", "T3.2"):
            assert code not in text, (kind, code)
        assert "\ufffd" not in text
        assert page_count(pdf) >= 2          # the letter, then its proof of service
        png = screenshot(pdf, f"letter-{kind}-a4")
        assert png.stat().st_size > 10_000
    superseded_pdf, text = pdf_text(chief, old["id"], tmp_path, "superseded")
    assert flat(f"已被第{out['revised_notices'][0]['number']}号决定书取代") in flat(text)
    _, review_text = pdf_text(chief, letters["review_decision"], tmp_path, "review")
    for words in ("《职业技能等级认定考生须知》第四条第2项",   # the rule reviewed (T3.2)
                  "《职业技能等级认定考生须知》第三条第5项",   # the rule now (T2.5)
                  "证据只能证明一般作弊行为"):
        assert flat(words) in flat(review_text), words
    screenshot(superseded_pdf, "letter-proof-a4", page=page_count(superseded_pdf))


def test_each_letter_is_announced_live_and_audited(app, reviewed, monkeypatch):
    from proctor import publisher

    sent = []
    real = publisher.publish
    monkeypatch.setattr(publisher, "publish",
                        lambda kind, sid, rid, data: sent.append((kind, data)) or real(
                            kind, sid, rid, data))
    out = reviewed["decide"]("changed", severity="minor")
    issued = [data for kind, data in sent if kind == "notice_issued"]
    assert [(d["kind"], d["notice_id"]) for d in issued] == [
        ("review_decision", out["letter"]["id"]),
        ("revised_decision", out["revised_notices"][0]["id"])]
    assert all("name" not in d and "id_number" not in d for d in issued)
    with app.app_context():
        from proctor.extensions import db
        from proctor.models import AuditEntry

        entries = {(e.action, e.object_id): e.data for e in db.session.scalars(
            db.select(AuditEntry).where(AuditEntry.action.in_(
                ("notice_issued", "notice_superseded"))))}
    old, new = reviewed["notice"], out["revised_notices"][0]
    assert entries[("notice_superseded", str(old["id"]))]["superseded_by"] == new["id"]
    assert entries[("notice_superseded", str(old["id"]))]["sha256"] == old["sha256"]
    assert entries[("notice_issued", str(out["letter"]["id"]))]["kind"] == "review_decision"
    assert entries[("notice_issued", str(new["id"]))]["supersedes_id"] == old["id"]
