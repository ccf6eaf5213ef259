from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from readings import stats
from readings.models import BleedingEpisode, BleedingKind, Medicine, PlateletReading, Treatment
from readings.stats import Direction, Phase, phase, summary
from readings.units import Unit, parse_count
from tests.clock import pinned

pytestmark = pinned

TODAY = date(2026, 11, 20)
DELETED = datetime(2026, 11, 1, tzinfo=UTC)


def reading(day: date, count, **fields) -> PlateletReading:
    return PlateletReading(drawn_on=day, count=Decimal(count), **fields)


def parsed(day: date, text: str) -> PlateletReading:
    """A reading of `text` in ×10⁹/L as the form reads it: "<10", "≥1000"."""
    count = parse_count(f"{text} K/µL", Unit.E9_PER_L)
    return reading(day, count.value, comparator=count.comparator.value)


def episode(started_at: datetime, **fields) -> BleedingEpisode:
    return BleedingEpisode(started_at=started_at, kind=BleedingKind.NOSEBLEED, **fields)


def treatment(started_on: date, ended_on: date | None = None, **fields) -> Treatment:
    fields.setdefault("medicine", Medicine.STEROIDS)
    return Treatment(started_on=started_on, ended_on=ended_on, **fields)


def days_ago(days: int) -> date:
    return TODAY - timedelta(days=days)


def summarise(readings=(), episodes=(), treatments=()):
    return summary(readings, episodes, treatments, TODAY)


# --- Latest and change --------------------------------------------------------------------------


def test_no_readings_gives_no_latest_change_or_lows():
    result = summarise()
    assert result.latest is None
    assert result.previous is None
    assert result.change is None
    assert result.direction is None
    assert result.lowest_30_days is None
    assert result.lowest_90_days is None


def test_latest_is_the_newest_draw_whatever_the_order_given():
    newest = reading(days_ago(1), 45)
    rows = [reading(days_ago(5), 30), newest, reading(days_ago(3), 38)]
    result = summarise(rows)
    assert result.latest is newest
    assert (result.latest.drawn_on, result.latest.count) == (days_ago(1), Decimal(45))
    assert result.previous.count == Decimal(38)


def test_same_day_draws_are_ordered_by_time_then_by_entry():
    morning = datetime(2026, 11, 19, 8, tzinfo=UTC)
    evening = datetime(2026, 11, 19, 18, tzinfo=UTC)
    untimed = reading(days_ago(1), 10)
    timed_evening = reading(days_ago(1), 30, drawn_at=evening)
    timed_morning = reading(days_ago(1), 20, drawn_at=morning)
    assert summarise([timed_evening, untimed, timed_morning]).latest is timed_evening

    first = reading(TODAY, 11, created_at=morning)
    second = reading(TODAY, 12, created_at=evening)
    assert summarise([second, first]).latest is second


def test_soft_deleted_readings_are_ignored():
    kept = reading(days_ago(2), 40)
    gone = reading(days_ago(1), 5, deleted_at=DELETED)
    result = summarise([kept, gone])
    assert result.latest is kept
    assert result.previous is None
    assert result.lowest_30_days is kept


@pytest.mark.parametrize(
    ("before", "after", "change", "direction"),
    [
        ("30", "45", Decimal(15), Direction.UP),
        ("45", "30.5", Decimal("-14.5"), Direction.DOWN),
        ("45", "45", Decimal(0), Direction.SAME),
    ],
)
def test_change_since_the_previous_reading(before, after, change, direction):
    result = summarise([reading(days_ago(1), after), reading(days_ago(8), before)])
    assert result.change == change
    assert result.direction == direction


def test_a_single_reading_has_no_change():
    result = summarise([reading(TODAY, 45)])
    assert result.latest.count == Decimal(45)
    assert result.previous is None
    assert result.change is None
    assert result.direction is None


def test_below_detection_after_the_same_measured_count_is_down_by_no_known_amount():
    result = summarise([reading(days_ago(7), 10), reading(TODAY, 10, comparator="<")])
    assert result.latest.comparator == "<"
    assert result.change is None  # not "Down 0"
    assert result.direction == Direction.DOWN


@pytest.mark.parametrize(
    ("before", "after", "direction", "words"),
    [
        ("45", "30", Direction.DOWN, "Down 15 ×10⁹/L"),
        ("30", "45.5", Direction.UP, "Up 15.5 ×10⁹/L"),
        ("45", "45", Direction.SAME, "No change"),
        ("10", "<10", Direction.DOWN, "Down: now below 10 ×10⁹/L"),
        ("12", "≤10", Direction.DOWN, "Down: now 10 ×10⁹/L or less"),
        ("10", "≤10", Direction.UNCLEAR, "Now 10 ×10⁹/L or less"),
        ("5", "<10", Direction.UNCLEAR, "Now below 10 ×10⁹/L"),
        ("<20", "<10", Direction.UNCLEAR, "Now below 10 ×10⁹/L"),
        ("<10", "<10", Direction.UNCLEAR, "Now below 10 ×10⁹/L"),
        ("<10", "10", Direction.UP, "Up"),
        ("<10", "15", Direction.UP, "Up"),
        ("<10", "8", Direction.UNCLEAR, "No telling: the previous result was below 10 ×10⁹/L"),
        ("900", ">1000", Direction.UP, "Up: now above 1,000 ×10⁹/L"),
        (">1000", "1000", Direction.DOWN, "Down"),
        (
            "≥1000",
            "1000",
            Direction.UNCLEAR,
            "No telling: the previous result was 1,000 ×10⁹/L or more",
        ),
        (">1000", ">1000", Direction.UNCLEAR, "Now above 1,000 ×10⁹/L"),
    ],
)
def test_the_change_is_never_more_precise_than_the_results(before, after, direction, words):
    previous, latest = (parsed(days_ago(7), before), parsed(TODAY, after))
    result = summarise([previous, latest])
    assert result.direction == direction
    assert stats.change_words(previous, latest, Unit.E9_PER_L) == words
    exact = not previous.comparator and not latest.comparator
    assert (result.change is not None) == exact


# --- Lows ---------------------------------------------------------------------------------------


def test_lows_include_a_reading_exactly_on_the_first_day_of_the_window():
    on_30 = reading(days_ago(30), 20)
    on_90 = reading(days_ago(90), 8)
    result = summarise([reading(TODAY, 60), on_30, on_90])
    assert result.lowest_30_days is on_30
    assert result.lowest_90_days is on_90


def test_lows_leave_out_the_day_before_the_window():
    recent = reading(days_ago(29), 50)
    on_31 = reading(days_ago(31), 20)
    result = summarise([recent, on_31, reading(days_ago(91), 5)])
    assert result.lowest_30_days is recent
    assert result.lowest_90_days is on_31


def test_lows_are_none_without_readings_in_the_window():
    result = summarise([reading(days_ago(91), 5)])
    assert result.latest is not None
    assert result.lowest_30_days is None
    assert result.lowest_90_days is None


def test_below_detection_is_lower_than_the_same_measured_count():
    below = reading(days_ago(10), 10, comparator="<")
    result = summarise([reading(days_ago(2), 10), below])
    assert result.lowest_30_days is below


def test_readings_dated_after_today_are_not_in_the_lows():
    result = summarise([reading(TODAY, 40), reading(TODAY + timedelta(days=1), 5)])
    assert result.lowest_30_days.count == Decimal(40)


# --- Bleeding -----------------------------------------------------------------------------------


def test_days_since_bleed_is_none_without_episodes():
    assert summarise().days_since_bleed is None


def test_days_since_bleed_is_zero_for_a_bleed_today():
    today_noon = datetime(2026, 11, 20, 12, tzinfo=UTC)
    older = datetime(2026, 11, 1, 12, tzinfo=UTC)
    assert summarise(episodes=[episode(older), episode(today_noon)]).days_since_bleed == 0


def test_days_since_bleed_counts_from_the_latest_live_episode():
    five_days_ago = datetime(2026, 11, 15, 9, tzinfo=UTC)
    deleted = episode(datetime(2026, 11, 19, 9, tzinfo=UTC), deleted_at=DELETED)
    assert summarise(episodes=[episode(five_days_ago), deleted]).days_since_bleed == 5


def test_days_since_bleed_uses_the_patients_calendar_day():
    # 23:30 UTC on 19 Nov is already 20 Nov in Auckland (UTC+13).
    late = datetime(2026, 11, 19, 23, 30, tzinfo=UTC)
    with timezone.override(ZoneInfo("Pacific/Auckland")):
        assert summarise(episodes=[episode(late)]).days_since_bleed == 0
    with timezone.override(ZoneInfo("Europe/London")):
        assert summarise(episodes=[episode(late)]).days_since_bleed == 1


# --- Treatments ---------------------------------------------------------------------------------


def test_current_treatments():
    ongoing = treatment(days_ago(60))
    ends_today = treatment(days_ago(10), TODAY, medicine=Medicine.IVIG)
    starts_today = treatment(TODAY, medicine=Medicine.ROMIPLOSTIM)
    ended_yesterday = treatment(days_ago(20), days_ago(1))
    starts_tomorrow = treatment(TODAY + timedelta(days=1))
    deleted = treatment(days_ago(5), deleted_at=DELETED)
    result = summarise(
        treatments=[starts_today, ended_yesterday, ends_today, starts_tomorrow, ongoing, deleted]
    )
    assert result.current_treatments == (ongoing, ends_today, starts_today)


def test_the_summary_is_frozen():
    result = summarise()
    with pytest.raises(AttributeError):
        result.latest = reading(TODAY, 1)


# --- Phase --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("diagnosed", "today", "expected"),
    [
        (date(2026, 1, 10), date(2026, 1, 10), Phase.NEWLY_DIAGNOSED),
        (date(2026, 1, 10), date(2026, 4, 9), Phase.NEWLY_DIAGNOSED),
        (date(2026, 1, 10), date(2026, 4, 10), Phase.PERSISTENT),  # exactly 3 months
        (date(2026, 1, 10), date(2027, 1, 9), Phase.PERSISTENT),
        (date(2026, 1, 10), date(2027, 1, 10), Phase.PERSISTENT),  # exactly 12 months
        (date(2026, 1, 10), date(2027, 1, 11), Phase.CHRONIC),
        # Month ends: 31 Jan + 3 months is the last day of April.
        (date(2026, 1, 31), date(2026, 4, 29), Phase.NEWLY_DIAGNOSED),
        (date(2026, 1, 31), date(2026, 4, 30), Phase.PERSISTENT),
        (date(2026, 1, 31), date(2027, 1, 31), Phase.PERSISTENT),
        (date(2026, 1, 31), date(2027, 2, 1), Phase.CHRONIC),
        (date(2025, 11, 30), date(2026, 2, 27), Phase.NEWLY_DIAGNOSED),
        (date(2025, 11, 30), date(2026, 2, 28), Phase.PERSISTENT),
        # 29 Feb has its anniversary on 28 Feb in a common year.
        (date(2024, 2, 29), date(2025, 2, 28), Phase.PERSISTENT),
        (date(2024, 2, 29), date(2025, 3, 1), Phase.CHRONIC),
        (date(2024, 2, 29), date(2024, 5, 29), Phase.PERSISTENT),
        (date(2024, 2, 29), date(2024, 5, 28), Phase.NEWLY_DIAGNOSED),
        # Crossing a year end.
        (date(2025, 11, 15), date(2026, 2, 14), Phase.NEWLY_DIAGNOSED),
        (date(2025, 11, 15), date(2026, 2, 15), Phase.PERSISTENT),
    ],
)
def test_phase_boundaries(diagnosed, today, expected):
    assert phase(diagnosed, today) == expected


def test_no_phase_without_a_diagnosis_date_or_before_it():
    assert phase(None, TODAY) is None
    assert phase(TODAY + timedelta(days=1), TODAY) is None


def test_phases_have_human_labels():
    assert [p.label for p in Phase] == ["Newly diagnosed", "Persistent", "Chronic"]
