"""Several incidents of one person: how their effects combine, within and across sittings."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest

from incidents import IncidentFact, Severity, Tier, compute_sanction

Fact = Callable[..., IncidentFact]
D = date.fromisoformat
MINOR, SERIOUS = Severity.MINOR, Severity.SERIOUS


def test_two_tier_one_incidents_in_different_subjects_add_up(fact: Fact) -> None:
    sanction = compute_sanction(
        [
            fact("T1.2", incident_id=1, subject="theory"),
            fact("T1.4", incident_id=2, subject="practical"),
        ]
    )
    outcome = sanction.outcome_for(1)
    assert outcome.voided_subjects == {"theory", "practical"}
    assert not outcome.all_subjects_voided
    assert outcome.incident_ids == (1, 2)
    assert sanction.bans == () and sanction.eligible_on(D("2025-06-29"))


def test_tier_one_plus_tier_two_voids_everything(fact: Fact) -> None:
    sanction = compute_sanction(
        [fact("T1.1", incident_id=4, subject="theory"), fact("T2.4", incident_id=3)]
    )
    outcome = sanction.outcome_for(1)
    assert outcome.all_subjects_voided and outcome.is_voided("practical")
    assert outcome.incident_ids == (3, 4)
    assert [b.until for b in sanction.bans] == [D("2025-12-31")]


def test_two_bans_merge_to_the_latest_until(fact: Fact) -> None:
    sanction = compute_sanction(
        [
            fact("T2.1", incident_id=5),
            fact("T3.2", incident_id=2, severity=MINOR),
            fact("T2.2", incident_id=9),
        ]
    )
    (ban,) = sanction.bans
    assert (ban.start, ban.until, ban.tier) == (D("2025-06-28"), D("2027-06-27"), Tier.THREE)
    assert ban.rule_codes == ("T2.1", "T2.2", "T3.2")
    assert ban.incident_ids == (2, 5, 9)
    assert ban.sitting_ids == (1,)
    assert [e.incident_id for e in sanction.explanations] == [2, 5, 9]


def test_referral_stands_when_merged_with_a_longer_minor_ban(fact: Fact) -> None:
    sanction = compute_sanction(
        [
            fact("T3.1", incident_id=1, severity=SERIOUS, sitting_date=D("2025-06-28")),
            fact("T3.3", incident_id=2, severity=MINOR, sitting_date=D("2029-01-20"), sitting_id=2),
        ]
    )
    (ban,) = sanction.bans
    assert (ban.start, ban.until) == (D("2025-06-28"), D("2031-01-19"))
    assert ban.referral and sanction.referral
    assert ban.sitting_ids == (1, 2)


def test_bans_of_separate_sittings_stay_apart(fact: Fact) -> None:
    sanction = compute_sanction(
        [
            fact("T2.1", incident_id=1, sitting_id=1, sitting_date=D("2025-06-28")),
            fact("T2.2", incident_id=2, sitting_id=2, sitting_date=D("2027-03-20")),
        ]
    )
    first, second = sanction.bans
    assert (first.start, first.until, first.sitting_ids) == (D("2025-06-28"), D("2025-12-31"), (1,))
    assert (second.start, second.until, second.sitting_ids) == (
        D("2027-03-20"),
        D("2027-12-31"),
        (2,),
    )
    assert sanction.eligible_on(D("2026-06-01"))
    assert not sanction.eligible_on(D("2027-04-01"))
    assert set(sanction.sittings) == {1, 2}


@pytest.mark.parametrize(("second_start", "merged"), [("2026-01-01", True), ("2026-01-02", False)])
def test_adjacent_bans_merge_but_gapped_ones_do_not(
    fact: Fact, second_start: str, merged: bool
) -> None:
    sanction = compute_sanction(
        [
            fact("T2.5", incident_id=1, sitting_id=1, sitting_date=D("2025-12-27")),
            fact("T2.5", incident_id=2, sitting_id=2, sitting_date=D(second_start)),
        ]
    )
    assert len(sanction.bans) == (1 if merged else 2)
    assert sanction.bans[-1].until == D("2026-12-31")
    assert sanction.eligible_on(D("2026-01-01")) is not merged


def test_identical_duplicate_facts_count_once(fact: Fact) -> None:
    once = compute_sanction([fact("T2.1")])
    assert compute_sanction([fact("T2.1"), fact("T2.1")]) == once
    assert len(once.explanations) == 1


def test_order_of_facts_does_not_matter(fact: Fact) -> None:
    facts = [
        fact("T1.4", incident_id=3, subject="practical"),
        fact("T3.6", incident_id=1, severity=SERIOUS, sitting_id=2, sitting_date=D("2026-01-24")),
        fact("T2.3", incident_id=2),
    ]
    assert compute_sanction(facts) == compute_sanction(list(reversed(facts)))
