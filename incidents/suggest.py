"""Free-text rule suggestion for invigilators, in Chinese or English.

Scoring, all data-driven:

1. Keywords come from the rulebook (``keywords_zh`` / ``keywords_en``). A Chinese keyword matches
   as a substring of the text (whitespace removed, NFKC-folded, lowercased) and weighs its length
   in characters / 2. An English keyword matches as a run of normalised words and weighs its
   number of words. Normalisation: lowercase, drop articles and possessives, and a light stemmer
   (plural -s/-es/-ies, -ing, -ed, final -e) applied alike to keyword and text. Each keyword
   counts once; overlapping keywords each count, so specific phrases outweigh single words.
2. The usage-vs-possession cue (RULES.md: *having* a phone is T1.1, *using* it is T2.1): a device
   word (phone, earphones, smartwatch, 手机, 耳机 …) with a verb of use within a few characters
   (Chinese) or words (English) adds `USE_BONUS` to T2.1; a device word without one adds
   `HAVE_BONUS` to T1.1. Observation verbs (看到, 发现 …) do not count as use.
3. A rule's score is raw / (raw + `SCORE_SCALE`), in (0, 1); ties keep rulebook order.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from incidents.rulebook import Rule, Rulebook, resolve

SCORE_SCALE = 3.0
USE_BONUS = 2.0
HAVE_BONUS = 1.5
USE_RULE, HAVE_RULE = "T2.1", "T1.1"
ZH_WINDOW, EN_WINDOW = 4, 3

DEVICES_ZH = (
    "手机", "耳机", "智能手表", "手表", "手环", "相机", "照相机", "电脑", "平板", "u盘",
    "电子设备", "电子产品", "电子用品", "通讯设备", "对讲机", "蓝牙",
)  # fmt: skip
USE_VERBS_ZH = (
    "使用", "用", "看", "查", "听", "戴", "拍", "玩", "打", "发", "搜", "刷", "录", "聊",
)  # fmt: skip
NOT_USE_ZH = ("看到", "看见", "发现")
DEVICES_EN = (
    "phone", "mobile", "mobile phone", "cellphone", "cell phone", "smartphone", "earphone",
    "earbud", "headphone", "headset", "smartwatch", "smart watch", "smart band", "camera",
    "laptop", "tablet", "ipad", "usb", "usb stick", "usb drive", "electronic device", "device",
)  # fmt: skip
USE_VERBS_EN = (
    "use", "look", "check", "read", "listen", "text", "call", "play", "search", "type",
    "browse", "scroll", "photograph", "film", "record", "wear", "watch", "message", "google",
)  # fmt: skip
STOPWORDS_EN = frozenset({"a", "an", "the", "his", "her", "their", "its", "my", "your", "our"})


def stem(word: str) -> str:
    """Reduce an English word to a crude stem, the same way for keywords and text."""
    if word.endswith("ing") and len(word) >= 5:
        return _restore(word[:-3])
    if word.endswith(("ies", "ied")) and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("ed") and len(word) >= 4:
        return _restore(word[:-2])
    if word.endswith("es") and word[:-2].endswith(("ss", "x", "z", "ch", "sh")):
        word = word[:-2]
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")) and len(word) > 3:
        word = word[:-1]
    return word[:-1] if word.endswith("e") and len(word) > 4 else word


def _restore(base: str) -> str:
    """Undo the doubling or the dropped "e" before -ing/-ed: sitting -> sit, using -> use."""
    if len(base) > 2 and base[-1] == base[-2] and base[-1] not in "aeiouls":
        return base[:-1]
    if len(base) <= 3 and base[-1:] not in ("", "e", "y", "w"):
        return base + "e"  # use, take, type; longer stems lost their final "e" anyway
    return base


def words(text: str) -> tuple[str, ...]:
    """Return the normalised English words of ``text`` (see the module docstring)."""
    raw = re.findall(r"[a-z0-9]+", _fold(text))
    return tuple(stem(w) for w in raw if w not in STOPWORDS_EN)


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


def _zh(text: str) -> str:
    return re.sub(r"\s+", "", _fold(text))


@dataclass(frozen=True, slots=True)
class _Keywords:
    code: str
    zh: tuple[tuple[str, float], ...]
    en: tuple[tuple[tuple[str, ...], float], ...]


@lru_cache(maxsize=8)
def _index(rules: tuple[Rule, ...]) -> tuple[_Keywords, ...]:
    return tuple(
        _Keywords(
            code=rule.code,
            zh=tuple((kw, len(kw) / 2) for kw in {_zh(k) for k in rule.keywords_zh} if kw),
            en=tuple((kw, float(len(kw))) for kw in {words(k) for k in rule.keywords_en} if kw),
        )
        for rule in rules
    )


def _spans(seq: tuple[str, ...], part: tuple[str, ...]) -> Iterator[tuple[int, int]]:
    n = len(part)
    return ((i, i + n) for i in range(len(seq) - n + 1) if seq[i : i + n] == part)


def _contains(seq: tuple[str, ...], part: tuple[str, ...]) -> bool:
    return next(_spans(seq, part), None) is not None


def _device_mentions_zh(text: str) -> list[bool]:
    """For each device word in ``text``, whether a verb of use stands within the window."""
    found = []
    for device in DEVICES_ZH:
        for match in re.finditer(re.escape(device), text):
            before = text[max(0, match.start() - ZH_WINDOW) : match.start()]
            after = text[match.end() : match.end() + ZH_WINDOW]
            near = "|".join((before, after))
            for phrase in NOT_USE_ZH:
                near = near.replace(phrase, "|")
            found.append(any(verb in near for verb in USE_VERBS_ZH))
    return found


_DEVICE_WORDS_EN = tuple(words(d) for d in DEVICES_EN)
_USE_WORDS_EN = frozenset(stem(v) for v in USE_VERBS_EN)


def _device_mentions_en(tokens: tuple[str, ...]) -> list[bool]:
    found = []
    for device in _DEVICE_WORDS_EN:
        for start, end in _spans(tokens, device):
            near = tokens[max(0, start - EN_WINDOW) : start] + tokens[end : end + EN_WINDOW]
            found.append(any(word in _USE_WORDS_EN for word in near))
    return found


def _device_cue(zh_text: str, tokens: tuple[str, ...]) -> dict[str, float]:
    mentions = _device_mentions_zh(zh_text) + _device_mentions_en(tokens)
    bonus: dict[str, float] = {}
    if any(mentions):
        bonus[USE_RULE] = USE_BONUS
    elif mentions:
        bonus[HAVE_RULE] = HAVE_BONUS
    return bonus


def suggest(
    text: str, *, limit: int = 5, rulebook: Rulebook | None = None
) -> list[tuple[str, float]]:
    """Rank the rules that an invigilator's free text (Chinese or English) most likely describes.

    Returns up to ``limit`` ``(rule_code, score)`` pairs, best first, every score in (0, 1];
    an empty list for empty or irrelevant text, or when ``limit`` < 1.
    """
    book = resolve(rulebook)
    zh_text, tokens = _zh(text), words(text)
    if limit < 1 or not zh_text:
        return []
    raw = _device_cue(zh_text, tokens)
    for entry in _index(tuple(book.rules.values())):
        weight = sum(w for kw, w in entry.zh if kw in zh_text)
        weight += sum(w for kw, w in entry.en if _contains(tokens, kw))
        if weight:
            raw[entry.code] = raw.get(entry.code, 0.0) + weight
    order = {code: i for i, code in enumerate(book.rules)}
    ranked = sorted(
        (code for code in raw if code in order and raw[code] > 0),
        key=lambda code: (-raw[code], order[code]),
    )
    return [(code, round(raw[code] / (raw[code] + SCORE_SCALE), 3)) for code in ranked[:limit]]
