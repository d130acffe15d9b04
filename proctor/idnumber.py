"""Chinese resident identity numbers (GB 11643-1999): normalise, validate, mask, synthesise.

Pure standard-library code so it can be used (and tested) without the Flask app.
"""

from datetime import date

__all__ = [
    "IdNumberError",
    "check_digit",
    "is_valid_id_number",
    "make_id_number",
    "mask_id_number",
    "normalize_id_number",
]

_LENGTH = 18
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"
_ASCII_DIGITS = frozenset("0123456789")
_MIN_BIRTH_YEAR = 1900

# Full-width digits and X become ASCII; invisible characters pasted from Word/web are dropped.
_TRANSLATION = str.maketrans(
    {
        **{chr(0xFF10 + i): str(i) for i in range(10)},
        "\uff38": "X",  # FULLWIDTH LATIN CAPITAL LETTER X
        "\uff58": "X",  # FULLWIDTH LATIN SMALL LETTER X
        "\u200b": None,  # ZERO WIDTH SPACE
        "\ufeff": None,  # BYTE ORDER MARK / ZERO WIDTH NO-BREAK SPACE
    }
)


class IdNumberError(ValueError):
    """An ID number is malformed; the message says what is wrong in plain English."""


def _is_ascii_digits(text: str) -> bool:
    return bool(text) and all(ch in _ASCII_DIGITS for ch in text)


def check_digit(first17: str) -> str:
    """Return the GB 11643 check character ("0"-"9" or "X") for the first 17 digits."""
    if len(first17) != _LENGTH - 1 or not _is_ascii_digits(first17):
        raise IdNumberError("the first 17 characters of an ID number must be digits")
    total = sum(int(ch) * weight for ch, weight in zip(first17, _WEIGHTS, strict=True))
    return _CHECK_CHARS[total % 11]


def _birth_date(digits: str) -> date:
    """Parse and sanity-check the YYYYMMDD birth date embedded in an ID number."""
    try:
        born = date(int(digits[0:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        raise IdNumberError(f"birth date {digits} is not a real date") from None
    if born.year < _MIN_BIRTH_YEAR:
        raise IdNumberError(f"birth year {born.year} is before {_MIN_BIRTH_YEAR}")
    if born > date.today():
        raise IdNumberError(f"birth date {born.isoformat()} is in the future")
    return born


def normalize_id_number(raw: str) -> str:
    """Clean up and validate an ID number, returning its canonical 18-character form.

    Spaces (including full-width ones) are removed, full-width digits and X are made ASCII
    and a lower-case x becomes X.  Raises IdNumberError saying what is wrong: length,
    characters, birth date or check digit.
    """
    if not isinstance(raw, str):
        raise IdNumberError("ID number must be text")
    number = "".join(raw.split()).translate(_TRANSLATION).upper()
    if not number:
        raise IdNumberError("ID number is empty")
    if len(number) != _LENGTH:
        raise IdNumberError(f"ID number must be 18 characters long, not {len(number)}")
    if not _is_ascii_digits(number[:17]) or number[17] not in "0123456789X":
        raise IdNumberError("ID number must be 17 digits followed by a digit or X")
    _birth_date(number[6:14])
    if number[17] != check_digit(number[:17]):
        raise IdNumberError("ID number check digit does not match (is a digit mistyped?)")
    return number


def is_valid_id_number(raw: str) -> bool:
    """Return True if normalize_id_number would accept raw."""
    try:
        normalize_id_number(raw)
    except IdNumberError:
        return False
    return True


def mask_id_number(number: str) -> str:
    """Hide the middle of an ID number: keep the first 3 and last 4 characters.

    "310101199001011234" -> "310***********1234".  Anything shorter than 8 characters is
    masked completely (same number of stars as characters).
    """
    if len(number) < 8:
        return "*" * len(number)
    return number[:3] + "*" * (len(number) - 7) + number[-4:]


def make_id_number(region: str, birth: date, sequence: int) -> str:
    """Build a synthetic, check-digit-valid ID number for demo data and tests.

    region is a 6-digit administrative code, birth a date from 1900 up to today and
    sequence 0-999 (its last digit conventionally encodes sex: odd male, even female).
    """
    if len(region) != 6 or not _is_ascii_digits(region):
        raise ValueError(f"region must be 6 digits, not {region!r}")
    if isinstance(sequence, bool) or not isinstance(sequence, int) or not 0 <= sequence <= 999:
        raise ValueError(f"sequence must be an integer from 0 to 999, not {sequence!r}")
    digits = f"{birth.year:04d}{birth.month:02d}{birth.day:02d}"
    _birth_date(digits)
    first17 = f"{region}{digits}{sequence:03d}"
    return first17 + check_digit(first17)
