"""Read a platelet count as a patient types it and normalise it to ×10⁹/L.

×10⁹/L, ×10³/µL, K/µL and G/L are the same unit ("45"); per µL (= per mm³, per cumm) is
1,000 times larger ("45,000"). Labs also write ×10⁴/µL (Japan: "4.5"), lakh per µL (India:
"0.45 lakh" = 45,000 per µL) and spreadsheets write 4.5E+04. Mixing units up is the dangerous
mistake: a count of 1.5 ×10⁹/L (a bleeding risk) read as 1,500 ×10⁹/L (a very high count)
raises no advice and no alert. So this module never guesses.

The rule (`parse_count`):
1. Every way of reading the text is listed: each reading of its separators ("1,500" is one
   thousand five hundred, or one and a half with a decimal comma) in the unit the text names,
   or, when it names none, in the unit chosen on the form *and* in the other one.
2. A reading is plausible when it is a count that can be stored and exists: 0 to 2,000
   ×10⁹/L in whole cells per µL, and, in a per-µL unit, at least 1,000 per µL (a number of
   platelets per µL under 1,000 is far more likely ×10⁹/L typed in the wrong unit, so it is
   asked about). Counts of over 1,000 ×10⁹/L (a million per µL) are rare but real: NHLBI
   gives them in primary thrombocythemia (docs/sources/nhlbi-thrombocythemia.md), and very
   low counts are what people with ITP log. So from 1,000 to 2,000 both readings are counts.
3. The text is read without a question only when its first reading (the separators as the
   unit usually means them, in the named or chosen unit) is plausible and every other
   plausible reading gives the same count. Otherwise the person is asked to choose between
   the plausible readings (`NeedsConfirmation`), or told the number is not a count.

So "1500", "1,500", "1 500" and "1.500" with ×10⁹/L chosen are asked about (1,500 ×10⁹/L or
1.5 ×10⁹/L?), as is every number from 1,000 to 2,000 in either unit; "45,000" with ×10⁹/L
chosen asks "45 ×10⁹/L (45,000 per µL)?"; "150" with ×10⁹/L is read at once.

Units: 150,000–450,000 per µL, NHLBI's normal range, is 150–450 ×10⁹/L (per µL = per mm³;
×10⁹/L = ×10³/µL = K/µL = G/L). UCUM writes ×10⁹/L as `10*9/L` and per µL as `/uL`.

Results with a comparator ("<10", "≤5", ">1000") keep it, like FHIR's Quantity.comparator
(`<`, `<=`, `>=`, `>`): the number is the limit, never the count itself.

Pure Python on purpose: forms, imports and tests share it without Django.
"""

import enum
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import formats
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

# LOINC's code for the platelet count: "Platelets [#/volume] in Blood by Automated count".
# Lab portals name a sheet's column by it.
LOINC_PLATELET_COUNT = "777-3"


class Unit(enum.StrEnum):
    E9_PER_L = "e9/L"
    PER_UL = "/uL"

    @property
    def label(self) -> str:
        return "×10⁹/L" if self is Unit.E9_PER_L else _("per µL")

    @property
    def ucum(self) -> str:
        """The unit as UCUM writes it (the code FHIR and lab systems send)."""
        return "10*9/L" if self is Unit.E9_PER_L else "/uL"

    @property
    def other(self) -> "Unit":
        return Unit.PER_UL if self is Unit.E9_PER_L else Unit.E9_PER_L


class Comparator(enum.StrEnum):
    """How the true count relates to the number, as FHIR's Quantity.comparator codes."""

    EXACT = ""
    BELOW = "<"
    AT_MOST = "<="
    AT_LEAST = ">="
    ABOVE = ">"

    @property
    def symbol(self) -> str:
        return _SYMBOLS[self]

    @property
    def is_upper_limit(self) -> bool:
        """The number is a ceiling: the count is below it (or at most it)."""
        return self in (Comparator.BELOW, Comparator.AT_MOST)

    @property
    def is_lower_limit(self) -> bool:
        return self in (Comparator.ABOVE, Comparator.AT_LEAST)


_SYMBOLS = {
    Comparator.EXACT: "",
    Comparator.BELOW: "<",
    Comparator.AT_MOST: "≤",
    Comparator.AT_LEAST: "≥",
    Comparator.ABOVE: ">",
}

MAX_COUNT = Decimal(2000)  # ×10⁹/L
MAX_DECIMAL_PLACES = 3  # in ×10⁹/L, i.e. whole cells per µL
# Per µL, a lab's smallest non-zero report: 1,000 per µL is 1 ×10⁹/L.
MIN_PER_UL = Decimal(1000)
# Checked before any regex work so that pasted essays cost nothing.
MAX_INPUT_LENGTH = 50


@dataclass(frozen=True)
class Count:
    value: Decimal  # ×10⁹/L
    comparator: Comparator = Comparator.EXACT
    # Keyword-only so that it can follow the defaulted field without a default of its own:
    # guessing a unit is exactly what this module must never do.
    unit: Unit = field(kw_only=True)

    @property
    def key(self) -> str:
        """What identifies this reading among others, e.g. in a form's "which did you mean"."""
        return f"{self.value}|{self.unit.value}|{self.comparator.value}"

    def __str__(self) -> str:
        """Both units, so that the person sees the number as their lab wrote it."""
        in_e9 = format_count(self.value, Unit.E9_PER_L, self.comparator)
        return f"{in_e9} ({format_count(self.value, Unit.PER_UL, self.comparator)})"


class CountError(ValueError):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class NeedsConfirmation(CountError):
    """The text can be read as more than one count, or only in the other unit: ask.

    `choices` are the plausible readings, each a different count; `suggestion` is the one
    that differs from what the form would have stored (the first choice, when what it would
    have stored is not a count at all).
    """

    def __init__(self, choices: list[Count], default: Count):
        self.choices = tuple(choices)
        others = [choice for choice in choices if choice.value != default.value]
        self.suggestion = others[0] if others else choices[0]
        # Translators: between the readings of a count the app asks about ("45 or 4.5").
        word = pgettext("between choices", "or")
        readings = f" {word} ".join(str(choice) for choice in choices)
        message = _("Did you mean %(readings)s?") % {"readings": readings}
        if len(choices) > 1:
            message += " " + _("Both are possible platelet counts.")
        super().__init__(message)


ENTER_A_NUMBER = gettext_lazy("Enter a number, like 45 or 45,000.")
EMPTY = gettext_lazy("Enter your platelet count, like 45 or 45,000.")
TOO_LONG = format_lazy(
    "{} {}", gettext_lazy("That is too long for a platelet count."), ENTER_A_NUMBER
)
SEVERAL_NUMBERS = gettext_lazy("Enter one platelet count at a time, like 45 or 45,000.")
UNKNOWN_UNIT = gettext_lazy(
    "We didn't recognise the unit. Enter just the number, like 45 or 45,000."
)
TOO_SMALL = gettext_lazy(
    "A lab writes a count under 1,000 per µL as 0 or <1 ×10⁹/L. Please check the number."
)
BELOW_ZERO = gettext_lazy("A “less than” count needs a number above 0, like <10.")
ABOVE_ZERO = gettext_lazy("A “more than” count needs a number above 0, like >450.")
TOO_PRECISE = {
    Unit.E9_PER_L: gettext_lazy("Please round the number to at most 3 decimal places."),
    Unit.PER_UL: gettext_lazy("Please round the number to a whole number per µL."),
}


def _out_of_range_message() -> str:
    return _(
        "A platelet count is between 0 and %(most)s (%(most_per_ul)s). Please check the number."
    ) % {
        "most": format_count(MAX_COUNT, Unit.E9_PER_L),
        "most_per_ul": format_count(MAX_COUNT, Unit.PER_UL),
    }


# --- Reading the text -------------------------------------------------------------------------

# NFKC turns "10⁹" into "109", which reads as a number; keep the exponent visible instead.
_SUPERSCRIPTS = re.compile("[⁰¹²³⁴⁵⁶⁷⁸⁹]+")
_SUPERSCRIPT_DIGITS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789")

# In English and in Spanish ("menos de 10", "al menos 450"), whatever the page's language.
_COMPARATORS = (
    (Comparator.AT_MOST, r"<=|=<|≤|⩽|at\s*most|up\s*to|como\s*m[aá]ximo|hasta"),
    (Comparator.AT_LEAST, r">=|=>|≥|⩾|at\s*least|como\s*m[ií]nimo|al\s*menos"),
    (Comparator.BELOW, r"<|below|less\s*than|under|menos\s*de|por\s*debajo\s*de|inferior\s*a"),
    (Comparator.ABOVE, r">|above|more\s*than|greater\s*than|over|m[aá]s\s*de|superior\s*a"),
)
_COUNT = re.compile(
    rf"(?P<comparator>{'|'.join(pattern for _, pattern in _COMPARATORS)})?\s*"
    r"(?P<minus>[-−])?\s*"
    # A space only groups when exactly three digits follow, so "45 10^9/L" stays "45" + unit.
    r"(?P<number>\d+(?:[.,'’]\d+|\s\d{3}(?!\d))*)"
    # Scientific notation as spreadsheets write it: 1.5E+05, 1,5E+05, 1.5E05, 1.5E5 (a sign, two
    # digits, or one up to 6 standing alone, so that "45e9/L" stays 45 in ×10⁹/L).
    r"(?:e(?P<exponent>[+-]\d{1,2}|\d{2}|[0-6](?!\S))(?!\d))?"
    r"\s*(?P<rest>.*)",
    re.ASCII,
)
_SEPARATOR = re.compile(r"[.,'’ ]")
# Thousands grouping, one separator throughout. A leading 0 ("0,045") is never grouping.
_GROUPED = re.compile(r"[1-9]\d{0,2}(?P<sep>[.,'’ ])\d{3}(?:(?P=sep)\d{3})*", re.ASCII)
# Indian grouping: lakhs and crores in pairs of digits, 1,50,000.
_INDIAN = re.compile(r"[1-9]\d?(?:,\d\d)+,\d{3}", re.ASCII)

_PER = r"(?:/|per|por)"
_MICROLITRE = r"(?:(?:μ|u|mc)l|mm\^?3|cu\.?mm|c\.?mm)"
_TEN_TO_THE = r"(?:[x×*]?10(?:\^|\*\*?|e)?|e)"
# Matched against the unit text with all whitespace removed. Each gives the power of ten of
# the unit in ×10⁹/L (per µL is 10⁻³ of it) and the unit it counts as on the form.
_UNIT_PATTERN = re.compile(
    rf"(?P<k>k)"
    rf"|(?P<lakh>lakhs?|lacs?)(?:{_PER}{_MICROLITRE})?"
    rf"|(?:(?P<thousand>k|thou|tsd)|{_TEN_TO_THE}(?P<ul_power>\d{{1,2}}))?{_PER}{_MICROLITRE}"
    rf"|(?:(?P<g>g)|{_TEN_TO_THE}(?P<l_power>\d{{1,2}})){_PER}l"
    # Per nanolitre: 1/nL is 10⁹/L (German labs write "/nl").
    rf"|(?P<nl>{_PER}nl)"
)
_SECOND_NUMBER = re.compile(r"(?:(?:[-–—/,;&~]|to|and|or)\s*)?\d", re.ASCII)


@dataclass(frozen=True)
class _Scale:
    """A unit as the text names it: 1 of it is 10**power ×10⁹/L."""

    power: int
    unit: Unit


_E9 = _Scale(0, Unit.E9_PER_L)
_PER_UL = _Scale(-3, Unit.PER_UL)
_SCALE_OF_UNIT = {Unit.E9_PER_L: _E9, Unit.PER_UL: _PER_UL}


def _normalise_text(text: str) -> str:
    if len(text) > MAX_INPUT_LENGTH:
        raise CountError(TOO_LONG)
    text = _SUPERSCRIPTS.sub(lambda m: "^" + m[0].translate(_SUPERSCRIPT_DIGITS), text)
    # NFKC folds full-width digits, the micro sign and the various no-break spaces; digits of
    # other scripts (٤٥, ४५) become ASCII digits.
    text = unicodedata.normalize("NFKC", text)
    text = "".join(str(unicodedata.decimal(c)) if c.isdecimal() else c for c in text)
    # Arabic's own marks, which NFKC keeps: "٤٥٫٥" is 45.5 and "٤٥٬٠٠٠" 45,000, whatever the
    # page's language (the apostrophe only ever groups).
    text = text.replace("\u066b", decimal_mark()).replace("\u066c", "'")
    return " ".join(text.lower().split())


def _read_scale(rest: str) -> _Scale | None:
    """The unit the text names after the number, if any."""
    compact = "".join(rest.split())
    if not compact:
        return None
    # "150 mil" is how Spanish speakers say 150,000 per µL, as "150k" is in English. Read in
    # the page's language only: in English "mil" can be short for a million.
    thousand = pgettext("the word for 1,000 after a count, as in 150 thousand", "thousand")
    if compact.startswith(thousand):
        compact = "k" + compact.removeprefix(thousand)
    match = _UNIT_PATTERN.fullmatch(compact)
    if match is None:
        raise CountError(SEVERAL_NUMBERS if _SECOND_NUMBER.match(rest) else UNKNOWN_UNIT)
    if match["k"] or match["thousand"] or match["g"] or match["nl"]:
        return _E9
    if match["lakh"]:
        return _Scale(2, Unit.PER_UL)  # 1 lakh = 100,000 per µL = 100 ×10⁹/L
    if match["l_power"]:
        power = int(match["l_power"]) - 9
        return _Scale(power, Unit.E9_PER_L) if -3 <= power <= 3 else _unknown_unit()
    power = int(match["ul_power"] or 0) - 3
    if not -3 <= power <= 3:
        return _unknown_unit()
    return _Scale(power, Unit.E9_PER_L if power == 0 else Unit.PER_UL)


def _unknown_unit():
    raise CountError(UNKNOWN_UNIT)


def _number_readings(number: str, unit: Unit) -> list[Decimal]:
    """Every sensible reading of the digits and separators, the usual one for `unit` and the
    active language first."""
    separators = _SEPARATOR.findall(number)
    if not separators:
        return [Decimal(number)]
    if _INDIAN.fullmatch(number):
        return [Decimal(number.replace(",", ""))]
    last = separators[-1]
    if len(separators) > 1 and separators.count(last) == 1 and last in ".,":
        # "45.000,5" or "1 234,5": a lone last mark is decimal, the others group.
        whole, _, fraction = number.rpartition(last)
        if not _GROUPED.fullmatch(whole):
            raise CountError(ENTER_A_NUMBER)
        return [Decimal(_SEPARATOR.sub("", whole) + "." + fraction)]
    grouping = _GROUPED.fullmatch(number)
    decimal = len(separators) == 1 and last in ".,"
    readings = []
    if grouping:
        readings.append(Decimal(_SEPARATOR.sub("", number)))
    if decimal:
        readings.append(Decimal(number.replace(last, ".")))
    if not readings:
        raise CountError(ENTER_A_NUMBER)
    # The language's thousands mark groups (a comma in English, a point in Spanish); its
    # decimal mark groups only per µL, where a decimal would make no sense: in English
    # "45.000" is 45 ×10⁹/L but 45,000 per µL, in Spanish "45,000" is. Either way a reading
    # in the other unit is never taken without asking (_decide).
    if grouping and decimal and last == decimal_mark() and unit is Unit.E9_PER_L:
        readings.reverse()
    return readings


def decimal_mark() -> str:
    """The active language's decimal mark: "." in English, "," in Spanish."""
    return "," if formats.get_format("DECIMAL_SEPARATOR") == "," else "."


def _scientific(number: str, exponent: str) -> list[Decimal]:
    """1.5E+05 -> 150000; the mantissa's one separator is a decimal mark (1,5E+05 too)."""
    separators = _SEPARATOR.findall(number)
    if len(separators) > 1 or (separators and separators[0] not in ".,"):
        raise CountError(ENTER_A_NUMBER)
    return [shift(Decimal(number.replace(",", ".")), int(exponent))]


# --- Exact decimal arithmetic ------------------------------------------------------------------
# Decimal arithmetic rounds to the context precision (28 digits); a 50-character input would be
# rounded into a plausible count. These work on the digits and exponent directly, so are exact.


def shift(value: Decimal, places: int) -> Decimal:
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
    if exponent > 0:
        digits, exponent = digits + (0,) * exponent, 0
    return Decimal((sign, digits, exponent))


def _decimal_places(value: Decimal) -> int:
    return max(0, -_normalise(value).as_tuple().exponent)


def _is_storable(value: Decimal) -> bool:
    return 0 <= value <= MAX_COUNT and _decimal_places(value) <= MAX_DECIMAL_PLACES


# --- Deciding what the number means ------------------------------------------------------------


@dataclass(frozen=True)
class _Reading:
    literal: Decimal
    scale: _Scale

    @property
    def value(self) -> Decimal:
        return _normalise(shift(self.literal, self.scale.power))

    @property
    def plausible(self) -> bool:
        return _is_storable(self.value) and not self.too_small

    @property
    def too_small(self) -> bool:
        """Below 1,000 per µL in a per-µL unit: a lab writes that as 0 or "<1" ×10⁹/L."""
        return self.scale.unit is Unit.PER_UL and 0 < self.value < MIN_PER_UL / 1000


def _refusal(default: _Reading) -> CountError:
    """Why the first reading is not a count, in the words of the unit it was read in."""
    if default.value > MAX_COUNT:
        return CountError(_out_of_range_message())
    if _decimal_places(default.value) > MAX_DECIMAL_PLACES:
        return CountError(TOO_PRECISE[default.scale.unit])
    if default.too_small:
        return CountError(TOO_SMALL)
    return CountError(_out_of_range_message())


def _decide(readings: list[_Reading], comparator: Comparator) -> Count:
    default = readings[0]

    def count(reading: _Reading) -> Count:
        return Count(reading.value, comparator, unit=reading.scale.unit)

    plausible: dict[Decimal, _Reading] = {}
    for reading in readings:
        if reading.plausible:
            plausible.setdefault(reading.value, reading)
    if default.plausible and list(plausible) == [default.value]:
        return count(default)
    if not plausible:
        raise _refusal(default)
    raise NeedsConfirmation([count(r) for r in plausible.values()], count(default))


def parse_count(text: str, unit: Unit) -> Count:
    """Read `text` as a platelet count; `unit` applies unless the text names one.

    Returns a Count in ×10⁹/L. Raises NeedsConfirmation when the person must choose between
    readings (see the module's rule), CountError with a message for the patient otherwise.
    """
    unit = Unit(unit)  # accept the raw form value ("e9/L") as well as the member
    normalised = _normalise_text(text)
    if not normalised:
        raise CountError(EMPTY)
    match = _COUNT.fullmatch(normalised)
    if not match:
        raise CountError(ENTER_A_NUMBER)
    comparator = _comparator(match["comparator"])
    named = _read_scale(match["rest"])
    first = named.unit if named else unit
    if match["exponent"] is not None:
        literals = _scientific(match["number"], match["exponent"])
    else:
        literals = _number_readings(match["number"], first)
    if match["minus"] and any(literals):
        raise CountError(_out_of_range_message())
    if comparator and not any(literals):
        raise CountError(BELOW_ZERO if comparator.is_upper_limit else ABOVE_ZERO)
    scales = [named] if named else [_SCALE_OF_UNIT[unit], _SCALE_OF_UNIT[unit.other]]
    readings = [_Reading(literal, scale) for scale in scales for literal in literals]
    readings.sort(key=lambda r: (r.literal != literals[0], scales.index(r.scale)))
    if named in (_E9, _PER_UL) and not any(r.plausible for r in readings):
        # "45/µL" or "45,000 K/µL": the number only makes sense in the other unit.
        readings += [
            _Reading(literal, scale)
            for scale in (_E9, _PER_UL)
            if scale.unit is not named.unit
            for literal in literals
        ]
    return _decide(readings, comparator)


def _comparator(text: str | None) -> Comparator:
    if not text:
        return Comparator.EXACT
    return next(c for c, pattern in _COMPARATORS if re.fullmatch(pattern, text))


# --- Limits ------------------------------------------------------------------------------------


def known_below(value: Decimal, comparator: str, limit: Decimal | int) -> bool:
    """Whether a count is known to be strictly below `limit` (both ×10⁹/L).

    "<10" is below 10 and below 20; "≤10" is below 20 but not known to be below 10; "10" is not
    below 10; ">5" is never known to be below anything. The one rule for advice and alerts.
    """
    comparator = Comparator(comparator)
    limit = Decimal(limit)
    if comparator is Comparator.BELOW:
        return value <= limit
    if comparator.is_lower_limit:
        return False
    return value < limit


def order_key(value: Decimal, comparator: str) -> tuple[Decimal, int]:
    """Sort key by count: "<10" just below "≤10", below 10, below "≥10", below ">10"."""
    return (value, _ORDER[Comparator(comparator)])


_ORDER = {
    Comparator.BELOW: 0,
    Comparator.AT_MOST: 1,
    Comparator.EXACT: 2,
    Comparator.AT_LEAST: 3,
    Comparator.ABOVE: 4,
}


# --- Writing counts ----------------------------------------------------------------------------


def format_number(value: Decimal, unit: Unit) -> str:
    """`value` (×10⁹/L) written in `unit` as the active language groups and marks decimals:
    45 -> "45" or "45,000" (Spanish "45.000"); 45.5 -> "45.5" (Spanish "45,5")."""
    shown = value if unit is Unit.E9_PER_L else shift(value, 3)
    text = f"{_normalise(shown):,f}"
    if decimal_mark() == ".":
        return text
    return text.translate(_SWAP_MARKS)


_SWAP_MARKS = str.maketrans({",": ".", ".": ","})


def format_count(value: Decimal, unit: Unit, comparator: str = "") -> str:
    """`value` (×10⁹/L) written in `unit` with its label: "45 ×10⁹/L", "<10,000 per µL"."""
    return f"{Comparator(comparator).symbol}{format_number(value, unit)} {unit.label}"


def unambiguous(count: Count) -> str:
    """The count written so that it reads one way only, in the page's language: "1.5 K/µL"
    ("1,5 K/µL" in Spanish), "<1500 K/µL"; from 1 up with three decimals, which could be a
    thousands group ("1.505"), in whole platelets per µL: "1505/µL"."""
    value = _normalise(count.value)
    if value >= 1 and _decimal_places(value) == MAX_DECIMAL_PLACES:
        return f"{count.comparator.symbol}{shift(value, 3):f}/µL"
    number = f"{value:f}".replace(".", decimal_mark())
    return f"{count.comparator.symbol}{number} K/µL"


def describe_limit(value: Decimal, unit: Unit, comparator: str) -> str:
    """A result with a comparator in words: "below 10 ×10⁹/L", "1,000 ×10⁹/L or more"."""
    shown = format_count(value, unit)
    words = {
        Comparator.EXACT: "%(count)s",
        Comparator.BELOW: _("below %(count)s"),
        Comparator.AT_MOST: _("%(count)s or less"),
        Comparator.AT_LEAST: _("%(count)s or more"),
        Comparator.ABOVE: _("above %(count)s"),
    }
    return words[Comparator(comparator)] % {"count": shown}
