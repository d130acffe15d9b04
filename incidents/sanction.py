"""From one person's incidents to their sanction: voided subjects, bans, referral, revocations."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType

from incidents._effects import Consequence, consequence_of
from incidents.dates import touches
from incidents.explain import explain
from incidents.model import IncidentStatus
from incidents.records import Ban, Explanation, IncidentFact, PersonSanction, SittingOutcome
from incidents.rulebook import Rule, Rulebook, resolve


@dataclass(slots=True)
class _SittingSheet:
    """Mutable tally for one sitting while the facts are read."""

    subjects: set[str] = field(default_factory=set)
    all_voided: bool = False
    revoked: bool = False
    incident_ids: set[int] = field(default_factory=set)

    def add(self, incident_id: int, c: Consequence) -> None:
        """Count one confirmed incident's consequence."""
        if c.voided_subject is not None:
            self.subjects.add(c.voided_subject)
        self.all_voided = self.all_voided or c.all_subjects_voided
        self.revoked = self.revoked or c.certificate_revoked
        self.incident_ids.add(incident_id)

    def outcome(self, sitting_id: int) -> SittingOutcome:
        """Freeze the tally."""
        return SittingOutcome(
            sitting_id=sitting_id,
            voided_subjects=frozenset(self.subjects),
            all_subjects_voided=self.all_voided,
            certificate_revoked=self.revoked,
            incident_ids=tuple(sorted(self.incident_ids)),
        )


def _fact_key(fact: IncidentFact) -> tuple[object, ...]:
    # A total order on facts, so the result never depends on the order they came in.
    return (
        fact.incident_id,
        fact.sitting_id,
        fact.sitting_date,
        fact.rule_code,
        str(fact.status),
        fact.subject or "",
        str(fact.severity or ""),
        str(fact.role),
        fact.discovered_after_exam,
    )


def compute_sanction(
    facts: Iterable[IncidentFact], rulebook: Rulebook | None = None
) -> PersonSanction:
    """Combine every incident one person is a party of into their sanction.

    Only CONFIRMED incidents count; reported, dismissed and overturned ones are ignored without
    being checked. Each role (principal, accomplice, impostor) gets the same sanction. Voided
    subjects add up per sitting; any tier ≥ 2 or A0 voids all subjects of that sitting; bans that
    overlap or adjoin are merged (latest ``until``, highest tier, referral OR-ed). The result does
    not depend on the order of ``facts``; identical duplicate facts count once.

    Raises `UnknownRule` for a confirmed incident's unknown code, and `RuleError`
    ``severity_required`` for a confirmed Tier 3 incident without severity (``subject_required``
    for a confirmed Tier 1 incident without subject).
    """
    book = resolve(rulebook)
    sheets: dict[int, _SittingSheet] = {}
    bans: list[Ban] = []
    explanations: list[Explanation] = []
    referral = False
    for fact in sorted(set(facts), key=_fact_key):
        if fact.status != IncidentStatus.CONFIRMED:
            continue
        rule = book.get(fact.rule_code)
        consequence = consequence_of(fact, rule)
        sheets.setdefault(fact.sitting_id, _SittingSheet()).add(fact.incident_id, consequence)
        referral = referral or consequence.referral
        if consequence.ban_until is not None:
            bans.append(_ban(fact, rule, consequence.ban_until, consequence.referral))
        explanations.append(explain(fact, rule, consequence))
    return PersonSanction(
        sittings=MappingProxyType({sid: sheets[sid].outcome(sid) for sid in sorted(sheets)}),
        bans=merge_bans(bans),
        referral=referral,
        explanations=tuple(explanations),
    )


def _ban(fact: IncidentFact, rule: Rule, until: date, referral: bool) -> Ban:
    return Ban(
        start=fact.sitting_date,
        until=until,
        tier=rule.tier,
        rule_codes=(rule.code,),
        referral=referral,
        incident_ids=(fact.incident_id,),
        sitting_ids=(fact.sitting_id,),
    )


def merge_bans(bans: Iterable[Ban]) -> tuple[Ban, ...]:
    """Merge overlapping or adjacent bans; return them sorted by start.

    A merged ban runs from the earliest start to the latest ``until``, takes the highest tier,
    OR-s the referral and unions (sorted, unique) codes, incident ids and sitting ids.
    """
    merged: list[Ban] = []
    for ban in sorted(bans, key=lambda b: (b.start, b.until)):
        if merged and touches(merged[-1].until, ban.start):
            merged[-1] = _join(merged[-1], ban)
        else:
            merged.append(ban)
    return tuple(merged)


def _join(first: Ban, second: Ban) -> Ban:
    return Ban(
        start=min(first.start, second.start),
        until=max(first.until, second.until),
        tier=max(first.tier, second.tier),
        rule_codes=tuple(sorted(set(first.rule_codes) | set(second.rule_codes))),
        referral=first.referral or second.referral,
        incident_ids=tuple(sorted(set(first.incident_ids) | set(second.incident_ids))),
        sitting_ids=tuple(sorted(set(first.sitting_ids) | set(second.sitting_ids))),
    )
