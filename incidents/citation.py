"""How letters cite a rule: by the article (条) and item (项) of the source document it comes from,
in that document's own numbering ("《职业技能等级认定考生须知》第三条第1项"), never by the product's
internal code. Every letter to a candidate cites through `cite`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from incidents.rulebook import Citation, Rule

DIGITS = "零一二三四五六七八九"


def chinese_numeral(number: int) -> str:
    """1 → 一, 10 → 十, 11 → 十一, 23 → 二十三 (1 to 99, as articles are numbered)."""
    if not 1 <= number <= 99:
        raise ValueError(f"no article is numbered {number}")
    tens, ones = divmod(number, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else f"{DIGITS[tens]}十")
    return head + (DIGITS[ones] if ones else "")


def citation_zh(citation: Citation) -> str:
    """《职业技能等级认定考生须知》第三条第1项 (第一条 for an article without items)."""
    item = f"第{citation.item}项" if citation.item is not None else ""
    return f"《{citation.document.zh}》第{chinese_numeral(citation.article)}条{item}"


def citation_en(citation: Citation) -> str:
    """article 3, item 1 of the Instructions for Candidates … (article 1 of … without items)."""
    item = f", item {citation.item}" if citation.item is not None else ""
    return f"article {citation.article}{item} of the {citation.document.en}"


def cite(rule: Rule, lang: Literal["zh", "en"] | str = "zh") -> str:
    """The citation of ``rule`` for a letter, in Chinese (the default) or English."""
    return citation_en(rule.citation) if lang == "en" else citation_zh(rule.citation)
