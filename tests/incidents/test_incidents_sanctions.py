"""Sanctions from confirmed incidents: voided subjects, ban dates, referral, revocation."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest

from incidents import (
    RULE_CODES,
    IncidentFact,
    IncidentStatus,
    PartyRole,
    PersonSanction,
    RuleError,
    Severity,
    SittingOutcome,
    Tier,
    UnknownRule,
    compute_sanction,
)
from incidents.dates import anniversary, years_ban_until

Fact = Callable[..., IncidentFact]
D = date.fromisoformat
MINOR, SERIOUS = Severity.MINOR, Severity.SERIOUS

# code -> (subject-only voiding?, all subjects voided?, ban until, certificate revoked?)
# for a confirmed incident at the sitting of 2025-06-28, subject "theory", Tier 3 minor.
EFFECTS: dict[str, tuple[bool, bool, str | None, bool]] = {
    "A0": (False, True, None, True),
    "T1.1": (True, False, None, False),
    "T1.2": (True, False, None, False),
    "T1.3": (True, False, None, False),
    "T1.4": (True, False, None, False),
    "T2.1": (False, True, "2025-12-31", False),
    "T2.2": (False, True, "2025-12-31", False),
    "T2.3": (False, True, "2025-12-31", False),
    "T2.4": (False, True, "2025-12-31", False),
    "T2.5": (False, True, "2025-12-31", False),
    "T3.1": (False, True, "2027-06-27", False),
    "T3.2": (False, True, "2027-06-27", False),
    "T3.3": (False, True, "2027-06-27", False),
    "T3.4": (False, True, "2027-06-27", False),
    "T3.5": (False, True, "2027-06-27", False),
    "T3.6": (False, True, "2027-06-27", False),
    "T3.7": (False, True, "2027-06-27", False),
}
TIER3 = [code for code in RULE_CODES if code.startswith("T3")]


def test_effect_table_covers_every_code() -> None:
    assert tuple(EFFECTS) == RULE_CODES


@pytest.mark.parametrize("code", RULE_CODES)
def test_effect_of_each_rule(fact: Fact, code: str) -> None:
    only_subject, all_voided, until, revoked = EFFECTS[code]
    severity = MINOR if code in TIER3 else None
    sanction = compute_sanction([fact(code, incident_id=7, severity=severity)])
    outcome = sanction.outcome_for(1)
    assert outcome.voided_subjects == (frozenset({"theory"}) if only_subject else frozenset())
    assert outcome.all_subjects_voided is all_voided
    assert outcome.is_voided("theory") and outcome.is_voided("practical") is all_voided
    assert outcome.certificate_revoked is revoked
    assert outcome.incident_ids == (7,)
    assert sanction.referral is False
    if until is None:
        assert sanction.bans == ()
        assert sanction.eligible_on(D("2025-06-28"))
    else:
        (ban,) = sanction.bans
        assert (ban.start, ban.until) == (D("2025-06-28"), D(until))
        assert (ban.rule_codes, ban.incident_ids, ban.sitting_ids) == ((code,), (7,), (1,))
        assert ban.tier == int(code[1]) and not ban.referral
    (explanation,) = sanction.explanations
    assert (explanation.incident_id, explanation.rule_code) == (7, code)
    for text in (explanation.zh, explanation.en):
        assert code in text and "#7" in text and (until is None or until in text)


@pytest.mark.parametrize(
    ("sitting", "until"),
    [
        ("2025-06-28", "2025-12-31"),
        ("2025-01-01", "2025-12-31"),
        ("2025-12-27", "2025-12-31"),
        ("2025-12-31", "2025-12-31"),
        ("2026-01-24", "2026-12-31"),
    ],
)
def test_tier_two_ban_runs_to_the_end_of_the_year(fact: Fact, sitting: str, until: str) -> None:
    (ban,) = compute_sanction([fact("T2.1", sitting_date=D(sitting))]).bans
    assert (ban.start, ban.until, ban.tier) == (D(sitting), D(until), Tier.TWO)
    assert not ban.active_on(D(sitting) - timedelta(days=1))
    assert ban.active_on(D(sitting)) and ban.active_on(D(until))
    assert not ban.active_on(D(until) + timedelta(days=1))


@pytest.mark.parametrize(
    ("sitting", "severity", "until"),
    [
        ("2025-06-28", MINOR, "2027-06-27"),
        ("2025-06-28", SERIOUS, "2030-06-27"),
        ("2024-02-29", MINOR, "2026-02-28"),  # anniversary falls on 1 March
        ("2024-02-29", SERIOUS, "2029-02-28"),
        ("2026-02-28", MINOR, "2028-02-27"),  # ends in a leap year, before 29 February
        ("2027-03-01", MINOR, "2029-02-28"),
        ("2028-03-01", SERIOUS, "2033-02-28"),
        ("2026-01-01", MINOR, "2027-12-31"),
        ("2025-12-31", SERIOUS, "2030-12-30"),
    ],
)
def test_tier_three_ban_dates(fact: Fact, sitting: str, severity: Severity, until: str) -> None:
    sanction = compute_sanction([fact("T3.5", sitting_date=D(sitting), severity=severity)])
    (ban,) = sanction.bans
    assert (ban.start, ban.until, ban.tier) == (D(sitting), D(until), Tier.THREE)
    assert ban.referral is sanction.referral is (severity is SERIOUS)
    assert not sanction.eligible_on(D(until))
    assert sanction.eligible_on(D(until) + timedelta(days=1))


def test_leap_day_anniversaries() -> None:
    assert anniversary(D("2024-02-29"), 4) == D("2028-02-29")
    assert anniversary(D("2024-02-29"), 2) == D("2026-03-01")
    assert years_ban_until(D("2024-02-29"), 4) == D("2028-02-28")
    assert years_ban_until(D("9998-06-01"), 5) == date.max


@pytest.mark.parametrize("code", TIER3)
def test_serious_tier_three_is_referred(fact: Fact, code: str) -> None:
    sanction = compute_sanction([fact(code, severity=SERIOUS)])
    assert sanction.referral and sanction.bans[0].referral
    assert sanction.bans[0].until == D("2030-06-27")
    assert "移送有关部门" in sanction.explanations[0].zh
    assert "referred" in sanction.explanations[0].en


@pytest.mark.parametrize("code", TIER3)
def test_confirmed_tier_three_without_severity_fails(fact: Fact, code: str) -> None:
    with pytest.raises(RuleError) as info:
        compute_sanction([fact(code, severity=None)])
    assert (info.value.code, info.value.field) == ("severity_required", "severity")


def test_confirmed_unknown_code_fails(fact: Fact) -> None:
    with pytest.raises(UnknownRule):
        compute_sanction([fact("T5.1")])


def test_confirmed_tier_one_without_subject_fails(fact: Fact) -> None:
    with pytest.raises(RuleError, match="subject"):
        compute_sanction([fact("T1.4", subject=None)])


@pytest.mark.parametrize(
    ("code", "severity"), [("T1.4", None), ("T2.3", None), ("T3.2", MINOR), ("A0", None)]
)
def test_certificate_revoked_when_discovered_after_exam(
    fact: Fact, code: str, severity: Severity | None
) -> None:
    after = compute_sanction(
        [fact(code, severity=severity, discovered_after_exam=True, sitting_id=3)]
    )
    assert after.outcome_for(3).certificate_revoked
    assert "证书" in after.explanations[0].zh and "certificate" in after.explanations[0].en
    during = compute_sanction([fact(code, severity=severity, sitting_id=3)])
    assert during.outcome_for(3).certificate_revoked is (code == "A0")
    # Revocation comes in addition to the rule's own effects.
    assert after.bans == during.bans
    assert after.outcome_for(3).voided_subjects == during.outcome_for(3).voided_subjects


def test_revocation_applies_to_its_own_sitting_only(fact: Fact) -> None:
    sanction = compute_sanction(
        [
            fact("T1.4", incident_id=1, sitting_id=1, discovered_after_exam=True),
            fact("T1.4", incident_id=2, sitting_id=2, sitting_date=D("2025-07-26")),
        ]
    )
    assert sanction.outcome_for(1).certificate_revoked
    assert not sanction.outcome_for(2).certificate_revoked


@pytest.mark.parametrize(
    "status", [IncidentStatus.REPORTED, IncidentStatus.DISMISSED, IncidentStatus.OVERTURNED]
)
def test_unconfirmed_incidents_have_no_effect(fact: Fact, status: IncidentStatus) -> None:
    facts = [
        fact("T3.4", incident_id=1, status=status),  # no severity: still nothing fails
        fact("T2.1", incident_id=2, status=status, discovered_after_exam=True),
        fact("T1.4", incident_id=3, status=status, subject=None),
        fact("T7.7", incident_id=4, status=status),
    ]
    assert compute_sanction(facts) == PersonSanction()
    assert compute_sanction([]) == PersonSanction()


def test_only_the_confirmed_incident_counts(fact: Fact) -> None:
    sanction = compute_sanction(
        [
            fact("T2.1", incident_id=1, status=IncidentStatus.DISMISSED),
            fact("T1.4", incident_id=2),
        ]
    )
    assert sanction.bans == ()
    assert sanction.outcome_for(1).incident_ids == (2,)


@pytest.mark.parametrize("role", list(PartyRole))
@pytest.mark.parametrize(("code", "severity"), [("T2.2", None), ("T3.4", SERIOUS), ("T3.5", MINOR)])
def test_every_role_gets_the_principals_sanction(
    fact: Fact, role: PartyRole, code: str, severity: Severity | None
) -> None:
    principal = compute_sanction([fact(code, severity=severity)])
    party = compute_sanction([fact(code, severity=severity, role=role)])
    assert (party.sittings, party.bans, party.referral) == (
        principal.sittings,
        principal.bans,
        principal.referral,
    )


def test_outcome_for_an_unaffected_sitting_is_empty(fact: Fact) -> None:
    sanction = compute_sanction([fact("T2.1")])
    assert sanction.outcome_for(99) == SittingOutcome(sitting_id=99)
    assert not sanction.outcome_for(99).is_voided("theory")


def test_explanation_cites_rule_and_dates(fact: Fact) -> None:
    sanction = compute_sanction([fact("T2.1", incident_id=12, sitting_id=3)])
    (explanation,) = sanction.explanations
    assert "T2.1" in explanation.zh and "使用规定以外的电子设备" in explanation.zh
    assert "智能手表" in explanation.zh and "取消当次全部科目成绩" in explanation.zh
    assert "当年不得参加评价" in explanation.zh and "2025-12-31" in explanation.zh
    assert "Using an electronic device" in explanation.en
    assert "from 2025-06-28 to 2025-12-31 inclusive" in explanation.en
