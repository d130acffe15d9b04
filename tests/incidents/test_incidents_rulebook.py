"""Loading and strictly validating the rulebook data file."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from incidents import (
    RULE_CODES,
    Effect,
    Rulebook,
    RulebookError,
    RuleError,
    Tier,
    UnknownRule,
    default_rulebook,
    load_rulebook,
)

Mutation = Callable[[dict[str, Any]], None]


def rule(document: dict[str, Any], code: str) -> dict[str, Any]:
    """The [[rule]] table with this code."""
    return next(t for t in document["rule"] if t["code"] == code)


def test_packaged_rulebook_has_every_code_in_order(rulebook: Rulebook) -> None:
    assert tuple(rulebook.rules) == RULE_CODES
    assert rulebook.version == "2025-05-09"
    assert rulebook.effective_date == date(2025, 5, 9)
    assert "上海市人工智能行业协会" in rulebook.source


def test_default_rulebook_is_cached() -> None:
    assert default_rulebook() is default_rulebook()


@pytest.mark.parametrize("code", RULE_CODES)
def test_each_rule_is_complete(rulebook: Rulebook, code: str) -> None:
    r = rulebook.get(code)
    assert r.code == code
    assert r.tier == (Tier.APPLICATION if code == "A0" else Tier(int(code[1])))
    assert r.title.zh and r.title.en and r.text.zh and r.text.en
    assert r.requires_refused_warning is (code in {"T1.1", "T1.2", "T1.3"})
    assert r.keywords_zh and r.keywords_en


@pytest.mark.parametrize(
    ("code", "phrase"),
    [
        ("T1.1", "经提醒拒不改正"),
        ("T1.4", "其他违反考场规则但尚未构成作弊的行为"),
        ("T2.1", "智能手表、智能手环等"),
        ("T3.4", "由他人冒名顶替参加评价或替他人参加评价的"),
        ("T3.6", "故意损毁评价设备（含视频监控系统）"),
        ("A0", "已获得的证书作无效处理"),
    ],
)
def test_chinese_texts_keep_the_notice_wording(rulebook: Rulebook, code: str, phrase: str) -> None:
    assert phrase in rulebook.get(code).text.zh


@pytest.mark.parametrize(
    ("tier", "effects"),
    [
        (Tier.APPLICATION, {Effect.CANCEL_ELIGIBILITY, Effect.VOID_ALL_SUBJECTS}),
        (Tier.ONE, {Effect.VOID_SUBJECT}),
        (Tier.TWO, {Effect.VOID_ALL_SUBJECTS, Effect.BAN_CURRENT_YEAR}),
        (Tier.THREE, {Effect.BAN_YEARS, Effect.REFERRAL_IF_SERIOUS}),
    ],
)
def test_effects_follow_the_tier(rulebook: Rulebook, tier: Tier, effects: set[Effect]) -> None:
    rules = [r for r in rulebook.rules.values() if r.tier == tier]
    assert rules
    assert all(effects <= r.effects for r in rules)


def test_get_unknown_code_raises_unknown_rule(rulebook: Rulebook) -> None:
    with pytest.raises(UnknownRule) as info:
        rulebook.get("T9.9")
    assert isinstance(info.value, RuleError)
    assert (info.value.code, info.value.field) == ("unknown_rule_code", "rule_code")


def test_rules_mapping_is_read_only(rulebook: Rulebook) -> None:
    with pytest.raises(TypeError):
        rulebook.rules["X"] = rulebook.get("A0")  # type: ignore[index]


def test_round_trip_of_the_packaged_file(
    document: dict[str, Any], write_rulebook: Callable[[Any], Path], rulebook: Rulebook
) -> None:
    assert load_rulebook(write_rulebook(document)) == rulebook


def test_file_order_does_not_matter(
    document: dict[str, Any], write_rulebook: Callable[[Any], Path]
) -> None:
    document["rule"].reverse()
    path = write_rulebook(document)
    assert tuple(load_rulebook(str(path)).rules) == RULE_CODES


def test_effective_date_may_be_an_iso_string(
    document: dict[str, Any], write_rulebook: Callable[[Any], Path]
) -> None:
    document["effective_date"] = "2025-05-09"
    assert load_rulebook(write_rulebook(document)).effective_date == date(2025, 5, 9)


def _top(key: str, value: Any) -> Mutation:
    return lambda d: d.__setitem__(key, value)


def _set(code: str, key: str, value: Any) -> Mutation:
    return lambda d: rule(d, code).__setitem__(key, value)


def _drop(code: str, key: str) -> Mutation:
    return lambda d: rule(d, code).__delitem__(key)


MALFORMED: list[tuple[str, Mutation, str | None, str]] = [
    ("missing version", lambda d: d.pop("version"), None, "version"),
    ("empty source", _top("source", "  "), None, "source"),
    ("missing date", lambda d: d.pop("effective_date"), None, "effective_date"),
    ("unreal date", _top("effective_date", "2025-02-30"), None, "effective_date"),
    ("datetime", _top("effective_date", datetime(2025, 5, 9)), None, "effective_date"),
    ("number date", _top("effective_date", 20250509), None, "effective_date"),
    ("empty version", _top("version", ""), None, "version"),
    ("unknown top key", _top("author", "me"), None, "author"),
    ("no rules", _top("rule", "none"), None, "rule"),
    ("missing rule", lambda d: d["rule"].remove(rule(d, "T2.3")), "T2.3", "code"),
    ("duplicate rule", lambda d: d["rule"].append(dict(rule(d, "T3.1"))), "T3.1", "code"),
    ("unknown code", _set("T3.7", "code", "T3.8"), "#17", "code"),
    ("unknown rule key", _set("T1.2", "penalty", "x"), "T1.2", "penalty"),
    ("tier mismatch", _set("T2.1", "tier", 3), "T2.1", "tier"),
    ("tier as bool", _set("T1.1", "tier", True), "T1.1", "tier"),
    ("tier as text", _set("T2.2", "tier", "2"), "T2.2", "tier"),
    ("empty title_zh", _set("T1.3", "title_zh", ""), "T1.3", "title_zh"),
    ("blank text_en", _set("T3.2", "text_en", "   "), "T3.2", "text_en"),
    ("missing title_en", _drop("T2.5", "title_en"), "T2.5", "title_en"),
    ("missing text_zh", _drop("A0", "text_zh"), "A0", "text_zh"),
    ("warning on T1.4", _set("T1.4", "requires_refused_warning", True), "T1.4",
     "requires_refused_warning"),
    ("no warning on T1.2", _set("T1.2", "requires_refused_warning", False), "T1.2",
     "requires_refused_warning"),
    ("warning on T2.1", _set("T2.1", "requires_refused_warning", True), "T2.1",
     "requires_refused_warning"),
    ("warning not bool", _set("T1.1", "requires_refused_warning", "yes"), "T1.1",
     "requires_refused_warning"),
    ("missing warning", _drop("T1.3", "requires_refused_warning"), "T1.3",
     "requires_refused_warning"),
    ("tier 2 with tier 3 effects", _set("T2.1", "effects",
     ["void_all_subjects", "ban_years", "referral_if_serious"]), "T2.1", "effects"),
    ("tier 3 missing referral", _set("T3.4", "effects", ["void_all_subjects", "ban_years"]),
     "T3.4", "effects"),
    ("tier 1 with a ban", _set("T1.4", "effects", ["void_subject", "ban_current_year"]), "T1.4",
     "effects"),
    ("unknown effect", _set("T2.2", "effects", ["void_all_subjects", "jail"]), "T2.2", "effects"),
    ("duplicate effect", _set("T1.1", "effects", ["void_subject", "void_subject"]), "T1.1",
     "effects"),
    ("effects not a list", _set("T3.3", "effects", "ban_years"), "T3.3", "effects"),
    ("keywords not a list", _set("T3.5", "keywords_zh", "串通"), "T3.5", "keywords_zh"),
    ("one-letter keyword", _set("T2.4", "keywords_en", ["x"]), "T2.4", "keywords_en"),
    ("missing keywords", _drop("T1.1", "keywords_en"), "T1.1", "keywords_en"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("mutate", "rule_code", "field"),
    [pytest.param(m, c, f, id=name) for name, m, c, f in MALFORMED],
)
def test_malformed_rulebook_is_refused(
    document: dict[str, Any],
    write_rulebook: Callable[[Any], Path],
    mutate: Mutation,
    rule_code: str | None,
    field: str,
) -> None:
    mutate(document)
    path = write_rulebook(document)
    with pytest.raises(RulebookError) as info:
        load_rulebook(path)
    error = info.value
    assert (error.rule_code, error.field) == (rule_code, field)
    message = str(error)
    assert str(path) in message
    assert repr(field) in message
    if rule_code is not None:
        assert f"rule {rule_code}" in message


@pytest.mark.parametrize(
    "text",
    [
        pytest.param('version = "x"\n[[rule]\n', id="syntax error"),
        pytest.param('version = "x"\neffective_date = 2025-02-30\n', id="unreal TOML date"),
        pytest.param("", id="empty file"),
    ],
)
def test_unparsable_or_empty_file_is_refused(
    write_rulebook: Callable[[Any], Path], text: str
) -> None:
    path = write_rulebook(text)
    with pytest.raises(RulebookError, match=str(path)):
        load_rulebook(path)


def test_invalid_utf8_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "latin1.toml"
    path.write_bytes('version = "é"\n'.encode("latin-1"))
    with pytest.raises(RulebookError, match="UTF-8"):
        load_rulebook(path)


def test_missing_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "absent.toml"
    with pytest.raises(RulebookError, match="cannot read") as info:
        load_rulebook(path)
    assert str(path) in str(info.value)
