"""The trend chart as a plain Plotly figure dict, and the same trend in words.

A dict, not plotly.graph_objects: validating a figure object costs about 17 ms per 1,000 points
against 0.02 ms for the dict, and the page only needs the JSON. Tests check the dict against
Plotly's schema instead.

Counts sit on the main y axis; bleeding episodes on a thin strip below it sharing the time
axis; reference bands, the clinician's threshold and treatment courses are layout shapes.
The bands and the threshold are named in the legend (a label on the plot sat under the very
counts an ITP patient has); each treatment course carries its medicine's name at the top.
Shapes take no hover, so a course with logged doses also gets invisible strips along its
label's row, one per dose, that say on hover which dose was in force. Where a course reached
a response (R) or a complete response (CR), a star on the count line marks the first count.

The y axis fits the counts and the clinician's threshold, with room above for the treatment
labels: counts of 2 to 8 fill the plot instead of its bottom 2 %. The reference bands run off
its edge (Plotly clips them), and the legend says when one lies wholly above. The page asks
for a linear or a log scale (?scale=log) and gets a figure built for it. On a log scale every
tick is written in full (1, 2, 5, 10, 20, 50 …), and a count of 0, which a log scale cannot
show, sits at the axis floor with a marker of its own, explained in its hover and the legend.
The time axis runs from the first day shown to the end of the last, padded on both sides so
that a marker on today is drawn whole.

Hover text is sent once: each point's customdata holds indices into the figure's "strings",
which static/js/chart.js puts back before drawing, and the day comes from the point's x
through the hovertemplate. A 10-year record's figure is a quarter of the size it was with
strings on every point. "dark" maps each colour to the one chart.js draws with when the page
is in dark mode (prefers-color-scheme).

Plotly reads hover, legend and annotation text as a little HTML, so everything shown there
goes through _plain().
"""

import collections
import functools
import html
import itertools
import math
import textwrap
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import NamedTuple

import orjson
from django.utils import formats, timezone
from django.utils.dates import MONTHS, MONTHS_3, WEEKDAYS, WEEKDAYS_ABBR
from django.utils.translation import get_language, gettext, ngettext, pgettext
from django.utils.translation import gettext_lazy as _

from accounts.dates import short_date
from readings import stats
from readings.courses import Course
from readings.guidance import ITP_DEFINITION_BELOW, NORMAL_RANGE
from readings.models import (
    BleedingEpisode,
    BleedingKind,
    Dose,
    FirstAid,
    HowOften,
    PlateletReading,
    Severity,
    Treatment,
)
from readings.responses import COMPLETE_AT, RESPONSE_AT
from readings.units import Comparator, Unit, format_count, format_number

# Marker and line colours have at least 3:1 contrast against the white background (WCAG
# non-text contrast); each severity also has its own symbol, so colour is never the only cue.
COUNT_COLOUR = "#0B5394"
# A result that is a limit ("<10", ">1000") points the way the true count lies.
LIMIT_SYMBOLS = {
    Comparator.BELOW: "triangle-down",
    Comparator.AT_MOST: "triangle-down",
    Comparator.ABOVE: "triangle-up",
    Comparator.AT_LEAST: "triangle-up",
}
# What the legend says each of those markers means, in the order it lists them.
LIMIT_NAMES = {
    "triangle-down": _("Below the lab’s limit (<)"),
    "triangle-up": _("Above the lab’s limit (>)"),
}
# A count of 0 on a log scale, drawn at the axis floor.
ZERO_SYMBOL = "x"
ZERO_NAME = _("0, drawn at the foot of the log scale")
ZERO_NOTE = _("A log scale has no 0: drawn at its foot")  # a hover line, after <br>
NOT_RECORDED = _("Not recorded")
SEVERITY_STYLES = {  # severity -> (colour, symbol), mildest first; "" is not recorded
    Severity.NONE: ("#009E73", "circle-open"),
    Severity.MILD: ("#996600", "circle"),
    Severity.MODERATE: ("#D55E00", "diamond"),
    Severity.SEVERE: ("#B2182B", "triangle-up"),
    Severity.LIFE_THREATENING: ("#6C1D8F", "star"),
    "": ("#666666", "square-open"),
}
THRESHOLD_COLOUR = "#333333"
RESPONSE_COLOUR = "#117733"
TEXT_COLOUR = "#1A1A1A"
BACKGROUND = "#FFFFFF"
GRID_COLOUR = "#E4E4E7"
AXIS_COLOUR = "#A1A1AA"  # the axis lines and the zero line
NORMAL_FILL = "#1B7837"
ITP_FILL = "#CC6677"
TREATMENT_FILL = "#332288"
SHADE_OPACITY = 0.12  # faint enough for points and lines to stay readable on top
# Fainter still for treatment spans, which cross the reference bands: the bands stay legible.
TREATMENT_OPACITY = 0.06

# Each colour above as drawn in dark mode, against the dark background (static/css/app.css's
# dark --surface): markers and lines again at 3:1 or more, text at 4.5:1 or more, and the
# shades lighter, so that they still show at the same faint opacity.
DARK_COLOURS = {
    BACKGROUND: "#1C1C1F",
    TEXT_COLOUR: "#F4F4F5",
    GRID_COLOUR: "#3F3F46",
    AXIS_COLOUR: "#71717A",
    COUNT_COLOUR: "#8AB4F8",
    THRESHOLD_COLOUR: "#D4D4D8",
    RESPONSE_COLOUR: "#4ADE80",
    NORMAL_FILL: "#4ADE80",
    ITP_FILL: "#F7A8B8",
    TREATMENT_FILL: "#B4A7FF",
    "#009E73": "#3DDC97",
    "#996600": "#E0B03C",
    "#D55E00": "#FF8A3D",
    "#B2182B": "#FF6B7F",
    "#6C1D8F": "#D29BFF",
    "#666666": "#A1A1AA",
}

COUNTS_DOMAIN = [0.2, 1]
BLEEDS_DOMAIN = [0, 0.14]
# Treatment labels alternate between two rows this far apart (a fraction of the plot's height,
# about a line of 11 px text); a course's dose strips fill its label's row.
LABEL_ROW = 0.06
# The axis the dose strips are drawn on: hidden, over the counts, and reading as the paper does
# (0.94 on it is 0.94 of the plot's height), so the strips line up with the labels.
STRIPS_AXIS = {"overlaying": "y", "range": COUNTS_DOMAIN, "fixedrange": True, "visible": False}

# The highest value shown sits this far up the counts' plot: above it, room for two rows of
# treatment labels and the R/CR marks over the stars (a row less of the plot for each row of
# labels beyond two).
FILLED = 0.8
# The axis reaches at least this (×10⁹/L), so that counts of 0 alone still have an axis; with
# nothing to fit at all, it shows the ITP band.
LEAST_TOP = Decimal(10)
# In decades: far below a pixel, far above a rounding step of a float's logarithm.
LOG_FLOOR_MARGIN = 1e-9
# On a log scale the floor sits this many times below the lowest count above 0 (where a 0 is
# drawn), and the axis spans at least a tenfold.
LOG_FLOOR_BELOW = 2
# The time axis reaches this fraction of its length beyond the first and the last day, so that
# a marker on either is drawn whole: 14 px on a 360 px phone, where the widest bleed marker (a
# star) reaches 9.3 px either side of a bleed at 23:59 (measured; 3% cut it at a late hour).
X_PADDING = 0.05
# Plotly never wraps a legend entry: a longer one than this (in characters) runs off the chart
# of a 360 px phone ("Rango normal 150–450 (NHLBI), por encima del gráfi"), so it is broken
# into lines at spaces.
LEGEND_LINE = 42
# A treatment label that would start further right than this (a fraction of the width) could
# run off the plot's right edge ("Romiplos"): it ends at its span's end instead.
LABEL_FLIP = 0.6
# Labels are planned not to overlap on a phone, where the plot is about this wide (px) and a
# character of 11 px text at most about this wide (measured: 7.2 on average for names in
# capitals and small letters); a longer name is cut at a word, whole on hover. Courses that
# would cover each other take further rows, up to MAX_LABEL_ROWS, and the counts make room.
PHONE_PLOT_PX = 300
LABEL_CHAR_PX = 7.5
LABEL_CHARS = 18
MAX_LABEL_ROWS = 4

# Hover rows are [time, headline, details], each an index into the figure's "strings"; the
# time is ", 09:15" or empty, details starts with <br> when there are any. The day is written
# by Plotly in the page's language: the figure's "locale" (plotly_locale) names its months.
_HOVER = "%{x|%-d %b %Y}%{customdata[0]}<br><b>%{customdata[1]}</b>%{customdata[2]}<extra></extra>"


class _Point(NamedTuple):
    x: str
    y: float | int
    hover: list[str]


# --- Small pieces -------------------------------------------------------------------------------


def _plain(text: str) -> str:
    # Plotly decodes &amp; &lt; &gt; but not &quot;, and quotes are harmless once no tag
    # can start, so leave them as they are. str(): a lazy translation becomes its words.
    return html.escape(str(text), quote=False)


def _in_unit(value: Decimal | int, unit: Unit) -> float | int:
    # Counts have at most 3 decimal places in ×10⁹/L, so per µL they are whole numbers; a
    # whole number is sent as one ("45", not "45.0": 3,650 points of a 10-year chart).
    if unit is Unit.PER_UL:
        return int(value * 1000)
    return int(value) if value % 1 == 0 else float(value)


def day_label(day: date) -> str:
    """ "29 Nov 2026" ("29 nov 2026" in Spanish): the active language's DATE_FORMAT."""
    return _day_label(day, get_language())


# Django's date_format takes some 10 µs a call: each day is written out once per language.
@functools.lru_cache(maxsize=4096)
def _day_label(day: date, language: str | None) -> str:
    return short_date(day)


def _when(moment: datetime | None, day: date) -> tuple[str, str]:
    """The x value for something on `day`, at `moment` if known, and the time that the hover
    shows after the day (which it reads from x): ", 09:15", or nothing."""
    return (day.isoformat(), "") if moment is None else _at(moment)


def _at(moment: datetime) -> tuple[str, str]:
    # Plotly ignores time zones, so give it the wall-clock time in the patient's zone.
    local = timezone.localtime(moment).replace(tzinfo=None)
    return local.isoformat(timespec="minutes"), f", {local:%H:%M}"


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min)


def _details(*pairs: tuple[str, str]) -> str:
    # Translators: a line of a chart point's hover text, like "Lab: City Hospital".
    line = gettext("%(label)s: %(value)s")
    return "".join(
        "<br>" + line % {"label": label, "value": _plain(value)} for label, value in pairs if value
    )


def _between(day: date, start: date | None, end: date | None) -> bool:
    return (start is None or start <= day) and (end is None or day <= end)


def _day_after(day: date) -> str:
    # The axis reads a date as its midnight; ending at the next midnight covers the last day
    # in full (its timed counts, and a visible width for a one-day course).
    return (day + timedelta(days=1)).isoformat()


def _scatter(name: str, points: list[_Point], **style) -> dict:
    return {
        "type": "scatter",
        "name": name,
        "x": [point.x for point in points],
        "y": [point.y for point in points],
        "customdata": [point.hover for point in points],
        "hovertemplate": _HOVER,
        **style,
    }


def _annotation(text: str, **position) -> dict:
    return {"text": _plain(text), "showarrow": False, "font": {"size": 11}, **position}


def _across(y0: float | int, y1: float | int) -> dict:
    """Where a shape spanning the plot's width between two counts sits."""
    return {"xref": "paper", "x0": 0, "x1": 1, "yref": "y", "y0": y0, "y1": y1}


def _shaded(fill: str, **where) -> dict:
    return {
        "type": "rect",
        "fillcolor": fill,
        "opacity": SHADE_OPACITY,
        "line": {"width": 0},
        "layer": "below",
        **where,
    }


def _in_legend(shape: dict, name: str) -> dict:
    return {**shape, "showlegend": True, "name": _plain(name)}


# --- Traces -------------------------------------------------------------------------------------


# A record repeats its counts (and labs and notes, _count_trace): each is written out once (a
# 10-year chart's 3,650 points took 7 µs each to write out).
def _count_words(count: Decimal, comparator: str, unit: Unit) -> str:
    return _count_words_in(count, comparator, unit, get_language())


@functools.lru_cache(maxsize=4096)
def _count_words_in(count: Decimal, comparator: str, unit: Unit, language: str | None) -> str:
    return _plain(format_count(count, unit, comparator))


def _count_point(reading: PlateletReading, unit: Unit, axis: "_YAxis", details: str = "") -> _Point:
    """`details`: the hover's lines under the count (HTML)."""
    x, time_of_day = _when(reading.drawn_at, reading.drawn_on)
    shown = _count_words(reading.count, reading.comparator, unit)
    y = _in_unit(reading.count, unit)
    if y == 0 and axis.zero_at is not None:
        y, details = axis.zero_at, f"<br>{_plain(ZERO_NOTE)}{details}"
    return _Point(x, y, [time_of_day, shown, details])


def _symbol(reading: PlateletReading, axis: "_YAxis") -> str:
    if reading.count == 0 and axis.zero_at is not None:
        return ZERO_SYMBOL
    return LIMIT_SYMBOLS.get(reading.comparator, "circle")


def _count_trace(
    readings: list[PlateletReading], unit: Unit, axis: "_YAxis", notes: dict | None = None
) -> dict:
    """`notes`: more hover lines (HTML) for some counts, by reading pk."""
    notes = notes or {}
    written: dict[tuple[str, str], str] = {}  # each lab and note written out once

    def details(reading: PlateletReading) -> str:
        key = (reading.lab, reading.note)
        if key not in written:
            written[key] = _details((gettext("Lab"), reading.lab), (gettext("Note"), reading.note))
        return written[key] + notes.get(reading.pk, "")

    symbols = [_symbol(reading, axis) for reading in readings]
    return _scatter(
        gettext("Platelet count"),
        [_count_point(reading, unit, axis, details(reading)) for reading in readings],
        mode="lines+markers",
        yaxis="y",
        # A marker on the axis floor (a 0) or at the top is drawn whole, over the axis line.
        cliponaxis=False,
        line={"color": COUNT_COLOUR, "width": 2},
        # One symbol for all, unless some differ: a list of 3,650 "circle"s is 36 KB.
        marker={"color": COUNT_COLOUR, "size": 8, "symbol": _one_or_each(symbols)},
    )


def _one_or_each(values: list):
    return values[0] if values and len(set(values)) == 1 else values


def _marker_key(symbols: Iterable[str]) -> list[dict]:
    """A legend entry for each marker of the count line that is not a plain dot: "<", ">" and
    a 0 on a log scale. Plotly leaves a trace without points out of the legend, so each gets
    one point that is never drawn."""
    names = {**LIMIT_NAMES, ZERO_SYMBOL: ZERO_NAME}
    return [
        {
            "type": "scatter",
            "name": _plain(names[symbol]),
            "x": [None],
            "y": [None],
            "yaxis": "y",
            "mode": "markers",
            "marker": {"color": COUNT_COLOUR, "size": 8, "symbol": symbol},
            "hoverinfo": "skip",
        }
        for symbol in names
        if symbol in symbols
    ]


def _duration(minutes: int | None) -> str:
    if minutes is None:
        return ""
    hours, minutes = divmod(minutes, 60)
    if not hours:
        # Translators: how long a bleed lasted, on the chart: "20 min".
        return gettext("%(minutes)s min") % {"minutes": minutes}
    if not minutes:
        # Translators: how long a bleed lasted, on the chart: "2 h".
        return gettext("%(hours)s h") % {"hours": hours}
    # Translators: how long a bleed lasted, on the chart: "1 h 30 min".
    return gettext("%(hours)s h %(minutes)s min") % {"hours": hours, "minutes": minutes}


def _severity_label(severity: str) -> str:
    return str(Severity(severity).label if severity else NOT_RECORDED)


# The words for a bleed's choices, looked up once a figure, in its language: Django's
# get_FOO_display() takes some 10 µs a call, 5 ms for the 500 bleeds of a 10-year chart.
def _choice_words(choices) -> dict[str, str]:
    return {value: str(label) for value, label in choices}


def _episode_point(episode: BleedingEpisode, severity_label: str, words: dict) -> _Point:
    x, time_of_day = _at(episode.started_at)
    kinds, first_aid = words["kinds"], words["first_aid"]
    details = _details(
        (words["Severity"], severity_label),
        (words["Where"], episode.body_site),
        (words["First aid"], first_aid.get(episode.first_aid, episode.first_aid)),
        (words["Lasted"], _duration(episode.duration_minutes)),
        (words["Note"], episode.note),
    )
    return _Point(x, 0, [time_of_day, _plain(kinds.get(episode.kind, episode.kind)), details])


def _episode_traces(episodes: list[BleedingEpisode]) -> list[dict]:
    """One trace per severity present, so the legend explains each colour and symbol."""
    words = {
        "kinds": _choice_words(BleedingKind.choices),
        "first_aid": _choice_words(FirstAid.choices),
        "Severity": gettext("Severity"),
        # Translators: where on the body a bleed was, in the chart's hover text.
        "Where": gettext("Where"),
        "First aid": gettext("First aid"),
        # Translators: how long a bleed lasted, in the chart's hover text.
        "Lasted": gettext("Lasted"),
        "Note": gettext("Note"),
    }
    traces = []
    for severity, (colour, symbol) in SEVERITY_STYLES.items():
        label = _severity_label(severity)
        points = [_episode_point(e, label, words) for e in episodes if e.severity == severity]
        if points:
            traces.append(
                _scatter(
                    # Translators: a legend entry of the chart: "Bleed: Moderate".
                    gettext("Bleed: %(severity)s") % {"severity": label},
                    points,
                    mode="markers",
                    yaxis="y2",
                    marker={
                        "color": colour,
                        "symbol": symbol,
                        "size": 11,
                        "line": {"color": colour, "width": 2},
                    },
                )
            )
    return traces


# --- The axes -----------------------------------------------------------------------------------


LINEAR, LOG = "linear", "log"


class _YAxis(NamedTuple):
    """The counts' axis, in the patient's unit."""

    layout: dict  # Plotly's yaxis settings: type, range, ticks
    bottom: float | int
    top: float | int

    @property
    def zero_at(self) -> float | None:
        """Where a count of 0 is drawn when the scale cannot show it: a log scale's floor."""
        return self.bottom if self.layout["type"] == LOG else None


def _y_axis(values: list, scale: str, unit: Unit, label_rows: int = 2) -> _YAxis:
    """An axis from 0 (linear) or just under the lowest value above 0 (log) to where the highest
    value sits FILLED of the way up (less with more than two rows of labels). `values`: the
    counts and the threshold, in `unit`."""
    filled = FILLED - LABEL_ROW * max(label_rows - 2, 0)
    least = _in_unit(LEAST_TOP if values else ITP_DEFINITION_BELOW, unit)
    highest = max([*values, least])
    if scale != LOG:
        top = _rounded(highest / filled)
        return _YAxis({"type": LINEAR, "range": [0, top], "tickformat": ","}, 0, top)
    floor = min((value for value in values if value > 0), default=least) / LOG_FLOOR_BELOW
    low, high = math.log10(floor), math.log10(highest)
    top = max(low + (high - low) / filled, low + 1)
    ticks = _log_ticks(floor, 10**top)
    if 0 in values:  # the floor stands for 0: no tick there says otherwise
        ticks = [tick for tick in ticks if tick > floor]
    layout = {
        "type": LOG,
        # In logs, as Plotly takes a log axis's range. A 0 is drawn at the floor: the range
        # starts a hair below it, as Plotly's log (Math.log(v) / Math.LN10) can come out one
        # step under Python's log10 and would hide a point it finds below the axis.
        "range": [low - LOG_FLOOR_MARGIN, _rounded(top)],
        "tickvals": [_number(tick) for tick in ticks],
        "ticktext": [_tick_text(tick) for tick in ticks],
    }
    return _YAxis(layout, floor, 10**top)


def _log_ticks(low: float, high: float) -> list[Decimal]:
    """1, 2, 5, 10, 20, 50, 100 … between `low` and `high`; beyond four tenfolds only 1, 10, 100
    …, so that the labels do not crowd."""
    steps = (1, 2, 5) if high / low <= 10**4 else (1,)
    first, last = math.floor(math.log10(low)), math.ceil(math.log10(high))
    ticks = (Decimal(step).scaleb(power) for power in range(first, last + 1) for step in steps)
    return [tick.normalize() for tick in ticks if low <= tick <= high]


def _tick_text(tick: Decimal) -> str:
    """A log tick written in full in the page's language: "1,000" and "0.5" ("1.000", "0,5")."""
    return formats.number_format(tick, use_l10n=True, force_grouping=True)


def _number(value: Decimal) -> int | float:
    return int(value) if value % 1 == 0 else float(value)


def _rounded(value: float) -> float:
    return round(value, 4)


class _XAxis(NamedTuple):
    """The time axis: from the first day shown to the end of the last, padded (X_PADDING)."""

    start: datetime
    end: datetime

    @classmethod
    def over(cls, first: date, last: date) -> "_XAxis":
        start, end = _midnight(first), _midnight(last + timedelta(days=1))
        padding = (end - start) * X_PADDING
        return cls(start - padding, end + padding)

    @property
    def range(self) -> list[str]:
        return [moment.isoformat(timespec="minutes") for moment in self]

    def fraction(self, day: date) -> float:
        """How far across the axis `day` starts: 0 at the left edge, 1 at the right."""
        return (_midnight(day) - self.start) / (self.end - self.start)


# --- Shapes, each named in the legend or labelled ----------------------------------------------


def _band(low: float | int, high: float | int, fill: str, name: str, axis: _YAxis) -> dict:
    """A band from `low` to `high` (in the unit) that runs off the axis where it reaches beyond;
    the legend says when it lies wholly above."""
    if low >= axis.top:
        # Translators: a reference band's legend entry when the band lies above the chart's top.
        name = gettext("%(band)s, off the top") % {"band": name}
    return _in_legend(_shaded(fill, **_across(low, high)), name)


def _reference_bands(unit: Unit, axis: _YAxis) -> list[dict]:
    low, high = NORMAL_RANGE
    # No unit in the legend's names (the axis title gives it): short enough for two entries
    # to a row on a phone.
    normal = gettext("Normal range %(low)s–%(high)s (NHLBI)") % {
        "low": format_number(low, unit),
        "high": format_number(high, unit),
    }
    # Part of the definition of ITP, not a treatment threshold: guidance.ITP_DEFINITION calls
    # it "the ITP band", and "threshold" stays the word for the clinician's own line.
    itp = gettext("ITP band <%(limit)s (IWG)") % {
        "limit": format_number(ITP_DEFINITION_BELOW, unit)
    }
    # From 0; a log scale has no 0, so there from a tenth of its floor, off the bottom edge.
    itp_from = 0 if axis.zero_at is None else axis.bottom / 10
    return [
        _band(_in_unit(low, unit), _in_unit(high, unit), NORMAL_FILL, normal, axis),
        _band(itp_from, _in_unit(ITP_DEFINITION_BELOW, unit), ITP_FILL, itp, axis),
    ]


def _threshold_line(threshold: int, unit: Unit) -> dict:
    y = _in_unit(threshold, unit)
    style = {"color": THRESHOLD_COLOUR, "width": 2, "dash": "dash"}
    line = {"type": "line", **_across(y, y), "line": style}
    label = _threshold_name() % {"threshold": format_number(Decimal(threshold), unit)}
    return _in_legend(line, label)


def _threshold_name() -> str:
    # Translators: the legend entry of the dashed line at the clinician's alert threshold.
    return gettext("Your clinician's threshold: %(threshold)s")


def _plain_name(treatment: Treatment) -> str:
    """ "Steroids", of "Steroids (prednisone, dexamethasone)": the name before its explanation."""
    return treatment.name.partition(" (")[0]


def _short_name(treatment: Treatment) -> str:
    # On the plot, a long name would cover its neighbours on a phone: at most LABEL_CHARS of
    # the plain name there, the whole name on hover.
    name = _plain_name(treatment)
    if len(name) <= LABEL_CHARS:
        return name
    head = name[: LABEL_CHARS - 1]
    if name[LABEL_CHARS - 1] != " " and " " in head:  # a word cut through: drop it
        head = head.rsplit(" ", 1)[0]
    return f"{head.rstrip(' ,;:-')}…"


def _dose_in_force(treatment: Treatment, dose: Dose | None, first_logged: date) -> str:
    """ "50 mg every day from 3 Mar 2026"; before the first dose entry, the course's own dose
    as typed, if any."""
    if dose is None:
        return treatment.dose or gettext("no dose logged before %(day)s") % {
            "day": day_label(first_logged)
        }
    words = {"dose": dose.in_words, "day": day_label(dose.given_on)}
    if dose.how_often == HowOften.ONCE:
        # Translators: a single dose and its day, on the chart: "1 g on 3 Mar 2026".
        return gettext("%(dose)s on %(day)s") % words
    # Translators: a dose in force since a day, on the chart: "50 mg every day from 3 Mar 2026".
    return gettext("%(dose)s from %(day)s") % words


def _dose_periods(
    doses: Iterable[Dose], first: date, last: date
) -> list[tuple[date, date, Dose | None]]:
    """The days `first` to `last` split by the dose in force, as (from, to, dose): the latest
    dose entry on or before the day, None before the first. Of two entries on one day the
    newer counts (the one listed first, as in Course.doses); a dose entered again unchanged
    (a weekly injection) carries on the same period."""
    # Newest first, a stable sort keeping the newer of one day's entries first; then reversed.
    newest_first = sorted(stats.live(doses), key=lambda dose: dose.given_on, reverse=True)
    oldest_first = newest_first[::-1]
    in_force = None
    for dose in oldest_first:
        if dose.given_on <= first:
            in_force = dose
    periods = [(first, in_force)]
    for dose in oldest_first:
        if not first < dose.given_on <= last:
            continue
        since, current = periods[-1]
        if dose.given_on == since:
            periods[-1] = (since, dose)
        elif current is None or dose.in_words != current.in_words:
            periods.append((dose.given_on, dose))
    ends = [since - timedelta(days=1) for since, _ in periods[1:]] + [last]
    return [(since, end, dose) for (since, dose), end in zip(periods, ends, strict=True)]


def _dose_strip(text: str, since: date, end: date, top: float) -> dict:
    """An invisible box over `since` to `end` along a label row that gives `text` on hover
    (Plotly shows a filled area's `text` anywhere inside it)."""
    x0, x1, bottom = since.isoformat(), _day_after(end), top - LABEL_ROW
    return {
        "type": "scatter",
        "name": gettext("Dose"),
        "x": [x0, x1, x1, x0, x0],
        "y": [bottom, bottom, top, top, bottom],
        "yaxis": "y3",
        "mode": "lines",
        "fill": "toself",
        "fillcolor": "rgba(0,0,0,0)",
        "line": {"width": 0, "color": TREATMENT_FILL},  # the hover label's colour
        "hoveron": "fills",
        "hoverinfo": "text",
        "text": _plain(text),
        "showlegend": False,
    }


class _Span(NamedTuple):
    shape: dict
    label: dict
    strips: list[dict]  # the dose in force, on hover; none for a course without doses
    row: int  # of the labels, 0 at the top


def _treatment_span(
    treatment: Treatment,
    start: date,
    last_day: date,
    row: int,
    x_axis: _XAxis,
    doses: Iterable[Dose] = (),
) -> _Span:
    x0, x1 = start.isoformat(), _day_after(last_day)
    shape = _shaded(TREATMENT_FILL, xref="x", x0=x0, x1=x1, yref="paper", y0=0, y1=1)
    shape["opacity"] = TREATMENT_OPACITY
    top = 1 - LABEL_ROW * row
    flipped = _flipped(start, x_axis)
    hover = _plain(treatment.name)
    strips = []
    logged = stats.live(doses)
    if logged:
        first_logged = min(dose.given_on for dose in logged)
        periods = _dose_periods(logged, start, last_day)
        for since, end, dose in periods:
            words = _dose_in_force(treatment, dose, first_logged)
            strips.append(_dose_strip(f"{_plain_name(treatment)} · {words}", since, end, top))
        # The label covers one end of its row: it gives the dose in force there too.
        _, _, dose_there = periods[-1] if flipped else periods[0]
        hover += f"<br>{_plain(_dose_in_force(treatment, dose_there, first_logged))}"
    label = _annotation(
        _short_name(treatment),
        hovertext=hover,
        xref="x",
        x=x1 if flipped else x0,
        xanchor="right" if flipped else "left",
        yref="paper",
        y=top,
        yanchor="top",
    )
    return _Span(shape, label, strips, row)


def _treatment_spans(
    treatments: list[Treatment],
    start: date | None,
    end: date,
    x_axis: _XAxis | None,
    doses: dict,
) -> list[_Span]:
    """The live `treatments` (oldest first) clipped to the days from `start` to `end`;
    `doses`: each course's dose entries by its pk."""
    shown = []
    for treatment in treatments:
        first = max(treatment.started_on, start or date.min)
        # A planned end is drawn up to the last day shown: the axis never runs into the future.
        last = min(treatment.ended_on or end, end)
        if first <= last:  # else wholly outside the range, or not started yet
            shown.append((treatment, first, last, stats.live(doses.get(treatment.pk, ()))))
    extents = [_label_extent(t, first, last, x_axis, bool(d)) for t, first, last, d in shown]
    return [
        _treatment_span(treatment, first, last, row, x_axis, logged)
        for (treatment, first, last, logged), row in zip(shown, _label_rows(extents), strict=True)
    ]


def _flipped(start: date, x_axis: _XAxis) -> bool:
    """Whether a span's label ends where the span ends (it starts near the right edge)."""
    return x_axis.fraction(start) > LABEL_FLIP


def _label_extent(
    treatment: Treatment, first: date, last: date, x_axis: _XAxis, has_doses: bool
) -> tuple[float, float]:
    """How much of a label row (fractions of the width, from and to) a span takes on a phone:
    its label, and with doses its strips from end to end."""
    width = len(_short_name(treatment)) * LABEL_CHAR_PX / PHONE_PLOT_PX
    since, until = x_axis.fraction(first), x_axis.fraction(last + timedelta(days=1))
    label = (until - width, until) if _flipped(first, x_axis) else (since, since + width)
    if has_doses:
        return min(label[0], since), max(label[1], until)
    return label


def _label_rows(extents: list[tuple[float, float]]) -> list[int]:
    """A row (0 at the top) for each of the spans' `extents`, in their order: the first row
    whose spans so far end before this one starts, so that no two labels (nor dose strips)
    cover each other; with none of MAX_LABEL_ROWS free (five courses at once), the row freed
    soonest."""
    ends = [float("-inf")] * MAX_LABEL_ROWS
    rows = []
    for since, until in extents:
        free = [row for row, end in enumerate(ends) if end < since]
        row = free[0] if free else min(range(MAX_LABEL_ROWS), key=ends.__getitem__)
        ends[row] = max(ends[row], until)
        rows.append(row)
    return rows


# --- Where a course reached a response ----------------------------------------------------------


class _Reached(NamedTuple):
    reading: PlateletReading  # the first count of the confirmed run
    headline: str  # "R reached (Eltrombopag)"
    details: str  # hover lines: the terms in plain words
    label: str  # beside the star: "R" or "CR"


def _response_terms(unit: Unit) -> dict[str, str]:
    """The IWG terms in plain words, in the patient's unit (readings.responses)."""
    response, complete = format_count(RESPONSE_AT, unit), format_count(COMPLETE_AT, unit)
    return {
        "R": gettext(
            "Response (R): %(count)s or more and double the count at the start, "
            "on two counts a week apart"
        )
        % {"count": response},
        "CR": gettext("Complete response (CR): %(count)s or more, on two counts a week apart")
        % {"count": complete},
    }


def _level_names() -> dict[str, str]:
    """The levels as the chart writes them beside a star and in its hover."""
    return {
        # Translators: the abbreviation of "response" (IWG), beside a star on the chart.
        "R": pgettext("response level", "R"),
        # Translators: the abbreviation of "complete response" (IWG), beside a star on the chart.
        "CR": pgettext("response level", "CR"),
    }


def _reached_words(levels: list[str], treatment: Treatment) -> str:
    """ "R reached (Eltrombopag)", "R and CR reached (Eltrombopag)"."""
    names = _level_names()
    if len(levels) == 1:
        shown = names[levels[0]]
    else:
        # Translators: both response levels reached on one count: "R and CR".
        shown = gettext("%(first)s and %(second)s") % {
            "first": names[levels[0]],
            "second": names[levels[1]],
        }
    # Translators: a star's hover on the chart: "R reached (Eltrombopag)".
    return gettext("%(levels)s reached (%(treatment)s)") % {
        "levels": shown,
        "treatment": _plain_name(treatment),
    }


def _reached_days(course: Course) -> list[tuple[date, list[str]]]:
    """(day, levels) where the course's confirmed responses began: R, CR, or both at once."""
    result, start = course.response, course.treatment.started_on
    days: dict[date, list[str]] = {}
    for level, day in (("R", result.response_day), ("CR", result.complete_day)):
        if day is not None:
            days.setdefault(start + timedelta(days=day), []).append(level)
    return list(days.items())


def _responses_reached(
    courses: Iterable[Course], counts: list[PlateletReading], unit: Unit
) -> list[_Reached]:
    """Where each course's R and CR began, on that day's count among `counts` (the highest, if
    there are more): a day outside the chart's range has none, so it is left out."""
    by_day: dict[date, list[PlateletReading]] = {}
    for reading in counts:
        by_day.setdefault(reading.drawn_on, []).append(reading)
    terms = _response_terms(unit)
    # Courses that reached a level on the same count share one star, which names them all.
    on_count: dict[int, tuple[PlateletReading, list[str], list[str]]] = {}
    for course in courses:
        if course.treatment.deleted_at is not None:
            continue
        for day, levels in _reached_days(course):
            if day in by_day:
                reading = max(by_day[day], key=stats.by_count)
                _, headlines, all_levels = on_count.setdefault(id(reading), (reading, [], []))
                headlines.append(_reached_words(levels, course.treatment))
                all_levels.extend(level for level in levels if level not in all_levels)
    reached = []
    for reading, headlines, levels in on_count.values():
        levels.sort(key=["R", "CR"].index)
        details = "".join(f"<br>{_plain(terms[level])}" for level in levels)
        # Beside the star, the higher level reached there: CR is a response too.
        label = _level_names()[levels[-1]]
        reached.append(_Reached(reading, _plain("; ".join(headlines)), details, label))
    return reached


def _response_trace(reached: list[_Reached], unit: Unit, axis: _YAxis) -> list[dict]:
    """A star on each count where a response began, with one legend entry for them all."""
    if not reached:
        return []
    points = []
    for found in reached:
        x, y, (time_of_day, shown, _) = _count_point(found.reading, unit, axis)
        count = gettext("Count: %(count)s") % {"count": shown}
        details = f"<br>{count}{found.details}"
        points.append(_Point(x, y, [time_of_day, found.headline, details]))
    return [
        _scatter(
            gettext("Response reached (R, CR)"),
            points,
            mode="markers+text",
            yaxis="y",
            text=[found.label for found in reached],
            textposition="top center",
            textfont={"color": RESPONSE_COLOUR, "size": 11},
            cliponaxis=False,
            marker={
                "color": RESPONSE_COLOUR,
                "symbol": "star",
                "size": 15,
                "line": {"color": BACKGROUND, "width": 1},
            },
        )
    ]


# --- What the page asks for ---------------------------------------------------------------------


@dataclass(frozen=True)
class ChartRange:
    """A period the chart can show (?range=3m)."""

    slug: str
    label: str
    months: int | None  # None: everything

    def start(self, today: date) -> date | None:
        return None if self.months is None else stats.add_months(today, -self.months)


RANGES = (
    ChartRange("3m", _("3 months"), 3),
    ChartRange("6m", _("6 months"), 6),
    ChartRange("1y", _("1 year"), 12),
    ChartRange("all", _("All time"), None),
)
DEFAULT_RANGE = RANGES[1]
# The scales the chart can use (?scale=log), by their Plotly axis type, with their link's words.
SCALES = {
    LINEAR: _("Linear"),
    # Translators: the chart's logarithmic scale, a link beside "Linear".
    LOG: _("Log"),
}


def chart_range(slug: str | None) -> ChartRange:
    return next((r for r in RANGES if r.slug == slug), DEFAULT_RANGE)


class Choice(NamedTuple):
    """One of the links that change the chart: its words, the query of the page it leads to
    ("range=1y&scale=log") and whether it is the view shown."""

    slug: str
    label: str
    query: str
    current: bool


@dataclass(frozen=True)
class ChartView:
    """What the chart shows: a period and a scale, both in the page's address (?range=1y,
    ?range=1y&scale=log): a view can be bookmarked, and works the same without JavaScript
    (the server draws the figure on the scale asked for)."""

    range: ChartRange
    scale: str = LINEAR

    @property
    def query(self) -> str:
        """The address's query for this view; the linear scale, the default, goes unsaid."""
        scale = "" if self.scale == LINEAR else f"&scale={self.scale}"
        return f"range={self.range.slug}{scale}"

    @property
    def ranges(self) -> list[Choice]:
        """A link to each period on this scale."""
        return [
            Choice(r.slug, r.label, ChartView(r, self.scale).query, r == self.range) for r in RANGES
        ]

    @property
    def scales(self) -> list[Choice]:
        """A link to each scale for this period."""
        return [
            Choice(slug, label, ChartView(self.range, slug).query, slug == self.scale)
            for slug, label in SCALES.items()
        ]

    @property
    def controls(self) -> list[tuple[str, str, list[Choice]]]:
        """The page's two groups of links: (name in ids, visible label, links)."""
        return [("range", gettext("Period"), self.ranges), ("scale", gettext("Scale"), self.scales)]


def chart_view(range_slug: str | None, scale: str | None) -> ChartView:
    """The view a page's query asks for; anything unknown gets the default."""
    return ChartView(chart_range(range_slug), scale if scale in SCALES else LINEAR)


# --- The figure ---------------------------------------------------------------------------------


def _layout(
    unit: Unit, axis: _YAxis, shapes: list[dict], labels: list[dict], x_axis: _XAxis | None
) -> dict:
    lines = {"gridcolor": GRID_COLOUR, "linecolor": AXIS_COLOUR, "zerolinecolor": AXIS_COLOUR}
    xaxis = {"type": "date", "anchor": "y2", **lines}
    if x_axis:
        xaxis["range"] = x_axis.range
    return {
        "font": {"family": "system-ui, sans-serif", "size": 12, "color": TEXT_COLOUR},
        "paper_bgcolor": BACKGROUND,
        "plot_bgcolor": BACKGROUND,
        "margin": {"l": 48, "r": 8, "t": 12, "b": 32},
        "legend": {"orientation": "h"},
        "hovermode": "closest",
        "hoverlabel": {"align": "left"},
        "xaxis": xaxis,
        "yaxis": {
            "domain": COUNTS_DOMAIN,
            "title": {"text": str(unit.label)},
            "automargin": True,  # room for "100,000" per µL
            **axis.layout,
            **lines,
        },
        "yaxis2": {
            "domain": BLEEDS_DOMAIN,
            # Translators: the title of the chart's strip of bleeding episodes.
            "title": {"text": gettext("Bleeds")},
            "range": [-1, 1],
            "fixedrange": True,
            "showticklabels": False,
            "showgrid": False,
            "zeroline": False,
        },
        "shapes": shapes,
        "annotations": labels,
    }


def _first_day(counts: list, bleed_days: list[date], treatments: list[Treatment], last: date):
    """The first day with something to draw on or before `last`, or None."""
    days = [*(r.drawn_on for r in counts[:1]), *bleed_days]
    days += [t.started_on for t in treatments if t.started_on <= last]
    return min(days, default=None)


def _share_strings(data: list[dict]) -> list[str]:
    """Each hover string once: the customdata rows of `data` become indices into the list
    returned (a lab's name or "45 ×10⁹/L" repeats on hundreds of points)."""
    # A new string takes the next number as it is first looked up.
    index: dict[str, int] = collections.defaultdict(itertools.count().__next__)
    for trace in data:
        if "customdata" in trace:
            trace["customdata"] = [[index[text] for text in row] for row in trace["customdata"]]
    return list(index)


def build_figure(
    readings: Iterable[PlateletReading],
    episodes: Iterable[BleedingEpisode],
    treatments: Iterable[Treatment],
    *,
    unit: Unit,
    threshold: int | None,
    range_start: date | None = None,
    range_end: date | None = None,
    today: date,
    courses: Iterable[Course] = (),
    scale: str = LINEAR,
) -> dict:
    """The figure for the entries between the dates, inclusive: Plotly's "data" and "layout",
    with "strings", the hover text that customdata points to, and "dark", the colours to
    draw with in dark mode (static/js/chart.js uses both).

    `unit` is the patient's preferred unit (a Unit or its value); `threshold` their
    clinician's, in ×10⁹/L; `scale` LINEAR or LOG. The time axis runs from `range_start` (or
    the first entry) to `range_end` (or today). `courses` (readings.courses) give the
    treatments' doses and where each reached a response; a treatment without one is drawn
    without them.
    """
    courses = list(courses)
    unit = Unit(unit)
    counts = [
        r for r in stats.chronological(readings) if _between(r.drawn_on, range_start, range_end)
    ]
    bleeds, bleed_days = [], []
    for episode in stats.live(episodes):
        day = timezone.localdate(episode.started_at)
        if _between(day, range_start, range_end):
            bleeds.append(episode)
            bleed_days.append(day)
    last_day = min(range_end or today, today)
    live_treatments = sorted(stats.live(treatments), key=lambda t: t.started_on)
    first_day = range_start or _first_day(counts, bleed_days, live_treatments, last_day)
    x_axis = _XAxis.over(first_day, last_day) if first_day else None

    doses = {course.treatment.pk: course.doses for course in courses}
    spans = _treatment_spans(live_treatments, range_start, last_day, x_axis, doses)
    values = [_in_unit(reading.count, unit) for reading in counts]
    if threshold is not None:
        values.append(_in_unit(threshold, unit))
    axis = _y_axis(values, scale, unit, max((span.row for span in spans), default=0) + 1)
    shapes = _reference_bands(unit, axis)
    if threshold is not None:
        shapes.append(_threshold_line(threshold, unit))
    reached = _responses_reached(courses, counts, unit)
    # Plotly gives the hover to the count under a star over most of the star: it says the same.
    notes: dict = {}
    for found in reached:
        pk = found.reading.pk
        notes[pk] = f"{notes.get(pk, '')}<br>{found.headline}{found.details}"
    strips = [strip for span in spans for strip in span.strips]
    layout = _layout(
        unit,
        axis,
        [*shapes, *(span.shape for span in spans)],
        [span.label for span in spans],
        x_axis,
    )
    if strips:
        layout["yaxis3"] = {**STRIPS_AXIS}
    count_trace = _count_trace(counts, unit, axis, notes)
    symbols = count_trace["marker"]["symbol"]
    data = [
        count_trace,
        *_response_trace(reached, unit, axis),
        *_episode_traces(bleeds),
        *_marker_key({symbols} if isinstance(symbols, str) else set(symbols)),
        *strips,
    ]
    for item in (*data, *layout["shapes"]):
        if "name" in item:
            item["name"] = _legend_lines(item["name"])
    figure = {"data": data, "layout": layout, "strings": _share_strings(data), "dark": DARK_COLOURS}
    if (locale := plotly_locale()) is not None:
        figure["locale"] = locale
    return figure


def _legend_lines(name: str) -> str:
    """`name` broken into lines of at most LEGEND_LINE characters at spaces (a longer word
    stays whole)."""
    lines = textwrap.wrap(name, LEGEND_LINE, break_long_words=False, break_on_hyphens=False)
    return "<br>".join(lines)


def plotly_locale() -> dict | None:
    """How Plotly writes dates and numbers in the active language, for its config (static/js/
    chart.js passes it as `locales`): None in English, Plotly's own. The months and weekdays are
    Django's, as the pages write them ("29 nov 2026", as DATE_FORMAT does in Spanish); numbers
    with the language's separators ("45,5", "100.000")."""
    language = get_language() or "en"
    if language.split("-")[0] == "en":
        return None
    return {
        "name": language,
        "format": {
            "days": [str(WEEKDAYS[(day + 6) % 7]).lower() for day in range(7)],  # Sunday first
            "shortDays": [str(WEEKDAYS_ABBR[(day + 6) % 7]).lower() for day in range(7)],
            "months": [str(MONTHS[month]).lower() for month in range(1, 13)],
            "shortMonths": [str(MONTHS_3[month]).lower() for month in range(1, 13)],
            "decimal": str(formats.get_format("DECIMAL_SEPARATOR")),
            "thousands": str(formats.get_format("THOUSAND_SEPARATOR")),
            "grouping": [3],
            # The axis's own tick labels: day before month, as the pages write dates.
            "date": "%d/%m/%Y",
            "dayMonth": "%-d %b",
            "dayMonthYear": "%-d %b %Y",
            "month": "%b",
            "year": "%Y",
        },
    }


# The report's chart, on paper: as wide as an A4 or US Letter page's text, and short enough to
# leave the page room for the numbers and the tables (readings/report_data.py).
PAPER_SIZE = {"width": 680, "height": 300}  # the label rows need a plot this tall
# On paper in grey the spans' fill looks like the bands': a dotted edge tells them apart.
PAPER_SPAN_EDGE = {"color": "#555555", "width": 1, "dash": "dot"}
# The legend in smaller type, so that a busy record's nine entries leave the plot its room;
# the dates on one line each, with their year (a second line of years ran into the legend).
PAPER_LEGEND = {"font": {"size": 10}}
PAPER_DATES = {"tickformat": "%-d %b %Y", "tickfont": {"size": 10}}


def for_paper(figure: dict) -> dict:
    """`figure` for printing: its size fixed (a drawing taken at the page's width, whatever
    the screen), the legend compact, nothing on hover (paper has none), and the light colours
    in dark mode too (the page prints on white)."""
    legend = {**figure["layout"]["legend"], **PAPER_LEGEND}
    shapes = [_on_paper(shape) for shape in figure["layout"]["shapes"]]
    xaxis = {**figure["layout"]["xaxis"], **PAPER_DATES}
    layout = {**figure["layout"], **PAPER_SIZE, "legend": legend, "shapes": shapes, "xaxis": xaxis}
    layout["hovermode"] = False
    # No hover, so none of its words (notes, labs) in the page either.
    hoverless = {"customdata", "hovertemplate"}
    data = [{k: v for k, v in trace.items() if k not in hoverless} for trace in figure["data"]]
    return {**figure, "data": data, "layout": layout, "strings": [], "dark": {}}


def _on_paper(shape: dict) -> dict:
    """A treatment's span with its edge drawn; the threshold named for the clinician who reads
    the report ("Your clinician's threshold" speaks to the patient)."""
    if shape.get("xref") == "x":
        return {**shape, "line": PAPER_SPAN_EDGE}
    name = shape.get("name", "")
    before, _gap, after = _plain(_threshold_name()).partition("%(threshold)s")
    if shape.get("type") == "line" and name.startswith(before) and name.endswith(after):
        threshold = name[len(before) : len(name) - len(after)]
        # Translators: the threshold's legend entry on the printed report, for the care team.
        paper = gettext("Clinician's threshold: %(threshold)s")
        return {**shape, "name": _plain(paper) % {"threshold": threshold}}
    return shape


# Like Django's json_script: the JSON can sit inside an HTML element as it is. Three replaces,
# not str.translate, which walks the string in Python-level steps (1 ms for a year of counts).
def figure_json(figure: dict) -> str:
    text = orjson.dumps(figure).decode()
    return text.replace("<", "\\u003C").replace(">", "\\u003E").replace("&", "\\u0026")


# --- In words, for screen readers ---------------------------------------------------------------


_LATEST = {
    stats.Direction.UP: _(
        "Latest %(latest)s on %(day)s, up from %(first)s, the first count in this period."
    ),
    stats.Direction.DOWN: _(
        "Latest %(latest)s on %(day)s, down from %(first)s, the first count in this period."
    ),
    stats.Direction.SAME: _(
        "Latest %(latest)s on %(day)s, unchanged from %(first)s, the first count in this period."
    ),
    stats.Direction.UNCLEAR: _(
        "Latest %(latest)s on %(day)s, compared with %(first)s, the first count in this period."
    ),
}


def text_summary(readings_in_range: Iterable[PlateletReading], unit: Unit) -> str:
    """The trend in one or two plain sentences. The latest count is compared with the first of
    the period, and says so: the dashboard's card beside it compares with the previous one."""
    unit = Unit(unit)
    readings = stats.chronological(readings_in_range)
    if not readings:
        return gettext("No counts in this period.")

    def count(reading: PlateletReading) -> str:
        return reading.shown_in(unit)

    first, last = readings[0], readings[-1]
    if len(readings) == 1:
        return gettext("1 count, on %(day)s: %(count)s.") % {
            "day": day_label(first.drawn_on),
            "count": count(first),
        }
    lowest = min(readings, key=stats.by_count)
    highest = max(readings, key=stats.by_count)
    n = len(readings)
    sentences = [
        ngettext(
            "%(n)s count from %(first)s to %(last)s.",
            "%(n)s counts from %(first)s to %(last)s.",
            n,
        )
        % {"n": n, "first": day_label(first.drawn_on), "last": day_label(last.drawn_on)},
        str(_LATEST[stats.trend(first, last)])
        % {"latest": count(last), "day": day_label(last.drawn_on), "first": count(first)},
        gettext("Lowest %(lowest)s on %(low_day)s; highest %(highest)s on %(high_day)s.")
        % {
            "lowest": count(lowest),
            "low_day": day_label(lowest.drawn_on),
            "highest": count(highest),
            "high_day": day_label(highest.drawn_on),
        },
    ]
    return " ".join(sentences)
