"""Validation of what an invigilator or chief examiner asks for, before anything is recorded."""

from __future__ import annotations

from incidents.errors import RuleError
from incidents.model import Severity, Tier
from incidents.rulebook import Rule, Rulebook, resolve


def check_report(
    rule_code: str,
    *,
    subject: str | None,
    from_refused_warning: bool,
    party_count: int,
    severity: Severity | None = None,
    rulebook: Rulebook | None = None,
) -> Rule:
    """Validate a new incident report and return its rule.

    Raises `RuleError` with, in this order of checking: ``unknown_rule_code``;
    ``invalid_severity`` when a severity is neither "minor" nor "serious"; ``warning_required``
    when a rule that needs a refused reminder (T1.1–T1.3) is reported other than from a refused
    warning; ``subject_required`` for a Tier 1 incident without a subject; ``parties_required``
    when nobody is a party; ``severity_not_applicable`` when a severity is proposed for a rule
    outside Tier 3 (an invigilator may propose one for Tier 3; the chief examiner decides).
    """
    rule = resolve(rulebook).get(rule_code)
    _check_severity_value(severity)
    if rule.requires_refused_warning and not from_refused_warning:
        raise RuleError(
            "warning_required",
            f"{rule.code} applies only after a reminder the candidate refused to follow: "
            "record a warning and its refusal instead",
        )
    if rule.tier is Tier.ONE and not (subject and subject.strip()):
        raise RuleError("subject_required", f"{rule.code} voids one subject: name the subject")
    if party_count < 1:
        raise RuleError("parties_required")
    if severity is not None and rule.tier is not Tier.THREE:
        raise RuleError("severity_not_applicable", f"{rule.code} is not a Tier 3 rule")
    return rule


def check_decision(
    rule_code: str,
    *,
    confirm: bool,
    severity: Severity | None,
    rulebook: Rulebook | None = None,
) -> None:
    """Validate a chief examiner's decision on an incident.

    Confirming a Tier 3 incident needs a severity (``severity_required``); a severity given for
    any other rule is refused (``severity_not_applicable``), whether confirming or dismissing.
    A severity that is neither "minor" nor "serious" raises ``invalid_severity``.
    """
    rule = resolve(rulebook).get(rule_code)
    _check_severity_value(severity)
    if severity is not None and rule.tier is not Tier.THREE:
        raise RuleError("severity_not_applicable", f"{rule.code} is not a Tier 3 rule")
    if confirm and rule.tier is Tier.THREE and severity is None:
        raise RuleError("severity_required", f"confirming {rule.code} needs minor or serious")


def warning_rule_codes(rulebook: Rulebook | None = None) -> tuple[str, ...]:
    """Return the codes whose sanction needs a refused reminder first (T1.1, T1.2, T1.3)."""
    return tuple(
        code for code, rule in resolve(rulebook).rules.items() if rule.requires_refused_warning
    )


def _check_severity_value(severity: object) -> None:
    # The web layer may hand over the raw request string; refuse anything but the two values.
    if severity is not None and severity not in _SEVERITY_VALUES:
        raise RuleError("invalid_severity", f"severity must be minor or serious, not {severity!r}")


_SEVERITY_VALUES = frozenset(s.value for s in Severity)
