"""The value objects going into and coming out of `compute_sanction`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType

from incidents.model import IncidentStatus, PartyRole, Severity, Tier


@dataclass(frozen=True, slots=True)
class IncidentFact:
    """One incident, as seen from one of its parties (the person being sanctioned)."""

    incident_id: int
    rule_code: str
    status: IncidentStatus
    sitting_id: int
    sitting_date: date
    subject: str | None
    severity: Severity | None = None
    role: PartyRole = PartyRole.PRINCIPAL
    discovered_after_exam: bool = False
    # The subject as people call it (理论知识), for explanations; the code when not given.
    subject_name: str | None = None


@dataclass(frozen=True, slots=True)
class Explanation:
    """Why an incident has the effect it has: code, rule title and text, sanction and dates."""

    incident_id: int
    rule_code: str
    zh: str
    en: str


@dataclass(frozen=True, slots=True)
class SittingOutcome:
    """What the person's confirmed incidents do to one sitting.

    ``voided_subjects`` are the subjects voided one by one (Tier 1); when ``all_subjects_voided``
    is true every subject of the sitting is void, whatever ``voided_subjects`` lists.
    ``incident_ids`` are the confirmed incidents of this sitting that have effect, sorted.
    """

    sitting_id: int
    voided_subjects: frozenset[str] = frozenset()
    all_subjects_voided: bool = False
    certificate_revoked: bool = False
    incident_ids: tuple[int, ...] = ()

    def is_voided(self, subject: str) -> bool:
        """Return True when ``subject``'s score at this sitting is cancelled."""
        return self.all_subjects_voided or subject in self.voided_subjects


@dataclass(frozen=True, slots=True)
class Ban:
    """A period, both ends inclusive, during which the person may not take any evaluation."""

    start: date
    until: date
    tier: Tier
    rule_codes: tuple[str, ...]
    referral: bool
    incident_ids: tuple[int, ...]
    sitting_ids: tuple[int, ...]

    def active_on(self, day: date) -> bool:
        """Return True when ``day`` falls within the ban."""
        return self.start <= day <= self.until


@dataclass(frozen=True, slots=True)
class PersonSanction:
    """Everything one person's confirmed incidents amount to.

    ``sittings`` maps each affected sitting id to its outcome (sorted by id, read-only);
    ``bans`` are sorted by start, with overlapping or adjacent periods merged; ``referral`` is
    true when any serious Tier 3 incident stands; ``explanations`` are sorted by incident id.
    """

    sittings: Mapping[int, SittingOutcome] = field(default_factory=lambda: MappingProxyType({}))
    bans: tuple[Ban, ...] = ()
    referral: bool = False
    explanations: tuple[Explanation, ...] = ()

    def outcome_for(self, sitting_id: int) -> SittingOutcome:
        """Return the outcome for a sitting; an empty outcome when nothing affects it."""
        return self.sittings.get(sitting_id, SittingOutcome(sitting_id=sitting_id))

    def bans_on(self, day: date) -> tuple[Ban, ...]:
        """Return the bans active on ``day``."""
        return tuple(ban for ban in self.bans if ban.active_on(day))

    def eligible_on(self, day: date) -> bool:
        """Return True when no ban is active on ``day``."""
        return not self.bans_on(day)
