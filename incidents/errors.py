"""Exceptions raised by the rules engine.

`RuleError` carries a stable snake_case ``code`` and the request ``field`` it concerns, so the web
layer can answer ``{"error": {"code", "message", "field"}}`` without re-deriving anything.
`RulebookError` is different in kind: the packaged data file itself is broken.
"""

from __future__ import annotations

from pathlib import Path

# code -> (default English message, default field)
_DEFAULTS: dict[str, tuple[str, str | None]] = {
    "unknown_rule_code": ("unknown rule code", "rule_code"),
    "warning_required": (
        "this rule applies only after a reminder the candidate refused to follow: "
        "record a warning and its refusal instead of posting an incident",
        "rule_code",
    ),
    "subject_required": ("a Tier 1 incident must name the subject it happened in", "subject"),
    "severity_required": (
        "confirming a Tier 3 incident needs a severity: minor or serious",
        "severity",
    ),
    "severity_not_applicable": ("severity applies to Tier 3 rules only", "severity"),
    "invalid_severity": ("severity must be minor or serious", "severity"),
    "parties_required": ("an incident needs at least one party", "parties"),
}


class RuleError(Exception):
    """A request that the rules do not allow.

    ``code`` is a stable snake_case error code; ``field`` names the offending input, if any.
    """

    def __init__(
        self,
        code: str,
        message: str | None = None,
        *,
        field: str | None = None,
    ) -> None:
        default_message, default_field = _DEFAULTS.get(code, (code.replace("_", " "), None))
        self.code = code
        self.message = message if message is not None else default_message
        self.field = field if field is not None else default_field
        super().__init__(self.message)

    def as_dict(self) -> dict[str, str | None]:
        """Return ``{"code", "message", "field"}`` for a JSON error body."""
        return {"code": self.code, "message": self.message, "field": self.field}


class UnknownRule(RuleError):
    """The rule code is not in the rulebook."""

    def __init__(self, rule_code: str) -> None:
        super().__init__("unknown_rule_code", f"unknown rule code {rule_code!r}")
        self.rule_code = rule_code


class RulebookError(Exception):
    """The rulebook data file is malformed; the message names the file, the rule and the field."""

    def __init__(
        self,
        path: str | Path,
        problem: str,
        *,
        rule_code: str | None = None,
        field: str | None = None,
    ) -> None:
        self.path = str(path)
        self.rule_code = rule_code
        self.field = field
        self.problem = problem
        where = [self.path]
        if rule_code is not None:
            where.append(f"rule {rule_code}")
        if field is not None:
            where.append(f"field {field!r}")
        super().__init__(f"{': '.join(where)}: {problem}")
