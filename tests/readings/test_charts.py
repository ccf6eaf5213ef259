import json
import math
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from urllib.parse import parse_qsl
from zoneinfo import ZoneInfo

import orjson
import plotly.graph_objects as go
import pytest
from django.utils import timezone, translation
from hypothesis import given
from hypothesis import strategies as st

from readings import charts, responses
from readings.charts import (
    BACKGROUND,
    COUNT_COLOUR,
    DARK_COLOURS,
    LIMIT_SYMBOLS,
    LOG,
    RESPONSE_COLOUR,
    SEVERITY_STYLES,
    TEXT_COLOUR,
    THRESHOLD_COLOUR,
    ZERO_SYMBOL,
    build_figure,
    figure_json,
    text_summary,
)
from readings.courses import Course
from readings.models import (
    BleedingEpisode,
    BleedingKind,
    Dose,
    DoseUnit,
    FirstAid,
    HowOften,
    Medicine,
    PlateletReading,
    Route,
    Severity,
    Treatment,
)
from readings.responses import CourseResponse, Level
from readings.units import Unit
from tests.clock import pinned

pytestmark = pinned

E9 = Unit.E9_PER_L
UL = Unit.PER_UL
TODAY = date(2026, 11, 20)
DELETED = datetime(2026, 11, 1, tzinfo=UTC)
XSS = '<script>alert("x")</script>'
ESCAPED_XSS = '&lt;script&gt;alert("x")&lt;/script&gt;'


def reading(day: date, count, **fields) -> PlateletReading:
    return PlateletReading(drawn_on=day, count=Decimal(count), **fields)


def episode(started_at: datetime, severity: str = Severity.MILD, **fields) -> BleedingEpisode:
    fields.setdefault("kind", BleedingKind.NOSEBLEED)
    return BleedingEpisode(started_at=started_at, severity=severity, **fields)


def treatment(started_on: date, ended_on: date | None = None, **fields) -> Treatment:
    fields.setdefault("medicine", Medicine.STEROIDS)
    return Treatment(started_on=started_on, ended_on=ended_on, **fields)


def dose(course: Treatment, day: date, amount, **fields) -> Dose:
    fields.setdefault("unit", DoseUnit.MG)
    fields.setdefault("route", Route.BY_MOUTH)
    fields.setdefault("how_often", HowOften.DAILY)
    return Dose(treatment=course, given_on=day, amount=Decimal(amount), **fields)


def course_of(treatment: Treatment, doses=(), response: CourseResponse | None = None) -> Course:
    """As readings.courses gives it: doses newest first."""
    return Course(treatment, response or CourseResponse(None, Level.TOO_FEW), list(doses))


def at(day: date, hour: int = 12) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def figure(readings=(), episodes=(), treatments=(), *, unit=E9, threshold=None, **options) -> dict:
    """A figure, checked against Plotly's schema (go.Figure raises on unknown properties)."""
    built = build_figure(
        readings, episodes, treatments, unit=unit, threshold=threshold, today=TODAY, **options
    )
    assert built.keys() - {"locale"} == {"data", "layout", "strings", "dark"}
    go.Figure({"data": built["data"], "layout": built["layout"]})
    return built


def count_trace(fig: dict) -> dict:
    [trace] = [t for t in fig["data"] if t["name"] == "Platelet count"]
    return trace


def hover(fig: dict, trace: dict) -> list[list[str]]:
    """What hovering over each point of `trace` says, [when, headline, details], as the page
    shows it: static/js/chart.js puts the strings back into customdata, and the hovertemplate
    writes the day from x (tests/e2e/test_chart.py reads a real hover)."""
    assert trace["hovertemplate"].startswith("%{x|%-d %b %Y}%{customdata[0]}<br>")
    rows = []
    for x, row in zip(trace["x"], trace["customdata"], strict=True):
        time_of_day, headline, details = (fig["strings"][index] for index in row)
        day = date.fromisoformat(x[:10])
        rows.append([f"{day.day} {day:%b %Y}{time_of_day}", headline, details])
    return rows


def symbols(trace: dict) -> list[str]:
    """The marker of each point (the trace gives one for all when they are the same)."""
    symbol = trace["marker"]["symbol"]
    return [symbol] * len(trace["x"]) if isinstance(symbol, str) else symbol


def marker_key(fig: dict) -> dict[str, str]:
    """The legend's entries that explain a marker of the count line: symbol -> name."""
    return {t["marker"]["symbol"]: t["name"] for t in fig["data"] if t["x"] == [None]}


def episode_traces(fig: dict) -> list[dict]:
    return [t for t in fig["data"] if t.get("yaxis") == "y2"]


def annotation_texts(fig: dict) -> list[str]:
    return [a["text"] for a in fig["layout"]["annotations"]]


def shapes(fig: dict, **match) -> list[dict]:
    return [s for s in fig["layout"]["shapes"] if match.items() <= s.items()]


def x_range(fig: dict) -> tuple[datetime, datetime]:
    low, high = fig["layout"]["xaxis"]["range"]
    return datetime.fromisoformat(low), datetime.fromisoformat(high)


def height(fig: dict, value: float) -> float:
    """How far up the counts' axis `value` sits: 0 at the bottom, 1 at the top."""
    axis = fig["layout"]["yaxis"]
    low, high = axis["range"]
    if axis["type"] == LOG:  # Plotly takes a log axis's range in logs
        return (math.log10(value) - low) / (high - low)
    return (value - low) / (high - low)


def dose_strips(fig: dict) -> list[dict]:
    return [t for t in fig["data"] if t.get("hoveron") == "fills"]


def dose_on(fig: dict, day: date) -> list[str]:
    """What hovering over the spans' label rows on `day` says (a strip runs from its first
    day's midnight to the midnight after its last)."""
    return [s["text"] for s in dose_strips(fig) if s["x"][0] <= day.isoformat() < s["x"][1]]


def response_markers(fig: dict) -> list[dict]:
    return [t for t in fig["data"] if t["name"] == "Response reached (R, CR)"]


def contrast(one: str, other: str = "#FFFFFF") -> float:
    """WCAG's contrast ratio of two "#RRGGBB" colours."""

    def luminance(colour: str) -> float:
        def channel(hex_pair: str) -> float:
            c = int(hex_pair, 16) / 255
            return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

        r, g, b = (channel(colour[i : i + 2]) for i in (1, 3, 5))
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    lighter, darker = sorted((luminance(one), luminance(other)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def colours_in(value, key: str = "") -> set[str]:
    """Every colour a figure's data or layout sets (Plotly's colour properties end in "color")."""
    if isinstance(value, dict):
        return set().union(*(colours_in(item, name) for name, item in value.items()))
    if isinstance(value, list):
        return set().union(*(colours_in(item, key) for item in value))
    return {value} if key.endswith("color") and isinstance(value, str) else set()


# --- Counts -------------------------------------------------------------------------------------


def test_count_trace_matches_the_rows_in_date_order():
    rows = [
        reading(date(2026, 3, 4), "12.5"),
        reading(date(2026, 1, 3), 30, drawn_at=datetime(2026, 1, 3, 9, 15, tzinfo=UTC)),
        reading(date(2026, 11, 20), 45),
    ]
    fig = figure(rows)
    trace = count_trace(fig)
    assert trace["type"] == "scatter"
    assert trace["mode"] == "lines+markers"
    assert trace["x"] == ["2026-01-03T09:15", "2026-03-04", "2026-11-20"]
    assert trace["y"] == [30.0, 12.5, 45.0]
    assert [row[:2] for row in hover(fig, trace)] == [
        ["3 Jan 2026, 09:15", "30 ×10⁹/L"],
        ["4 Mar 2026", "12.5 ×10⁹/L"],
        ["20 Nov 2026", "45 ×10⁹/L"],
    ]
    assert "%{customdata[1]}" in trace["hovertemplate"]


def test_counts_per_microlitre_are_whole_numbers_a_thousand_times_larger():
    rows = [reading(date(2026, 1, 3), "12.345"), reading(date(2026, 2, 3), 150)]
    fig = figure(rows, unit=UL)
    trace = count_trace(fig)
    assert trace["y"] == [12345, 150000]
    assert all(isinstance(y, int) for y in trace["y"])
    assert [row[1] for row in hover(fig, trace)] == ["12,345 per µL", "150,000 per µL"]


def test_draw_times_are_shown_in_the_patients_time_zone():
    late = reading(date(2026, 1, 4), 30, drawn_at=datetime(2026, 1, 3, 23, 30, tzinfo=UTC))
    with timezone.override(ZoneInfo("Pacific/Auckland")):
        fig = figure([late])
    assert count_trace(fig)["x"] == ["2026-01-04T12:30"]
    assert hover(fig, count_trace(fig))[0][0] == "4 Jan 2026, 12:30"


def test_a_limit_has_its_own_marker_and_its_comparator_in_the_label():
    rows = [
        reading(date(2026, 1, 3), 30),
        reading(date(2026, 1, 10), 10, comparator="<"),
        reading(date(2026, 1, 11), 1000, comparator=">"),
    ]
    for unit, below, above in (
        (E9, "&lt;10 ×10⁹/L", "&gt;1,000 ×10⁹/L"),
        (UL, "&lt;10,000 per µL", "&gt;1,000,000 per µL"),
    ):
        for scale in charts.SCALES:
            fig = figure(rows, unit=unit, scale=scale)
            trace = count_trace(fig)
            assert trace["marker"]["symbol"] == ["circle", "triangle-down", "triangle-up"]
            assert LIMIT_SYMBOLS["<"] == LIMIT_SYMBOLS["<="] == "triangle-down"
            assert [point[1] for point in hover(fig, trace)[1:]] == [below, above]
            # The legend says what each triangle means.
            assert marker_key(fig) == {
                "triangle-down": "Below the lab’s limit (&lt;)",
                "triangle-up": "Above the lab’s limit (&gt;)",
            }


def test_lab_and_note_are_in_the_hover_text_escaped():
    row = reading(date(2026, 1, 3), 30, lab="St <Mary's> & Co", note=XSS)
    fig = figure([row])
    details = hover(fig, count_trace(fig))[0][2]
    assert details == f"<br>Lab: St &lt;Mary's&gt; &amp; Co<br>Note: {ESCAPED_XSS}"
    assert "<script>" not in orjson.dumps(fig).decode()


def test_deleted_readings_are_not_plotted():
    rows = [reading(date(2026, 1, 3), 30), reading(date(2026, 1, 4), 5, deleted_at=DELETED)]
    assert count_trace(figure(rows))["y"] == [30.0]


# --- Reference bands and the clinician's threshold ----------------------------------------------


@pytest.mark.parametrize(
    ("unit", "normal", "itp", "labels"),
    [
        (
            E9,
            (150, 450),
            100,
            ["Normal range 150–450 (NHLBI)", "ITP band &lt;100 (IWG)"],
        ),
        (
            UL,
            (150000, 450000),
            100000,
            ["Normal range 150,000–450,000 (NHLBI)", "ITP band &lt;100,000 (IWG)"],
        ),
    ],
)
@pytest.mark.parametrize("scale", charts.SCALES)
def test_reference_bands_named_in_the_legend_with_their_source(unit, normal, itp, labels, scale):
    fig = figure([reading(date(2026, 11, 1), 200)], unit=unit, scale=scale)
    bands = shapes(fig, type="rect", xref="paper", yref="y")
    assert (bands[0]["y0"], bands[0]["y1"], bands[1]["y1"]) == (*normal, itp)
    # The ITP band runs from 0, or on a log scale (which has no 0) from under the axis floor.
    bottom = fig["layout"]["yaxis"]["range"][0]
    if scale == LOG:
        assert bands[1]["y0"] < 10**bottom
    else:
        assert bands[1]["y0"] == bottom == 0
    assert all(0 < band["opacity"] < 0.5 and band["layer"] == "below" for band in bands)
    assert [(band["name"], band["showlegend"]) for band in bands] == [(x, True) for x in labels]
    # Nothing written over the plot, where low counts would cover it.
    assert annotation_texts(fig) == []


def test_no_threshold_line_unless_the_clinician_set_one():
    fig = figure()
    assert shapes(fig, type="line") == []


@pytest.mark.parametrize(("unit", "y", "label"), [(E9, 30.0, "30"), (UL, 30000, "30,000")])
def test_threshold_line_at_the_clinicians_count(unit, y, label):
    fig = figure(threshold=30, unit=unit)
    [line] = shapes(fig, type="line")
    assert (line["yref"], line["y0"], line["y1"]) == ("y", y, y)
    assert line["line"]["dash"] == "dash"
    assert (line["name"], line["showlegend"]) == (f"Your clinician's threshold: {label}", True)


# --- Bleeding episodes --------------------------------------------------------------------------


def test_one_episode_trace_per_severity_with_its_own_colour_and_symbol():
    severities = [*Severity.values, ""]
    rows = [episode(at(date(2026, 5, i + 1)), severity) for i, severity in enumerate(severities)]
    rows.append(episode(at(date(2026, 6, 1)), Severity.MILD))
    traces = episode_traces(figure(episodes=rows))
    assert [t["name"] for t in traces] == [
        "Bleed: None",
        "Bleed: Mild",
        "Bleed: Moderate",
        "Bleed: Severe",
        "Bleed: Life-threatening",
        "Bleed: Not recorded",
    ]
    assert all(t["mode"] == "markers" for t in traces)
    colours = [t["marker"]["color"] for t in traces]
    symbols = [t["marker"]["symbol"] for t in traces]
    assert len(set(colours)) == len(set(symbols)) == len(traces)
    assert sum(len(t["x"]) for t in traces) == len(rows)
    assert len(traces[1]["x"]) == 2


def test_episodes_sit_on_their_own_strip_under_the_counts():
    fig = figure([reading(date(2026, 5, 1), 20)], [episode(at(date(2026, 5, 2)))])
    layout = fig["layout"]
    assert count_trace(fig)["yaxis"] == "y"
    assert [t["yaxis"] for t in episode_traces(fig)] == ["y2"]
    assert layout["yaxis2"]["domain"][1] < layout["yaxis"]["domain"][0]


def test_only_severities_with_episodes_get_a_trace():
    traces = episode_traces(figure(episodes=[episode(at(date(2026, 5, 1)), Severity.SEVERE)]))
    assert [t["name"] for t in traces] == ["Bleed: Severe"]


def test_episode_hover_text_describes_the_episode_escaped():
    row = episode(
        datetime(2026, 5, 1, 7, 45, tzinfo=UTC),
        Severity.MODERATE,
        kind=BleedingKind.GUMS,
        body_site="<b>upper</b> gums",
        first_aid=FirstAid.STOPPED,
        duration_minutes=90,
        note=XSS,
    )
    fig = figure(episodes=[row])
    [trace] = episode_traces(fig)
    assert trace["x"] == ["2026-05-01T07:45"]
    assert hover(fig, trace) == [
        [
            "1 May 2026, 07:45",
            "Bleeding gums",
            "<br>Severity: Moderate<br>Where: &lt;b&gt;upper&lt;/b&gt; gums"
            "<br>First aid: Yes, it stopped<br>Lasted: 1 h 30 min"
            f"<br>Note: {ESCAPED_XSS}",
        ]
    ]


@pytest.mark.parametrize(("minutes", "shown"), [(5, "5 min"), (60, "1 h"), (125, "2 h 5 min")])
def test_episode_duration(minutes, shown):
    row = episode(at(date(2026, 5, 1)), duration_minutes=minutes)
    fig = figure(episodes=[row])
    [trace] = episode_traces(fig)
    assert f"<br>Lasted: {shown}" in hover(fig, trace)[0][2]


def test_deleted_episodes_are_not_plotted():
    rows = [episode(at(date(2026, 5, 1))), episode(at(date(2026, 5, 2)), deleted_at=DELETED)]
    [trace] = episode_traces(figure(episodes=rows))
    assert len(trace["x"]) == 1


# --- Treatment courses --------------------------------------------------------------------------


def test_treatment_courses_are_shaded_spans_labelled_with_the_medicine():
    courses = [
        treatment(date(2026, 2, 1), date(2026, 2, 1), medicine=Medicine.IVIG),
        treatment(date(2026, 9, 1), medicine=Medicine.OTHER, other_name=XSS),
    ]
    fig = figure(treatments=courses)
    spans = shapes(fig, xref="x", yref="paper")
    # Each span runs to the midnight after its last day; an ongoing one to the end of today.
    assert [(s["x0"], s["x1"]) for s in spans] == [
        ("2026-02-01", "2026-02-02"),
        ("2026-09-01", "2026-11-21"),
    ]
    assert all((s["type"], s["y0"], s["y1"]) == ("rect", 0, 1) for s in spans)
    labels = [a for a in fig["layout"]["annotations"] if a["xref"] == "x"]
    # The name before any explanation (cut short if long), the whole name on hover.
    assert [(a["text"], a["hovertext"]) for a in labels] == [
        ("IVIG", "IVIG (immune globulin)"),
        ('&lt;script&gt;alert("x"…', ESCAPED_XSS),
    ]
    # Labels far apart share the top row.
    assert labels[0]["y"] == labels[1]["y"] == 1


@pytest.mark.parametrize(
    ("name", "on_the_plot"),
    [
        ("Steroids (prednisone, dexamethasone)", "Steroids"),
        ("Eltrombopag (Promacta, Revolade)", "Eltrombopag"),
        ("Mycophenolate", "Mycophenolate"),
        ("Exactly eighteen c", "Exactly eighteen c"),  # 18 characters: whole
        ("Mycophenolate mofetil twice daily", "Mycophenolate…"),  # cut at a word
        ("Azathioprine, low dose", "Azathioprine, low…"),
        ("Hydroxychloroquinesulfate", "Hydroxychloroquin…"),  # one long word: cut inside it
        ("Danazol (for ITP) 200 mg", "Danazol"),
    ],
)
def test_a_long_treatment_name_is_cut_at_a_word_on_the_plot_and_whole_on_hover(name, on_the_plot):
    course = treatment(date(2026, 9, 1), medicine=Medicine.OTHER, other_name=name)
    [label] = figure(treatments=[course])["layout"]["annotations"]
    assert (label["text"], label["hovertext"]) == (on_the_plot, name)
    assert len(label["text"]) <= 18


def label_rows(fig: dict) -> dict[str, int]:
    """Each label's row, 0 at the top."""
    return {
        a["text"]: round((1 - a["y"]) / 0.06) for a in fig["layout"]["annotations"] if a["xref"]
    }


def test_labels_that_would_cover_each_other_take_the_other_row():
    # Six months: steroids and IVIG a week apart; romiplostim weeks later, by then clear of
    # the steroids' label; eltrombopag with doses that run beside romiplostim's.
    start = date(2026, 5, 21)
    courses = [
        treatment(date(2026, 6, 1), date(2026, 6, 20), medicine=Medicine.STEROIDS),
        treatment(date(2026, 6, 8), date(2026, 6, 8), medicine=Medicine.IVIG),
        treatment(date(2026, 7, 20), medicine=Medicine.ROMIPLOSTIM),
        treatment(date(2026, 8, 1), medicine=Medicine.ELTROMBOPAG, pk=4),
    ]
    doses = [dose(courses[3], date(2026, 8, 1), 50)]
    fig = figure(treatments=courses, range_start=start, courses=[course_of(courses[3], doses)])
    rows = label_rows(fig)
    assert rows == {"Steroids": 0, "IVIG": 1, "Romiplostim": 0, "Eltrombopag": 1}
    # A course's dose strips run along its own row: none under another course's label.
    assert {max(s["y"]) for s in dose_strips(fig)} == {1 - 0.06}


def test_treatments_not_started_yet_or_deleted_have_no_span():
    courses = [treatment(date(2026, 12, 1)), treatment(date(2026, 2, 1), deleted_at=DELETED)]
    assert shapes(figure(treatments=courses), xref="x") == []


def test_a_span_says_on_hover_the_dose_in_force_each_day():
    elt = treatment(date(2026, 3, 1), medicine=Medicine.ELTROMBOPAG)
    doses = [dose(elt, date(2026, 6, 2), 75), dose(elt, date(2026, 3, 3), 50)]
    fig = figure(treatments=[elt], courses=[course_of(elt, doses)])
    before = "Eltrombopag · no dose logged before 3 Mar 2026"
    first = "Eltrombopag · 50 mg every day from 3 Mar 2026"
    then = "Eltrombopag · 75 mg every day from 2 Jun 2026"
    assert dose_on(fig, date(2026, 3, 2)) == [before]
    assert dose_on(fig, date(2026, 3, 3)) == dose_on(fig, date(2026, 6, 1)) == [first]
    assert dose_on(fig, date(2026, 6, 2)) == dose_on(fig, TODAY) == [then]
    # The strips cover the span from end to end, along its label's row, in no legend.
    strips = dose_strips(fig)
    [span] = shapes(fig, xref="x")
    assert [(s["x"][0], s["x"][1]) for s in strips] == [
        ("2026-03-01", "2026-03-03"),
        ("2026-03-03", "2026-06-02"),
        ("2026-06-02", "2026-11-21"),
    ]
    assert (strips[0]["x"][0], strips[-1]["x"][1]) == (span["x0"], span["x1"])
    [label] = fig["layout"]["annotations"]
    layout = fig["layout"]
    assert {max(s["y"]) for s in strips} == {label["y"]}
    assert all(s["yaxis"] == "y3" and not s["showlegend"] for s in strips)
    assert layout["yaxis3"]["overlaying"] == "y"
    assert layout["yaxis3"]["range"] == layout["yaxis"]["domain"]
    # The label covers the start of the row, so it says the dose there too.
    assert label["hovertext"] == "Eltrombopag<br>no dose logged before 3 Mar 2026"


def test_a_dose_entered_again_unchanged_carries_on_and_the_newer_entry_of_a_day_counts():
    romi = treatment(date(2026, 9, 1), medicine=Medicine.ROMIPLOSTIM, dose="1 µg/kg weekly")
    weekly = {"unit": DoseUnit.UG_PER_KG, "how_often": HowOften.WEEKLY}
    weighed = {"weight_kg": Decimal(28), "weighed_on": date(2026, 9, 1), **weekly}
    doses = [  # newest first, as readings.courses gives them
        dose(romi, date(2026, 10, 20), 3, **weighed),  # corrects the entry below
        dose(romi, date(2026, 10, 20), 30, **weighed),
        dose(romi, date(2026, 9, 22), 2, **weighed),
        dose(romi, date(2026, 9, 15), 2, **weighed),
        dose(romi, date(2026, 9, 8), 2, **weighed),
    ]
    fig = figure(treatments=[romi], courses=[course_of(romi, doses)])
    assert [s["text"] for s in dose_strips(fig)] == [
        "Romiplostim · 1 µg/kg weekly",  # the course's own dose, before the first entry
        "Romiplostim · 2 µg/kg every week (56 µg for 28 kg) from 8 Sep 2026",
        "Romiplostim · 3 µg/kg every week (84 µg for 28 kg) from 20 Oct 2026",
    ]
    assert dose_on(fig, date(2026, 10, 19)) == [dose_strips(fig)[1]["text"]]


def test_dose_strips_in_a_range_start_with_the_dose_in_force_at_its_start():
    ivig = treatment(date(2026, 1, 5), date(2026, 6, 30), medicine=Medicine.IVIG)
    once = {"unit": DoseUnit.G_PER_KG, "how_often": HowOften.ONCE, "route": Route.INFUSION}
    weighed = {"weight_kg": Decimal(70), "weighed_on": date(2026, 1, 5), **once}
    doses = [
        dose(ivig, date(2026, 6, 10), 1, **weighed),  # after the range
        dose(ivig, date(2026, 4, 1), 2, deleted_at=DELETED, **weighed),
        dose(ivig, date(2026, 1, 5), 1, **weighed),
    ]
    fig = figure(
        treatments=[ivig],
        courses=[course_of(ivig, doses)],
        range_start=date(2026, 3, 1),
        range_end=date(2026, 5, 31),
    )
    [strip] = dose_strips(fig)
    assert (strip["x"][0], strip["x"][1]) == ("2026-03-01", "2026-06-01")
    given = "1 g/kg once (70 g for 70 kg) on 5 Jan 2026"
    assert strip["text"] == f"IVIG · {given}"
    [label] = fig["layout"]["annotations"]
    assert label["hovertext"] == f"IVIG (immune globulin)<br>{given}"
    # A dose given on the first day shown is in force from that day.
    from_its_first_day = figure(treatments=[ivig], courses=[course_of(ivig, doses)])
    assert dose_on(from_its_first_day, date(2026, 1, 5)) == [strip["text"]]


def test_dose_hover_text_is_escaped():
    other = treatment(date(2026, 9, 1), medicine=Medicine.OTHER, other_name=XSS, dose=XSS)
    doses = [dose(other, date(2026, 10, 1), 5, how_often="")]
    fig = figure(treatments=[other], courses=[course_of(other, doses)])
    assert [s["text"] for s in dose_strips(fig)] == [
        f"{ESCAPED_XSS} · {ESCAPED_XSS}",
        f"{ESCAPED_XSS} · 5 mg from 1 Oct 2026",
    ]
    assert "<script>" not in orjson.dumps(fig).decode()


def test_courses_without_doses_or_a_response_leave_the_figure_as_it_was():
    rows = [reading(date(2026, 9, 1), 20), reading(date(2026, 10, 1), 25)]
    courses = [
        treatment(date(2026, 2, 1), date(2026, 2, 1), medicine=Medicine.IVIG, dose="1 g/kg"),
        treatment(date(2026, 9, 1), medicine=Medicine.SPLENECTOMY),
    ]
    no_response = CourseResponse(rows[0], Level.NONE)
    with_courses = figure(
        rows, treatments=courses, courses=[course_of(t, response=no_response) for t in courses]
    )
    assert with_courses == figure(rows, treatments=courses)
    assert dose_strips(with_courses) == response_markers(with_courses) == []
    assert "yaxis3" not in with_courses["layout"]


# --- Where a course worked ----------------------------------------------------------------------


ELT_START = date(2026, 3, 1)
R_TERMS = (
    "Response (R): 30 ×10⁹/L or more and double the count at the start, on two counts a week apart"
)
CR_TERMS = "Complete response (CR): 100 ×10⁹/L or more, on two counts a week apart"
# Baseline 10; R (30 and double) from 24 Mar, confirmed 31 Mar; CR (100) from 21 Apr, 28 Apr.
RESPONDING = [
    (date(2026, 2, 25), 10),
    (date(2026, 3, 10), 20),
    (date(2026, 3, 24), 35),
    (date(2026, 3, 31), 45),
    (date(2026, 4, 21), 110),
    (date(2026, 4, 28), 130),
    (date(2026, 5, 26), 90),
]


def responding_course() -> tuple[list[PlateletReading], Course]:
    elt = treatment(ELT_START, medicine=Medicine.ELTROMBOPAG)
    rows = [reading(day, count) for day, count in RESPONDING]
    result = responses.response_for_course(elt, rows, [], UTC)
    return rows, course_of(elt, response=result)


def test_markers_where_r_and_cr_were_reached_sit_on_those_counts():
    rows, course = responding_course()
    assert (course.response.best, course.response.response_day) == (Level.COMPLETE, 23)
    assert course.response.complete_day == 51
    fig = figure(rows, treatments=[course.treatment], courses=[course])
    [marker] = response_markers(fig)
    assert (marker["x"], marker["y"]) == (["2026-03-24", "2026-04-21"], [35.0, 110.0])
    assert marker["text"] == ["R", "CR"]
    assert marker["yaxis"] == "y" and marker["marker"]["symbol"] == "star"
    assert hover(fig, marker) == [
        ["24 Mar 2026", "R reached (Eltrombopag)", f"<br>Count: 35 ×10⁹/L<br>{R_TERMS}"],
        ["21 Apr 2026", "CR reached (Eltrombopag)", f"<br>Count: 110 ×10⁹/L<br>{CR_TERMS}"],
    ]
    # Over most of a star Plotly gives the hover to the count under it: it says the same.
    assert [row[2] for row in hover(fig, count_trace(fig))] == [
        "",
        "",
        f"<br>R reached (Eltrombopag)<br>{R_TERMS}",
        "",
        f"<br>CR reached (Eltrombopag)<br>{CR_TERMS}",
        "",
        "",
    ]


def test_response_markers_in_the_patients_unit():
    rows, course = responding_course()
    fig = figure(rows, unit=UL, courses=[course])
    [marker] = response_markers(fig)
    assert marker["y"] == [35000, 110000]
    assert "Response (R): 30,000 per µL or more and double" in hover(fig, marker)[0][2]
    assert "Complete response (CR): 100,000 per µL or more," in hover(fig, marker)[1][2]


def test_r_and_cr_reached_on_one_count_share_a_marker():
    rows, course = responding_course()
    course.response = CourseResponse(rows[0], Level.COMPLETE, 51, 51)
    fig = figure(rows, courses=[course])
    [marker] = response_markers(fig)
    assert (marker["x"], marker["text"]) == (["2026-04-21"], ["CR"])
    assert hover(fig, marker)[0][1:] == [
        "R and CR reached (Eltrombopag)",
        f"<br>Count: 110 ×10⁹/L<br>{R_TERMS}<br>{CR_TERMS}",
    ]


def test_response_markers_outside_the_range_are_left_out():
    rows, course = responding_course()
    april = {"range_start": date(2026, 4, 1), "range_end": date(2026, 4, 30)}
    [marker] = response_markers(figure(rows, courses=[course], **april))
    assert marker["x"] == ["2026-04-21"]
    june = {"range_start": date(2026, 6, 1), "range_end": TODAY}
    assert response_markers(figure(rows, courses=[course], **june)) == []


def test_no_marker_without_a_response_or_for_a_deleted_course():
    rows, course = responding_course()
    course.treatment.deleted_at = DELETED
    assert response_markers(figure(rows, courses=[course])) == []
    none = course_of(treatment(ELT_START), response=CourseResponse(rows[0], Level.NONE))
    assert response_markers(figure(rows, courses=[none])) == []


# --- Range --------------------------------------------------------------------------------------


def test_range_keeps_only_entries_in_it_including_both_ends():
    start, end = date(2026, 3, 1), date(2026, 5, 31)
    rows = [
        reading(date(2026, 2, 28), 1),
        reading(start, 2),
        reading(date(2026, 4, 15), 3),
        reading(end, 4, drawn_at=datetime(2026, 5, 31, 23, tzinfo=UTC)),
        reading(date(2026, 6, 1), 5),
    ]
    bleeds = [
        episode(datetime(2026, 2, 28, 23, 59, tzinfo=UTC)),
        episode(datetime(2026, 3, 1, 0, 0, tzinfo=UTC)),
        episode(datetime(2026, 5, 31, 23, 59, tzinfo=UTC), Severity.SEVERE),
        episode(datetime(2026, 6, 1, 0, 0, tzinfo=UTC)),
    ]
    fig = figure(rows, bleeds, range_start=start, range_end=end)
    assert count_trace(fig)["y"] == [2.0, 3.0, 4.0]
    assert sum(len(t["x"]) for t in episode_traces(fig)) == 2
    # The whole of both days is on the axis, with room to spare (test_the_time_axis_...).
    low, high = (datetime.fromisoformat(x) for x in fig["layout"]["xaxis"]["range"])
    assert low < datetime(2026, 3, 1) and datetime(2026, 6, 1) < high


def test_spans_are_clipped_to_the_range():
    courses = [
        treatment(date(2026, 1, 1), date(2026, 3, 10)),
        treatment(date(2026, 5, 1)),
        treatment(date(2025, 1, 1), date(2025, 2, 1)),
    ]
    fig = figure(treatments=courses, range_start=date(2026, 3, 1), range_end=date(2026, 5, 31))
    spans = shapes(fig, xref="x")
    assert [(s["x0"], s["x1"]) for s in spans] == [
        ("2026-03-01", "2026-03-11"),
        ("2026-05-01", "2026-06-01"),
    ]


def test_without_a_range_the_axis_runs_from_the_first_entry_to_today():
    rows = [reading(date(2026, 2, 3), 30), reading(date(2026, 1, 3), 30, deleted_at=DELETED)]
    bleeds = [episode(at(date(2026, 3, 1)))]
    courses = [treatment(date(2026, 1, 20)), treatment(date(2025, 1, 1), deleted_at=DELETED)]
    for entries, first in (
        ((rows, bleeds, courses), date(2026, 1, 20)),
        ((rows, bleeds, []), date(2026, 2, 3)),
        (([], bleeds, []), date(2026, 3, 1)),
    ):
        low, high = x_range(figure(*entries))
        assert low < datetime.combine(first, datetime.min.time()) < low + timedelta(days=30)
        assert datetime.combine(TODAY, datetime.max.time()) < high
    assert "range" not in figure()["layout"]["xaxis"]


# --- The counts' axis ---------------------------------------------------------------------------

COUNTS = st.decimals(min_value=0, max_value=2000, places=3)
LOW, MIXED, HIGH = [2, 5, 3, 8, 4], [5, 80, 12, 45, 30], [180, 320, 410, 250]


def over_days(counts, **fields) -> list[PlateletReading]:
    return [reading(TODAY - timedelta(days=i), count, **fields) for i, count in enumerate(counts)]


@given(
    counts=st.lists(COUNTS, max_size=20),
    threshold=st.none() | st.integers(1, 2000),
    scale=st.sampled_from(list(charts.SCALES)),
    unit=st.sampled_from([E9, UL]),
)
def test_every_count_and_the_threshold_are_on_the_axis_with_room_above(
    counts, threshold, scale, unit
):
    fig = figure(over_days(counts), threshold=threshold, unit=unit, scale=scale)
    plotted = count_trace(fig)["y"]
    if threshold is not None:
        plotted.append(threshold * (1000 if unit == UL else 1))
    # A 0 on a log scale sits on the floor; the highest value no higher than FILLED, leaving
    # room above for the treatment labels and the R/CR marks.
    assert all(0 <= height(fig, value) <= charts.FILLED + 1e-3 for value in plotted)
    # On a linear scale the axis fits: the highest is FILLED of the way up.
    least = charts.LEAST_TOP * (1000 if unit == UL else 1)
    if scale == charts.LINEAR and max(plotted, default=0) >= least:
        assert max(height(fig, value) for value in plotted) == pytest.approx(charts.FILLED, 1e-3)


@pytest.mark.parametrize("threshold", [None, 20])
@pytest.mark.parametrize("scale", charts.SCALES)
def test_counts_under_10_spread_over_the_plot(threshold, scale):
    fig = figure(over_days(LOW), threshold=threshold, scale=scale)
    # 1 ×10⁹/L between 2 and 3 takes a thirtieth of the plot's height or more (on an axis
    # stretched to the normal range's 450 it took a 450th).
    assert height(fig, 3) - height(fig, 2) >= 1 / 30


@pytest.mark.parametrize(
    ("counts", "threshold", "above"),
    [
        (LOW, None, {charts.LINEAR: ["Normal"], LOG: ["Normal"]}),
        (MIXED, 30, {charts.LINEAR: ["Normal"], LOG: []}),
        (HIGH, 30, {charts.LINEAR: [], LOG: []}),
    ],
    ids=["low", "mixed", "high"],
)
@pytest.mark.parametrize("scale", charts.SCALES)
def test_bands_run_off_the_edge_and_the_legend_says_which_lie_above(
    counts, threshold, above, scale
):
    fig = figure(over_days(counts), threshold=threshold, scale=scale)
    normal, itp = shapes(fig, type="rect", xref="paper", yref="y")
    # Whole bands, however much of them the axis shows: Plotly clips them at its edges.
    assert (normal["y0"], normal["y1"], itp["y1"]) == (150, 450, 100)
    named_above = [
        band["name"].split()[0] for band in (normal, itp) if "off the top" in band["name"]
    ]
    assert named_above == above[scale]
    for band in (normal, itp):
        assert ("off the top" in band["name"]) == (height(fig, band["y0"]) >= 1)


@pytest.mark.parametrize(
    ("language", "unit", "lines"),
    [
        ("en-gb", E9, ["Normal range 150–450 (NHLBI), off the top"]),
        ("en-gb", UL, ["Normal range 150,000–450,000 (NHLBI), off", "the top"]),
        ("es", E9, ["Rango normal 150–450 (NHLBI), por encima", "del gráfico"]),
    ],
)
def test_a_long_legend_entry_is_broken_into_lines_for_a_phone(language, unit, lines):
    """Plotly never wraps one: on a 360 px phone the end of the line was cut off."""
    with translation.override(language):
        fig = figure(over_days(LOW), unit=unit)
    normal, _itp = shapes(fig, type="rect", xref="paper", yref="y")
    assert normal["name"].split("<br>") == lines


@given(counts=st.lists(COUNTS, min_size=1, max_size=20), threshold=st.none() | st.integers(1, 2000))
def test_log_ticks_are_1_2_5_and_each_is_written_in_full(counts, threshold):
    fig = figure(over_days(counts), threshold=threshold, scale=LOG)
    axis = fig["layout"]["yaxis"]
    ticks, texts = axis["tickvals"], axis["ticktext"]
    assert ticks == sorted(ticks) and len(ticks) >= 1
    for tick, text in zip(ticks, texts, strict=True):
        value = Decimal(str(tick))
        assert value.normalize().as_tuple().digits in {(1,), (2,), (5,)}
        assert Decimal(text.replace(",", "")) == value  # "20", never "2"
        assert 0 <= height(fig, tick) <= 1 + 1e-9


@pytest.mark.parametrize(
    ("unit", "expected"),
    [
        (E9, ["2", "5", "10", "20", "50", "100", "200"]),
        (UL, ["2,000", "5,000", "10,000", "20,000", "50,000", "100,000", "200,000"]),
    ],
)
def test_log_tick_labels_from_a_record_of_3_to_150(unit, expected):
    fig = figure(over_days([3, 150]), unit=unit, scale=LOG)
    assert fig["layout"]["yaxis"]["ticktext"] == expected


def test_a_count_of_0_on_a_log_scale_sits_at_the_floor_with_its_own_marker_and_words():
    rows = over_days([12, 0, 30])
    log = figure(rows, scale=LOG)
    trace = count_trace(log)
    floor = 10 ** log["layout"]["yaxis"]["range"][0]
    assert trace["y"][1] == pytest.approx(floor) and floor < 12
    assert symbols(trace) == ["circle", ZERO_SYMBOL, "circle"]
    assert trace["cliponaxis"] is False  # drawn whole, over the axis line
    headline, details = hover(log, trace)[1][1:]
    assert headline == "0 ×10⁹/L" and "A log scale has no 0: drawn at its foot" in details
    assert marker_key(log) == {ZERO_SYMBOL: "0, drawn at the foot of the log scale"}
    # No tick says the floor is a count of anything else.
    assert min(log["layout"]["yaxis"]["tickvals"]) > floor
    # On a linear scale a 0 is a count like any other.
    linear = figure(rows)
    assert count_trace(linear)["y"][1] == 0
    assert symbols(count_trace(linear)) == ["circle"] * 3 and marker_key(linear) == {}
    assert "log scale" not in "".join(linear["strings"])


def test_only_markers_in_view_are_explained_in_the_legend():
    assert marker_key(figure(over_days([10, 20]), scale=LOG)) == {}
    below = over_days([10, 20], comparator="<")
    assert marker_key(figure(below)) == {"triangle-down": "Below the lab’s limit (&lt;)"}


# --- The time axis ------------------------------------------------------------------------------


def points_of(fig: dict) -> list[datetime]:
    return [
        datetime.fromisoformat(x)
        for trace in fig["data"]
        if trace.get("customdata")
        for x in trace["x"]
    ]


@pytest.mark.parametrize("chart_range", charts.RANGES)
def test_the_time_axis_leaves_room_for_a_marker_on_today_and_on_the_first_day(chart_range):
    start = chart_range.start(TODAY) or date(2016, 11, 20)
    late = datetime(TODAY.year, TODAY.month, TODAY.day, 23, 59, tzinfo=UTC)
    rows = [reading(start, 20), reading(TODAY, 30, drawn_at=late)]
    fig = figure(
        rows,
        [episode(late, Severity.SEVERE)],
        range_start=chart_range.start(TODAY),
        range_end=TODAY if chart_range.months else None,
    )
    low, high = x_range(fig)
    # 2 % of the width is 7 px of a phone's plot: more than half of the largest marker.
    for moment in points_of(fig):
        assert (moment - low) / (high - low) >= 0.02
        assert (high - moment) / (high - low) >= 0.02


def test_a_label_that_would_run_off_the_right_edge_ends_where_its_course_ends():
    romi = treatment(TODAY - timedelta(days=12), medicine=Medicine.ROMIPLOSTIM)
    weekly = {"unit": DoseUnit.UG_PER_KG, "how_often": HowOften.WEEKLY, "route": Route.UNDER_SKIN}
    weighed = {"weight_kg": Decimal(28), "weighed_on": romi.started_on, **weekly}
    doses = [
        dose(romi, TODAY - timedelta(days=5), 2, **weighed),
        dose(romi, romi.started_on, 1, **weighed),
    ]
    ivig = treatment(date(2026, 6, 1), date(2026, 6, 20), medicine=Medicine.IVIG)
    fig = figure(
        treatments=[ivig, romi],
        courses=[course_of(romi, doses)],
        range_start=date(2026, 5, 20),
        range_end=TODAY,
    )
    labels = {label["text"]: label for label in fig["layout"]["annotations"]}
    end_of_today = (TODAY + timedelta(days=1)).isoformat()
    assert (labels["Romiplostim"]["x"], labels["Romiplostim"]["xanchor"]) == (end_of_today, "right")
    assert (labels["IVIG"]["x"], labels["IVIG"]["xanchor"]) == ("2026-06-01", "left")
    # The label covers the end of its row now: it gives the dose in force there.
    assert labels["Romiplostim"]["hovertext"].endswith(dose_on(fig, TODAY)[0].split(" · ")[1])


# --- The whole figure ---------------------------------------------------------------------------


def test_an_empty_record_gives_a_valid_figure_with_no_points():
    fig = figure()
    assert count_trace(fig)["x"] == []
    assert count_trace(fig)["y"] == []
    assert episode_traces(fig) == []
    assert len(fig["layout"]["shapes"]) == 2  # the reference bands


def test_a_single_point():
    fig = figure([reading(date(2026, 11, 20), 45)], unit=UL)
    trace = count_trace(fig)
    assert (trace["x"], trace["y"]) == (["2026-11-20"], [45000])


def test_ranges():
    today = date(2026, 11, 24)
    assert [(r.slug, r.start(today)) for r in charts.RANGES] == [
        ("3m", date(2026, 8, 24)),
        ("6m", date(2026, 5, 24)),
        ("1y", date(2025, 11, 24)),
        ("all", None),
    ]
    assert charts.chart_range("1y").label == "1 year"
    assert charts.chart_range("nonsense") == charts.chart_range(None) == charts.DEFAULT_RANGE
    # No scale toggle inside the plot (out of a keyboard's reach): the page has links.
    assert "updatemenus" not in figure()["layout"]


def test_layout_suits_phones_and_readers():
    layout = figure()["layout"]
    assert layout["font"]["family"].startswith("system-ui")
    assert layout["legend"]["orientation"] == "h"
    assert max(layout["margin"].values()) <= 48
    assert layout["plot_bgcolor"] == layout["paper_bgcolor"] == "#FFFFFF"


def test_marker_and_line_colours_contrast_with_white():
    colours = [
        COUNT_COLOUR,
        THRESHOLD_COLOUR,
        RESPONSE_COLOUR,
        *(colour for colour, _ in SEVERITY_STYLES.values()),
    ]
    assert all(contrast(colour) >= 3 for colour in colours), colours


def test_figure_json_round_trips_and_is_safe_inside_a_script_element():
    fig = figure([reading(date(2026, 1, 3), 30, note="</script><b>&")], threshold=20)
    text = figure_json(fig)
    assert isinstance(text, str)
    assert orjson.loads(text) == fig
    assert not {"<", ">", "&"} & set(text)


def test_every_colour_has_a_dark_one_that_contrasts_with_the_dark_background():
    rows, course = responding_course()
    rows += [reading(date(2026, 6, 1), 0), reading(date(2026, 6, 8), 10, comparator="<")]
    bleeds = [
        episode(at(date(2026, 6, i + 1)), severity) for i, severity in enumerate(SEVERITY_STYLES)
    ]
    course.doses = [dose(course.treatment, ELT_START, 50)]
    fig = figure(rows, bleeds, [course.treatment], threshold=30, courses=[course], scale=LOG)
    used = colours_in(fig["data"]) | colours_in(fig["layout"])
    assert used - {"rgba(0,0,0,0)"} <= fig["dark"].keys()
    background = DARK_COLOURS[BACKGROUND]
    assert contrast(DARK_COLOURS[TEXT_COLOUR], background) >= 4.5
    for colour in [COUNT_COLOUR, THRESHOLD_COLOUR, RESPONSE_COLOUR]:
        assert contrast(DARK_COLOURS[colour], background) >= 3, colour
    for colour, _ in SEVERITY_STYLES.values():
        assert contrast(DARK_COLOURS[colour], background) >= 3, colour


def test_ten_years_of_daily_counts_fit_in_150_kb_with_every_hover_kept():
    rows = [
        reading(TODAY - timedelta(days=day), 5 + day % 246, lab="City lab", note="Routine")
        for day in range(3650)
    ]
    start = datetime(2016, 11, 20, tzinfo=UTC)
    severities = list(SEVERITY_STYLES)
    bleeds = [
        episode(start + timedelta(hours=173 * i), severities[i % 6], kind=BleedingKind.GUMS)
        for i in range(500)
    ]
    courses = [
        treatment(TODAY - timedelta(days=180 * (i + 1)), TODAY - timedelta(days=180 * i + 90))
        for i in range(20)
    ]
    fig = figure(rows, bleeds, courses, threshold=30)
    assert len(figure_json(fig).encode()) < 150 * 1024
    counts = hover(fig, count_trace(fig))
    assert len(counts) == 3650
    assert all(row[2] == "<br>Lab: City lab<br>Note: Routine" for row in counts)
    assert sum(len(hover(fig, trace)) for trace in episode_traces(fig)) == 500


@pytest.mark.parametrize("chart_range", charts.RANGES)
@pytest.mark.parametrize("scale", charts.SCALES)
def test_a_view_lives_in_the_address_and_each_link_keeps_the_other_choice(chart_range, scale):
    def read(query: str) -> charts.ChartView:
        asked = dict(parse_qsl(query))
        return charts.chart_view(asked.get("range"), asked.get("scale"))

    view = charts.ChartView(chart_range, scale)
    assert read(view.query) == view
    # The default scale goes unsaid: the addresses from before the scale links still hold.
    assert ("scale=" in view.query) == (scale == LOG)
    assert [read(link.query) for link in view.ranges] == [
        charts.ChartView(other, scale) for other in charts.RANGES
    ]
    assert [read(link.query) for link in view.scales] == [
        charts.ChartView(chart_range, other) for other in charts.SCALES
    ]
    for _, _, links in view.controls:
        assert [link.current for link in links].count(True) == 1
        assert [read(link.query) == view for link in links] == [link.current for link in links]


def test_an_unknown_view_is_the_default():
    assert charts.chart_view("5y", "cubic") == charts.ChartView(charts.DEFAULT_RANGE)


@pytest.mark.parametrize("scale", charts.SCALES)
def test_the_figure_is_drawn_on_the_scale_asked_for(scale):
    assert figure(over_days(MIXED), scale=scale)["layout"]["yaxis"]["type"] == scale


def test_figure_building_needs_no_database():
    # No django_db mark: any query would fail this test.
    rows, course = responding_course()
    course.doses = [dose(course.treatment, ELT_START, 50)]
    figure(
        [*rows, reading(date(2026, 1, 3), 30)],
        [episode(at(date(2026, 1, 4)))],
        [treatment(date(2026, 1, 1)), course.treatment],
        threshold=30,
        courses=[course],
    )


# --- In words -----------------------------------------------------------------------------------


def test_text_summary_of_no_counts():
    assert text_summary([], E9) == "No counts in this period."
    assert text_summary([reading(date(2026, 1, 3), 30, deleted_at=DELETED)], E9) == (
        "No counts in this period."
    )


def test_text_summary_of_one_count():
    assert (
        text_summary([reading(date(2026, 1, 3), 45)], UL)
        == "1 count, on 3 Jan 2026: 45,000 per µL."
    )


def test_text_summary_of_a_trend():
    rows = [
        reading(date(2026, 11, 20), 45),
        reading(date(2026, 3, 4), 12),
        reading(date(2026, 1, 3), 30),
        reading(date(2026, 8, 1), 160),
    ]
    assert text_summary(rows, E9) == (
        "4 counts from 3 Jan 2026 to 20 Nov 2026. "
        "Latest 45 ×10⁹/L on 20 Nov 2026, up from 30 ×10⁹/L, the first count in this period. "
        "Lowest 12 ×10⁹/L on 4 Mar 2026; highest 160 ×10⁹/L on 1 Aug 2026."
    )


@pytest.mark.parametrize(
    ("first", "last", "words"),
    [(30, 20, "down from 30 ×10⁹/L"), (30, 30, "unchanged from 30 ×10⁹/L")],
)
def test_text_summary_direction(first, last, words):
    rows = [reading(date(2026, 1, 3), first), reading(date(2026, 2, 3), last)]
    expected = f"Latest {last} ×10⁹/L on 3 Feb 2026, {words}, the first count in this period."
    assert expected in text_summary(rows, E9)


def test_text_summary_with_below_detection_counts():
    rows = [reading(date(2026, 1, 3), 10), reading(date(2026, 2, 3), 10, comparator="<")]
    assert text_summary(rows, UL) == (
        "2 counts from 3 Jan 2026 to 3 Feb 2026. "
        "Latest <10,000 per µL on 3 Feb 2026, down from 10,000 per µL, "
        "the first count in this period. "
        "Lowest <10,000 per µL on 3 Feb 2026; highest 10,000 per µL on 3 Jan 2026."
    )


def test_two_courses_reaching_a_level_on_one_count_share_a_star_that_names_both():
    rows, course = responding_course()
    steroids = treatment(ELT_START, medicine=Medicine.STEROIDS)
    other = course_of(steroids, response=responses.response_for_course(steroids, rows, [], UTC))
    fig = figure(rows, courses=[course, other])
    [marker] = response_markers(fig)
    assert marker["x"] == ["2026-03-24", "2026-04-21"]
    assert [point[1] for point in hover(fig, marker)] == [
        "R reached (Eltrombopag); R reached (Steroids)",
        "CR reached (Eltrombopag); CR reached (Steroids)",
    ]


@given(lowest=st.decimals(Decimal("0.5"), Decimal(400), places=1))
def test_a_0_on_a_log_scale_is_never_below_the_axis_as_plotly_reckons(lowest):
    # Plotly places a log point at Math.log(v) / Math.LN10 and hides one below the range; that
    # can be one step under Python's log10 of the same number (218 of 400 floors were).
    fig = figure(over_days([lowest, 0, lowest * 3]), scale=LOG)
    zero_at = count_trace(fig)["y"][1]
    assert math.log(zero_at) / math.log(10) >= fig["layout"]["yaxis"]["range"][0]


def test_three_courses_a_week_apart_take_three_rows_and_the_counts_make_room():
    # From a break test: three long names a week apart stacked on two rows.
    names = [
        ("Mycophenolate mofetil twice daily", date(2026, 9, 1), date(2026, 9, 20)),
        ("Azathioprine tablets every morning", date(2026, 9, 8), date(2026, 9, 30)),
        ("Danazol 200 mg three times a day", date(2026, 9, 15), None),
    ]
    courses = [
        treatment(start, end, medicine=Medicine.OTHER, other_name=name)
        for name, start, end in names
    ]
    counts = [reading(date(2026, 8, 1), 90), reading(date(2026, 11, 1), 40)]
    fig = figure(counts, treatments=courses, range_start=date(2026, 5, 21))
    assert label_rows(fig) == {"Mycophenolate…": 0, "Azathioprine…": 1, "Danazol 200 mg…": 2}
    # A third row of labels: the highest count sits a row lower than FILLED (0.8).
    assert height(fig, 90) == pytest.approx(0.74, abs=0.005)


def test_at_most_four_rows_of_labels_however_many_courses_run_at_once():
    courses = [
        treatment(date(2026, 10, 1) + timedelta(days=day), medicine=Medicine.OTHER, other_name=n)
        for day, n in enumerate(["Alpha", "Beta", "Gamma", "Delta", "Epsilon", "Zeta"])
    ]
    rows = label_rows(figure(treatments=courses, range_start=date(2026, 5, 21)))
    assert set(rows.values()) == {0, 1, 2, 3}  # the fifth and sixth share the rows freed first


@given(
    st.lists(
        st.tuples(st.floats(0, 1), st.floats(0.001, 0.6)).map(lambda s: (s[0], s[0] + s[1])),
        max_size=8,
    )
)
def test_label_rows_never_stack_two_labels_while_a_row_is_free(extents):
    """Where no more spans' extents meet at one point than there are rows, no two on a row
    cover each other (first fit in start order is optimal for intervals)."""
    extents.sort()
    rows = charts._label_rows(extents)
    assert len(rows) == len(extents) and set(rows) <= set(range(charts.MAX_LABEL_ROWS))

    def meet(a, b):
        return a[0] <= b[1] and b[0] <= a[1]

    crowded = any(
        sum(meet(other, (point, point)) for other in extents) > charts.MAX_LABEL_ROWS
        for point, _ in extents
    )
    if not crowded:
        for i, one in enumerate(extents):
            for j in range(i):
                assert rows[i] != rows[j] or not meet(one, extents[j]), (extents, rows)


def test_the_chart_for_paper_is_a_fixed_size_without_hover_or_its_words():
    rows = [reading(date(2026, 9, 1), 30, lab="St Mary's", note="private note")]
    course = treatment(date(2026, 9, 1))
    fig = figure(rows, [episode(at(date(2026, 9, 2)))], [course], threshold=20)
    fig = charts.for_paper(fig)
    [span] = shapes(fig, xref="x")
    assert span["line"]["dash"] == "dot"
    names = [shape.get("name") for shape in fig["layout"]["shapes"]]
    assert "Clinician's threshold: 20" in names
    go.Figure({"data": fig["data"], "layout": fig["layout"]})  # still a valid figure
    assert (fig["layout"]["width"], fig["layout"]["height"]) == (680, 300)
    assert fig["layout"]["hovermode"] is False and fig["dark"] == {}
    assert "private note" not in charts.figure_json(fig) and "St Mary" not in json.dumps(fig)
