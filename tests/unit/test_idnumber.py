"""Unit tests for proctor.idnumber (GB 11643-1999 resident ID numbers)."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from proctor.idnumber import (
    IdNumberError,
    check_digit,
    is_valid_id_number,
    make_id_number,
    mask_id_number,
    normalize_id_number,
)

# Worked example from the GB 11643-1999 standard: Beijing Chaoyang, 1949-12-31, sequence 002.
STANDARD_EXAMPLE = "11010519491231002X"


def _with_check(first17: str) -> str:
    return first17 + check_digit(first17)


@pytest.mark.parametrize(
    ("first17", "expected"),
    [
        ("11010519491231002", "X"),
        ("44052418800101001", "4"),
        ("11010119900307123", "3"),
    ],
)
def test_check_digit_matches_known_numbers(first17: str, expected: str) -> None:
    assert check_digit(first17) == expected


@pytest.mark.parametrize("bad", ["", "1101051949123100", "110105194912310022", "1101051949123100A"])
def test_check_digit_rejects_non_17_digit_input(bad: str) -> None:
    with pytest.raises(IdNumberError):
        check_digit(bad)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (STANDARD_EXAMPLE, STANDARD_EXAMPLE),
        ("11010519491231002x", STANDARD_EXAMPLE),  # lower-case x
        ("  110105 19491231 002X \n", STANDARD_EXAMPLE),  # ASCII spaces anywhere
        ("110105\u300019491231\u3000002X", STANDARD_EXAMPLE),  # full-width spaces
        ("１１０１０５１９４９１２３１００２Ｘ", STANDARD_EXAMPLE),  # full-width digits and X
        ("１１０１０５１９４９１２３１００２ｘ", STANDARD_EXAMPLE),  # full-width lower-case x
        ("\ufeff11010519491231002X\u200b", STANDARD_EXAMPLE),  # invisible pasted characters
        ("110101199003071233", "110101199003071233"),
    ],
)
def test_normalize_accepts_and_cleans(raw: str, expected: str) -> None:
    assert normalize_id_number(raw) == expected
    assert is_valid_id_number(raw) is True


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("1101051949123100X", "18 characters"),  # 17 characters
        ("11010519491231002X1", "18 characters"),  # 19 characters
        ("1101051949123100AX", "17 digits"),  # letter inside
        ("11010519491231002Y", "17 digits"),  # bad last character
        ("X10105194912310021", "17 digits"),  # X only allowed last
        ("١١٠١٠٥١٩٤٩١٢٣١٠٠٢X", "17 digits"),  # Arabic-Indic digits are not ASCII
        ("110105194912310021", "check digit"),  # wrong check digit
        ("110105194912310020", "check digit"),
        (_with_check("11010519990230123"), "birth date 19990230"),  # 30 February
        (_with_check("11010519991301123"), "not a real date"),  # month 13
        (_with_check("11010518991231123"), "before 1900"),
        (_with_check("11010500000101123"), "not a real date"),  # year 0
    ],
)
def test_normalize_rejects_with_reason(raw: str, fragment: str) -> None:
    with pytest.raises(IdNumberError, match=fragment):
        normalize_id_number(raw)
    assert is_valid_id_number(raw) is False


def test_future_birth_date_is_rejected() -> None:
    tomorrow = date.today() + timedelta(days=1)
    number = _with_check(f"110105{tomorrow:%Y%m%d}123")
    with pytest.raises(IdNumberError, match="in the future"):
        normalize_id_number(number)


def test_birth_date_today_is_accepted() -> None:
    number = make_id_number("110105", date.today(), 1)
    assert normalize_id_number(number) == number


def test_id_number_error_is_a_value_error() -> None:
    assert issubclass(IdNumberError, ValueError)
    with pytest.raises(ValueError, match="check digit"):
        normalize_id_number("110105194912310021")


@pytest.mark.parametrize(
    ("number", "masked"),
    [
        ("310101199001011234", "310***********1234"),
        (STANDARD_EXAMPLE, "110***********002X"),
        ("12345678", "123*5678"),
        ("1234567", "*******"),
        ("abc", "***"),
        ("", ""),
    ],
)
def test_mask_id_number(number: str, masked: str) -> None:
    assert mask_id_number(number) == masked
    assert len(mask_id_number(number)) == len(number)


def test_make_id_number_known_value() -> None:
    assert make_id_number("110105", date(1949, 12, 31), 2) == STANDARD_EXAMPLE


@pytest.mark.parametrize(
    ("region", "birth", "sequence"),
    [
        ("11010", date(1990, 1, 1), 1),
        ("1101051", date(1990, 1, 1), 1),
        ("11O105", date(1990, 1, 1), 1),
        ("110105", date(1990, 1, 1), -1),
        ("110105", date(1990, 1, 1), 1000),
        ("110105", date(1899, 12, 31), 1),
        ("110105", date.today() + timedelta(days=1), 1),
    ],
)
def test_make_id_number_rejects_bad_input(region: str, birth: date, sequence: int) -> None:
    with pytest.raises(ValueError):
        make_id_number(region, birth, sequence)


regions = st.text(alphabet="0123456789", min_size=6, max_size=6)
births = st.dates(min_value=date(1900, 1, 1), max_value=date.today())
sequences = st.integers(min_value=0, max_value=999)


@given(region=regions, birth=births, sequence=sequences)
def test_make_id_number_round_trips(region: str, birth: date, sequence: int) -> None:
    number = make_id_number(region, birth, sequence)
    assert len(number) == 18
    assert number[:6] == region
    assert number[6:14] == birth.strftime("%Y%m%d")
    assert number[14:17] == f"{sequence:03d}"
    assert normalize_id_number(number) == number
    assert normalize_id_number(number.lower()) == number
    masked = mask_id_number(number)
    assert masked == number[:3] + "*" * 11 + number[-4:]


@given(
    region=regions,
    birth=births,
    sequence=sequences,
    position=st.integers(min_value=0, max_value=16),
    delta=st.integers(min_value=1, max_value=9),
)
def test_any_single_digit_typo_is_detected(
    region: str, birth: date, sequence: int, position: int, delta: int
) -> None:
    number = make_id_number(region, birth, sequence)
    typo = str((int(number[position]) + delta) % 10)
    mistyped = number[:position] + typo + number[position + 1 :]
    assert not is_valid_id_number(mistyped)


@given(st.text(alphabet="0123456789", min_size=17, max_size=17))
def test_check_digit_agrees_with_iso_7064_mod_11_2(first17: str) -> None:
    # Independent formulation: weights are 2**(17 - i) mod 11, check = (12 - sum mod 11) mod 11.
    total = sum(int(ch) * pow(2, 17 - i, 11) for i, ch in enumerate(first17))
    value = (12 - total % 11) % 11
    assert check_digit(first17) == ("X" if value == 10 else str(value))
