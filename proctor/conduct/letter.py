"""What the letter of a conduct record says, in plain sentences of the page's language, from its
frozen content: to whom, the facts, the files, the kind of misconduct in the body's words, the
decision and its reasons. For the page and the PDF alike (`proctor.conduct.pdf`).
"""

from __future__ import annotations

from typing import Any

from proctor.i18n import current_language
from proctor.models import ConductNotice
from proctor.notices.wording import level, long_date, long_moment

TITLES = {"staff": {"zh": "工作人员违纪违规处理通知书",
                    "en": "Notice of decision on misconduct of exam staff"},
          "training_body": {"zh": "培训机构违规处理通知书",
                            "en": "Notice of decision on misconduct of a training body"}}
DUTIES = {"invigilator": {"zh": "监考员", "en": "invigilator"},
          "chief": {"zh": "主考", "en": "chief examiner"},
          "patrol": {"zh": "巡考员", "en": "patrol"},
          "other": {"zh": "考点工作人员", "en": "venue staff"}}
LABELS = {
    "zh": {"name": "姓名", "id_number": "证件号码", "username": "账号", "duty": "工作职责",
           "body": "机构名称", "evaluation": "评价项目", "no": "编号", "facts": "一、基本事实",
           "evidence": "二、证据", "finding": "三、认定", "decision": "四、处理决定",
           "objection": "五、异议", "signed": "签发人", "seal": "（盖章）"},
    "en": {"name": "Name", "id_number": "ID number", "username": "Account", "duty": "Duty",
           "body": "Training body", "evaluation": "Evaluation", "no": "No.",
           "facts": "1. Facts", "evidence": "2. Evidence", "finding": "3. Finding",
           "decision": "4. Decision", "objection": "5. Objection", "signed": "Signed by",
           "seal": "(seal)"},
}


def _who(c: dict[str, Any], lang: str) -> str:
    subject = c["subject"]
    if c["subject_kind"] == "training_body":
        return str(subject["training_body"])
    duty = DUTIES.get(subject.get("duty") or "other", DUTIES["other"])[lang]
    return f"{subject['name']}（{duty}）" if lang == "zh" else f"{subject['name']} ({duty})"


def _evaluation(c: dict[str, Any], lang: str) -> str | None:
    sitting = c.get("sitting")
    if not sitting:
        return None
    return f"{sitting['occupation']} · {level(c, lang)} · {long_date(sitting['date'], lang)}"


def facts(c: dict[str, Any], lang: str) -> list[str]:
    when = long_moment(c["facts"]["observed_at"], lang)
    text = c["facts"]["description"].strip()
    sitting = c.get("sitting")
    if lang == "zh":
        where = f"在{sitting['occupation']}（{level(c, lang)}）评价中，" if sitting else ""
        return [f"经查，{when}，{where}{_who(c, lang)}有以下行为：{text}"]
    where = f" during the evaluation of {sitting['occupation']}, {level(c, lang)}" \
        if sitting else ""
    return [f"It was established that on {when}{where}, {_who(c, lang)} did the following: "
            f"{text}"]


def evidence(c: dict[str, Any], lang: str) -> list[str]:
    lines = []
    for item in c["files"]:
        kind = ("PDF 文件" if lang == "zh" else "PDF document") \
            if item["media_type"] == "application/pdf" else ("照片" if lang == "zh" else "Photo")
        name = f" {item['filename']}" if item.get("filename") else ""
        lines.append(f"{kind}{name}（SHA-256 {item['sha256'][:16]}…）" if lang == "zh"
                     else f"{kind}{name} (SHA-256 {item['sha256'][:16]}…)")
    if not lines:
        lines.append("评价机构工作人员的记录。" if lang == "zh"
                     else "The record made by the evaluation body's staff.")
    return lines


def finding(c: dict[str, Any], lang: str) -> list[str]:
    text = c["code"]["text"][lang]
    if lang == "zh":
        return [f"上述行为属于“{text}”的情形。"]
    return [f"This conduct falls under: “{text}”."]


def decision(c: dict[str, Any], lang: str) -> list[str]:
    measure, reasons = c["decision"]["measure"], c["decision"]["reasons"]
    if lang == "zh":
        return [f"经本机构研究，决定对{_who(c, lang)}作出如下处理：{measure}。",
                f"理由：{reasons}"]
    return [f"Having considered the matter, this body decides on the following measure for "
            f"{_who(c, lang)}: {measure}.", f"Reasons: {reasons}"]


def objection(lang: str) -> list[str]:
    if lang == "zh":
        return ["如对本通知所述事实或处理决定有异议，可向本机构书面提出，并附相关材料。"]
    return ["If you disagree with the facts or the decision stated in this notice, you may "
            "say so to this body in writing, with the documents that support it."]


def party_rows(c: dict[str, Any], lang: str) -> list[tuple[str, str]]:
    words, subject = LABELS[lang], c["subject"]
    if c["subject_kind"] == "training_body":
        rows = [(words["body"], str(subject["training_body"]))]
    else:
        rows = [(words["name"], str(subject["name"]))]
        if subject.get("id_number"):
            rows.append((words["id_number"], subject["id_number"]))
        if subject.get("username"):
            rows.append((words["username"], subject["username"]))
        rows.append((words["duty"], DUTIES.get(subject.get("duty") or "other",
                                               DUTIES["other"])[lang]))
    evaluation = _evaluation(c, lang)
    if evaluation:
        rows.append((words["evaluation"], evaluation))
    return rows


def letter_view(letter: ConductNotice) -> dict[str, Any]:
    """The letter in the current language, for the page and the PDF."""
    lang = current_language()
    c = letter.content
    return {
        "lang": lang, "c": c, "number": letter.number, "sha256": letter.content_sha256,
        "title": TITLES[c["subject_kind"]][lang], "labels": LABELS[lang],
        "issuing_body": c["issuing_body"][lang], "issued_on": long_date(c["issued_on"], lang),
        "party": party_rows(c, lang), "facts": facts(c, lang), "evidence": evidence(c, lang),
        "finding": finding(c, lang), "decision": decision(c, lang),
        "objection": objection(lang),
    }
