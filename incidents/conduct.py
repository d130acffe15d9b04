"""Misconduct of staff and of training bodies: codes of their own, apart from the candidates'
rulebook, loaded from ``conduct.toml``.

These codes never reach the candidates' classifier, sanctions or bans: a conduct record has a
code, a decision in words and a letter, nothing computed. S1.x apply to staff, B1.x to training
bodies; `conduct_code(code, subject)` refuses a code of the other kind.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from importlib import resources
from types import MappingProxyType
from typing import Any

from incidents.errors import RulebookError
from incidents.rulebook import Text

PACKAGED_CONDUCT_CODES = "conduct.toml"
_CODE = re.compile(r"^[SB]1\.[1-9]$")


class ConductSubject(StrEnum):
    """Whose conduct a record is about."""

    STAFF = "staff"
    TRAINING_BODY = "training_body"


_PREFIX = {ConductSubject.STAFF: "S", ConductSubject.TRAINING_BODY: "B"}


class UnknownConductCode(ValueError):
    """No conduct code of this name."""


class WrongSubject(ValueError):
    """A code of staff named for a training body, or the other way round."""


@dataclass(frozen=True, slots=True)
class ConductCode:
    """One kind of misconduct of staff or of a training body, under its stable code."""

    code: str
    subject: ConductSubject
    title: Text
    text: Text


@dataclass(frozen=True, slots=True)
class ConductCodes:
    """The codes, ordered as written, and per kind of subject its title and the measures the
    screen suggests."""

    version: str
    codes: Mapping[str, ConductCode]
    subject_titles: Mapping[ConductSubject, Text]
    measures: Mapping[ConductSubject, tuple[Text, ...]]

    def get(self, code: str, subject: ConductSubject | None = None) -> ConductCode:
        """The code (of this kind of subject, if given); `UnknownConductCode` or
        `WrongSubject` otherwise."""
        found = self.codes.get(code)
        if found is None:
            raise UnknownConductCode(code)
        if subject is not None and found.subject != subject:
            raise WrongSubject(f"{code} applies to {found.subject}, not {subject}")
        return found

    def of(self, subject: ConductSubject) -> list[ConductCode]:
        return [c for c in self.codes.values() if c.subject == subject]


def _text(entry: Mapping[str, Any], key: str, label: str) -> Text:
    zh, en = entry.get(f"{key}_zh"), entry.get(f"{key}_en")
    if not (isinstance(zh, str) and zh.strip() and isinstance(en, str) and en.strip()):
        raise RulebookError(label, f"{key}_zh and {key}_en must be non-empty texts")
    return Text(zh=zh, en=en)


def _subjects(data: Mapping[str, Any], label: str) -> tuple[dict[ConductSubject, Text],
                                                            dict[ConductSubject, tuple[Text, ...]]]:
    titles, measures = {}, {}
    for subject in ConductSubject:
        entry = data.get("subjects", {}).get(subject.value)
        if not isinstance(entry, dict):
            raise RulebookError(label, f"[subjects.{subject.value}] is missing")
        titles[subject] = _text(entry, "title", label)
        zh, en = entry.get("measures_zh", []), entry.get("measures_en", [])
        if len(zh) != len(en) or not all(isinstance(x, str) and x for x in [*zh, *en]):
            raise RulebookError(label, f"{subject.value}: measures_zh and measures_en must "
                                "be lists of texts of one length")
        measures[subject] = tuple(Text(zh=a, en=b) for a, b in zip(zh, en, strict=True))
    return titles, measures


def parse_conduct_codes(data: Mapping[str, Any], label: str) -> ConductCodes:
    """Validate the TOML data: every code S1.n (staff) or B1.n (training body), once, with its
    Chinese and English title and text."""
    version = data.get("version")
    if not isinstance(version, str) or not version:
        raise RulebookError(label, "version is missing")
    titles, measures = _subjects(data, label)
    codes: dict[str, ConductCode] = {}
    for entry in data.get("code", []):
        code = entry.get("code")
        if not isinstance(code, str) or not _CODE.match(code) or code in codes:
            raise RulebookError(label, f"bad or repeated code {code!r}")
        try:
            subject = ConductSubject(entry.get("subject"))
        except ValueError:
            raise RulebookError(label, f"{code}: unknown subject") from None
        if not code.startswith(_PREFIX[subject]):
            raise RulebookError(label, f"{code}: an {_PREFIX[subject]} code for {subject}")
        codes[code] = ConductCode(code=code, subject=subject,
                                  title=_text(entry, "title", f"{label} {code}"),
                                  text=_text(entry, "text", f"{label} {code}"))
    if not codes:
        raise RulebookError(label, "no codes")
    return ConductCodes(version=version, codes=MappingProxyType(codes),
                        subject_titles=MappingProxyType(titles),
                        measures=MappingProxyType(measures))


@cache
def conduct_codes() -> ConductCodes:
    """The packaged codes, loaded and validated once per process."""
    label = f"incidents/{PACKAGED_CONDUCT_CODES}"
    raw = resources.files("incidents").joinpath(PACKAGED_CONDUCT_CODES).read_bytes()
    return parse_conduct_codes(tomllib.loads(raw.decode("utf-8")), label)
