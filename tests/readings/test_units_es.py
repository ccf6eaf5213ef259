"""Counts typed and shown in Spanish: a decimal comma ("45,5"), a point between thousands
("45.000"), "por µL", "menos de 10"; and still nothing read 1,000 times off without asking."""

from decimal import Decimal

import pytest
from django.utils import translation
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from readings.units import (
    Comparator,
    Count,
    CountError,
    NeedsConfirmation,
    Unit,
    describe_limit,
    format_count,
    format_number,
    parse_count,
    unambiguous,
)
from tests.readings.test_units import (
    assert_reads_as_or_asks,
    comparators,
    counts,
    in_cells_per_ul,
    literals,
    plain,
)

E9 = Unit.E9_PER_L
UL = Unit.PER_UL


@pytest.fixture(autouse=True)
def spanish():
    with translation.override("es"):
        yield


@pytest.mark.parametrize(
    ("text", "chosen", "expected"),
    [
        ("45,5", E9, Count(Decimal("45.5"), unit=E9)),
        ("45", E9, Count(Decimal(45), unit=E9)),
        # A comma is the decimal mark: "45,000" ×10⁹/L is 45, as "45.000" is in English.
        ("45,000", E9, Count(Decimal(45), unit=E9)),
        ("45.000", UL, Count(Decimal(45), unit=UL)),
        ("45.000 por µL", E9, Count(Decimal(45), unit=UL)),
        ("150.000/mm³", E9, Count(Decimal(150), unit=UL)),
        ("0,5", E9, Count(Decimal("0.5"), unit=E9)),
        ("menos de 10", E9, Count(Decimal(10), Comparator.BELOW, unit=E9)),
        ("por debajo de 5", E9, Count(Decimal(5), Comparator.BELOW, unit=E9)),
        ("más de 450", E9, Count(Decimal(450), Comparator.ABOVE, unit=E9)),
        ("al menos 450", E9, Count(Decimal(450), Comparator.AT_LEAST, unit=E9)),
        ("como máximo 10", E9, Count(Decimal(10), Comparator.AT_MOST, unit=E9)),
        ("0,045", E9, Count(Decimal("0.045"), unit=E9)),
        ("٤٥٫٥", E9, Count(Decimal("45.5"), unit=E9)),  # Arabic's decimal mark
        # "mil" is a thousand per µL, as "k" is: 150 mil = 150.000 por µL.
        ("150 mil", UL, Count(Decimal(150), unit=E9)),
        ("150mil", E9, Count(Decimal(150), unit=E9)),
        ("45 mil/mm3", UL, Count(Decimal(45), unit=E9)),
        ("150 mil por µL", UL, Count(Decimal(150), unit=E9)),
        ("1,5 mil", E9, Count(Decimal("1.5"), unit=E9)),
        ("menos de 10 mil", UL, Count(Decimal(10), Comparator.BELOW, unit=E9)),
    ],
)
def test_spanish_writings_read_as_the_count(text, chosen, expected):
    assert parse_count(text, chosen) == expected


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    [
        ("en-gb", "150 thousand", Count(Decimal(150), unit=E9)),
        ("en-gb", "150 thousand/µL", Count(Decimal(150), unit=E9)),
        # In English "mil" may be short for a million: not read, never guessed.
        ("en-gb", "150 mil", None),
        ("en-gb", "1.5 mil", None),
        ("es", "150 thousand", None),
        ("es", "150 milla", None),
    ],
)
def test_the_word_for_a_thousand_is_the_page_languages(language, text, expected):
    with translation.override(language):
        if expected is None:
            with pytest.raises(CountError):
                parse_count(text, E9)
        else:
            assert parse_count(text, E9) == expected


@pytest.mark.parametrize(
    ("text", "chosen", "values"),
    [
        # A point groups in Spanish: 45.000 ×10⁹/L is no count, so 45 is asked about.
        ("45.000", E9, {Decimal(45)}),
        ("1.500", E9, {Decimal(1500), Decimal("1.5")}),
        ("1,500", E9, {Decimal(1500), Decimal("1.5")}),
        ("1500", UL, {Decimal(1500), Decimal("1.5")}),
    ],
)
def test_spanish_writings_that_could_be_another_count_ask(text, chosen, values):
    with pytest.raises(NeedsConfirmation) as raised:
        parse_count(text, chosen)
    assert {choice.value for choice in raised.value.choices} == values
    assert raised.value.message.startswith("¿")


@pytest.mark.parametrize(
    ("value", "unit", "comparator", "shown"),
    [
        (Decimal("45.5"), E9, "", "45,5 ×10⁹/L"),
        (Decimal(45), UL, "", "45.000 por µL"),
        (Decimal(2000), UL, "<", "<2.000.000 por µL"),
        (Decimal("0.5"), E9, "<=", "≤0,5 ×10⁹/L"),
    ],
)
def test_counts_are_written_as_spanish_writes_numbers(value, unit, comparator, shown):
    assert format_count(value, unit, comparator) == shown


def test_limits_are_said_in_spanish():
    assert describe_limit(Decimal(10), E9, "<") != "below 10 ×10⁹/L"
    assert "10 ×10⁹/L" in describe_limit(Decimal(10), E9, "<")


@settings(max_examples=200, deadline=None)
@given(n=counts, unit=st.sampled_from(Unit), comparator=comparators)
def test_counts_shown_in_spanish_read_back(n, unit, comparator):
    assume(n > 0 or not comparator)
    with translation.override("es"):
        assert_reads_as_or_asks(format_count(n, unit, comparator), unit.other, n, comparator)
        assert_reads_as_or_asks(comparator.symbol + format_number(n, unit), unit, n, comparator)


@settings(max_examples=200, deadline=None)
@given(n=counts)
def test_a_spanish_decimal_comma_and_grouping_point_read_back(n):
    with translation.override("es"):
        assert_reads_as_or_asks(plain(n).replace(".", ","), E9, n, Comparator.EXACT)
        grouped = f"{in_cells_per_ul(n):,}".replace(",", ".")
        assert_reads_as_or_asks(grouped, UL, n, Comparator.EXACT)


@settings(max_examples=300, deadline=None)
@given(literal=literals, chosen=st.sampled_from(Unit), comma=st.booleans())
def test_in_spanish_nothing_is_read_1000_times_off(literal, chosen, comma):
    """Whatever the marks, a count read without asking is the number in the chosen unit."""
    text = plain(literal)
    if comma:
        text = text.replace(".", ",")
    with translation.override("es"):
        try:
            count = parse_count(text, chosen)
        except (NeedsConfirmation, ValueError):
            return
    in_chosen = literal if chosen is E9 else literal / 1000
    assert count.value == Decimal(plain(in_chosen))


@settings(max_examples=300)
@given(value=counts, comparator=comparators, language=st.sampled_from(["en-gb", "es"]))
def test_a_count_written_to_read_one_way_reads_back_as_itself(value, comparator, language):
    """What the import suggests typing ("1,5 K/µL", "1505/µL") is read at once, as that count,
    whatever unit the form or sheet says."""
    assume(value or not comparator)
    with translation.override(language):
        written = unambiguous(Count(value, comparator, unit=E9))
        for chosen in (E9, UL):
            read = parse_count(written, chosen)
            assert (read.value, read.comparator) == (value, comparator), written


@pytest.mark.parametrize(
    ("language", "value", "written"),
    [
        ("en-gb", "1.5", "1.5 K/µL"),
        ("es", "1.5", "1,5 K/µL"),
        ("es", "1500", "1500 K/µL"),
        ("es", "1.505", "1505/µL"),
        ("en-gb", "0.045", "0.045 K/µL"),
    ],
)
def test_a_count_is_suggested_in_the_pages_decimal_mark(language, value, written):
    with translation.override(language):
        assert unambiguous(Count(Decimal(value), unit=E9)) == written
