"""Read a platelet count as a patient types it and normalise it to ×10⁹/L.

×10⁹/L, ×10³/µL, K/µL and G/L are the same unit ("45"); per µL (= per mm³) is
1,000 times larger ("45,000"). Mixing the two up is the dangerous mistake, so a
number that only makes sense in the other unit is never silently converted:
the patient is asked to confirm instead (NeedsConfirmation).

Pure Python on purpose: forms, imports and tests share it without Django.
"""

import enum
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal


class Unit(enum.StrEnum):
    E9_PER_L = "e9/L"
    PER_UL = "/uL"

    @property
    def label(self) -> str:
        return "×10⁹/L" if self is Unit.E9_PER_L else "per µL"

    @property
    def other(self) -> "Unit":
        return Unit.PER_UL if self is Unit.E9_PER_L else Unit.E9_PER_L


MAX_COUNT = Decimal(2000)  # ×10⁹/L
MAX_DECIMAL_PLACES = 3  # in ×10⁹/L, i.e. whole cells per µL
# Checked before any regex work so that pasted essays cost nothing.
MAX_INPUT_LENGTH = 50


@dataclass(frozen=True)
class Count:
    value: Decimal  # ×10⁹/L
    below_detection: bool = False
    # Keyword-only so that it can follow the defaulted field without a default of its own:
    # guessing a unit is exactly what this module must never do.
    unit: Unit = field(kw_only=True)


class CountError(ValueError):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class NeedsConfirmation(CountError):
    def __init__(self, suggestion: Count):
        self.suggestion = suggestion
        value, below = suggestion.value, suggestion.below_detection
        super().__init__(
            f"Did you mean {format_count(value, Unit.E9_PER_L, below)} "
            f"({format_count(value, Unit.PER_UL, below)})?"
        )


ENTER_A_NUMBER = "Enter a number, like 45 or 45,000."
EMPTY = "Enter your platelet count, like 45 or 45,000."
TOO_LONG = "That is too long for a platelet count. " + ENTER_A_NUMBER
SEVERAL_NUMBERS = "Enter one platelet count at a time, like 45 or 45,000."
UNKNOWN_UNIT = "We didn't recognise the unit. Enter just the number, like 45 or 45,000."
BELOW_ZERO = "A “less than” count needs a number above 0, like <10."
TOO_PRECISE = {
    Unit.E9_PER_L: "Please round the number to at most 3 decimal places.",
    Unit.PER_UL: "Please round the number to a whole number per µL.",
}


def _out_of_range_message() -> str:
    return (
        f"A platelet count is between 0 and {format_count(MAX_COUNT, Unit.E9_PER_L)} "
        f"({format_count(MAX_COUNT, Unit.PER_UL)}). Please check the number."
    )


# --- Reading the text -------------------------------------------------------------------------

# NFKC turns "10⁹" into "109", which reads as a number; keep the exponent visible instead.
_SUPERSCRIPTS = re.compile("[⁰¹²³⁴⁵⁶⁷⁸⁹]+")
_SUPERSCRIPT_DIGITS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789")

_COUNT = re.compile(
    r"(?P<below><|below|less\s*than)?\s*"
    r"(?P<minus>[-−])?\s*"
    # A space only groups when exactly three digits follow, so "45 10^9/L" stays "45" + unit.
    r"(?P<number>\d+(?:[.,'’]\d+|\s\d{3}(?!\d))*)"
    r"\s*(?P<rest>.*)",
    re.ASCII,
)
_SEPARATOR = re.compile(r"[.,'’ ]")
# Thousands grouping, one separator throughout. A leading 0 ("0,045") is never grouping.
_GROUPED = re.compile(r"[1-9]\d{0,2}(?P<sep>[.,'’ ])\d{3}(?:(?P=sep)\d{3})*", re.ASCII)

_PER = r"(?:/|per)"
_MICROLITRE = r"(?:(?:μ|u|mc)l|mm\^?3|cu?mm)"
_TEN_TO_THE = r"(?:[x×*]?10(?:\^|\*\*?|e)?)"
# Matched against the unit text with all whitespace removed.
_UNIT_PATTERNS = (
    (Unit.PER_UL, re.compile(rf"{_PER}{_MICROLITRE}")),
    (
        Unit.E9_PER_L,
        re.compile(rf"k|(?:k|thou|{_TEN_TO_THE}3){_PER}{_MICROLITRE}|(?:{_TEN_TO_THE}9|g){_PER}l"),
    ),
)
_SECOND_NUMBER = re.compile(r"(?:(?:[-–—/,;&~]|to|and|or)\s*)?\d", re.ASCII)


def _normalise_text(text: str) -> str:
    if len(text) > MAX_INPUT_LENGTH:
        raise CountError(TOO_LONG)
    text = _SUPERSCRIPTS.sub(lambda m: "^" + m[0].translate(_SUPERSCRIPT_DIGITS), text)
    # NFKC folds full-width digits, the micro sign and the various no-break spaces.
    return " ".join(unicodedata.normalize("NFKC", text).lower().split())


def _read_unit(rest: str) -> Unit | None:
    compact = "".join(rest.split())
    if not compact:
        return None
    for unit, pattern in _UNIT_PATTERNS:
        if pattern.fullmatch(compact):
            return unit
    raise CountError(SEVERAL_NUMBERS if _SECOND_NUMBER.match(rest) else UNKNOWN_UNIT)


def _decimal_mark(number: str, unit: Unit) -> str | None:
    """The decimal mark in `number`, if any: always its last separator."""
    separators = _SEPARATOR.findall(number)
    last = separators[-1]
    if last not in ".,":
        return None
    if len(separators) > 1:
        # "45.000,5" or "1 234,5": a lone last mark is decimal; "1.234.567" is grouping.
        return last if separators.count(last) == 1 else None
    if not _GROUPED.fullmatch(number):
        return last
    # "45,000" and "45.000" are ambiguous. Commas group (the usual English reading); a dot
    # groups only where a decimal would make no sense: 45.000 per µL is not a count.
    return last if last == "." and unit is Unit.E9_PER_L else None


def _read_number(number: str, unit: Unit) -> Decimal:
    """The number as written, in `unit`, resolving which separators group digits."""
    if not _SEPARATOR.search(number):
        return Decimal(number)
    mark = _decimal_mark(number, unit)
    whole, _, fraction = number.rpartition(mark) if mark else (number, "", "")
    if _SEPARATOR.search(whole) and not _GROUPED.fullmatch(whole):
        raise CountError(ENTER_A_NUMBER)
    return Decimal(_SEPARATOR.sub("", whole) + ("." + fraction if mark else ""))


# --- Exact decimal arithmetic ------------------------------------------------------------------
# Decimal arithmetic rounds to the context precision (28 digits); a 50-character input would be
# rounded into a plausible count. These work on the digits and exponent directly, so are exact.


def _shift(value: Decimal, places: int) -> Decimal:
    """`value` × 10**places."""
    sign, digits, exponent = value.as_tuple()
    return Decimal((sign, digits, exponent + places))


def _normalise(value: Decimal) -> Decimal:
    """Drop trailing fractional zeros, never writing an exponent (45.000 -> 45, not 4.5E+1)."""
    if not value:
        return Decimal(0)
    sign, digits, exponent = value.as_tuple()
    while exponent < 0 and digits[-1] == 0:
        digits, exponent = digits[:-1], exponent + 1
    return Decimal((sign, digits, exponent))


def _decimal_places(value: Decimal) -> int:
    return max(0, -_normalise(value).as_tuple().exponent)


def _is_storable(value: Decimal) -> bool:
    return 0 <= value <= MAX_COUNT and _decimal_places(value) <= MAX_DECIMAL_PLACES


# --- Deciding what the number means ------------------------------------------------------------


def _reading_in_other_unit(literal: Decimal, unit: Unit, below: bool) -> Count | None:
    """The other unit's reading, when only that one is a plausible count."""
    if unit is Unit.E9_PER_L and literal > MAX_COUNT:
        other_value = _shift(literal, -3)  # "45,000 ×10⁹/L" was meant per µL
    elif unit is Unit.PER_UL and 1 <= literal < 1000:
        other_value = literal  # "45 per µL" (0.045 ×10⁹/L) was meant as ×10⁹/L
    else:
        return None
    if not _is_storable(other_value):
        return None
    return Count(_normalise(other_value), below, unit=unit.other)


def _to_count(literal: Decimal, unit: Unit, below: bool) -> Count:
    if below and not literal:
        raise CountError(BELOW_ZERO)
    suggestion = _reading_in_other_unit(literal, unit, below)
    if suggestion is not None:
        raise NeedsConfirmation(suggestion)
    value = _normalise(literal if unit is Unit.E9_PER_L else _shift(literal, -3))
    if value > MAX_COUNT:
        raise CountError(_out_of_range_message())
    if _decimal_places(value) > MAX_DECIMAL_PLACES:
        raise CountError(TOO_PRECISE[unit])
    return Count(value, below, unit=unit)


def parse_count(text: str, unit: Unit) -> Count:
    """Read `text` as a platelet count; `unit` applies unless the text names one.

    Raises CountError (or its NeedsConfirmation) with a message for the patient.
    """
    unit = Unit(unit)  # accept the raw form value ("e9/L") as well as the member
    normalised = _normalise_text(text)
    if not normalised:
        raise CountError(EMPTY)
    match = _COUNT.fullmatch(normalised)
    if not match:
        raise CountError(ENTER_A_NUMBER)
    written_in = _read_unit(match["rest"]) or unit
    literal = _read_number(match["number"], written_in)
    if match["minus"] and literal:
        raise CountError(_out_of_range_message())
    return _to_count(literal, written_in, below=bool(match["below"]))


# --- Writing counts ----------------------------------------------------------------------------


def format_number(value: Decimal, unit: Unit) -> str:
    """`value` (×10⁹/L) written in `unit` with comma grouping: 45 -> "45" or "45,000"."""
    shown = value if unit is Unit.E9_PER_L else _shift(value, 3)
    return f"{_normalise(shown):,f}"


def format_count(value: Decimal, unit: Unit, below_detection: bool = False) -> str:
    """`value` (×10⁹/L) written in `unit` with its label: "45 ×10⁹/L", "<10,000 per µL"."""
    prefix = "<" if below_detection else ""
    return f"{prefix}{format_number(value, unit)} {unit.label}"
