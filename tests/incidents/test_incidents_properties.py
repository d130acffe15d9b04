"""Hypothesis properties of `compute_sanction` and `suggest`."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from incidents import (
    RULE_CODES,
    IncidentFact,
    IncidentStatus,
    PartyRole,
    PersonSanction,
    Severity,
    compute_sanction,
    suggest,
)

SITTING_DATES = st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31))
UNCONFIRMED = [IncidentStatus.REPORTED, IncidentStatus.DISMISSED, IncidentStatus.OVERTURNED]


@st.composite
def fact_at(
    draw: st.DrawFn, sittings: list[date], incident_id: int, status: IncidentStatus | None = None
) -> IncidentFact:
    """One valid incident at one of ``sittings`` (sitting ids are 1-based indexes)."""
    code = draw(st.sampled_from(RULE_CODES))
    index = draw(st.integers(min_value=0, max_value=len(sittings) - 1))
    return IncidentFact(
        incident_id=incident_id,
        rule_code=code,
        status=status or draw(st.sampled_from(list(IncidentStatus))),
        sitting_id=index + 1,
        sitting_date=sittings[index],
        subject=draw(st.sampled_from(["theory", "practical"])),
        severity=draw(st.sampled_from(list(Severity))) if code.startswith("T3") else None,
        role=draw(st.sampled_from(list(PartyRole))),
        discovered_after_exam=draw(st.booleans()),
    )


@st.composite
def person(draw: st.DrawFn) -> tuple[list[date], list[IncidentFact]]:
    """A person's sittings (one date each) and the incidents they are a party of."""
    sittings = draw(st.lists(SITTING_DATES, min_size=1, max_size=4))
    count = draw(st.integers(min_value=0, max_value=8))
    return sittings, [draw(fact_at(sittings, incident_id=i + 1)) for i in range(count)]


def banned_days(sanction: PersonSanction) -> list[tuple[date, date]]:
    return [(ban.start, ban.until) for ban in sanction.bans]


@given(person(), st.data())
def test_order_of_facts_does_not_change_the_result(
    drawn: tuple[list[date], list[IncidentFact]], data: st.DataObject
) -> None:
    _, incidents = drawn
    shuffled = data.draw(st.permutations(incidents))
    assert compute_sanction(shuffled) == compute_sanction(incidents)


@given(person(), st.data())
def test_another_confirmed_incident_never_lightens_the_sanction(
    drawn: tuple[list[date], list[IncidentFact]], data: st.DataObject
) -> None:
    sittings, incidents = drawn
    extra = data.draw(fact_at(sittings, incident_id=100, status=IncidentStatus.CONFIRMED))
    old = compute_sanction(incidents)
    new = compute_sanction([*incidents, extra])
    for start, until in banned_days(old):
        # bans are merged into contiguous periods: one new ban covers each old one entirely
        assert any(s <= start and until <= u for s, u in banned_days(new))
        assert not new.eligible_on(start) and not new.eligible_on(until)
    for sitting_id, before in old.sittings.items():
        after = new.outcome_for(sitting_id)
        assert before.voided_subjects <= after.voided_subjects
        assert after.all_subjects_voided >= before.all_subjects_voided
        assert after.certificate_revoked >= before.certificate_revoked
        assert set(before.incident_ids) <= set(after.incident_ids)
    assert new.referral >= old.referral


@given(person(), st.data())
def test_a_dismissed_incident_is_as_if_never_reported(
    drawn: tuple[list[date], list[IncidentFact]], data: st.DataObject
) -> None:
    sittings, incidents = drawn
    status = data.draw(st.sampled_from(UNCONFIRMED))
    extra = data.draw(fact_at(sittings, incident_id=100, status=status))
    assert compute_sanction([*incidents, extra]) == compute_sanction(incidents)


@given(person())
def test_bans_are_sorted_and_apart(drawn: tuple[list[date], list[IncidentFact]]) -> None:
    bans = compute_sanction(drawn[1]).bans
    for ban in bans:
        assert ban.start <= ban.until
        assert ban.rule_codes == tuple(sorted(set(ban.rule_codes)))
        assert ban.incident_ids == tuple(sorted(set(ban.incident_ids)))
    for first, second in zip(bans, bans[1:], strict=False):
        assert second.start - first.until > timedelta(days=1)


@given(st.text(max_size=60), st.integers(min_value=1, max_value=8))
def test_suggestions_are_well_formed(text: str, limit: int) -> None:
    ranked = suggest(text, limit=limit)
    assert len(ranked) <= limit
    assert len({code for code, _ in ranked}) == len(ranked)
    assert all(code in RULE_CODES and 0 < score <= 1 for code, score in ranked)
    assert [s for _, s in ranked] == sorted((s for _, s in ranked), reverse=True)
