"""Enumerations shared by the whole engine."""

from __future__ import annotations

from enum import IntEnum, StrEnum


class Tier(IntEnum):
    """How grave a rule is; the number is the section of the notice's Attachment 2 minus one."""

    APPLICATION = 0  # A0, section 一: application honesty
    ONE = 1  # section 二: the subject's score is cancelled
    TWO = 2  # section 三: all subjects cancelled, barred for the current year
    THREE = 3  # section 四: all subjects cancelled, barred 2 (minor) or 5 (serious) years


class Severity(StrEnum):
    """A chief examiner's judgement on a Tier 3 incident (情节轻微 / 情节严重)."""

    MINOR = "minor"
    SERIOUS = "serious"


class IncidentStatus(StrEnum):
    """Life cycle of an incident; only CONFIRMED has any effect. PROPOSED is a chief
    examiner's proposal told to the candidate first (事先告知): it counts no more than REPORTED."""

    REPORTED = "reported"
    PROPOSED = "proposed"
    CONFIRMED = "confirmed"
    DISMISSED = "dismissed"
    OVERTURNED = "overturned"


class PartyRole(StrEnum):
    """How a person takes part in an incident; every role gets the same sanction."""

    PRINCIPAL = "principal"
    ACCOMPLICE = "accomplice"
    IMPOSTOR = "impostor"


class Effect(StrEnum):
    """What confirming an incident under a rule does. A rule's effects are fixed by its tier.

    - VOID_SUBJECT: the score of the incident's subject at that sitting is cancelled (Tier 1).
    - VOID_ALL_SUBJECTS: the scores of all subjects of that sitting are cancelled (A0, Tiers 2, 3).
    - CANCEL_ELIGIBILITY: eligibility for that sitting is cancelled (A0, 取消其考试资格).
    - FORFEIT_FEE: false materials and the evaluation fee are not refunded (A0; informational).
    - REVOKE_CERTIFICATE: a certificate already obtained is invalid (A0). Any confirmed incident
      discovered after the exam also revokes the certificate of that sitting.
    - BAN_CURRENT_YEAR: barred from the sitting date to 31 December of that year (Tier 2).
    - BAN_YEARS: barred 2 years (minor) or 5 years (serious) from the sitting date (Tier 3).
    - REFERRAL_IF_SERIOUS: a serious case is referred to the relevant authorities (Tier 3).
    """

    VOID_SUBJECT = "void_subject"
    VOID_ALL_SUBJECTS = "void_all_subjects"
    CANCEL_ELIGIBILITY = "cancel_eligibility"
    FORFEIT_FEE = "forfeit_fee"
    REVOKE_CERTIFICATE = "revoke_certificate"
    BAN_CURRENT_YEAR = "ban_current_year"
    BAN_YEARS = "ban_years"
    REFERRAL_IF_SERIOUS = "referral_if_serious"


#: The effects each tier must declare, exactly (the rulebook loader enforces it).
TIER_EFFECTS: dict[Tier, frozenset[Effect]] = {
    Tier.APPLICATION: frozenset(
        {
            Effect.CANCEL_ELIGIBILITY,
            Effect.VOID_ALL_SUBJECTS,
            Effect.FORFEIT_FEE,
            Effect.REVOKE_CERTIFICATE,
        }
    ),
    Tier.ONE: frozenset({Effect.VOID_SUBJECT}),
    Tier.TWO: frozenset({Effect.VOID_ALL_SUBJECTS, Effect.BAN_CURRENT_YEAR}),
    Tier.THREE: frozenset({Effect.VOID_ALL_SUBJECTS, Effect.BAN_YEARS, Effect.REFERRAL_IF_SERIOUS}),
}

#: Ban length in years for a Tier 3 incident, by severity.
BAN_YEARS_BY_SEVERITY: dict[Severity, int] = {Severity.MINOR: 2, Severity.SERIOUS: 5}

#: The stable rule codes of RULES.md, in rulebook order. Never renumber.
RULE_CODES: tuple[str, ...] = (
    "A0",
    "T1.1",
    "T1.2",
    "T1.3",
    "T1.4",
    "T2.1",
    "T2.2",
    "T2.3",
    "T2.4",
    "T2.5",
    "T3.1",
    "T3.2",
    "T3.3",
    "T3.4",
    "T3.5",
    "T3.6",
    "T3.7",
)

#: Rules that sanction only a refused reminder (经提醒拒不改正).
WARNING_RULE_CODES: frozenset[str] = frozenset({"T1.1", "T1.2", "T1.3"})


def tier_of_code(code: str) -> Tier:
    """Return the tier a stable rule code belongs to ("A0" -> APPLICATION, "T2.3" -> TWO)."""
    if code == "A0":
        return Tier.APPLICATION
    return Tier(int(code[1]))
