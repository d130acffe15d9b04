"""The rulebook: the rules of the notice as data, loaded from ``rulebook.toml``.

Rules live in a registry keyed by their stable code; adding a rule is adding a ``[[rule]]`` entry
(and its code to ``RULE_CODES``), never another branch in the code.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from types import MappingProxyType

from incidents._schema import parse_rulebook
from incidents.citation import citation_en, citation_zh
from incidents.errors import RulebookError, UnknownRule
from incidents.model import Effect, Tier

PACKAGED_RULEBOOK = "rulebook.toml"


@dataclass(frozen=True, slots=True)
class Text:
    """The same text in Chinese (the authoritative wording) and English."""

    zh: str
    en: str


@dataclass(frozen=True, slots=True)
class Citation:
    """Where a rule stands in its source document, in the document's own numbering: article
    (条, the document's 一、二、…) and item (项, its 1、2、… under the article; None when the
    rule is the whole article). Render it with `incidents.citation.cite`."""

    document: Text
    article: int
    item: int | None

    @property
    def zh(self) -> str:
        """《职业技能等级认定考生须知》第三条第1项"""
        return citation_zh(self)

    @property
    def en(self) -> str:
        """article 3, item 1 of the Instructions for Candidates …"""
        return citation_en(self)


@dataclass(frozen=True, slots=True)
class Rule:
    """One rule of the notice, under its stable code."""

    code: str
    tier: Tier
    citation: Citation
    title: Text
    text: Text
    requires_refused_warning: bool
    effects: frozenset[Effect]
    keywords_zh: tuple[str, ...]
    keywords_en: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Rulebook:
    """A versioned set of rules; ``rules`` is ordered A0, T1.1 … T3.7 and read-only.
    ``document`` is the title of the document the rules cite (without its 《》)."""

    version: str
    source: str
    effective_date: date
    document: Text
    rules: Mapping[str, Rule]

    def get(self, code: str) -> Rule:
        """Return the rule with this code, or raise `UnknownRule`."""
        try:
            return self.rules[code]
        except (KeyError, TypeError):
            raise UnknownRule(str(code)) from None


def load_rulebook(path: str | Path | None = None) -> Rulebook:
    """Load and strictly validate a rulebook TOML file (default: the packaged one).

    Raises `RulebookError` naming the file, the rule and the field on any problem: unreadable or
    invalid TOML, unknown keys, missing or duplicate codes, a tier that does not match its code,
    empty titles or texts, a wrong ``requires_refused_warning`` (true exactly for T1.1–T1.3),
    effects that differ from the tier's, a missing or invalid article or item number, two rules
    citing the same article and item, or a missing/invalid version, source, effective_date,
    document_zh or document_en.
    """
    label, raw = _read(path)
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise RulebookError(label, f"not valid UTF-8 TOML ({exc})") from exc
    parsed = parse_rulebook(data, label)
    document = Text(zh=parsed.document_zh, en=parsed.document_en)
    rules = {
        entry.code: Rule(
            code=entry.code,
            tier=entry.tier,
            citation=Citation(document=document, article=entry.article, item=entry.item),
            title=Text(zh=entry.title_zh, en=entry.title_en),
            text=Text(zh=entry.text_zh, en=entry.text_en),
            requires_refused_warning=entry.requires_refused_warning,
            effects=entry.effects,
            keywords_zh=entry.keywords_zh,
            keywords_en=entry.keywords_en,
        )
        for entry in parsed.rules
    }
    return Rulebook(
        version=parsed.version,
        source=parsed.source,
        effective_date=parsed.effective_date,
        document=document,
        rules=MappingProxyType(rules),
    )


def _read(path: str | Path | None) -> tuple[str, bytes]:
    """Return a label naming the file, and its bytes."""
    if path is None:
        label = f"incidents/{PACKAGED_RULEBOOK}"
        source: Traversable | Path = resources.files("incidents").joinpath(PACKAGED_RULEBOOK)
    else:
        label, source = str(path), Path(path)
    try:
        return label, source.read_bytes()
    except OSError as exc:
        raise RulebookError(label, f"cannot read the file ({exc})") from exc


@cache
def default_rulebook() -> Rulebook:
    """Return the packaged rulebook, loaded and validated once per process."""
    return load_rulebook()


def resolve(rulebook: Rulebook | None) -> Rulebook:
    """Return ``rulebook``, or the packaged one when it is None."""
    return default_rulebook() if rulebook is None else rulebook
