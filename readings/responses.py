"""Did a treatment course work? The International Working Group's response for one course.

Rodeghiero et al., Blood 2009;113:2386 (docs/sources/iwg-2009-terminology.md):
- complete response (CR): a count of at least 100 ×10⁹/L and no bleeding;
- response (R): at least 30 ×10⁹/L, at least double the baseline, and no bleeding;
- no response (NR): neither;
- a CR or R counts once two counts at least 7 days apart meet it; it is lost on two counts
  more than a day apart that fail it, or on bleeding;
- the baseline is the count when the treatment starts; time to response runs from the start.

How we read them (each a choice the paper leaves open):
- Baseline: the latest count on the start day or in the BASELINE_WINDOW days before it. None
  outside that window: then R cannot be judged (it needs the doubling), CR still can.
- Counts after the start day are judged, to today, also after the course ended: a response
  that lasts, or is lost, after the last dose is the course's.
- Confirmed: a first count that meets the level, a later one at least 7 days after it that
  meets it, every count between meeting it too, and no bleeding logged from the first to the
  second. Time to response: from the start to that first count.
- A count given as a limit is taken at its least favourable: "<10" or "≤10" never meets a
  level; as a baseline it counts as 10 (so the doubling asks for at least 20); ">100" meets
  100 and below.
- Lost: after confirmation, two counts in a row, more than a day apart, that fail the level,
  or a bleed logged after confirmation; the date is the first failing count's, or the bleed's.
  Each level is judged apart: a CR lost while the counts still meet R leaves R standing.
- Reached again: after a loss, a new confirmed run of the level (as above, from counts after
  the loss) is the level reached again; the words give every loss and return in order.
- Too few counts: fewer than two counts at least 7 days apart after the start gives
  TOO_FEW ("not enough counts yet"), never NR.
- Courses that overlap are each judged on their own dates; the credit may be shared.
"""

import bisect
import datetime
import enum
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.utils import formats
from django.utils.translation import gettext as _

from readings.models import BleedingEpisode, PlateletReading, Treatment
from readings.units import Comparator

BASELINE_WINDOW = datetime.timedelta(days=14)
CONFIRM_APART = datetime.timedelta(days=7)
COMPLETE_AT = Decimal(100)
RESPONSE_AT = Decimal(30)


class Level(enum.StrEnum):
    COMPLETE = "CR"
    RESPONSE = "R"
    NONE = "NR"
    NO_BASELINE = "no baseline count"  # no CR, and R cannot be judged without a baseline
    TOO_FEW = "too few counts"


@dataclass(frozen=True)
class Run:
    """A level held: from its first count, confirmed on a later one, until lost (or not)."""

    first: datetime.date
    confirmed: datetime.date
    lost: datetime.date | None = None


@dataclass(frozen=True)
class CourseResponse:
    """One course's IWG response. Days count from the course's start day (day 0)."""

    baseline: PlateletReading | None
    best: Level
    response_day: int | None = None  # first count of the confirmed R (or CR, which is one)
    complete_day: int | None = None
    lost_on: datetime.date | None = None  # the best response, first lost on this day
    response_runs: tuple[Run, ...] = ()  # R held, lost and reached again, in order
    complete_runs: tuple[Run, ...] = ()


def response_for_course(
    course: Treatment,
    readings: Iterable[PlateletReading],
    episodes: Iterable[BleedingEpisode],
    zone: datetime.tzinfo,
) -> CourseResponse:
    """The IWG response of `course`, from the patient's live counts and bleeds (any order;
    deleted ones are left out). `zone`: the record's time zone, for the day a bleed began."""
    live = [r for r in readings if r.deleted_at is None]
    start = course.started_on
    baseline = _baseline(live, start)
    after = sorted((r for r in live if r.drawn_on > start), key=lambda r: (r.drawn_on, r.pk or 0))
    bleeds = sorted(e.started_at.astimezone(zone).date() for e in episodes if e.deleted_at is None)
    bleeds = [day for day in bleeds if day >= start]
    if not _spans_a_week(after):
        return CourseResponse(baseline, Level.TOO_FEW)
    complete = _runs(after, bleeds, lambda r: _at_least(r, COMPLETE_AT))
    doubling = baseline.count * 2 if baseline is not None else None  # "<10" counts as 10
    response = (
        _runs(after, bleeds, lambda r: _meets_response(r, doubling)) if doubling is not None else ()
    )
    if complete and (not response or response[0].first > complete[0].first):
        response = complete  # a CR is a response too
    if not response:
        return CourseResponse(baseline, Level.NONE if baseline is not None else Level.NO_BASELINE)
    best = Level.COMPLETE if complete else Level.RESPONSE
    return CourseResponse(
        baseline,
        best,
        response_day=(response[0].first - start).days,
        complete_day=(complete[0].first - start).days if complete else None,
        lost_on=(complete or response)[0].lost,
        response_runs=response,
        complete_runs=complete,
    )


def _baseline(readings: list[PlateletReading], start: datetime.date) -> PlateletReading | None:
    before = [r for r in readings if start - BASELINE_WINDOW <= r.drawn_on <= start]
    return max(before, key=lambda r: (r.drawn_on, r.pk or 0), default=None)


def _spans_a_week(readings: list[PlateletReading]) -> bool:
    return bool(readings) and readings[-1].drawn_on - readings[0].drawn_on >= CONFIRM_APART


def _at_least(reading: PlateletReading, level: Decimal) -> bool:
    comparator = Comparator(reading.comparator)
    if comparator in (Comparator.BELOW, Comparator.AT_MOST):
        return False
    return reading.count >= level


def _meets_response(reading: PlateletReading, doubling: Decimal) -> bool:
    return _at_least(reading, RESPONSE_AT) and _at_least(reading, doubling)


def _runs(readings, bleeds, meets) -> tuple[Run, ...]:
    """Every time the level was reached (confirmed) and then lost, in order. Each count is
    judged once and each pass moves on: a 10-year record has thousands of counts and, with
    a bleed a week, hundreds of runs."""
    days = [reading.drawn_on for reading in readings]
    met = [meets(reading) for reading in readings]
    runs, start = [], 0
    while (found := _confirmed(days, met, bleeds, start)) is not None:
        first, confirming = found
        lost = _lost(days, met, bleeds, confirming)
        runs.append(Run(days[first], days[confirming], lost))
        if lost is None:
            break
        start = bisect.bisect_right(days, lost)
    return tuple(runs)


def _confirmed(days, met, bleeds, index: int) -> tuple[int, int] | None:
    """(first, confirming) indices of the first run of counts from `index` that meet the
    level for 7 days with no bleeding in it; None if there is none.

    A count that fails ends every run begun before it within 7 days, and a bleed every run
    begun on or before its day: the search goes on after them, not from the next count."""
    while index < len(days):
        if not met[index]:
            index += 1
            continue
        later = index + 1
        while later < len(days) and met[later] and days[later] - days[index] < CONFIRM_APART:
            later += 1
        if later == len(days):
            return None
        if not met[later]:
            index = later + 1
            continue
        at = bisect.bisect_left(bleeds, days[index])
        if at < len(bleeds) and bleeds[at] <= days[later]:
            index = bisect.bisect_right(days, bleeds[at])
            continue
        return index, later
    return None


def _lost(days, met, bleeds, confirming: int) -> datetime.date | None:
    """The day a level confirmed by count `confirming` was lost: the first of two counts in a
    row, more than a day apart, after that count's day, that fail it; or a bleed after it."""
    confirmed_on, by_counts, run_start = days[confirming], None, None
    at = bisect.bisect_right(bleeds, confirmed_on)
    by_bleed = bleeds[at] if at < len(bleeds) else None
    for day, meets in zip(days[confirming + 1 :], met[confirming + 1 :], strict=True):
        if by_bleed is not None and (run_start or day) > by_bleed:
            break  # lost to the bleed before any two counts could say so
        if day <= confirmed_on:  # another count of the confirming day
            continue
        if meets:
            run_start = None
            continue
        run_start = run_start or day
        if day - run_start > datetime.timedelta(days=1):
            by_counts = run_start
            break
    found = [day for day in (by_counts, by_bleed) if day is not None]
    return min(found) if found else None


def in_words(result: CourseResponse) -> str:
    """The response for a patient: the level in plain words with its abbreviation, when it
    was reached (days from the start), and whether it lasted."""
    if result.best is Level.TOO_FEW:
        return _(
            "Not enough counts yet to tell whether it works (two, a week apart, after the start)."
        )
    if result.best is Level.NO_BASELINE:
        return _("No count from the start of this treatment, so a response (R) cannot be told.")
    if result.best is Level.NONE:
        return _("No response (NR) so far: counts have not reached 30 ×10⁹/L and double the start.")
    start = result.response_runs[0].first - datetime.timedelta(days=result.response_day)
    # Translators: `runs` says when: "from day 7, lost on 2 Aug 2026, reached again from day 60".
    # R, CR and NR are the International Working Group's abbreviations: keep them.
    response = _("Response (R: 30 ×10⁹/L or more and double the start) %(runs)s") % {
        "runs": _runs_in_words(result.response_runs, start)
    }
    if result.best is Level.COMPLETE:
        return _("%(response)s; complete response (CR: 100 ×10⁹/L or more) %(runs)s.") % {
            "response": response,
            "runs": _runs_in_words(result.complete_runs, start),
        }
    return _("%(response)s; no complete response (CR: 100 ×10⁹/L or more) yet.") % {
        "response": response
    }


def _runs_in_words(runs: tuple[Run, ...], start: datetime.date) -> str:
    """ "from day 7, lost on 2 Aug 2026, reached again from day 60"."""
    parts = []
    for number, run in enumerate(runs):
        day = {"day": (run.first - start).days}
        if number:
            parts.append(_("reached again from day %(day)s") % day)
        else:
            # Translators: days from the start of the treatment: "from day 7".
            parts.append(_("from day %(day)s") % day)
        if run.lost is not None:
            lost = formats.date_format(run.lost, "DATE_FORMAT")
            parts.append(_("lost on %(date)s") % {"date": lost})
    return ", ".join(parts)
