"""Numbers for the dashboard, worked out from rows the caller has already loaded.

No queries and no requests here: views fetch the rows once (so the query count stays flat)
and pass lists in; tests pass unsaved instances. Dates are the patient's own: the caller
activates their time zone and passes `today` in it.
"""

import calendar
import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from readings.models import BleedingEpisode, PlateletReading, Treatment
from readings.units import Comparator, Unit, describe_limit, format_count

# A stand-in for the creation time of unsaved rows, so that they still sort.
_NEVER = datetime.min.replace(tzinfo=UTC)


class Phase(models.TextChoices):
    # Translators: the ITP phase (IWG): "de diagnóstico reciente".
    NEWLY_DIAGNOSED = "newly_diagnosed", _("Newly diagnosed")
    PERSISTENT = "persistent", _("Persistent")
    CHRONIC = "chronic", _("Chronic")


class Direction(enum.StrEnum):
    UP = "up"
    DOWN = "down"
    SAME = "same"
    UNCLEAR = "unclear"  # a "<" or ">" result leaves it open: "<10" after "<20"


@dataclass(frozen=True)
class DashboardSummary:
    latest: PlateletReading | None
    previous: PlateletReading | None
    # Latest minus previous, ×10⁹/L; None unless both are exact counts (a "<10" has no size).
    change: Decimal | None
    direction: Direction | None
    lowest_30_days: PlateletReading | None
    lowest_90_days: PlateletReading | None
    days_since_bleed: int | None
    current_treatments: tuple[Treatment, ...]


def add_months(day: date, months: int) -> date:
    """The same day `months` later, or that month's last day if it is shorter (31 Jan -> 30 Apr)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def phase(diagnosis_date: date | None, today: date) -> Phase | None:
    """The ITP phase on `today`; None without a diagnosis date or before the diagnosis.

    The International Working Group's phases (Rodeghiero et al., Blood 2009;113:2386;
    docs/sources/iwg-2009-terminology.md): newly diagnosed within 3 months of the diagnosis,
    persistent from 3 to 12 months, chronic after more than 12.
    """
    if diagnosis_date is None or today < diagnosis_date:
        return None
    # Whole calendar months, as a clinic counts them. Diagnosed 10 Jan 2026: newly diagnosed
    # to 9 Apr; persistent from 10 Apr (3 months) up to and including 10 Jan 2027 (12 months,
    # since "chronic" means *more* than 12); chronic from 11 Jan 2027. A day that the later
    # month lacks falls on its last day: diagnosed 31 Jan, persistent from 30 Apr; diagnosed
    # 29 Feb 2024, chronic from 1 Mar 2025.
    if today < add_months(diagnosis_date, 3):
        return Phase.NEWLY_DIAGNOSED
    if today <= add_months(diagnosis_date, 12):
        return Phase.PERSISTENT
    return Phase.CHRONIC


def live(entries: Iterable) -> list:
    """The entries that are not soft-deleted."""
    return [entry for entry in entries if entry.deleted_at is None]


def _reading_order(reading: PlateletReading) -> tuple:
    # A draw without a time comes first on its day; entry order settles draws at the same
    # moment. Timestamps rather than datetimes: this key runs for every reading, every page.
    drawn_at = reading.drawn_at.timestamp() if reading.drawn_at else float("-inf")
    created = reading.created_at.timestamp() if reading.created_at else float("-inf")
    return (reading.drawn_on, drawn_at, created)


def chronological(readings: Iterable[PlateletReading]) -> list[PlateletReading]:
    """The live readings, oldest first."""
    return sorted(live(readings), key=_reading_order)


def by_count(reading: PlateletReading) -> tuple:
    """Sort key by count; "<10" ranks just below a measured 10, which it may well be."""
    return reading.count_order


def possible_counts(reading: PlateletReading) -> tuple[Decimal, Decimal | None, bool, bool]:
    """The counts a result allows: (lowest, highest or None, lowest excluded, highest excluded)."""
    value, comparator = reading.count, Comparator(reading.comparator)
    return {
        Comparator.EXACT: (value, value, False, False),
        Comparator.BELOW: (Decimal(0), value, False, True),
        Comparator.AT_MOST: (Decimal(0), value, False, False),
        Comparator.AT_LEAST: (value, None, False, False),
        Comparator.ABOVE: (value, None, True, False),
    }[comparator]


def _surely_above(later: PlateletReading, earlier: PlateletReading) -> bool:
    low, _, low_excluded, _ = possible_counts(later)
    _, high, _, high_excluded = possible_counts(earlier)
    return high is not None and (low > high or (low == high and (low_excluded or high_excluded)))


def trend(earlier: PlateletReading, later: PlateletReading) -> Direction:
    """Up or down only when every count the two results allow says so: 10 then "<10" is down,
    "<10" then 8 is unclear."""
    if not earlier.comparator and not later.comparator and later.count == earlier.count:
        return Direction.SAME
    if _surely_above(later, earlier):
        return Direction.UP
    if _surely_above(earlier, later):
        return Direction.DOWN
    return Direction.UNCLEAR


def change_words(previous: PlateletReading, latest: PlateletReading, unit: Unit) -> str:
    """The change between two results, never more precise than they are.

    "Up 12 ×10⁹/L", "No change", "Down: now below 10 ×10⁹/L", "Now below 10 ×10⁹/L" (after
    "<20": no telling), "Up" (after "<10", to 15).
    """
    direction = trend(previous, latest)
    if direction is Direction.SAME:
        return gettext("No change")
    up = direction is Direction.UP
    if not previous.comparator and not latest.comparator:
        change = {"change": format_count(abs(latest.count - previous.count), unit)}
        # Translators: the change since the previous count: "Up 12 ×10⁹/L".
        return (gettext("Up %(change)s") if up else gettext("Down %(change)s")) % change
    now = {"limit": describe_limit(latest.count, unit, latest.comparator)}
    if direction in (Direction.UP, Direction.DOWN):
        if not latest.comparator:
            # Translators: the count went up (no telling by how much: the previous was a limit).
            return gettext("Up") if up else gettext("Down")
        # Translators: "Down: now below 10 ×10⁹/L".
        return (gettext("Up: now %(limit)s") if up else gettext("Down: now %(limit)s")) % now
    if latest.comparator:
        # Translators: the latest result is a limit: "Now below 10 ×10⁹/L".
        return gettext("Now %(limit)s") % now
    return gettext("No telling: the previous result was %(limit)s") % {
        "limit": describe_limit(previous.count, unit, previous.comparator)
    }


def _lowest_since(readings: list[PlateletReading], days: int, today: date):
    window = [r for r in readings if today - timedelta(days=days) <= r.drawn_on <= today]
    return min(window, key=by_count, default=None)


def _days_since_bleed(episodes: Iterable[BleedingEpisode], today: date) -> int | None:
    # An episode dated after `today` (a clock or time zone slip) would give negative days.
    days = [timezone.localdate(e.started_at) for e in live(episodes)]
    return min(((today - day).days for day in days if day <= today), default=None)


def _current(treatments: Iterable[Treatment], today: date) -> tuple[Treatment, ...]:
    running = [
        t
        for t in live(treatments)
        if t.started_on <= today and (t.ended_on is None or t.ended_on >= today)
    ]
    return tuple(sorted(running, key=lambda t: t.started_on))


def summary(
    readings: Iterable[PlateletReading],
    episodes: Iterable[BleedingEpisode],
    treatments: Iterable[Treatment],
    today: date,
) -> DashboardSummary:
    ordered = chronological(readings)
    latest = ordered[-1] if ordered else None
    previous = ordered[-2] if len(ordered) > 1 else None
    exact = previous and not previous.comparator and not latest.comparator
    return DashboardSummary(
        latest=latest,
        previous=previous,
        change=latest.count - previous.count if exact else None,
        direction=trend(previous, latest) if previous else None,
        lowest_30_days=_lowest_since(ordered, 30, today),
        lowest_90_days=_lowest_since(ordered, 90, today),
        days_since_bleed=_days_since_bleed(episodes, today),
        current_treatments=_current(treatments, today),
    )
