"""Strict validation of the rulebook TOML document (internal to `incidents.rulebook`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from incidents.errors import RulebookError
from incidents.model import (
    RULE_CODES,
    TIER_EFFECTS,
    WARNING_RULE_CODES,
    Effect,
    Tier,
    tier_of_code,
)

TOP_LEVEL_KEYS = frozenset(
    {"version", "source", "effective_date", "document_zh", "document_en", "rule"}
)
RULE_KEYS = frozenset(
    {
        "code",
        "tier",
        "article",
        "item",
        "title_zh",
        "title_en",
        "text_zh",
        "text_en",
        "requires_refused_warning",
        "effects",
        "keywords_zh",
        "keywords_en",
    }
)
TEXT_KEYS = ("title_zh", "title_en", "text_zh", "text_en")


@dataclass(frozen=True, slots=True)
class RuleEntry:
    """One validated ``[[rule]]`` table."""

    code: str
    tier: Tier
    article: int
    item: int | None
    title_zh: str
    title_en: str
    text_zh: str
    text_en: str
    requires_refused_warning: bool
    effects: frozenset[Effect]
    keywords_zh: tuple[str, ...]
    keywords_en: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ParsedRulebook:
    """The validated document; ``rules`` in the order of `RULE_CODES`."""

    version: str
    source: str
    effective_date: date
    document_zh: str
    document_en: str
    rules: tuple[RuleEntry, ...]


def parse_rulebook(data: dict[str, Any], label: str) -> ParsedRulebook:
    """Validate a decoded TOML document; raise `RulebookError` on the first problem found."""
    unknown = sorted(set(data) - TOP_LEVEL_KEYS)
    if unknown:
        raise RulebookError(label, f"unknown key(s) {unknown}", field=unknown[0])
    version = _non_empty_str(data, "version", label, None)
    source = _non_empty_str(data, "source", label, None)
    effective = _effective_date(data.get("effective_date"), label)
    document_zh = _non_empty_str(data, "document_zh", label, None)
    document_en = _non_empty_str(data, "document_en", label, None)
    tables = data.get("rule")
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        raise RulebookError(label, "expected one [[rule]] table per rule", field="rule")
    entries: dict[str, RuleEntry] = {}
    cited: dict[tuple[int, int | None], str] = {}
    for index, table in enumerate(tables):
        entry = _parse_rule(table, label, index)
        if entry.code in entries:
            raise RulebookError(label, "duplicate rule code", rule_code=entry.code, field="code")
        entries[entry.code] = entry
        place = (entry.article, entry.item)
        if place in cited:
            raise RulebookError(
                label,
                f"article {entry.article} item {entry.item} is cited by {cited[place]} already",
                rule_code=entry.code,
                field="item" if entry.item is not None else "article",
            )
        cited[place] = entry.code
    missing = [code for code in RULE_CODES if code not in entries]
    if missing:
        raise RulebookError(
            label, f"missing rule(s) {', '.join(missing)}", rule_code=missing[0], field="code"
        )
    return ParsedRulebook(
        version=version,
        source=source,
        effective_date=effective,
        document_zh=document_zh,
        document_en=document_en,
        rules=tuple(entries[code] for code in RULE_CODES),
    )


def _effective_date(value: object, label: str) -> date:
    field = "effective_date"
    if value is None:
        raise RulebookError(label, "missing", field=field)
    if isinstance(value, datetime) or not isinstance(value, date | str):
        raise RulebookError(label, "must be a date such as 2025-05-09", field=field)
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise RulebookError(label, f"{value!r} is not a real date", field=field) from None


def _parse_rule(table: dict[str, Any], label: str, index: int) -> RuleEntry:
    code = table.get("code")
    if not isinstance(code, str) or code not in RULE_CODES:
        raise RulebookError(
            label, f"unknown or missing rule code {code!r}", rule_code=f"#{index + 1}", field="code"
        )
    unknown = sorted(set(table) - RULE_KEYS)
    if unknown:
        raise RulebookError(label, f"unknown key(s) {unknown}", rule_code=code, field=unknown[0])
    tier = _tier(table.get("tier"), code, label)
    texts = {key: _non_empty_str(table, key, label, code) for key in TEXT_KEYS}
    warning = table.get("requires_refused_warning")
    if not isinstance(warning, bool):
        raise RulebookError(
            label, "must be true or false", rule_code=code, field="requires_refused_warning"
        )
    if warning != (code in WARNING_RULE_CODES):
        raise RulebookError(
            label,
            "must be true exactly for T1.1, T1.2 and T1.3",
            rule_code=code,
            field="requires_refused_warning",
        )
    return RuleEntry(
        code=code,
        tier=tier,
        article=_number(table, "article", code, label),
        item=_optional_number(table, "item", code, label),
        title_zh=texts["title_zh"],
        title_en=texts["title_en"],
        text_zh=texts["text_zh"],
        text_en=texts["text_en"],
        requires_refused_warning=warning,
        effects=_effects(table.get("effects"), tier, code, label),
        keywords_zh=_keywords(table, "keywords_zh", code, label, min_length=2),
        keywords_en=_keywords(table, "keywords_en", code, label, min_length=2),
    )


def _tier(value: object, code: str, label: str) -> Tier:
    expected = tier_of_code(code)
    if isinstance(value, bool) or not isinstance(value, int) or value != expected:
        raise RulebookError(
            label,
            f"must be {int(expected)} for {code}, got {value!r}",
            rule_code=code,
            field="tier",
        )
    return expected


def _optional_number(table: dict[str, Any], key: str, code: str, label: str) -> int | None:
    """An item number, or None when the rule is a whole article (A0)."""
    return None if table.get(key) is None else _number(table, key, code, label)


def _number(table: dict[str, Any], key: str, code: str, label: str) -> int:
    """An article or item number of the source document: a whole number from 1."""
    value = table.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise RulebookError(
            label, f"must be a whole number from 1, got {value!r}", rule_code=code, field=key
        )
    return value


def _effects(value: object, tier: Tier, code: str, label: str) -> frozenset[Effect]:
    def fail(problem: str) -> RulebookError:
        return RulebookError(label, problem, rule_code=code, field="effects")

    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise fail("must be a list of effect names")
    known = {effect.value for effect in Effect}
    strange = sorted(set(value) - known)
    if strange:
        raise fail(f"unknown effect(s) {strange}")
    if len(set(value)) != len(value):
        raise fail("duplicate effect")
    effects = frozenset(Effect(v) for v in value)
    expected = TIER_EFFECTS[tier]
    if effects != expected:
        names = sorted(e.value for e in expected)
        raise fail(f"tier {int(tier)} rules must have exactly the effects {names}")
    return effects


def _keywords(
    table: dict[str, Any], key: str, code: str, label: str, *, min_length: int
) -> tuple[str, ...]:
    value = table.get(key)
    if not isinstance(value, list):
        raise RulebookError(label, "must be a list of strings", rule_code=code, field=key)
    for word in value:
        if not isinstance(word, str) or len(word.strip()) < min_length:
            raise RulebookError(
                label,
                f"keyword {word!r} must be a string of at least {min_length} characters",
                rule_code=code,
                field=key,
            )
    return tuple(word.strip() for word in value)


def _non_empty_str(table: dict[str, Any], key: str, label: str, code: str | None) -> str:
    value = table.get(key)
    if not isinstance(value, str) or not value.strip():
        raise RulebookError(label, "must be a non-empty string", rule_code=code, field=key)
    return value.strip()
