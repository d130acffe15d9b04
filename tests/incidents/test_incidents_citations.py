"""Each rule cites the article (条) and item (项) of Attachment 2 《职业技能等级认定考生须知》
it comes from, as data in the rulebook; letters to candidates cite it, never the internal code."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from incidents import (
    RULE_CODES,
    Rulebook,
    RulebookError,
    chinese_numeral,
    cite,
    load_rulebook,
)

SEED = Path(__file__).resolve().parents[3] / "shared" / "seed" / "000_6f20a47483a7c7ac.txt"
DOCUMENT = "《职业技能等级认定考生须知》"

# code -> (article, item, the words of that article and item in the attachment)
CITATIONS: dict[str, tuple[int, int | None, str]] = {
    "A0": (1, None, "一经查实存在不符合申报条件或申报材料虚假伪造的"),
    "T1.1": (2, 1, "携带禁携物品"),
    "T1.2": (2, 2, "未在规定的座位（或考位）参加评价"),
    "T1.3": (2, 3, "喧哗、吸烟或实施其他影响考场秩序的行为"),
    "T1.4": (2, 4, "其他违反考场规则但尚未构成作弊的行为"),
    "T2.1": (3, 1, "带拍照、存储、传输或通讯功能的电子设备"),
    "T2.2": (3, 2, "抄袭或协助他人抄袭"),
    "T2.3": (3, 3, "故意损毁试卷、工件或考试材料"),
    "T2.4": (3, 4, "擅自将试题、答卷或者有关内容带出考场"),
    "T2.5": (3, 5, "存在其他作弊但对其他应试人员未造成严重干扰的行为"),
    "T3.1": (4, 1, "通过虚假承诺、提供虚假材料"),
    "T3.2": (4, 2, "评价前以非正当手段获得试题或答案"),
    "T3.3": (4, 3, "抢夺、窃取他人试卷"),
    "T3.4": (4, 4, "由他人冒名顶替参加评价或替他人参加评价"),
    "T3.5": (4, 5, "串通作弊或参与有组织作弊"),
    "T3.6": (4, 6, "故意损毁评价设备（含视频监控系统）"),
    "T3.7": (4, 7, "其他影响恶劣或严重扰乱评价管理秩序的行为"),
}


def test_every_code_has_a_citation() -> None:
    assert tuple(CITATIONS) == RULE_CODES


@pytest.mark.parametrize("code", RULE_CODES)
def test_citation_is_data_on_the_rule(rulebook: Rulebook, code: str) -> None:
    article, item, words = CITATIONS[code]
    citation = rulebook.get(code).citation
    assert (citation.article, citation.item) == (article, item)
    assert citation.document.zh == "职业技能等级认定考生须知"
    assert words in rulebook.get(code).text.zh


@pytest.mark.parametrize(
    ("code", "zh", "en"),
    [
        ("T2.1", f"{DOCUMENT}第三条第1项", "article 3, item 1"),
        ("T1.1", f"{DOCUMENT}第二条第1项", "article 2, item 1"),
        ("T1.4", f"{DOCUMENT}第二条第4项", "article 2, item 4"),
        ("T3.7", f"{DOCUMENT}第四条第7项", "article 4, item 7"),
        ("A0", f"{DOCUMENT}第一条", "article 1"),
    ],
)
def test_cite_renders_the_attachments_numbering(
    rulebook: Rulebook, code: str, zh: str, en: str
) -> None:
    rule = rulebook.get(code)
    assert cite(rule) == zh == rule.citation.zh
    assert cite(rule, "en").startswith(en) and "Instructions for Candidates" in cite(rule, "en")
    assert code not in cite(rule) and code not in cite(rule, "en")


@pytest.mark.parametrize(
    ("number", "words"),
    [(1, "一"), (4, "四"), (10, "十"), (11, "十一"), (20, "二十"), (23, "二十三"), (99, "九十九")],
)
def test_chinese_numerals(number: int, words: str) -> None:
    assert chinese_numeral(number) == words


def _attachment_items() -> dict[tuple[int, int | None], str]:
    """Attachment 2 of the seed notice, cut into its articles (一、二、…) and items (1、2、…),
    whitespace removed: (article, item) -> text (item None: the whole article)."""
    text = SEED.read_text(encoding="utf-8")
    body = text[text.index("现将参加职业技能等级认定考生"):]
    parts = re.split(r"(?m)^\s*([一二三四五六七八九十]+)、", body)
    found: dict[tuple[int, int | None], str] = {}
    for index in range(1, len(parts), 2):
        article = "一二三四五六七八九十".index(parts[index]) + 1
        found.setdefault((article, None), re.sub(r"\s", "", parts[index + 1]))
        items = re.split(r"(?m)^\s*(\d+)、", parts[index + 1])
        for at in range(1, len(items), 2):
            found.setdefault((article, int(items[at])), re.sub(r"\s", "", items[at + 1]))
    return found


@pytest.mark.skipif(not SEED.exists(), reason=f"the source notice is not at {SEED}")
@pytest.mark.parametrize("code", RULE_CODES)
def test_citation_points_at_the_rules_own_text_in_the_source(
    rulebook: Rulebook, code: str
) -> None:
    rule = rulebook.get(code)
    cited = _attachment_items()[(rule.citation.article, rule.citation.item)]
    assert re.sub(r"\s", "", rule.text.zh) in cited


def _set(code: str, key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def mutate(document: dict[str, Any]) -> None:
        table = next(t for t in document["rule"] if t["code"] == code)
        if value is None:
            del table[key]
        else:
            table[key] = value

    return mutate


@pytest.mark.parametrize(
    ("mutate", "rule_code", "field"),
    [
        pytest.param(_set("T2.1", "article", None), "T2.1", "article", id="missing article"),
        pytest.param(_set("T2.1", "article", 0), "T2.1", "article", id="article zero"),
        pytest.param(_set("T2.1", "article", "3"), "T2.1", "article", id="article as text"),
        pytest.param(_set("T2.1", "article", True), "T2.1", "article", id="article as bool"),
        pytest.param(_set("T2.2", "item", -1), "T2.2", "item", id="negative item"),
        pytest.param(_set("T2.2", "item", "1"), "T2.2", "item", id="item as text"),
        pytest.param(_set("T2.2", "item", 1), "T2.2", "item", id="two rules, one item"),
        pytest.param(lambda d: d.pop("document_zh"), None, "document_zh", id="no document"),
        pytest.param(lambda d: d.__setitem__("document_en", " "), None, "document_en",
                     id="blank document_en"),
    ],
)
def test_malformed_citation_is_refused(
    document: dict[str, Any],
    write_rulebook: Callable[[Any], Path],
    mutate: Callable[[dict[str, Any]], None],
    rule_code: str | None,
    field: str,
) -> None:
    mutate(document)
    with pytest.raises(RulebookError) as info:
        load_rulebook(write_rulebook(document))
    assert (info.value.rule_code, info.value.field) == (rule_code, field)
