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

from readings.models import BleedingEpisode, PlateletReading, Treatment

# A stand-in for the creation time of unsaved rows, so that they still sort.
_NEVER = datetime.min.replace(tzinfo=UTC)


class Phase(models.TextChoices):
    NEWLY_DIAGNOSED = "newly_diagnosed", "Newly diagnosed"
    PERSISTENT = "persistent", "Persistent"
    CHRONIC = "chronic", "Chronic"


class Direction(enum.StrEnum):
    UP = "up"
    DOWN = "down"
    SAME = "same"


@dataclass(frozen=True)
class DashboardSummary:
    latest: PlateletReading | None
    previous: PlateletReading | None
    change: Decimal | None  # latest minus previous, ×10⁹/L
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
    """The ITP phase on `today`; None without a diagnosis date or before the diagnosis."""
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


def by_count(reading: PlateletReading) -> tuple[Decimal, bool]:
    """Sort key by count; "<10" ranks just below a measured 10, which it may well be."""
    return (reading.count, not reading.below_detection)


def trend(earlier: PlateletReading, later: PlateletReading) -> Direction:
    # By sort key rather than by the change, so that 10 then "<10" reads as down.
    before, after = by_count(earlier), by_count(later)
    if after > before:
        return Direction.UP
    return Direction.DOWN if after < before else Direction.SAME


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
    return DashboardSummary(
        latest=latest,
        previous=previous,
        change=latest.count - previous.count if previous else None,
        direction=trend(previous, latest) if previous else None,
        lowest_30_days=_lowest_since(ordered, 30, today),
        lowest_90_days=_lowest_since(ordered, 90, today),
        days_since_bleed=_days_since_bleed(episodes, today),
        current_treatments=_current(treatments, today),
    )
