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

Plotly reads hover and annotation text as a little HTML, so everything shown there goes
through _plain(). Per Plotly, annotation positions on a log axis are logs; Plotly.relayout
converts them itself when the log/linear toggle changes the axis type, so we write values.
"""

import html
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import NamedTuple

import orjson
from django.utils import timezone

from readings import stats
from readings.courses import Course
from readings.guidance import ITP_DEFINITION_BELOW, NORMAL_RANGE
from readings.models import (
    BleedingEpisode,
    Dose,
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
NOT_RECORDED = "Not recorded"
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
NORMAL_FILL = "#1B7837"
ITP_FILL = "#CC6677"
TREATMENT_FILL = "#332288"
SHADE_OPACITY = 0.12  # faint enough for points and lines to stay readable on top
# Fainter still for treatment spans, which cross the reference bands: the bands stay legible.
TREATMENT_OPACITY = 0.06

# The ITP band is 0–100, but a log axis cannot show 0 and Plotly would stretch the axis down
# to fit a shape that starts there. 1 ×10⁹/L looks the same as 0 on the linear axis.
ITP_BAND_FLOOR = Decimal(1)

COUNTS_DOMAIN = [0.2, 1]
BLEEDS_DOMAIN = [0, 0.14]
# Treatment labels alternate between two rows this far apart (a fraction of the plot's height,
# about a line of 11 px text); a course's dose strips fill its label's row.
LABEL_ROW = 0.06
# The axis the dose strips are drawn on: hidden, over the counts, and reading as the paper does
# (0.94 on it is 0.94 of the plot's height), so the strips line up with the labels.
STRIPS_AXIS = {"overlaying": "y", "range": COUNTS_DOMAIN, "fixedrange": True, "visible": False}

# Hover rows are [when, headline, details]; details starts with <br> when there are any.
_HOVER = "%{customdata[0]}<br><b>%{customdata[1]}</b>%{customdata[2]}<extra></extra>"


class _Point(NamedTuple):
    x: str
    y: float | int
    hover: list[str]


# --- Small pieces -------------------------------------------------------------------------------


def _plain(text: str) -> str:
    # Plotly decodes &amp; &lt; &gt; but not &quot;, and quotes are harmless once no tag
    # can start, so leave them as they are.
    return html.escape(text, quote=False)


def _in_unit(value: Decimal | int, unit: Unit) -> float | int:
    # Counts have at most 3 decimal places in ×10⁹/L, so per µL they are whole numbers.
    return int(value * 1000) if unit is Unit.PER_UL else float(value)


def day_label(day: date) -> str:
    # strftime, not Django's date_format: this runs for every point, and the site is English.
    return f"{day.day} {day:%b %Y}"


def _when(moment: datetime | None, day: date) -> tuple[str, str]:
    """The x value and the hover label for something on `day`, at `moment` if known."""
    if moment is None:
        return day.isoformat(), day_label(day)
    # Plotly ignores time zones, so give it the wall-clock time in the patient's zone.
    local = timezone.localtime(moment).replace(tzinfo=None)
    return local.isoformat(timespec="minutes"), f"{day_label(local)}, {local:%H:%M}"


def _details(*pairs: tuple[str, str]) -> str:
    return "".join(f"<br>{label}: {_plain(value)}" for label, value in pairs if value)


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


def _count_point(reading: PlateletReading, unit: Unit, note: str = "") -> _Point:
    x, when = _when(reading.drawn_at, reading.drawn_on)
    shown = reading.shown_in(unit)
    details = _details(("Lab", reading.lab), ("Note", reading.note)) + note
    return _Point(x, _in_unit(reading.count, unit), [when, _plain(shown), details])


def _count_trace(readings: list[PlateletReading], unit: Unit, notes: dict | None = None) -> dict:
    """`notes`: more hover lines (HTML) for some counts, by reading pk."""
    notes = notes or {}
    symbols = [LIMIT_SYMBOLS.get(r.comparator, "circle") for r in readings]
    return _scatter(
        "Platelet count",
        [_count_point(reading, unit, notes.get(reading.pk, "")) for reading in readings],
        mode="lines+markers",
        yaxis="y",
        line={"color": COUNT_COLOUR, "width": 2},
        marker={"color": COUNT_COLOUR, "size": 8, "symbol": symbols},
    )


def _duration(minutes: int | None) -> str:
    if minutes is None:
        return ""
    hours, minutes = divmod(minutes, 60)
    if not hours:
        return f"{minutes} min"
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"


def _severity_label(severity: str) -> str:
    return Severity(severity).label if severity else NOT_RECORDED


def _episode_point(episode: BleedingEpisode, severity_label: str) -> _Point:
    x, when = _when(episode.started_at, timezone.localdate(episode.started_at))
    details = _details(
        ("Severity", severity_label),
        ("Where", episode.body_site),
        ("First aid", episode.get_first_aid_display()),
        ("Lasted", _duration(episode.duration_minutes)),
        ("Note", episode.note),
    )
    return _Point(x, 0, [when, _plain(episode.get_kind_display()), details])


def _episode_traces(episodes: list[BleedingEpisode]) -> list[dict]:
    """One trace per severity present, so the legend explains each colour and symbol."""
    traces = []
    for severity, (colour, symbol) in SEVERITY_STYLES.items():
        label = _severity_label(severity)
        points = [_episode_point(e, label) for e in episodes if e.severity == severity]
        if points:
            traces.append(
                _scatter(
                    f"Bleed: {label}",
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


# --- Shapes, each named in the legend or labelled ----------------------------------------------


def _band(low: Decimal, high: Decimal, fill: str, unit: Unit) -> dict:
    return _shaded(fill, **_across(_in_unit(low, unit), _in_unit(high, unit)))


def _reference_bands(unit: Unit) -> list[dict]:
    low, high = NORMAL_RANGE
    # No unit in the legend's names (the axis title gives it): short enough for two entries
    # to a row on a phone.
    normal = f"Normal range {format_number(low, unit)}–{format_number(high, unit)} (NHLBI)"
    # Part of the definition of ITP, not a treatment threshold: guidance.ITP_DEFINITION calls
    # it "the ITP band", and "threshold" stays the word for the clinician's own line.
    itp = f"ITP band <{format_number(ITP_DEFINITION_BELOW, unit)} (IWG)"
    return [
        _in_legend(_band(low, high, NORMAL_FILL, unit), normal),
        _in_legend(_band(ITP_BAND_FLOOR, ITP_DEFINITION_BELOW, ITP_FILL, unit), itp),
    ]


def _threshold_line(threshold: int, unit: Unit) -> dict:
    y = _in_unit(threshold, unit)
    style = {"color": THRESHOLD_COLOUR, "width": 2, "dash": "dash"}
    line = {"type": "line", **_across(y, y), "line": style}
    label = f"Your clinician's threshold: {format_number(Decimal(threshold), unit)}"
    return _in_legend(line, label)


def _short_name(treatment: Treatment) -> str:
    # "Steroids (prednisone, dexamethasone)" would cover its neighbours on a phone: the name
    # before the explanation on the plot, the whole name on hover.
    return treatment.name.partition(" (")[0]


def _dose_words(dose: Dose) -> str:
    """The dose without its date: "50 mg every day", "3 µg/kg every week (84 µg for 28 kg)"."""
    words = dose.amount_text
    if dose.how_often:
        words += f" {dose.get_how_often_display().lower()}"
    if dose.total_text:
        words += f" ({dose.total_text})"
    return words


def _dose_in_force(treatment: Treatment, dose: Dose | None, first_logged: date) -> str:
    """ "50 mg every day from 3 Mar 2026"; before the first dose entry, the course's own dose
    as typed, if any."""
    if dose is None:
        return treatment.dose or f"no dose logged before {day_label(first_logged)}"
    since = "on" if dose.how_often == HowOften.ONCE else "from"
    return f"{_dose_words(dose)} {since} {day_label(dose.given_on)}"


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
        elif current is None or _dose_words(dose) != _dose_words(current):
            periods.append((dose.given_on, dose))
    ends = [since - timedelta(days=1) for since, _ in periods[1:]] + [last]
    return [(since, end, dose) for (since, dose), end in zip(periods, ends, strict=True)]


def _dose_strip(text: str, since: date, end: date, top: float) -> dict:
    """An invisible box over `since` to `end` along a label row that gives `text` on hover
    (Plotly shows a filled area's `text` anywhere inside it)."""
    x0, x1, bottom = since.isoformat(), _day_after(end), top - LABEL_ROW
    return {
        "type": "scatter",
        "name": "Dose",
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


def _treatment_span(
    treatment: Treatment, start: date, last_day: date, row: int, doses: Iterable[Dose] = ()
) -> _Span:
    x0, x1 = start.isoformat(), _day_after(last_day)
    shape = _shaded(TREATMENT_FILL, xref="x", x0=x0, x1=x1, yref="paper", y0=0, y1=1)
    shape["opacity"] = TREATMENT_OPACITY
    top = 1 - LABEL_ROW * (row % 2)  # alternate two rows, so that neighbours do not overlap
    hover = _plain(treatment.name)
    strips = []
    logged = stats.live(doses)
    if logged:
        first_logged = min(dose.given_on for dose in logged)
        periods = _dose_periods(logged, start, last_day)
        for since, end, dose in periods:
            words = _dose_in_force(treatment, dose, first_logged)
            strips.append(_dose_strip(f"{_short_name(treatment)} · {words}", since, end, top))
        # The label covers the start of its row: it gives the dose in force there too.
        hover += f"<br>{_plain(_dose_in_force(treatment, periods[0][2], first_logged))}"
    label = _annotation(
        _short_name(treatment),
        hovertext=hover,
        xref="x",
        x=x0,
        xanchor="left",
        yref="paper",
        y=top,
        yanchor="top",
    )
    return _Span(shape, label, strips)


def _treatment_spans(
    treatments: Iterable[Treatment],
    start: date | None,
    end: date | None,
    today: date,
    doses: dict | None = None,
) -> list[_Span]:
    """`doses`: each course's dose entries by its pk."""
    doses = doses or {}
    spans = []
    for treatment in sorted(stats.live(treatments), key=lambda t: t.started_on):
        first = max(treatment.started_on, start or date.min)
        # A planned end is drawn up to today: the axis never runs into the future.
        last = min(treatment.ended_on or today, end or today, today)
        if first <= last:  # else wholly outside the range, or not started yet
            logged = doses.get(treatment.pk, ())
            spans.append(_treatment_span(treatment, first, last, len(spans), logged))
    return spans


# --- Where a course reached a response ----------------------------------------------------------


class _Reached(NamedTuple):
    reading: PlateletReading  # the first count of the confirmed run
    headline: str  # "R reached (Eltrombopag)"
    details: str  # hover lines: the terms in plain words
    label: str  # beside the star: "R" or "CR"


def _response_terms(unit: Unit) -> dict[str, str]:
    """The IWG terms in plain words, in the patient's unit (readings.responses)."""
    response, complete = format_count(RESPONSE_AT, unit), format_count(COMPLETE_AT, unit)
    apart = "on two counts a week apart"
    return {
        "R": f"Response (R): {response} or more and double the count at the start, {apart}",
        "CR": f"Complete response (CR): {complete} or more, {apart}",
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
                headlines.append(
                    f"{' and '.join(levels)} reached ({_short_name(course.treatment)})"
                )
                all_levels.extend(level for level in levels if level not in all_levels)
    reached = []
    for reading, headlines, levels in on_count.values():
        levels.sort(key=["R", "CR"].index)
        details = "".join(f"<br>{_plain(terms[level])}" for level in levels)
        # Beside the star, the higher level reached there: CR is a response too.
        reached.append(_Reached(reading, _plain("; ".join(headlines)), details, levels[-1]))
    return reached


def _response_trace(reached: list[_Reached], unit: Unit) -> list[dict]:
    """A star on each count where a response began, with one legend entry for them all."""
    if not reached:
        return []
    points = []
    for found in reached:
        x, y, (when, shown, _) = _count_point(found.reading, unit)
        points.append(_Point(x, y, [when, found.headline, f"<br>Count: {shown}{found.details}"]))
    return [
        _scatter(
            "Response reached (R, CR)",
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
                "line": {"color": "#FFFFFF", "width": 1},
            },
        )
    ]


# --- The figure ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChartRange:
    """A period the page offers as a link (?range=3m): bookmarkable, works without JavaScript."""

    slug: str
    label: str
    months: int | None  # None: everything

    def start(self, today: date) -> date | None:
        return None if self.months is None else stats.add_months(today, -self.months)


RANGES = (
    ChartRange("3m", "3 months", 3),
    ChartRange("6m", "6 months", 6),
    ChartRange("1y", "1 year", 12),
    ChartRange("all", "All time", None),
)
DEFAULT_RANGE = RANGES[1]


def chart_range(slug: str | None) -> ChartRange:
    return next((r for r in RANGES if r.slug == slug), DEFAULT_RANGE)


def _scale_toggle() -> dict:
    def button(label: str, axis_type: str) -> dict:
        return {"label": label, "method": "relayout", "args": [{"yaxis.type": axis_type}]}

    return {
        "type": "buttons",
        "direction": "right",
        "active": 0,
        "showactive": True,
        "buttons": [button("Linear", "linear"), button("Log", "log")],
        "x": 1,
        "xanchor": "right",
        "y": 1.02,
        "yanchor": "bottom",
        "pad": {"t": 0, "r": 0},
    }


def _layout(unit: Unit, shapes: list[dict], labels: list[dict], x_range: list[str] | None) -> dict:
    xaxis = {"type": "date", "anchor": "y2"}
    if x_range:
        xaxis["range"] = x_range
    return {
        "font": {"family": "system-ui, sans-serif", "size": 12, "color": TEXT_COLOUR},
        "paper_bgcolor": "#FFFFFF",
        "plot_bgcolor": "#FFFFFF",
        "margin": {"l": 48, "r": 8, "t": 40, "b": 32},
        "legend": {"orientation": "h"},
        "hovermode": "closest",
        "hoverlabel": {"align": "left"},
        "xaxis": xaxis,
        "yaxis": {"domain": COUNTS_DOMAIN, "title": {"text": unit.label}, "rangemode": "tozero"},
        "yaxis2": {
            "domain": BLEEDS_DOMAIN,
            "title": {"text": "Bleeds"},
            "range": [-1, 1],
            "fixedrange": True,
            "showticklabels": False,
            "showgrid": False,
            "zeroline": False,
        },
        "shapes": shapes,
        "annotations": labels,
        "updatemenus": [_scale_toggle()],
    }


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
) -> dict:
    """The Plotly figure ({"data", "layout"}) for the entries between the dates, inclusive.

    `unit` is the patient's preferred unit (a Unit or its value); `threshold` their
    clinician's, in ×10⁹/L. The axis is fixed to the range only when both ends are given.
    `courses` (readings.courses) give the treatments' doses and where each reached a
    response; a treatment without one is drawn without them.
    """
    courses = list(courses)
    unit = Unit(unit)
    counts = [
        r for r in stats.chronological(readings) if _between(r.drawn_on, range_start, range_end)
    ]
    bleeds = [
        e
        for e in stats.live(episodes)
        if _between(timezone.localdate(e.started_at), range_start, range_end)
    ]
    shapes = _reference_bands(unit)
    if threshold is not None:
        shapes.append(_threshold_line(threshold, unit))
    doses = {course.treatment.pk: course.doses for course in courses}
    reached = _responses_reached(courses, counts, unit)
    # Plotly gives the hover to the count under a star over most of the star: it says the same.
    notes: dict = {}
    for found in reached:
        pk = found.reading.pk
        notes[pk] = f"{notes.get(pk, '')}<br>{found.headline}{found.details}"
    spans = _treatment_spans(treatments, range_start, range_end, today, doses)
    strips = [strip for span in spans for strip in span.strips]
    x_range = (
        [range_start.isoformat(), _day_after(range_end)] if range_start and range_end else None
    )
    layout = _layout(
        unit, [*shapes, *(span.shape for span in spans)], [span.label for span in spans], x_range
    )
    if strips:
        layout["yaxis3"] = {**STRIPS_AXIS}
    return {
        "data": [
            _count_trace(counts, unit, notes),
            *_response_trace(reached, unit),
            *_episode_traces(bleeds),
            *strips,
        ],
        "layout": layout,
    }


# Like Django's json_script: the JSON can sit inside an HTML element as it is. Three replaces,
# not str.translate, which walks the string in Python-level steps (1 ms for a year of counts).
def figure_json(figure: dict) -> str:
    text = orjson.dumps(figure).decode()
    return text.replace("<", "\\u003C").replace(">", "\\u003E").replace("&", "\\u0026")


# --- In words, for screen readers ---------------------------------------------------------------


_TREND_WORDS = {
    stats.Direction.UP: "up from",
    stats.Direction.DOWN: "down from",
    stats.Direction.SAME: "unchanged from",
    stats.Direction.UNCLEAR: "compared with",
}


def text_summary(readings_in_range: Iterable[PlateletReading], unit: Unit) -> str:
    """The trend in one or two plain sentences."""
    unit = Unit(unit)
    readings = stats.chronological(readings_in_range)
    if not readings:
        return "No counts in this period."

    def count(reading: PlateletReading) -> str:
        return reading.shown_in(unit)

    first, last = readings[0], readings[-1]
    if len(readings) == 1:
        return f"1 count, on {day_label(first.drawn_on)}: {count(first)}."
    trend = _TREND_WORDS[stats.trend(first, last)]
    lowest = min(readings, key=stats.by_count)
    highest = max(readings, key=stats.by_count)
    return (
        f"{len(readings)} counts from {day_label(first.drawn_on)} to {day_label(last.drawn_on)}. "
        f"Latest {count(last)} on {day_label(last.drawn_on)}, {trend} {count(first)}. "
        f"Lowest {count(lowest)} on {day_label(lowest.drawn_on)}; "
        f"highest {count(highest)} on {day_label(highest.drawn_on)}."
    )
