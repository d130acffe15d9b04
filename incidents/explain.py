"""Bilingual explanations of a confirmed incident's sanction (a phrase registry keyed by effect).

The Chinese phrases reuse the notice's own wording (取消当次该科目成绩, 当年不得参加评价 …).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from incidents._effects import Consequence
from incidents.model import Effect, PartyRole, Severity
from incidents.records import Explanation, IncidentFact
from incidents.rulebook import Rule

Phrase = tuple[str, str] | None
PhraseMaker = Callable[[IncidentFact, Consequence], Phrase]

ROLE_PHRASES: dict[PartyRole, tuple[str, str]] = {
    PartyRole.PRINCIPAL: ("当事人", "as principal"),
    PartyRole.ACCOMPLICE: (
        "协助者或共同参与者，与当事人同样处理",
        "as accomplice, sanctioned alike",
    ),
    PartyRole.IMPOSTOR: ("替考者，与当事人同样处理", "as impostor, sanctioned alike"),
}


def _period(fact: IncidentFact, until: date | None) -> tuple[str, str]:
    start = fact.sitting_date.isoformat()
    end = until.isoformat() if until else "?"
    return f"{start} 至 {end}，含首尾两日", f"from {start} to {end} inclusive"


def _void_subject(fact: IncidentFact, c: Consequence) -> Phrase:
    name = fact.subject_name or c.voided_subject
    return (
        f"取消当次该科目（{name}）成绩",
        f"the score of subject {name} at this sitting is cancelled",
    )


def _void_all(fact: IncidentFact, c: Consequence) -> Phrase:
    if c.eligibility_cancelled:
        return None  # said by the eligibility phrase
    return "取消当次全部科目成绩", "the scores of all subjects of this sitting are cancelled"


def _ban_current_year(fact: IncidentFact, c: Consequence) -> Phrase:
    zh, en = _period(fact, c.ban_until)
    return f"当年不得参加评价（{zh}）", f"barred from any evaluation in the current year, {en}"


def _ban_years(fact: IncidentFact, c: Consequence) -> Phrase:
    zh, en = _period(fact, c.ban_until)
    if fact.severity == Severity.SERIOUS:
        return (
            f"情节严重，{c.ban_years} 年内不得参加评价（{zh}）",
            f"serious case: barred from any evaluation for {c.ban_years} years, {en}",
        )
    return (
        f"情节轻微，{c.ban_years} 年内不得参加评价（{zh}）",
        f"minor case: barred from any evaluation for {c.ban_years} years, {en}",
    )


def _referral(fact: IncidentFact, c: Consequence) -> Phrase:
    if not c.referral:
        return None
    return (
        "并依据有关法律法规移送有关部门",
        "and referred to the relevant authorities under the law",
    )


PHRASES: dict[Effect, PhraseMaker] = {
    Effect.VOID_SUBJECT: _void_subject,
    Effect.VOID_ALL_SUBJECTS: _void_all,
    Effect.CANCEL_ELIGIBILITY: lambda f, c: (
        "取消其考试资格及考试成绩",
        "exam eligibility and scores are cancelled",
    ),
    Effect.FORFEIT_FEE: lambda f, c: (
        "虚假材料及考核评价费不予退还",
        "the false materials and the evaluation fee are not refunded",
    ),
    Effect.REVOKE_CERTIFICATE: lambda f, c: (
        "已获得的证书作无效处理",
        "a certificate already obtained is invalid",
    ),
    Effect.BAN_CURRENT_YEAR: _ban_current_year,
    Effect.BAN_YEARS: _ban_years,
    Effect.REFERRAL_IF_SERIOUS: _referral,
}

AFTER_EXAM = (
    "评价活动结束后发现并经确认，宣布评价成绩无效，已发放证书及已上网证书数据予以撤销",
    "discovered after the evaluation and confirmed: the results are declared invalid and the "
    "certificate, with its published online data, is revoked",
)


def result_phrases(fact: IncidentFact, rule: Rule, consequence: Consequence) -> tuple[str, str]:
    """The sanction of one confirmed incident in plain words: (Chinese, English)."""
    phrases = [
        phrase
        for effect in Effect
        if effect in rule.effects and (phrase := PHRASES[effect](fact, consequence)) is not None
    ]
    if fact.discovered_after_exam and Effect.REVOKE_CERTIFICATE not in rule.effects:
        phrases.append(AFTER_EXAM)
    return "；".join(p[0] for p in phrases), "; ".join(p[1] for p in phrases)


def explain(fact: IncidentFact, rule: Rule, consequence: Consequence) -> Explanation:
    """Return the bilingual explanation of one confirmed incident's own sanction."""
    result_zh, result_en = result_phrases(fact, rule, consequence)
    role_zh, role_en = ROLE_PHRASES[PartyRole(fact.role)]
    day = fact.sitting_date.isoformat()
    zh = (
        f"事件 #{fact.incident_id}（第 {fact.sitting_id} 场评价，{day}，{role_zh}）"
        f"适用 {rule.code}「{rule.title.zh}」：“{rule.text.zh}”。"
        f"处理结果：{result_zh}。"
    )
    en = (
        f"Incident #{fact.incident_id} (sitting {fact.sitting_id} on {day}, {role_en}) "
        f"under {rule.code} “{rule.title.en}”: “{rule.text.en}”. "
        f"Result: {result_en}."
    )
    return Explanation(incident_id=fact.incident_id, rule_code=rule.code, zh=zh, en=en)
