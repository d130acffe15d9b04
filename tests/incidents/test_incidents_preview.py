"""The incident form's preview says what confirming would bring, from the engine itself."""

from __future__ import annotations

from datetime import date

import pytest

from incidents import Severity, UnknownRule, preview

DAY = date(2025, 6, 28)


@pytest.mark.parametrize(
    ("code", "severity", "zh_part", "en_part"),
    [
        ("T1.4", None, "取消当次该科目（theory）成绩", "subject theory"),
        ("T2.1", None, "2025-06-28 至 2025-12-31", "2025-12-31"),
        ("T3.2", Severity.MINOR, "2027-06-27", "2 years"),
        ("T3.2", Severity.SERIOUS, "移送有关部门", "referred"),
    ],
)
def test_preview_names_the_sanction(code: str, severity: Severity | None, zh_part: str,
                                    en_part: str) -> None:
    text = preview(code, sitting_date=DAY, subject="theory", severity=severity)
    assert zh_part in text.zh
    assert en_part in text.en


def test_tier3_without_severity_gives_both_outcomes() -> None:
    text = preview("T3.4", sitting_date=DAY, subject=None)
    assert "2027-06-27" in text.en and "2030-06-27" in text.en
    assert "2027-06-27" in text.zh and "2030-06-27" in text.zh


def test_unknown_code() -> None:
    with pytest.raises(UnknownRule):
        preview("T9.9", sitting_date=DAY, subject=None)
