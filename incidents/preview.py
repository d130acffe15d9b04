"""What a rule would bring, in plain words, before anything is saved (the incident form)."""

from __future__ import annotations

from datetime import date

from incidents._effects import consequence_of
from incidents.explain import result_phrases
from incidents.model import IncidentStatus, Severity, Tier
from incidents.records import IncidentFact
from incidents.rulebook import Rulebook, Text, resolve


def preview(
    rule_code: str,
    *,
    sitting_date: date,
    subject: str | None,
    severity: Severity | None = None,
    rulebook: Rulebook | None = None,
    subject_name: str | None = None,
) -> Text:
    """The sanction `rule_code` would bring if a chief examiner confirmed it; `subject_name`
    is how the subject is called on screen (its code otherwise).

    Tier 3 needs a severity to be exact; without one, both outcomes are given. Raises
    UnknownRule for an unknown code.
    """
    book = resolve(rulebook)
    rule = book.get(rule_code)
    if rule.tier == Tier.THREE and severity is None:
        minor = preview(rule_code, sitting_date=sitting_date, subject=subject,
                        severity=Severity.MINOR, rulebook=book, subject_name=subject_name)
        serious = preview(rule_code, sitting_date=sitting_date, subject=subject,
                          severity=Severity.SERIOUS, rulebook=book, subject_name=subject_name)
        return Text(zh=f"{minor.zh}。或者：{serious.zh}", en=f"{minor.en}. Or: {serious.en}")
    fact = IncidentFact(incident_id=0, rule_code=rule.code, status=IncidentStatus.CONFIRMED,
                        sitting_id=0, sitting_date=sitting_date, subject=subject,
                        severity=severity if rule.tier == Tier.THREE else None,
                        subject_name=subject_name)
    zh, en = result_phrases(fact, rule, consequence_of(fact, rule))
    return Text(zh=zh, en=en)
