"""The numbers of the report for the care team (issue 18), from rows the caller has loaded.

Like readings.stats: no queries, dates the patient's own. Counts are ×10⁹/L as stored.

Days below the threshold are counted the way the time in range of an anticoagulant is (the
linear interpolation of Rosendaal et al., Thromb Haemost 1993;69:236; excerpts and addresses in
docs/sources/time-in-range-rosendaal.md): between two counts the count is taken to move in a
straight line from one to the next, day by day, and a day is below where that line is. A day
with a count is below when its lowest result is known to be (units.known_below: "<10" is below
10). No line is drawn across more than MAX_GAP days, nor before the first count or after the
last that the rows reach: those days are not known, and are reported as such rather than
guessed. Pass the last count before the period and the first after it to join up its edges.
"""

import bisect
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.utils.translation import gettext, ngettext

from readings import guidance, stats, units
from readings.models import BleedingEpisode, FirstAid, PlateletReading, Severity

# Counts further apart than this are not joined by a line (the AHRQ measure's limit).
MAX_GAP = timedelta(days=56)


@dataclass(frozen=True)
class DaysBelow:
    """Of the `days` of a period, `below` were below the threshold and `known` could be told."""

    below: int
    known: int
    days: int

    @property
    def share(self) -> float:
        """The share of the whole period below the threshold, 0 to 1."""
        return self.below / self.days if self.days else 0.0

    @property
    def percent(self) -> int:
        """The share as a whole percentage, as a report says it."""
        return round(self.share * 100)

    @property
    def percent_of_known(self) -> int:
        """Of the days that could be told, the share below, as a whole percentage."""
        return round(self.below * 100 / self.known) if self.known else 0

    @property
    def unknown(self) -> int:
        """Days that could not be told: no count near enough on either side."""
        return self.days - self.known


def days_below(
    readings: Iterable[PlateletReading], threshold: int | Decimal, start: date, end: date
) -> DaysBelow:
    """Days from `start` to `end` (inclusive) below `threshold` (×10⁹/L), by the module's rule.

    `readings`: the live counts in the period and, to join up its edges, the last before it and
    the first after it (any others are ignored). Of a day's counts, the lowest stands.
    Raises ValueError if `end` is before `start`.
    """
    if end < start:
        raise ValueError("The period ends before it starts.")
    threshold = Decimal(threshold)
    lowest: dict[date, PlateletReading] = {}
    for reading in stats.live(readings):
        kept = lowest.get(reading.drawn_on)
        if kept is None or stats.by_count(reading) < stats.by_count(kept):
            lowest[reading.drawn_on] = reading
    days = sorted(lowest)
    below = known = 0
    day = start
    while day <= end:
        after = bisect.bisect_left(days, day)
        if after < len(days) and days[after] == day:
            reading = lowest[day]
            known += 1
            below += units.known_below(reading.count, reading.comparator, threshold)
        elif 0 < after < len(days) and days[after] - days[after - 1] <= MAX_GAP:
            first, last = days[after - 1], days[after]
            known += 1
            below += _below_the_line(
                lowest[first], lowest[last], (day - first).days, (last - first).days, threshold
            )
        day += timedelta(days=1)
    return DaysBelow(below, known, (end - start).days + 1)


def _below_the_line(
    earlier: PlateletReading, later: PlateletReading, step: int, steps: int, threshold: Decimal
) -> bool:
    """Whether the line from one count to the next is below `threshold` `step` days of `steps`
    along; a limit ("<10") as its number. In exact arithmetic (both sides times `steps`): a
    float's rounding would put a day that sits on the threshold below it."""
    on_the_line = earlier.count * steps + (later.count - earlier.count) * step
    return on_the_line < threshold * steps


@dataclass(frozen=True)
class Median:
    """The median result: a count, with "<" or the like where it is only known as a limit, or
    a range of counts (`count` to `upper`) where it lies between two results one of which is
    a limit."""

    count: Decimal
    comparator: str = ""
    upper: Decimal | None = None

    def shown_in(self, unit: units.Unit) -> str:
        if self.upper is not None:
            low, high = units.format_number(self.count, unit), units.format_count(self.upper, unit)
            # Translators: a median between two results: "between 10 and 15 ×10⁹/L".
            return gettext("between %(low)s and %(high)s") % {"low": low, "high": high}
        return units.format_count(self.count, unit, self.comparator)


def median(readings: Iterable[PlateletReading]) -> Median | None:
    """The median of the live counts, None without any. Results are ordered as stats orders
    them ("<10" just below 10). With an even number, the mean of the middle two; where either
    is a limit, what that mean can be: "<10" and 20 give between 10 and 15, "<10" and "<10"
    give "<10", 25 and ">1000" give ">512.5"."""
    ordered = sorted(stats.live(readings), key=stats.by_count)
    if not ordered:
        return None
    middle = len(ordered) // 2
    if len(ordered) % 2:
        reading = ordered[middle]
        return Median(reading.count, reading.comparator)
    low_1, high_1, *_ = stats.possible_counts(ordered[middle - 1])
    low_2, high_2, *_ = stats.possible_counts(ordered[middle])
    low = (low_1 + low_2) / 2
    if high_1 is None or high_2 is None:
        return Median(low, ">")
    high = (high_1 + high_2) / 2
    if low == high:
        return Median(low)
    return Median(high, "<") if low == 0 else Median(low, upper=high)


@dataclass(frozen=True)
class Bleeds:
    """The period's bleeds: how many of each kind and of each severity, and the emergencies
    (those the advice treats as one: readings.guidance.bleed_level)."""

    total: int
    by_kind: list[tuple[str, int]]  # (kind in words, number), most first
    by_severity: list[tuple[str, int]]  # (severity in words, number), mildest first
    emergencies: list[BleedingEpisode]


def bleeds(episodes: Iterable[BleedingEpisode]) -> Bleeds:
    """The live `episodes` counted by kind and severity ("Not said" where none was given)."""
    episodes = sorted(stats.live(episodes), key=lambda episode: episode.started_at)
    kinds = Counter(episode.get_kind_display() for episode in episodes)
    severities = Counter(episode.severity for episode in episodes)
    by_severity = [
        (str(label), severities[value]) for value, label in Severity.choices if severities[value]
    ]
    if severities[""]:
        # Translators: a bleed's severity when none was given.
        by_severity.append((gettext("Not said"), severities[""]))
    emergencies = [
        episode
        for episode in episodes
        if guidance.bleed_level(episode).advice.level is guidance.Level.EMERGENCY
    ]
    return Bleeds(len(episodes), kinds.most_common(), by_severity, emergencies)


def what_was_done(episode: BleedingEpisode) -> str:
    """A bleed's first aid, length and care in a few words: "First aid stopped it; 20 minutes;
    saw a doctor or nurse", or "" when none of it was logged."""
    parts = {
        FirstAid.STOPPED: [gettext("First aid stopped it")],
        FirstAid.NOT_STOPPED: [gettext("First aid did not stop it")],
        FirstAid.STILL_BLEEDING: [gettext("Still bleeding when logged")],
    }.get(episode.first_aid, [])
    if episode.duration_minutes is not None:
        minutes = episode.duration_minutes
        # Translators: how long a bleed lasted, in the report's table of bleeds.
        parts.append(ngettext("%(n)s minute", "%(n)s minutes", minutes) % {"n": minutes})
    if episode.care_sought:
        parts.append(gettext("saw a doctor or nurse"))
    if episode.resolution:
        # Translators: how a bleed ended, after what was done: "then: stopped by itself".
        then = gettext("then: %(resolution)s")
        parts.append(then % {"resolution": str(episode.get_resolution_display()).lower()})
    return "; ".join(parts)
