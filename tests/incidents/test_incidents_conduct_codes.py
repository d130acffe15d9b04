"""The codes of staff and training-body misconduct: apart from the candidates' rulebook, each
of one kind of subject, in Chinese and English, strictly validated."""

from __future__ import annotations

import pytest

import incidents
from incidents.conduct import (
    ConductSubject,
    UnknownConductCode,
    WrongSubject,
    conduct_codes,
    parse_conduct_codes,
)
from incidents.errors import RulebookError

BOOK = conduct_codes()


def test_staff_codes_are_s_and_training_body_codes_are_b() -> None:
    assert [c.code for c in BOOK.of(ConductSubject.STAFF)] == [f"S1.{n}" for n in range(1, 8)]
    assert [c.code for c in BOOK.of(ConductSubject.TRAINING_BODY)] == \
        [f"B1.{n}" for n in range(1, 6)]
    for code in BOOK.codes.values():
        assert code.title.zh and code.title.en and code.text.zh and code.text.en
    assert [m.zh for m in BOOK.measures[ConductSubject.STAFF]][1] == "通报批评"
    assert "取消承办资格" in [m.zh for m in BOOK.measures[ConductSubject.TRAINING_BODY]]


def test_no_conduct_code_is_a_candidate_rule_and_back() -> None:
    candidate = set(incidents.default_rulebook().rules)
    assert candidate.isdisjoint(BOOK.codes)
    assert set(incidents.RULE_CODES) == candidate  # the candidates' rulebook is untouched
    with pytest.raises(incidents.UnknownRule):
        incidents.default_rulebook().get("S1.1")


@pytest.mark.parametrize(("code", "subject", "error"), [
    ("S1.3", ConductSubject.TRAINING_BODY, WrongSubject),
    ("B1.2", ConductSubject.STAFF, WrongSubject),
    ("T2.1", ConductSubject.STAFF, UnknownConductCode),
    ("S9.9", None, UnknownConductCode),
])
def test_a_code_of_the_wrong_kind_or_none_is_refused(code, subject, error) -> None:
    with pytest.raises(error):
        BOOK.get(code, subject)


def _data(**code: object) -> dict[str, object]:
    subjects = {kind.value: {"title_zh": "x", "title_en": "x", "measures_zh": ["a"],
                             "measures_en": ["a"]} for kind in ConductSubject}
    entry = {"code": "S1.1", "subject": "staff", "title_zh": "x", "title_en": "x",
             "text_zh": "x", "text_en": "x", **code}
    return {"version": "1", "subjects": subjects, "code": [entry]}


@pytest.mark.parametrize("broken", [
    {"code": "B1.1"},              # a B code for staff
    {"code": "T1.1"},              # not a conduct code
    {"subject": "candidate"},
    {"text_en": ""},
])
def test_a_broken_file_is_refused(broken: dict[str, object]) -> None:
    with pytest.raises(RulebookError):
        parse_conduct_codes(_data(**broken), "test.toml")
    assert parse_conduct_codes(_data(), "test.toml").get("S1.1").subject == ConductSubject.STAFF
