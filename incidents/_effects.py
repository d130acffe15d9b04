"""What confirming one incident does, effect by effect (a registry keyed by `Effect`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date

from incidents.dates import end_of_year, years_ban_until
from incidents.errors import RuleError
from incidents.model import BAN_YEARS_BY_SEVERITY, Effect, Severity
from incidents.records import IncidentFact
from incidents.rulebook import Rule


@dataclass(frozen=True, slots=True)
class Consequence:
    """The effect of one confirmed incident on its party, before combining incidents."""

    voided_subject: str | None = None
    all_subjects_voided: bool = False
    eligibility_cancelled: bool = False
    fee_forfeited: bool = False
    certificate_revoked: bool = False
    ban_until: date | None = None
    ban_years: int | None = None
    referral: bool = False


Handler = Callable[[IncidentFact, Consequence], Consequence]


def _severity(fact: IncidentFact) -> Severity:
    if fact.severity is None:
        raise RuleError(
            "severity_required",
            f"incident {fact.incident_id} ({fact.rule_code}) is confirmed without a severity",
        )
    try:
        return Severity(fact.severity)
    except ValueError:
        raise RuleError("invalid_severity") from None


def _void_subject(fact: IncidentFact, c: Consequence) -> Consequence:
    if not (fact.subject and fact.subject.strip()):
        raise RuleError(
            "subject_required",
            f"incident {fact.incident_id} ({fact.rule_code}) is confirmed without a subject",
        )
    return replace(c, voided_subject=fact.subject)


def _ban_current_year(fact: IncidentFact, c: Consequence) -> Consequence:
    return _with_ban(c, end_of_year(fact.sitting_date), None)


def _ban_years(fact: IncidentFact, c: Consequence) -> Consequence:
    years = BAN_YEARS_BY_SEVERITY[_severity(fact)]
    return _with_ban(c, years_ban_until(fact.sitting_date, years), years)


def _with_ban(c: Consequence, until: date, years: int | None) -> Consequence:
    if c.ban_until is not None and c.ban_until >= until:
        return c
    return replace(c, ban_until=until, ban_years=years)


HANDLERS: dict[Effect, Handler] = {
    Effect.VOID_SUBJECT: _void_subject,
    Effect.VOID_ALL_SUBJECTS: lambda f, c: replace(c, all_subjects_voided=True),
    Effect.CANCEL_ELIGIBILITY: lambda f, c: replace(
        c, eligibility_cancelled=True, all_subjects_voided=True
    ),
    Effect.FORFEIT_FEE: lambda f, c: replace(c, fee_forfeited=True),
    Effect.REVOKE_CERTIFICATE: lambda f, c: replace(c, certificate_revoked=True),
    Effect.BAN_CURRENT_YEAR: _ban_current_year,
    Effect.BAN_YEARS: _ban_years,
    Effect.REFERRAL_IF_SERIOUS: lambda f, c: replace(
        c, referral=c.referral or _severity(f) is Severity.SERIOUS
    ),
}


def consequence_of(fact: IncidentFact, rule: Rule) -> Consequence:
    """Apply the rule's effects, in `Effect` order, to a confirmed incident.

    A confirmed incident discovered after the exam also revokes the certificate of its sitting.
    Raises `RuleError` ``severity_required`` for a Tier 3 rule without severity and
    ``subject_required`` for a Tier 1 rule without subject.
    """
    consequence = Consequence()
    for effect in Effect:
        if effect in rule.effects:
            consequence = HANDLERS[effect](fact, consequence)
    if fact.discovered_after_exam:
        consequence = replace(consequence, certificate_revoked=True)
    return consequence
