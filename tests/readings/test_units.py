from decimal import Decimal

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from readings.units import (
    MAX_COUNT,
    Count,
    CountError,
    NeedsConfirmation,
    Unit,
    format_count,
    format_number,
    parse_count,
)

E9 = Unit.E9_PER_L
UL = Unit.PER_UL

UNKNOWN_UNIT = "We didn't recognise the unit. Enter just the number, like 45 or 45,000."
RANGE_MESSAGE = (
    "A platelet count is between 0 and 2,000 ×10⁹/L (2,000,000 per µL). Please check the number."
)


def assert_plain_words(message: str) -> None:
    assert message.strip()
    assert message[0].isupper() or message[0] in "“<"
    assert message.endswith((".", "?"))
    for jargon in ("Decimal", "Error", "None", "invalid literal", "\n"):
        assert jargon not in message


# --- Table: accepted forms ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "chosen", "value", "below", "unit"),
    [
        ("45", E9, "45", False, E9),
        ("45 K/uL", UL, "45", False, E9),
        ("45 k/µl", UL, "45", False, E9),  # U+00B5 micro sign
        ("45 k/μl", UL, "45", False, E9),  # U+03BC Greek mu
        ("45 K/mcL", UL, "45", False, E9),
        ("45K", UL, "45", False, E9),
        ("45 x10^9/L", UL, "45", False, E9),
        ("45 ×10⁹/L", UL, "45", False, E9),
        ("45 x 10^9/l", UL, "45", False, E9),
        ("45 10^9/L", UL, "45", False, E9),
        ("45 G/L", UL, "45", False, E9),
        ("45 x10^3/uL", UL, "45", False, E9),
        ("45 ×10³/µL", UL, "45", False, E9),
        ("45 thou/uL", UL, "45", False, E9),
        ("45,000", UL, "45", False, UL),
        ("45000/µL", E9, "45", False, UL),
        ("45,000 /uL", E9, "45", False, UL),
        ("45000 per µL", E9, "45", False, UL),
        ("45000 PER UL", E9, "45", False, UL),
        ("45000/mm3", E9, "45", False, UL),
        ("45 000/mm³", E9, "45", False, UL),
        ("45 000", UL, "45", False, UL),
        ("45\u202f000", UL, "45", False, UL),  # narrow no-break space
        ("45\u2009000", UL, "45", False, UL),  # thin space
        ("45\u00a0000", UL, "45", False, UL),  # no-break space
        ("45'000", UL, "45", False, UL),
        ("４５,０００", UL, "45", False, UL),  # full-width digits and comma
        ("45.000", UL, "45", False, UL),  # dot grouping: a decimal makes no sense per µL
        ("45.000", E9, "45", False, E9),  # dot decimal: 45,000 ×10⁹/L makes no sense
        ("45.000/µL", E9, "45", False, UL),  # the written unit decides, not the chosen one
        ("45.000 K/uL", UL, "45", False, E9),
        ("45,5", E9, "45.5", False, E9),
        ("45.5", E9, "45.5", False, E9),
        ("45.125", E9, "45.125", False, E9),
        ("0,045", E9, "0.045", False, E9),  # a leading 0 never starts a thousands group
        ("1,234", E9, "1234", False, E9),
        ("1.234.567", UL, "1234.567", False, UL),
        ("1,234,567", UL, "1234.567", False, UL),
        ("1 234 567 /µL", E9, "1234.567", False, UL),
        ("1.234,5", E9, "1234.5", False, E9),
        ("1,234.5", E9, "1234.5", False, E9),
        ("45,000.000", UL, "45", False, UL),
        ("1 234,5", E9, "1234.5", False, E9),
        ("2000", E9, "2000", False, E9),
        ("2,000,000", UL, "2000", False, UL),
        ("1500", UL, "1.5", False, UL),
        ("<10", E9, "10", True, E9),
        ("< 10", E9, "10", True, E9),
        ("<10,000/µL", E9, "10", True, UL),
        ("below 10", E9, "10", True, E9),
        ("less than 10 K/uL", UL, "10", True, E9),
        ("＜10", E9, "10", True, E9),  # full-width less-than sign
        ("<0.5", E9, "0.5", True, E9),
        ("0", E9, "0", False, E9),
        ("0", UL, "0", False, UL),
        ("0.000", E9, "0", False, E9),
        ("-0", E9, "0", False, E9),
        ("  45  ", E9, "45", False, E9),
        ("045", E9, "45", False, E9),
    ],
)
def test_accepted_forms(text, chosen, value, below, unit):
    count = parse_count(text, chosen)
    assert str(count.value) == value  # also checks normalisation: "45", not "45.000" or "4.5E+1"
    assert count.below_detection is below
    assert count.unit is unit


def test_chosen_unit_may_be_the_raw_form_value():
    assert parse_count("45", "e9/L") == Count(Decimal(45), unit=E9)
    assert parse_count("45,000", "/uL") == Count(Decimal(45), unit=UL)


# --- Table: refused input ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "chosen", "message"),
    [
        ("", E9, "Enter your platelet count, like 45 or 45,000."),
        ("   ", UL, "Enter your platelet count, like 45 or 45,000."),
        ("abc", E9, "Enter a number, like 45 or 45,000."),
        ("NaN", E9, "Enter a number, like 45 or 45,000."),
        ("Infinity", UL, "Enter a number, like 45 or 45,000."),
        ("inf", E9, "Enter a number, like 45 or 45,000."),
        ("<", E9, "Enter a number, like 45 or 45,000."),
        (".5", E9, "Enter a number, like 45 or 45,000."),
        ("1.234,567.8", UL, "Enter a number, like 45 or 45,000."),
        ("45.5.5", E9, "Enter a number, like 45 or 45,000."),
        ("12,34,567", UL, "Enter a number, like 45 or 45,000."),
        ("45 50", E9, "Enter one platelet count at a time, like 45 or 45,000."),
        ("45-50", E9, "Enter one platelet count at a time, like 45 or 45,000."),
        ("45 to 50", E9, "Enter one platelet count at a time, like 45 or 45,000."),
        ("45, 50", E9, "Enter one platelet count at a time, like 45 or 45,000."),
        ("45 apples", E9, UNKNOWN_UNIT),
        ("45 mg/dL", E9, UNKNOWN_UNIT),
        ("45e9", E9, UNKNOWN_UNIT),
        ("-5", E9, RANGE_MESSAGE),
        ("−45,000", UL, RANGE_MESSAGE),  # U+2212 minus sign
        ("2000.5", E9, RANGE_MESSAGE),  # 2.0005 ×10⁹/L is not a reading either
        ("2,000,001", UL, RANGE_MESSAGE),
        ("3,000,000", E9, RANGE_MESSAGE),  # too big in either unit
        ("45000.5", E9, RANGE_MESSAGE),  # 45.0005 is not a reading either
        ("2000.0000000000000000000000000000001", E9, RANGE_MESSAGE),  # beyond Decimal precision
        ("1" * 50, E9, RANGE_MESSAGE),
        ("4" * 51, E9, "That is too long for a platelet count. Enter a number, like 45 or 45,000."),
        ("45.1234", E9, "Please round the number to at most 3 decimal places."),
        (
            "45.0000000000000000000000000000001",
            E9,
            "Please round the number to at most 3 decimal places.",
        ),
        ("45,000.5", UL, "Please round the number to a whole number per µL."),
        ("0.5/µL", E9, "Please round the number to a whole number per µL."),
        ("<0", E9, "A “less than” count needs a number above 0, like <10."),
        ("<0/µL", E9, "A “less than” count needs a number above 0, like <10."),
    ],
)
def test_refused_input(text, chosen, message):
    with pytest.raises(CountError) as raised:
        parse_count(text, chosen)
    assert type(raised.value) is CountError
    assert raised.value.message == message == str(raised.value)
    assert_plain_words(raised.value.message)


@pytest.mark.parametrize(
    ("text", "chosen", "suggestion", "message"),
    [
        (
            "45,000",
            E9,
            Count(Decimal(45), unit=UL),
            "Did you mean 45 ×10⁹/L (45,000 per µL)?",
        ),
        ("45000", E9, Count(Decimal(45), unit=UL), "Did you mean 45 ×10⁹/L (45,000 per µL)?"),
        ("45 000", E9, Count(Decimal(45), unit=UL), "Did you mean 45 ×10⁹/L (45,000 per µL)?"),
        ("45,000 K/uL", UL, Count(Decimal(45), unit=UL), "Did you mean 45 ×10⁹/L (45,000 per µL)?"),
        ("2001", E9, Count(Decimal("2.001"), unit=UL), "Did you mean 2.001 ×10⁹/L (2,001 per µL)?"),
        ("45", UL, Count(Decimal(45), unit=E9), "Did you mean 45 ×10⁹/L (45,000 per µL)?"),
        ("45/µL", E9, Count(Decimal(45), unit=E9), "Did you mean 45 ×10⁹/L (45,000 per µL)?"),
        ("1", UL, Count(Decimal(1), unit=E9), "Did you mean 1 ×10⁹/L (1,000 per µL)?"),
        ("999", UL, Count(Decimal(999), unit=E9), "Did you mean 999 ×10⁹/L (999,000 per µL)?"),
        ("45,5", UL, Count(Decimal("45.5"), unit=E9), "Did you mean 45.5 ×10⁹/L (45,500 per µL)?"),
        (
            "150,500",
            E9,
            Count(Decimal("150.5"), unit=UL),
            "Did you mean 150.5 ×10⁹/L (150,500 per µL)?",
        ),
        (
            "2,000,000",
            E9,
            Count(Decimal(2000), unit=UL),
            "Did you mean 2,000 ×10⁹/L (2,000,000 per µL)?",
        ),
        (
            "<10",
            UL,
            Count(Decimal(10), True, unit=E9),
            "Did you mean <10 ×10⁹/L (<10,000 per µL)?",
        ),
        (
            "<10,000",
            E9,
            Count(Decimal(10), True, unit=UL),
            "Did you mean <10 ×10⁹/L (<10,000 per µL)?",
        ),
    ],
)
def test_needs_confirmation(text, chosen, suggestion, message):
    with pytest.raises(NeedsConfirmation) as raised:
        parse_count(text, chosen)
    assert raised.value.suggestion == suggestion
    assert raised.value.suggestion.unit is suggestion.unit
    assert str(raised.value.suggestion.value) == str(suggestion.value)
    assert raised.value.message == message == str(raised.value)


# --- Table: formatting -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "unit", "below", "count_text", "number_text"),
    [
        ("45", E9, False, "45 ×10⁹/L", "45"),
        ("45", UL, False, "45,000 per µL", "45,000"),
        ("45.5", E9, False, "45.5 ×10⁹/L", "45.5"),
        ("45.5", UL, False, "45,500 per µL", "45,500"),
        ("45.000", E9, False, "45 ×10⁹/L", "45"),
        ("0.045", E9, False, "0.045 ×10⁹/L", "0.045"),
        ("0.045", UL, False, "45 per µL", "45"),
        ("0", E9, False, "0 ×10⁹/L", "0"),
        ("0", UL, False, "0 per µL", "0"),
        ("1234.567", E9, False, "1,234.567 ×10⁹/L", "1,234.567"),
        ("1234.567", UL, False, "1,234,567 per µL", "1,234,567"),
        ("2000", UL, False, "2,000,000 per µL", "2,000,000"),
        ("1E+2", E9, False, "100 ×10⁹/L", "100"),
        ("10", E9, True, "<10 ×10⁹/L", "10"),
        ("10", UL, True, "<10,000 per µL", "10,000"),
    ],
)
def test_format(value, unit, below, count_text, number_text):
    assert format_count(Decimal(value), unit, below) == count_text
    assert format_number(Decimal(value), unit) == number_text


def test_unit_labels():
    assert E9.label == "×10⁹/L"
    assert UL.label == "per µL"


# --- Properties --------------------------------------------------------------------------------

counts = st.one_of(
    st.decimals(min_value=0, max_value=MAX_COUNT, places=3, allow_nan=False, allow_infinity=False),
    st.integers(min_value=0, max_value=2000).map(Decimal),
)


def plain(n: Decimal) -> str:
    """n without grouping or trailing zeros: Decimal("45.500") -> "45.5"."""
    return format(n.normalize(), "f")


def in_cells_per_ul(n: Decimal) -> int:
    return int(n * 1000)  # exact: n has at most 3 decimal places


def decimal_comma_is_unambiguous(n: Decimal) -> bool:
    """Whether "n" with a decimal comma cannot be read as thousands grouping ("45,125")."""
    whole, _, fraction = plain(n).partition(".")
    return len(fraction) != 3 or int(whole) == 0 or int(whole) >= 1000


def written_as_e9(n: Decimal) -> list[tuple[str, Unit]]:
    """(text, chosen unit) pairs; the chosen unit is the other one wherever the text names one."""
    writings = [
        (plain(n), E9),
        (f"{plain(n)} K/uL", UL),
        (f"{plain(n)}K", UL),
        (f"{plain(n)} x10^9/L", UL),
        (f"{plain(n)} ×10⁹/L", UL),
        (f"{plain(n)} G/L", UL),
    ]
    if "." in plain(n) and decimal_comma_is_unambiguous(n):
        writings.append((plain(n).replace(".", ","), E9))
    return writings


def written_per_ul(n: Decimal) -> list[tuple[str, Unit]]:
    grouped = f"{in_cells_per_ul(n):,}"
    return [
        (grouped, UL),
        (f"{grouped}/µL", E9),
        (f"{grouped} per µL", E9),
        (grouped.replace(",", "."), UL),
        (grouped.replace(",", " "), UL),
        (f"{grouped.replace(',', chr(0x202F))}/mm³", E9),
    ]


def assert_reads_as(text: str, chosen: Unit, n: Decimal, below: bool, written_in: Unit) -> None:
    """text reads as n; per µL, 1-999 cells can only be confirmed, never read as 0.001-0.999."""
    if written_in is UL and 0 < n < 1:
        with pytest.raises(NeedsConfirmation) as raised:
            parse_count(text, chosen)
        assert raised.value.suggestion == Count(n * 1000, below, unit=E9)
        return
    count = parse_count(text, chosen)
    assert count == Count(n, below, unit=written_in)
    assert str(count.value) == plain(n)


@settings(max_examples=200, deadline=None)
@given(n=counts, below=st.booleans())
def test_every_accepted_writing_reads_back(n, below):
    assume(n > 0 or not below)
    prefix = "<" if below else ""
    for text, chosen in written_as_e9(n):
        assert_reads_as(prefix + text, chosen, n, below, E9)
    for text, chosen in written_per_ul(n):
        assert_reads_as(prefix + text, chosen, n, below, UL)


# Pieces of real input, so that the property also reaches the paths past the first regex.
interesting_text = st.lists(
    st.sampled_from([*"0123456789.,' \u202f<-−kKgGxX×^⁹³/uUµμlLmc³eE", "per ", "000", "less than"]),
    max_size=15,
).map("".join)


def assert_storable(count: Count) -> None:
    assert isinstance(count, Count)
    assert 0 <= count.value <= MAX_COUNT
    assert count.value == count.value.quantize(Decimal("0.001"))
    assert "E" not in str(count.value)
    assert count.unit in Unit


@settings(max_examples=200, deadline=None)
@given(text=st.one_of(st.text(), interesting_text), chosen=st.sampled_from(Unit))
def test_any_text_gives_a_count_or_a_count_error(text, chosen):
    try:
        count = parse_count(text, chosen)
    except NeedsConfirmation as confirmation:
        assert_storable(confirmation.suggestion)
        assert_plain_words(confirmation.message)
    except CountError as error:
        assert_plain_words(error.message)
    else:
        assert_storable(count)


@settings(max_examples=200, deadline=None)
@given(n=counts)
def test_both_units_give_the_same_value(n):
    in_e9 = parse_count(plain(n), E9)
    if 0 < n < 1:
        with pytest.raises(NeedsConfirmation) as raised:
            parse_count(str(in_cells_per_ul(n)), UL)
        assert raised.value.suggestion.value == in_e9.value * 1000
    else:
        assert parse_count(str(in_cells_per_ul(n)), UL).value == in_e9.value


literals = st.one_of(
    st.integers(min_value=0, max_value=10**7).map(Decimal),
    st.decimals(min_value=0, max_value=3 * 10**6, places=2, allow_nan=False, allow_infinity=False),
)


@settings(max_examples=200, deadline=None)
@given(literal=literals, chosen=st.sampled_from(Unit))
def test_a_suggestion_is_exactly_1000_times_from_the_literal_reading(literal, chosen):
    literal_e9 = literal if chosen is E9 else literal / 1000
    try:
        count = parse_count(plain(literal), chosen)
    except NeedsConfirmation as confirmation:
        suggestion = confirmation.suggestion
        assert suggestion.unit is chosen.other
        expected = literal_e9 / 1000 if chosen is E9 else literal_e9 * 1000
        assert suggestion.value == expected
    except CountError:
        assert literal_e9 > MAX_COUNT or literal_e9 != literal_e9.quantize(Decimal("0.001"))
    else:
        assert count.value == literal_e9


@settings(max_examples=200, deadline=None)
@given(n=counts, unit=st.sampled_from(Unit), below=st.booleans())
def test_formatted_counts_read_back(n, unit, below):
    assume(n > 0 or not below)
    # The label in the text must win over the chosen unit, so choose the other one.
    assert_reads_as(format_count(n, unit, below), unit.other, n, below, unit)
    prefix = "<" if below else ""
    assert_reads_as(prefix + format_number(n, unit), unit, n, below, unit)
