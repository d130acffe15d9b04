"""The close-out's discrepancy checks, one small function each, on facts built by hand."""

from __future__ import annotations

import pytest

from proctor.services.discrepancies import CHECKS, Facts, Mark, Seated, find

PRESENT = {"expected": 3, "present": 2, "late": 1, "absent": 0, "unrecorded": 0}


def seat(n: int, status: str | None, *marks: tuple[str, str]) -> Seated:
    return Seated(n, f"T{n}", f"考生{n}", status,
                  tuple(Mark(s, by, f"2025-06-28T01:0{i}:00+00:00")
                        for i, (s, by) in enumerate(marks)))


SEATED = (seat(1, "present", ("present", "inv1"), ("present", "inv1")),
          seat(2, "present", ("present", "inv1")), seat(3, "late", ("late", "inv2")))


@pytest.mark.parametrize("handed_out, collected, expected", [
    (None, None, []),                       # not counted yet: no paper check runs
    (3, 3, []),
    (3, 2, ["collected_vs_handed_out", "collected_vs_present"]),
    (4, 4, ["handed_out_vs_present", "collected_vs_present"]),
    (4, 3, ["collected_vs_handed_out", "handed_out_vs_present"]),
    (0, 0, ["handed_out_vs_present", "collected_vs_present"]),
])
def test_paper_checks(handed_out, collected, expected):
    found = find(Facts(SEATED, PRESENT, handed_out, collected))
    assert [d.key for d in found] == expected


@pytest.mark.parametrize("marks, twice", [
    ((("present", "inv1"), ("present", "inv1")), False),   # the ID tick after 已到
    ((("absent", "inv1"), ("late", "inv1")), True),        # changed
    ((("present", "inv1"), ("present", "inv2")), True),    # two invigilators
    ((), False),
])
def test_checked_in_twice(marks, twice):
    facts = Facts((seat(1, marks[-1][0] if marks else None, *marks),), PRESENT)
    keys = [d.key for d in find(facts)]
    assert ("checked_in_twice:T1" in keys) is twice
    assert ("unrecorded:T1" in keys) is (not marks)


def test_facts_are_stored_as_json_has_them_and_checks_are_a_list():
    found, = find(Facts((seat(1, "late", ("absent", "inv1"), ("late", "inv2")),), PRESENT))
    assert isinstance(found.facts["marks"], list)
    assert found.facts["marks"][1] == {"status": "late", "by": "inv2",
                                       "at": "2025-06-28T01:01:00+00:00"}
    assert [c.__name__ for c in CHECKS] == ["collected_vs_handed_out", "handed_out_vs_present",
                                            "collected_vs_present", "checked_in_twice",
                                            "unrecorded", "still_out"]


def test_still_out_is_raised_for_a_leaving_with_no_return():
    out = Seated(2, "T2", "考生2", "present", (), "2025-06-28T01:40:00+00:00")
    found = find(Facts((seat(1, "present", ("present", "inv1")), out), PRESENT))
    assert [d.key for d in found] == ["still_out:T2"]
    assert found[0].facts["out_since"] == "2025-06-28T01:40:00+00:00"
