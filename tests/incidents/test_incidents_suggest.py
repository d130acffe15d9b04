"""Free-text rule suggestion, Chinese and English."""

from __future__ import annotations

import pytest

from incidents import RULE_CODES, suggest
from incidents.suggest import stem, words


@pytest.mark.parametrize(
    ("text", "best"),
    [
        # using a device is T2.1 ...
        ("考生在用手机查答案", "T2.1"),
        ("using a phone", "T2.1"),
        ("looking at his phone", "T2.1"),
        ("戴着耳机听", "T2.1"),
        ("smartwatch to look up answers", "T2.1"),
        ("Candidate was texting on a mobile phone", "T2.1"),
        ("考试中拿出手机拍照", "T2.1"),
        # ... merely having one is T1.1
        ("phone on the desk", "T1.1"),
        ("手机放在桌上", "T1.1"),
        ("看到他的手机在桌上", "T1.1"),
        ("带了书", "T1.1"),
        ("has notes in the pocket", "T1.1"),
        ("智能手表没有放在指定位置", "T1.1"),
        # the others
        ("替考", "T3.4"),
        ("someone sitting for him", "T3.4"),
        ("impostor", "T3.4"),
        ("The photo does not match, probably an impostor sitting for him", "T3.4"),
        ("抄袭", "T2.2"),
        ("copying from neighbour", "T2.2"),
        ("交头接耳", "T1.3"),
        ("talking loudly", "T1.3"),
        ("离开座位", "T1.2"),
        ("left his seat", "T1.2"),
        ("撕毁试卷", "T2.3"),
        ("带走试卷", "T2.4"),
        ("took the paper out", "T2.4"),
        ("泄题", "T3.2"),
        ("组织作弊", "T3.5"),
        ("损坏监控", "T3.6"),
        ("He damaged the surveillance camera", "T3.6"),
        ("抽烟", "T1.3"),
        ("在考场内吸烟", "T1.3"),
        ("假证书", "T3.1"),
        ("虚假材料", "T3.1"),
        ("假证书/虚假材料", "T3.1"),
        ("殴打监考员，严重扰乱考场", "T3.7"),
        ("不听指挥，违反考场规则", "T1.4"),
    ],
)
def test_best_suggestion(text: str, best: str) -> None:
    ranked = suggest(text)
    assert ranked, text
    assert ranked[0][0] == best, ranked


@pytest.mark.parametrize(
    ("used", "had"),
    [
        ("考生在用手机查答案", "考生的手机放在桌上"),
        ("using a phone", "phone on the desk"),
        ("wearing earphones and listening", "earphones in his bag"),
    ],
)
def test_use_and_possession_of_a_device_differ(used: str, had: str) -> None:
    use = dict(suggest(used))
    have = dict(suggest(had))
    assert use.get("T2.1", 0) > use.get("T1.1", 0)
    assert have.get("T1.1", 0) > have.get("T2.1", 0)


@pytest.mark.parametrize("text", ["假证书", "虚假材料", "fake certificate and false materials"])
def test_false_materials_also_suggest_application_honesty(text: str) -> None:
    codes = [code for code, _ in suggest(text)]
    assert codes[0] == "T3.1"
    assert "A0" in codes


@pytest.mark.parametrize(
    "text", ["", "   ", "今天天气很好", "the weather is nice today", "12345", "？！"]
)
def test_empty_or_irrelevant_text_gives_nothing(text: str) -> None:
    assert suggest(text) == []


@pytest.mark.parametrize(
    "text", ["组织作弊", "假证书/虚假材料", "copying from his neighbour's phone"]
)
def test_scores_are_ranked_and_positive(text: str) -> None:
    ranked = suggest(text)
    scores = [score for _, score in ranked]
    assert scores == sorted(scores, reverse=True)
    assert all(0 < score <= 1 for score in scores)
    assert all(code in RULE_CODES for code, _ in ranked)
    assert len({code for code, _ in ranked}) == len(ranked)


def test_limit() -> None:
    text = "抄袭 作弊 串通 替考 泄题 撕毁试卷 带走试卷 喧哗"
    assert len(suggest(text)) == 5
    assert len(suggest(text, limit=2)) == 2
    assert suggest(text, limit=2) == suggest(text)[:2]
    assert suggest(text, limit=0) == []


def test_full_width_and_case_are_folded() -> None:
    assert suggest("ＵＳＩＮＧ A PHONE") == suggest("using a phone")


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("using", "use"),
        ("used", "use"),
        ("uses", "use"),
        ("phones", "phon"),
        ("phone", "phon"),
        ("looking", "look"),
        ("copying", "copy"),
        ("copied", "copy"),
        ("copies", "copy"),
        ("sitting", "sit"),
        ("watches", "watch"),
        ("notes", "note"),
        ("his", "his"),
        ("glass", "glass"),
    ],
)
def test_stem(word: str, expected: str) -> None:
    assert stem(word) == expected


def test_words_drop_articles_and_possessives() -> None:
    assert words("Looking at HIS phone") == ("look", "at", "phon")
