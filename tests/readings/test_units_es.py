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
    NeedsConfirmation,
    Unit,
    describe_limit,
    format_count,
    format_number,
    parse_count,
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
    ],
)
def test_spanish_writings_read_as_the_count(text, chosen, expected):
    assert parse_count(text, chosen) == expected


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
