"""The report's numbers (readings/report.py) on hand-worked records: no database, no clock."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from readings import report
from readings.models import BleedingEpisode, FirstAid, PlateletReading, Severity
from readings.units import Unit

D = date(2026, 3, 1)  # day 0 of every period below


def count(day: int, value, comparator: str = "", **fields) -> PlateletReading:
    return PlateletReading(
        drawn_on=D + timedelta(days=day),
        count=Decimal(value),
        comparator=comparator,
        **fields,
    )


def bleed(day: int, kind="nosebleed", severity="", **fields) -> BleedingEpisode:
    started = datetime(2026, 3, 1, 12, tzinfo=UTC) + timedelta(days=day)
    return BleedingEpisode(started_at=started, kind=kind, severity=severity, **fields)


def below(readings, threshold, first: int, last: int) -> tuple[int, int, int]:
    found = report.days_below(readings, threshold, D + timedelta(first), D + timedelta(last))
    return found.below, found.known, found.days


# Each case worked by hand: (counts as (day, value[, comparator]), threshold, period, result).
DAYS_BELOW = [
    # 20 on day 0, 40 on day 10: the line is 20 + 2d, below 30 for d = 0..4; day 5 is 30.
    ([(0, 20), (10, 40)], 30, (0, 10), (5, 11, 11)),
    # The same counts, falling: 40 + (-2)d < 30 for d > 5: days 6..10.
    ([(0, 40), (10, 20)], 30, (0, 10), (5, 11, 11)),
    # A gap of 30 days between two counts under the threshold: all 31 days below.
    ([(0, 10), (30, 15)], 30, (0, 30), (31, 31, 31)),
    # Days before the first count and after the last are not known: 4 known of 11.
    ([(3, 10), (6, 10)], 30, (0, 10), (4, 4, 11)),
    # The count before the period joins up its first days: from day -10 (50) to day 10 (10):
    # 50 - 2(d + 10) < 30 for d > 0: days 1..10 below, day 0 (30) not.
    ([(-10, 50), (10, 10)], 30, (0, 10), (10, 11, 11)),
    # "<10" is below a threshold of 10 (it is known to be); a measured 10 is not.
    ([(0, 10, "<"), (1, 10)], 10, (0, 1), (1, 2, 2)),
    # ">100" is never known to be below; between it and 20 the line runs from 100 to 20.
    ([(0, 100, ">"), (8, 20)], 30, (0, 8), (1, 9, 9)),
    # Two counts on one day: the lowest stands (the line from 15, not 60).
    ([(0, 60), (0, 15), (4, 15)], 30, (0, 4), (5, 5, 5)),
    # 56 days apart are joined up; 57 apart are not: only the two counts' own days are known.
    ([(0, 10), (56, 10)], 30, (0, 56), (57, 57, 57)),
    ([(0, 10), (57, 10)], 30, (0, 57), (2, 2, 58)),
    # The line reaches the threshold exactly on a day (10 + 45 * 8/18 = 30): not below it, which
    # a float's 29.999… would say it was. Days 0-7 are.
    ([(0, 10), (18, 55)], 30, (0, 18), (8, 19, 19)),
    ([(0, 10, "<"), (18, 55)], 30, (0, 18), (8, 19, 19)),
    # One count: only its own day is known.
    ([(5, 12)], 30, (0, 10), (1, 1, 11)),
    # No counts at all.
    ([], 30, (0, 10), (0, 0, 11)),
]


@pytest.mark.parametrize(("counts", "threshold", "period", "expected"), DAYS_BELOW)
def test_days_below_the_threshold_across_gaps(counts, threshold, period, expected):
    readings = [count(*row) for row in counts]
    assert below(readings, threshold, *period) == expected


def test_a_deleted_count_is_not_counted():
    readings = [count(0, 10), count(5, 100, deleted_at=datetime(2026, 3, 9, tzinfo=UTC))]
    assert below(readings, 30, 0, 5) == (1, 1, 6)


def test_a_period_that_ends_before_it_starts_is_refused():
    with pytest.raises(ValueError, match="ends before it starts"):
        report.days_below([], 30, D, D - timedelta(days=1))


@given(
    st.lists(
        st.tuples(st.integers(-20, 60), st.integers(0, 400), st.sampled_from(["", "<", ">"])),
        max_size=12,
    ),
    st.integers(1, 200),
)
def test_days_below_stay_within_the_days_known_and_the_period(rows, threshold):
    readings = [count(day, value or 1, comparator) for day, value, comparator in rows]
    found = report.days_below(readings, threshold, D, D + timedelta(days=40))
    assert 0 <= found.below <= found.known <= found.days == 41
    # Raising the threshold never lowers the days below it.
    assert report.days_below(readings, threshold + 50, D, D + timedelta(days=40)).below >= (
        found.below
    )


MEDIANS = [
    ([20, 30, 40], "30 ×10⁹/L"),
    ([40, 20], "30 ×10⁹/L"),  # the mean of the middle two
    ([15, 20], "17.5 ×10⁹/L"),
    ([(10, "<"), 20, 30], "20 ×10⁹/L"),  # "<10" sorts first, as a low count
    ([(10, "<"), (10, "<"), 30], "<10 ×10⁹/L"),  # the middle result is "<10"
    ([(10, "<"), 30], "between 15 and 20 ×10⁹/L"),  # (0 to 10, and 30) / 2
    ([5, (10, "<"), 20, 50], "between 10 and 15 ×10⁹/L"),  # from a break test: not "<10"
    ([(10, "<"), (20, "<")], "<15 ×10⁹/L"),
    ([(5, "<="), 5], "between 2.5 and 5 ×10⁹/L"),
    ([25, (1000, ">")], ">512.5 ×10⁹/L"),
    ([7], "7 ×10⁹/L"),
]


@pytest.mark.parametrize(("values", "expected"), MEDIANS)
def test_the_median_with_results_below_detection(values, expected):
    readings = [count(i, *v) if isinstance(v, tuple) else count(i, v) for i, v in enumerate(values)]
    assert report.median(readings).shown_in(Unit.E9_PER_L) == expected


def test_the_median_of_nothing_is_none():
    assert report.median([]) is None


def test_bleeds_by_kind_and_severity_with_the_emergencies():
    episodes = [
        bleed(0, "nosebleed", Severity.MILD),
        bleed(1, "nosebleed", Severity.MODERATE),
        bleed(2, "bruising", Severity.MILD),
        bleed(3, "gums"),  # no severity given
        bleed(4, "nosebleed", Severity.MILD, first_aid=FirstAid.NOT_STOPPED),  # an emergency
        bleed(5, "stool", Severity.LIFE_THREATENING),  # an emergency
        bleed(6, "bruising", Severity.SEVERE, deleted_at=datetime(2026, 3, 9, tzinfo=UTC)),
    ]
    found = report.bleeds(episodes)
    assert found.total == 6
    assert found.by_kind == [
        ("Nosebleed", 3),
        ("Easy bruising", 1),
        ("Bleeding gums", 1),
        ("Blood in stool", 1),
    ]
    assert found.by_severity == [
        ("Mild", 3),
        ("Moderate", 1),
        ("Life-threatening", 1),
        ("Not said", 1),
    ]
    assert [episode.started_at.day for episode in found.emergencies] == [5, 6]


def test_days_below_share_of_the_period():
    found = report.days_below([count(0, 10), count(9, 10)], 30, D, D + timedelta(days=19))
    assert (found.below, found.days, found.share) == (10, 20, 0.5)
    assert report.DaysBelow(0, 0, 0).share == 0.0
