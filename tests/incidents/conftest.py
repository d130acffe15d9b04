"""Fixtures for the pure rules-engine tests: the packaged rulebook, fact factories, TOML files."""

from __future__ import annotations

import json
import tomllib
from collections.abc import Callable
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from incidents import (
    IncidentFact,
    IncidentStatus,
    PartyRole,
    Rulebook,
    Severity,
    default_rulebook,
)

SITTING_DATE = date(2025, 6, 28)


@pytest.fixture(scope="session")
def rulebook() -> Rulebook:
    """The packaged rulebook."""
    return default_rulebook()


def make_fact(
    rule_code: str,
    *,
    incident_id: int = 1,
    status: IncidentStatus = IncidentStatus.CONFIRMED,
    sitting_id: int = 1,
    sitting_date: date = SITTING_DATE,
    subject: str | None = "theory",
    severity: Severity | None = None,
    role: PartyRole = PartyRole.PRINCIPAL,
    discovered_after_exam: bool = False,
) -> IncidentFact:
    """Build an `IncidentFact` with sensible defaults (confirmed, subject "theory")."""
    return IncidentFact(
        incident_id=incident_id,
        rule_code=rule_code,
        status=status,
        sitting_id=sitting_id,
        sitting_date=sitting_date,
        subject=subject,
        severity=severity,
        role=role,
        discovered_after_exam=discovered_after_exam,
    )


@pytest.fixture
def fact() -> Callable[..., IncidentFact]:
    """Factory fixture: ``fact("T2.1", sitting_date=...)``."""
    return make_fact


def packaged_document() -> dict[str, Any]:
    """The packaged rulebook.toml, decoded."""
    raw = resources.files("incidents").joinpath("rulebook.toml").read_bytes()
    return tomllib.loads(raw.decode("utf-8"))


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | date):
        return str(value) if isinstance(value, int) else value.isoformat()
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {value!r} as TOML")


def dump_toml(document: dict[str, Any]) -> str:
    """Write the rulebook's simple shape (scalars, then [[rule]] tables) as TOML."""
    lines = [f"{key} = {_value(v)}" for key, v in document.items() if key != "rule"]
    rules = document.get("rule", [])
    if not isinstance(rules, list):
        lines.append(f"rule = {_value(rules)}")
        rules = []
    for table in rules:
        lines += ["", "[[rule]]"] + [f"{key} = {_value(v)}" for key, v in table.items()]
    return "\n".join(lines) + "\n"


@pytest.fixture
def write_rulebook(tmp_path: Path) -> Callable[[dict[str, Any] | str], Path]:
    """Factory fixture: write a document (or raw text) to a temp rulebook file, return its path."""

    def write(document: dict[str, Any] | str) -> Path:
        path = tmp_path / "rulebook.toml"
        text = document if isinstance(document, str) else dump_toml(document)
        path.write_text(text, encoding="utf-8")
        return path

    return write


@pytest.fixture
def document() -> dict[str, Any]:
    """A fresh, mutable copy of the packaged rulebook document."""
    return packaged_document()
