import datetime
from decimal import Decimal

import orjson
import plotly.graph_objects as go
import pytest
from django.utils import timezone

from readings import charts, dashboard_data
from tests.clock import pinned
from tests.factories import make_episode, make_patient, make_reading, make_treatment

pytestmark = [pytest.mark.django_db, pinned]

TODAY = datetime.date(2026, 11, 24)


def days_ago(days: int) -> datetime.date:
    return TODAY - datetime.timedelta(days=days)


@pytest.fixture
def patient():
    patient = make_patient(name="Sam", diagnosis_date=days_ago(400), alert_threshold=30)
    for days, count in [(200, "20"), (100, "35"), (60, "50"), (20, "41"), (2, "45")]:
        make_reading(patient, count, drawn_on=days_ago(days))
    deleted = make_reading(patient, "5", drawn_on=days_ago(1))
    deleted.deleted_at = timezone.now()
    deleted.save()
    make_episode(
        patient, "petechiae", started_at=timezone.make_aware(datetime.datetime(2026, 11, 14, 9))
    )
    make_treatment(patient, "eltrombopag", started_on=days_ago(90))
    make_treatment(patient, "steroids", started_on=days_ago(300), ended_on=days_ago(250))
    return patient


def overview(patient, slug, scale=None):
    view = charts.chart_view(slug, scale)
    return dashboard_data.overview(patient, view, TODAY, with_table=True)


def figure(data) -> dict:
    figure = orjson.loads(data["figure_json"])
    go.Figure({"data": figure["data"], "layout": figure["layout"]})  # valid: Plotly's schema
    return figure


def plotted_counts(data) -> list:
    return figure(data)["data"][0]["y"]


def test_the_summary_uses_live_rows_only(patient):
    data = overview(patient, "3m")
    summary = data["summary"]
    assert summary.latest.count == Decimal(45)
    assert (summary.previous.count, summary.change, summary.direction) == (
        Decimal(41),
        Decimal(4),
        "up",
    )
    assert summary.lowest_30_days.count == Decimal(41)
    assert summary.lowest_90_days.count == Decimal(41)
    assert summary.days_since_bleed == 10
    assert [t.medicine for t in summary.current_treatments] == ["eltrombopag"]
    assert data["phase"].label == "Chronic"


@pytest.mark.parametrize(
    ("slug", "expected"),
    [("3m", [50, 41, 45]), ("6m", [35, 50, 41, 45]), ("all", [20, 35, 50, 41, 45])],
)
def test_the_chart_and_table_hold_the_counts_in_range(patient, slug, expected):
    data = overview(patient, slug)
    assert plotted_counts(data) == expected
    assert [row.count for row in data["table"]] == [f"{n} ×10⁹/L" for n in expected[::-1]]
    assert data["table_total"] == len(expected)
    assert data["chart_view"].range.slug == slug
    assert data["chart_drawn"]


def test_the_lows_reach_back_90_days_even_when_the_chart_shows_less(patient):
    make_reading(patient, "12", drawn_on=days_ago(80))
    data = overview(patient, "3m")
    assert data["summary"].lowest_90_days.count == Decimal(12)
    assert 12 in plotted_counts(data)


def test_the_change_is_known_when_the_counts_are_older_than_the_range():
    old = make_patient(name="Old")
    make_reading(old, "30", drawn_on=days_ago(700))
    make_reading(old, "60", drawn_on=days_ago(600))
    data = overview(old, "3m")
    assert (data["summary"].latest.count, data["summary"].change) == (Decimal(60), Decimal(30))
    assert plotted_counts(data) == []
    assert data["chart_summary"] == "No counts in this period."
    # Nothing to draw: no empty plot, the words say so.
    assert not data["chart_drawn"]


def test_the_table_is_capped(patient, monkeypatch):
    monkeypatch.setattr(dashboard_data, "TABLE_ROWS", 2)
    data = overview(patient, "all")
    assert [row.count for row in data["table"]] == ["45 ×10⁹/L", "41 ×10⁹/L"]
    assert data["table_total"] == 5


def test_the_table_is_only_built_when_asked_for(patient):
    data = dashboard_data.overview(patient, charts.chart_view("3m", None), TODAY)
    assert (data["table"], data["table_total"]) == ([], 3)


def test_an_empty_patient():
    data = overview(make_patient(name="New"), "6m")
    assert data["summary"].latest is None
    assert plotted_counts(data) == []


@pytest.mark.parametrize("scale", charts.SCALES)
def test_the_chart_is_drawn_on_the_scale_asked_for(patient, scale):
    data = overview(patient, "6m", scale)
    assert figure(data)["layout"]["yaxis"]["type"] == scale
    assert data["chart_view"].scale == scale


def test_the_chart_draws_the_courses_of_its_period_and_the_card_the_current_ones(patient):
    # Eltrombopag from 90 days ago, still taken; steroids from 300 to 250 days ago.
    for slug, drawn in (("3m", ["Eltrombopag"]), ("all", ["Steroids", "Eltrombopag"])):
        data = overview(patient, slug)
        labels = [label["text"] for label in figure(data)["layout"]["annotations"]]
        assert labels == drawn
        assert [course.treatment.medicine for course in data["courses"]] == ["eltrombopag"]
