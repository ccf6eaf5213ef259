from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import orjson
import plotly.graph_objects as go
import pytest
from django.utils import timezone

from readings import charts
from readings.charts import (
    COUNT_COLOUR,
    LIMIT_SYMBOLS,
    SEVERITY_STYLES,
    THRESHOLD_COLOUR,
    build_figure,
    figure_json,
    text_summary,
)
from readings.models import (
    BleedingEpisode,
    BleedingKind,
    FirstAid,
    Medicine,
    PlateletReading,
    Severity,
    Treatment,
)
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


def at(day: date, hour: int = 12) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def figure(readings=(), episodes=(), treatments=(), *, unit=E9, threshold=None, **dates) -> dict:
    """A figure, checked against Plotly's schema (go.Figure raises on unknown properties)."""
    built = build_figure(
        readings, episodes, treatments, unit=unit, threshold=threshold, today=TODAY, **dates
    )
    go.Figure(built)
    return built


def count_trace(fig: dict) -> dict:
    [trace] = [t for t in fig["data"] if t["name"] == "Platelet count"]
    return trace


def episode_traces(fig: dict) -> list[dict]:
    return [t for t in fig["data"] if t.get("yaxis") == "y2"]


def annotation_texts(fig: dict) -> list[str]:
    return [a["text"] for a in fig["layout"]["annotations"]]


def shapes(fig: dict, **match) -> list[dict]:
    return [s for s in fig["layout"]["shapes"] if match.items() <= s.items()]


def contrast_with_white(colour: str) -> float:
    def channel(hex_pair: str) -> float:
        c = int(hex_pair, 16) / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(colour[i : i + 2]) for i in (1, 3, 5))
    return 1.05 / (0.2126 * r + 0.7152 * g + 0.0722 * b + 0.05)


# --- Counts -------------------------------------------------------------------------------------


def test_count_trace_matches_the_rows_in_date_order():
    rows = [
        reading(date(2026, 3, 4), "12.5"),
        reading(date(2026, 1, 3), 30, drawn_at=datetime(2026, 1, 3, 9, 15, tzinfo=UTC)),
        reading(date(2026, 11, 20), 45),
    ]
    trace = count_trace(figure(rows))
    assert trace["type"] == "scatter"
    assert trace["mode"] == "lines+markers"
    assert trace["x"] == ["2026-01-03T09:15", "2026-03-04", "2026-11-20"]
    assert trace["y"] == [30.0, 12.5, 45.0]
    assert [row[:2] for row in trace["customdata"]] == [
        ["3 Jan 2026, 09:15", "30 ×10⁹/L"],
        ["4 Mar 2026", "12.5 ×10⁹/L"],
        ["20 Nov 2026", "45 ×10⁹/L"],
    ]
    assert "%{customdata[1]}" in trace["hovertemplate"]


def test_counts_per_microlitre_are_whole_numbers_a_thousand_times_larger():
    rows = [reading(date(2026, 1, 3), "12.345"), reading(date(2026, 2, 3), 150)]
    trace = count_trace(figure(rows, unit=UL))
    assert trace["y"] == [12345, 150000]
    assert all(isinstance(y, int) for y in trace["y"])
    assert [row[1] for row in trace["customdata"]] == ["12,345 per µL", "150,000 per µL"]


def test_draw_times_are_shown_in_the_patients_time_zone():
    late = reading(date(2026, 1, 4), 30, drawn_at=datetime(2026, 1, 3, 23, 30, tzinfo=UTC))
    with timezone.override(ZoneInfo("Pacific/Auckland")):
        trace = count_trace(figure([late]))
    assert trace["x"] == ["2026-01-04T12:30"]
    assert trace["customdata"][0][0] == "4 Jan 2026, 12:30"


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
        trace = count_trace(figure(rows, unit=unit))
        assert trace["marker"]["symbol"] == ["circle", "triangle-down", "triangle-up"]
        assert LIMIT_SYMBOLS["<"] == LIMIT_SYMBOLS["<="] == "triangle-down"
        assert [point[1] for point in trace["customdata"][1:]] == [below, above]


def test_lab_and_note_are_in_the_hover_text_escaped():
    row = reading(date(2026, 1, 3), 30, lab="St <Mary's> & Co", note=XSS)
    fig = figure([row])
    details = count_trace(fig)["customdata"][0][2]
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
            (150.0, 450.0),
            (1.0, 100.0),
            ["Normal range 150–450 (NHLBI)", "ITP band &lt;100 (IWG)"],
        ),
        (
            UL,
            (150000, 450000),
            (1000, 100000),
            ["Normal range 150,000–450,000 (NHLBI)", "ITP band &lt;100,000 (IWG)"],
        ),
    ],
)
def test_reference_bands_named_in_the_legend_with_their_source(unit, normal, itp, labels):
    fig = figure(unit=unit)
    # The ITP band starts just above 0, which a log axis cannot show.
    bands = shapes(fig, type="rect", xref="paper", yref="y")
    assert [(band["y0"], band["y1"]) for band in bands] == [normal, itp]
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
    [trace] = episode_traces(figure(episodes=[row]))
    assert trace["x"] == ["2026-05-01T07:45"]
    assert trace["customdata"] == [
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
    [trace] = episode_traces(figure(episodes=[row]))
    assert f"<br>Lasted: {shown}" in trace["customdata"][0][2]


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
    # The name before any explanation, the whole name on hover.
    assert [(a["x"], a["text"], a["hovertext"]) for a in labels] == [
        ("2026-02-01", "IVIG", "IVIG (immune globulin)"),
        ("2026-09-01", ESCAPED_XSS, ESCAPED_XSS),
    ]
    # Neighbouring labels take turns between two rows.
    assert labels[0]["y"] != labels[1]["y"]


def test_treatments_not_started_yet_or_deleted_have_no_span():
    courses = [treatment(date(2026, 12, 1)), treatment(date(2026, 2, 1), deleted_at=DELETED)]
    assert shapes(figure(treatments=courses), xref="x") == []


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
    assert fig["layout"]["xaxis"]["range"] == ["2026-03-01", "2026-06-01"]


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


def test_without_a_range_the_axis_fits_the_data():
    assert "range" not in figure([reading(date(2026, 1, 3), 30)])["layout"]["xaxis"]


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


def test_ranges_and_log_toggle():
    today = date(2026, 11, 24)
    assert [(r.slug, r.start(today)) for r in charts.RANGES] == [
        ("3m", date(2026, 8, 24)),
        ("6m", date(2026, 5, 24)),
        ("1y", date(2025, 11, 24)),
        ("all", None),
    ]
    assert charts.chart_range("1y").label == "1 year"
    assert charts.chart_range("nonsense") == charts.chart_range(None) == charts.DEFAULT_RANGE
    layout = figure()["layout"]
    [menu] = layout["updatemenus"]
    assert [(b["method"], b["args"]) for b in menu["buttons"]] == [
        ("relayout", [{"yaxis.type": "linear"}]),
        ("relayout", [{"yaxis.type": "log"}]),
    ]


def test_layout_suits_phones_and_readers():
    layout = figure()["layout"]
    assert layout["font"]["family"].startswith("system-ui")
    assert layout["legend"]["orientation"] == "h"
    assert max(layout["margin"].values()) <= 48
    assert layout["plot_bgcolor"] == layout["paper_bgcolor"] == "#FFFFFF"


def test_marker_and_line_colours_contrast_with_white():
    colours = [COUNT_COLOUR, THRESHOLD_COLOUR, *(colour for colour, _ in SEVERITY_STYLES.values())]
    assert all(contrast_with_white(colour) >= 3 for colour in colours), colours


def test_figure_json_round_trips_and_is_safe_inside_a_script_element():
    fig = figure([reading(date(2026, 1, 3), 30, note="</script><b>&")], threshold=20)
    text = figure_json(fig)
    assert isinstance(text, str)
    assert orjson.loads(text) == fig
    assert not {"<", ">", "&"} & set(text)


def test_figure_building_needs_no_database():
    # No django_db mark: any query would fail this test.
    figure(
        [reading(date(2026, 1, 3), 30)],
        [episode(at(date(2026, 1, 4)))],
        [treatment(date(2026, 1, 1))],
        threshold=30,
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
        "Latest 45 ×10⁹/L on 20 Nov 2026, up from 30 ×10⁹/L. "
        "Lowest 12 ×10⁹/L on 4 Mar 2026; highest 160 ×10⁹/L on 1 Aug 2026."
    )


@pytest.mark.parametrize(
    ("first", "last", "words"),
    [(30, 20, "down from 30 ×10⁹/L"), (30, 30, "unchanged from 30 ×10⁹/L")],
)
def test_text_summary_direction(first, last, words):
    rows = [reading(date(2026, 1, 3), first), reading(date(2026, 2, 3), last)]
    assert f"Latest {last} ×10⁹/L on 3 Feb 2026, {words}." in text_summary(rows, E9)


def test_text_summary_with_below_detection_counts():
    rows = [reading(date(2026, 1, 3), 10), reading(date(2026, 2, 3), 10, comparator="<")]
    assert text_summary(rows, UL) == (
        "2 counts from 3 Jan 2026 to 3 Feb 2026. "
        "Latest <10,000 per µL on 3 Feb 2026, down from 10,000 per µL. "
        "Lowest <10,000 per µL on 3 Feb 2026; highest 10,000 per µL on 3 Jan 2026."
    )
