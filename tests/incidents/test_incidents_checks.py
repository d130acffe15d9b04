"""Validating reports and decisions: the reminder rule, subjects, parties, severities."""

from __future__ import annotations

import pytest

from incidents import (
    RULE_CODES,
    RuleError,
    Severity,
    UnknownRule,
    check_decision,
    check_report,
    warning_rule_codes,
)

WARNING_CODES = ("T1.1", "T1.2", "T1.3")
OTHER_CODES = tuple(code for code in RULE_CODES if code not in WARNING_CODES)


def test_warning_rule_codes() -> None:
    assert warning_rule_codes() == WARNING_CODES


@pytest.mark.parametrize("code", WARNING_CODES)
def test_reminder_rules_cannot_be_posted_directly(code: str) -> None:
    with pytest.raises(RuleError) as info:
        check_report(code, subject="theory", from_refused_warning=False, party_count=1)
    assert (info.value.code, info.value.field) == ("warning_required", "rule_code")
    assert code in str(info.value)


@pytest.mark.parametrize("code", WARNING_CODES)
def test_reminder_rules_arise_from_a_refused_warning(code: str) -> None:
    rule = check_report(code, subject="theory", from_refused_warning=True, party_count=1)
    assert rule.code == code
    assert rule.requires_refused_warning


@pytest.mark.parametrize("code", OTHER_CODES)
def test_other_rules_need_no_reminder(code: str) -> None:
    rule = check_report(code, subject="practical", from_refused_warning=False, party_count=2)
    assert rule.code == code
    assert not rule.requires_refused_warning


@pytest.mark.parametrize(
    ("code", "subject", "warned"),
    [
        ("T1.4", None, False),
        ("T1.4", "", False),
        ("T1.4", "   ", False),
        ("T1.1", None, True),
        ("T1.3", "", True),
    ],
)
def test_tier_one_needs_a_subject(code: str, subject: str | None, warned: bool) -> None:
    with pytest.raises(RuleError) as info:
        check_report(code, subject=subject, from_refused_warning=warned, party_count=1)
    assert (info.value.code, info.value.field) == ("subject_required", "subject")


@pytest.mark.parametrize("code", ["A0", "T2.1", "T2.5", "T3.4", "T3.7"])
def test_higher_tiers_need_no_subject(code: str) -> None:
    assert check_report(code, subject=None, from_refused_warning=False, party_count=1).code == code


@pytest.mark.parametrize("party_count", [0, -1])
def test_an_incident_needs_a_party(party_count: int) -> None:
    with pytest.raises(RuleError) as info:
        check_report("T2.2", subject=None, from_refused_warning=False, party_count=party_count)
    assert (info.value.code, info.value.field) == ("parties_required", "parties")


def test_unknown_code_is_refused_first() -> None:
    with pytest.raises(UnknownRule) as info:
        check_report("T4.1", subject=None, from_refused_warning=False, party_count=0)
    assert (info.value.code, info.value.field) == ("unknown_rule_code", "rule_code")


@pytest.mark.parametrize(
    ("code", "severity", "error"),
    [
        ("T3.3", Severity.SERIOUS, None),
        ("T3.1", Severity.MINOR, None),
        ("T2.1", Severity.MINOR, "severity_not_applicable"),
        ("A0", Severity.SERIOUS, "severity_not_applicable"),
        ("T3.2", "grave", "invalid_severity"),
    ],
)
def test_report_may_propose_a_severity_for_tier_three_only(
    code: str, severity: Severity, error: str | None
) -> None:
    def report() -> None:
        check_report(
            code, subject=None, from_refused_warning=False, party_count=1, severity=severity
        )

    if error is None:
        report()
    else:
        with pytest.raises(RuleError) as info:
            report()
        assert (info.value.code, info.value.field) == (error, "severity")


@pytest.mark.parametrize(
    ("code", "confirm", "severity", "error"),
    [
        ("T3.4", True, None, "severity_required"),
        ("T3.4", True, Severity.MINOR, None),
        ("T3.6", True, Severity.SERIOUS, None),
        ("T3.4", False, None, None),
        ("T3.5", False, Severity.MINOR, None),
        ("T2.1", True, None, None),
        ("T2.1", True, Severity.SERIOUS, "severity_not_applicable"),
        ("T1.4", False, Severity.MINOR, "severity_not_applicable"),
        ("A0", True, None, None),
        ("A0", True, Severity.MINOR, "severity_not_applicable"),
        ("T3.1", True, "medium", "invalid_severity"),
        ("T9.1", True, None, "unknown_rule_code"),
    ],
)
def test_check_decision(
    code: str, confirm: bool, severity: Severity | None, error: str | None
) -> None:
    if error is None:
        assert check_decision(code, confirm=confirm, severity=severity) is None
        return
    with pytest.raises(RuleError) as info:
        check_decision(code, confirm=confirm, severity=severity)
    assert info.value.code == error
    assert info.value.field == ("rule_code" if error == "unknown_rule_code" else "severity")


def test_raw_severity_strings_are_accepted() -> None:
    check_decision("T3.2", confirm=True, severity="serious")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("code", "field"),
    [
        ("unknown_rule_code", "rule_code"),
        ("warning_required", "rule_code"),
        ("subject_required", "subject"),
        ("severity_required", "severity"),
        ("severity_not_applicable", "severity"),
        ("parties_required", "parties"),
    ],
)
def test_rule_error_defaults(code: str, field: str) -> None:
    error = RuleError(code)
    assert (error.code, error.field) == (code, field)
    assert str(error) == error.message and error.message.isascii()
    assert error.as_dict() == {"code": code, "message": error.message, "field": field}


def test_rule_error_overrides() -> None:
    error = RuleError("custom_code", "Custom message", field="x")
    assert (error.code, str(error), error.field) == ("custom_code", "Custom message", "x")
