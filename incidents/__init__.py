"""The rules engine of the proctoring app: pure Python, standard library only.

The rulebook is data (``rulebook.toml``, from Attachment 2 of the Shanghai AI Industry
Association notice of 2025-05-09); this package validates reports and decisions against it,
computes sanctions and ban dates from confirmed incidents, and suggests rules for free text.
"""

from incidents.checks import check_decision, check_report, warning_rule_codes
from incidents.citation import chinese_numeral, cite
from incidents.errors import RulebookError, RuleError, UnknownRule
from incidents.model import (
    RULE_CODES,
    Effect,
    IncidentStatus,
    PartyRole,
    Severity,
    Tier,
)
from incidents.preview import preview
from incidents.records import (
    Ban,
    Explanation,
    IncidentFact,
    PersonSanction,
    SittingOutcome,
)
from incidents.rulebook import (
    Citation,
    Rule,
    Rulebook,
    Text,
    default_rulebook,
    load_rulebook,
)
from incidents.sanction import compute_sanction, merge_bans
from incidents.suggest import suggest

__all__ = [
    "RULE_CODES",
    "Ban",
    "Citation",
    "Effect",
    "Explanation",
    "IncidentFact",
    "IncidentStatus",
    "PartyRole",
    "PersonSanction",
    "Rule",
    "RuleError",
    "Rulebook",
    "RulebookError",
    "Severity",
    "SittingOutcome",
    "Text",
    "Tier",
    "UnknownRule",
    "check_decision",
    "chinese_numeral",
    "cite",
    "check_report",
    "compute_sanction",
    "default_rulebook",
    "load_rulebook",
    "preview",
    "merge_bans",
    "suggest",
    "warning_rule_codes",
]
