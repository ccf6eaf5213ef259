from decimal import Decimal

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from readings.units import (
    MAX_COUNT,
    Comparator,
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
    ("text", "chosen", "value", "comparator", "unit"),
    [
        ("45", E9, "45", "", E9),
        ("45 K/uL", UL, "45", "", E9),
        ("45 k/µl", UL, "45", "", E9),  # U+00B5 micro sign
        ("45 k/μl", UL, "45", "", E9),  # U+03BC Greek mu
        ("45 K/mcL", UL, "45", "", E9),
        ("45K", UL, "45", "", E9),
        ("45 x10^9/L", UL, "45", "", E9),
        ("45 ×10⁹/L", UL, "45", "", E9),
        ("45 x 10^9/l", UL, "45", "", E9),
        ("45 10^9/L", UL, "45", "", E9),
        ("45 G/L", UL, "45", "", E9),
        ("45 x10^3/uL", UL, "45", "", E9),
        ("45 ×10³/µL", UL, "45", "", E9),
        ("45 thou/uL", UL, "45", "", E9),
        ("45,000", UL, "45", "", UL),
        ("45000/µL", E9, "45", "", UL),
        ("45,000 /uL", E9, "45", "", UL),
        ("45000 per µL", E9, "45", "", UL),
        ("45000 PER UL", E9, "45", "", UL),
        ("45000/mm3", E9, "45", "", UL),
        ("45 000/mm³", E9, "45", "", UL),
        ("45 000", UL, "45", "", UL),
        ("45\u202f000", UL, "45", "", UL),  # narrow no-break space
        ("45\u2009000", UL, "45", "", UL),  # thin space
        ("45\u00a0000", UL, "45", "", UL),  # no-break space
        ("45'000", UL, "45", "", UL),
        ("４５,０００", UL, "45", "", UL),  # full-width digits and comma
        ("45.000", UL, "45", "", UL),  # dot grouping: a decimal makes no sense per µL
        ("45.000", E9, "45", "", E9),  # dot decimal: 45,000 ×10⁹/L makes no sense
        ("45.000/µL", E9, "45", "", UL),  # the written unit decides, not the chosen one
        ("45.000 K/uL", UL, "45", "", E9),
        ("45,5", E9, "45.5", "", E9),
        ("45.5", E9, "45.5", "", E9),
        ("45.125", E9, "45.125", "", E9),
        ("0,045", E9, "0.045", "", E9),  # a leading 0 never starts a thousands group
        ("1.234.567", UL, "1234.567", "", UL),
        ("1,234,567", UL, "1234.567", "", UL),
        ("1 234 567 /µL", E9, "1234.567", "", UL),
        ("1.234,5", E9, "1234.5", "", E9),
        ("1,234.5", E9, "1234.5", "", E9),
        ("45,000.000", UL, "45", "", UL),
        ("1 234,5", E9, "1234.5", "", E9),
        ("2,000,000", UL, "2000", "", UL),
        ("<10", E9, "10", "<", E9),
        ("< 10", E9, "10", "<", E9),
        ("<10,000/µL", E9, "10", "<", UL),
        ("below 10", E9, "10", "<", E9),
        ("less than 10 K/uL", UL, "10", "<", E9),
        ("＜10", E9, "10", "<", E9),  # full-width less-than sign
        ("<0.5", E9, "0.5", "<", E9),
        ("0", E9, "0", "", E9),
        ("0", UL, "0", "", UL),
        ("0.000", E9, "0", "", E9),
        ("-0", E9, "0", "", E9),
        ("  45  ", E9, "45", "", E9),
        ("045", E9, "45", "", E9),
        ("150", E9, "150", "", E9),
        ("999", E9, "999", "", E9),  # 999 per µL is no count: only one reading
        ("2,001", UL, "2.001", "", UL),  # 2,001 ×10⁹/L is no count either
        # Results that are limits keep their comparator.
        ("≤5", E9, "5", "<=", E9),
        ("<=5", E9, "5", "<=", E9),
        ("at most 5 K/uL", UL, "5", "<=", E9),
        (">450", E9, "450", ">", E9),
        ("> 450,000/µL", E9, "450", ">", UL),
        ("above 450", E9, "450", ">", E9),
        ("≥450", E9, "450", ">=", E9),
        (">=450", E9, "450", ">=", E9),
        # Indian numbering: lakhs per µL (cumm), and lakh grouping.
        ("1.5 lakh", E9, "150", "", UL),
        ("1.5 lakhs/cumm", E9, "150", "", UL),
        ("1.5 lac/µL", E9, "150", "", UL),
        ("0.45 Lakh", UL, "45", "", UL),
        ("1,50,000", UL, "150", "", UL),
        ("1,50,000 /cumm", E9, "150", "", UL),
        ("12,34,567", UL, "1234.567", "", UL),
        # Spreadsheets' scientific notation.
        ("1.5E+05", UL, "150", "", UL),
        ("1,5E+05", UL, "150", "", UL),
        ("1.5E05", UL, "150", "", UL),
        ("4.5E+04/µL", E9, "45", "", UL),
        ("1.5E+02", E9, "150", "", E9),
        ("4.5e-01", E9, "0.45", "", E9),
        # Powers of ten as labs write them: ×10⁴/µL (Japan), ×10^12/L.
        ("15.0 x10^4/uL", E9, "150", "", UL),
        ("15.0 ×10⁴/µL", E9, "150", "", UL),
        ("0.15 x10^12/L", E9, "150", "", E9),
        ("45 E9/L", UL, "45", "", E9),
        ("1.5E5", UL, "150", "", UL),
        ("45 /nl", UL, "45", "", E9),  # per nanolitre, as German labs write
        ("45 Tsd/µl", UL, "45", "", E9),
        ("٤٥", E9, "45", "", E9),  # Arabic-Indic digits
        ("٤٥٫٥", E9, "45.5", "", E9),  # and Arabic's decimal mark
        ("٤٥٬٠٠٠", UL, "45", "", UL),  # and its thousands mark
        ("४५", E9, "45", "", E9),  # Devanagari digits
    ],
)
def test_accepted_forms(text, chosen, value, comparator, unit):
    count = parse_count(text, chosen)
    assert str(count.value) == value  # also checks normalisation: "45", not "45.000" or "4.5E+1"
    assert count.comparator == comparator
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
        ("45 50", E9, "Enter one platelet count at a time, like 45 or 45,000."),
        ("45-50", E9, "Enter one platelet count at a time, like 45 or 45,000."),
        ("45 to 50", E9, "Enter one platelet count at a time, like 45 or 45,000."),
        ("45, 50", E9, "Enter one platelet count at a time, like 45 or 45,000."),
        ("45 apples", E9, UNKNOWN_UNIT),
        ("45 mg/dL", E9, UNKNOWN_UNIT),
        ("45e9", E9, UNKNOWN_UNIT),
        ("-5", E9, RANGE_MESSAGE),
        ("−45,000", UL, RANGE_MESSAGE),  # U+2212 minus sign
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
        ("<0", E9, "A “less than” count needs a number above 0, like <10."),
        ("<0/µL", E9, "A “less than” count needs a number above 0, like <10."),
        (">0", E9, "A “more than” count needs a number above 0, like >450."),
        ("2000.5", E9, RANGE_MESSAGE),  # 2.0005 ×10⁹/L is not a reading either
        ("1.5E+09", E9, RANGE_MESSAGE),
        ("45 x10^20/L", E9, UNKNOWN_UNIT),
        ("45 lakh", E9, RANGE_MESSAGE),  # 4.5 million per µL
        (
            "0.001 lakh",
            E9,
            "A lab writes a count under 1,000 per µL as 0 or <1 ×10⁹/L. Please check the number.",
        ),
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
        # With a decimal comma, 45,000 K/µL is 45: the question stays, the unit is as written.
        ("45,000 K/uL", UL, Count(Decimal(45), unit=E9), "Did you mean 45 ×10⁹/L (45,000 per µL)?"),
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
            Count(Decimal(10), Comparator.BELOW, unit=E9),
            "Did you mean <10 ×10⁹/L (<10,000 per µL)?",
        ),
        (
            "<10,000",
            E9,
            Count(Decimal(10), Comparator.BELOW, unit=UL),
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
    ("value", "unit", "comparator", "count_text", "number_text"),
    [
        ("45", E9, "", "45 ×10⁹/L", "45"),
        ("45", UL, "", "45,000 per µL", "45,000"),
        ("45.5", E9, "", "45.5 ×10⁹/L", "45.5"),
        ("45.5", UL, "", "45,500 per µL", "45,500"),
        ("45.000", E9, "", "45 ×10⁹/L", "45"),
        ("0.045", E9, "", "0.045 ×10⁹/L", "0.045"),
        ("0.045", UL, "", "45 per µL", "45"),
        ("0", E9, "", "0 ×10⁹/L", "0"),
        ("0", UL, "", "0 per µL", "0"),
        ("1234.567", E9, "", "1,234.567 ×10⁹/L", "1,234.567"),
        ("1234.567", UL, "", "1,234,567 per µL", "1,234,567"),
        ("2000", UL, "", "2,000,000 per µL", "2,000,000"),
        ("1E+2", E9, "", "100 ×10⁹/L", "100"),
        ("10", E9, "<", "<10 ×10⁹/L", "10"),
        ("10", UL, "<", "<10,000 per µL", "10,000"),
        ("5", E9, "<=", "≤5 ×10⁹/L", "5"),
        ("450", UL, ">", ">450,000 per µL", "450,000"),
        ("450", E9, ">=", "≥450 ×10⁹/L", "450"),
    ],
)
def test_format(value, unit, comparator, count_text, number_text):
    assert format_count(Decimal(value), unit, comparator) == count_text
    assert format_number(Decimal(value), unit) == number_text


def test_unit_labels():
    assert E9.label == "×10⁹/L"
    assert UL.label == "per µL"


# --- Properties --------------------------------------------------------------------------------
# The promise: every count, written in any accepted spelling and unit, either reads as that
# count or asks with that count among the choices; and nothing is ever read 1,000 times off.

counts = st.one_of(
    st.decimals(min_value=0, max_value=MAX_COUNT, places=3, allow_nan=False, allow_infinity=False),
    st.integers(min_value=0, max_value=2000).map(Decimal),
)
comparators = st.sampled_from(Comparator)


def plain(n: Decimal) -> str:
    """n without grouping or trailing zeros: Decimal("45.500") -> "45.5"."""
    return format(n.normalize(), "f")


def in_cells_per_ul(n: Decimal) -> int:
    return int(n * 1000)  # exact: n has at most 3 decimal places


def written_as_e9(n: Decimal) -> list[tuple[str, Unit]]:
    """(text, chosen unit) pairs; the chosen unit is the other one wherever the text names one."""
    writings = [
        (plain(n), E9),
        (f"{plain(n)} K/uL", UL),
        (f"{plain(n)}K", UL),
        (f"{plain(n)} x10^9/L", UL),
        (f"{plain(n)} ×10⁹/L", UL),
        (f"{plain(n)} G/L", UL),
        (f"{n:E}", E9),  # 4.5E+1
    ]
    if "." in plain(n):
        writings.append((plain(n).replace(".", ","), E9))
    return writings


def written_per_ul(n: Decimal) -> list[tuple[str, Unit]]:
    cells = in_cells_per_ul(n)
    grouped = f"{cells:,}"
    return [
        (grouped, UL),
        (f"{grouped}/µL", E9),
        (f"{grouped} per µL", E9),
        (grouped.replace(",", "."), UL),
        (grouped.replace(",", " "), UL),
        (f"{grouped.replace(',', chr(0x202F))}/mm³", E9),
        (f"{Decimal(cells):E}", UL),  # 4.5E+4
    ] + (
        # In lakhs or ×10⁴ per µL, a count under 1,000 per µL is refused, never asked about.
        [(f"{plain(Decimal(cells) / 100000)} lakh/cumm", E9), (f"{plain(n / 10)} x10^4/uL", E9)]
        if n == 0 or n >= 1
        else []
    )


def assert_reads_as_or_asks(text: str, chosen: Unit, n: Decimal, comparator: Comparator):
    """`text` reads as n, or asks with n among the choices. A count under 1 ×10⁹/L written
    per µL (1 to 999 per µL) is no lab's result: it asks whether ×10⁹/L was meant."""
    try:
        count = parse_count(text, chosen)
    except NeedsConfirmation as question:
        values = [choice.value for choice in question.choices]
        assert n in values or (0 < n < 1 and n * 1000 in values), (text, chosen, values)
        assert len(set(values)) == len(values)
        assert all(choice.comparator is comparator for choice in question.choices)
        return None
    assert count.value == n, (text, chosen, count)
    assert count.comparator is comparator
    assert not (count.unit is UL and 0 < n < 1)
    assert str(count.value) == plain(n)
    return count


@settings(max_examples=300, deadline=None)
@given(n=counts, comparator=comparators)
def test_every_accepted_writing_reads_back_or_asks(n, comparator):
    assume(n > 0 or not comparator)
    for text, chosen in [*written_as_e9(n), *written_per_ul(n)]:
        assert_reads_as_or_asks(comparator.symbol + text, chosen, n, comparator)


@settings(max_examples=300, deadline=None)
@given(n=st.decimals(min_value=1, max_value=999, places=0), comparator=comparators)
def test_an_ordinary_count_is_read_without_a_question(n, comparator):
    """From 1 to 999 ×10⁹/L, written plainly or per µL with its unit, nothing is asked."""
    assert parse_count(comparator.symbol + plain(n), E9) == Count(n, comparator, unit=E9)
    per_ul = f"{comparator.symbol}{in_cells_per_ul(n):,}/µL"
    assert parse_count(per_ul, E9) == Count(n, comparator, unit=UL)


@settings(max_examples=300, deadline=None)
@given(
    literal=st.integers(min_value=1000, max_value=2000),
    chosen=st.sampled_from(Unit),
    spelling=st.sampled_from(["{}", "{:,}", "{:_}"]),
)
def test_a_number_plausible_in_both_units_always_asks(literal, chosen, spelling):
    text = spelling.format(literal).replace("_", " ")
    with pytest.raises(NeedsConfirmation) as raised:
        parse_count(text, chosen)
    values = {choice.value for choice in raised.value.choices}
    assert values == {Decimal(literal), _normal(Decimal(literal) / 1000)}


def _normal(value: Decimal) -> Decimal:
    return Decimal(plain(value))


# Integers, and decimals whose point cannot be a thousands separator (fewer than 3 places):
# test_a_number_plausible_in_both_units_always_asks and the tables cover "1.500" and "1,500".
literals = st.one_of(
    st.integers(min_value=0, max_value=10**7).map(Decimal),
    st.decimals(min_value=0, max_value=3 * 10**6, places=2, allow_nan=False, allow_infinity=False),
)


@settings(max_examples=500, deadline=None)
@given(literal=literals, chosen=st.sampled_from(Unit))
def test_nothing_is_read_1000_times_off(literal, chosen):
    """A number without a unit is read in the chosen unit, or asked about: never converted
    silently, and never read while its other-unit reading is also a count."""
    in_chosen = literal if chosen is E9 else literal / 1000
    in_other = literal / 1000 if chosen is E9 else literal

    def plausible(value: Decimal, per_ul_literal: bool) -> bool:
        whole_cells = value == value.quantize(Decimal("0.001"))
        return 0 <= value <= MAX_COUNT and whole_cells and (not per_ul_literal or literal >= 1000)

    try:
        count = parse_count(plain(literal), chosen)
    except NeedsConfirmation as question:
        values = {choice.value for choice in question.choices}
        assert values <= {_normal(in_chosen), _normal(in_other)}
    except CountError:
        assert not plausible(in_chosen, chosen is UL) and not plausible(in_other, chosen is E9)
    else:
        assert count.value == in_chosen and count.unit is chosen
        assert not plausible(in_other, chosen is E9) or in_other == in_chosen


# Pieces of real input, so that the property also reaches the paths past the first regex.
interesting_text = st.lists(
    st.sampled_from(
        [*"0123456789.,' \u202f<>≤≥=-−kKgGxX×^⁹³⁴/uUµμlLmc³eE+", "per ", "000", "less than", "lakh"]
    ),
    max_size=15,
).map("".join)


def assert_storable(count: Count) -> None:
    assert isinstance(count, Count)
    assert 0 <= count.value <= MAX_COUNT
    assert count.value == count.value.quantize(Decimal("0.001"))
    assert "E" not in str(count.value)
    assert count.unit in Unit
    assert count.comparator in Comparator
    assert not count.comparator or count.value > 0


@settings(max_examples=300, deadline=None)
@given(text=st.one_of(st.text(), interesting_text), chosen=st.sampled_from(Unit))
def test_any_text_gives_a_count_or_a_count_error(text, chosen):
    try:
        count = parse_count(text, chosen)
    except NeedsConfirmation as confirmation:
        for choice in confirmation.choices:
            assert_storable(choice)
        assert confirmation.suggestion in confirmation.choices
        assert_plain_words(confirmation.message)
    except CountError as error:
        assert_plain_words(error.message)
    else:
        assert_storable(count)


@settings(max_examples=200, deadline=None)
@given(n=counts, unit=st.sampled_from(Unit), comparator=comparators)
def test_formatted_counts_read_back(n, unit, comparator):
    assume(n > 0 or not comparator)
    # The label in the text must win over the chosen unit, so choose the other one.
    assert_reads_as_or_asks(format_count(n, unit, comparator), unit.other, n, comparator)
    shown = comparator.symbol + format_number(n, unit)
    assert_reads_as_or_asks(shown, unit, n, comparator)
