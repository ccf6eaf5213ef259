"""What the dashboard shows, loaded with a fixed number of queries whatever the history's size."""

import datetime
from dataclasses import dataclass

from django.utils import timezone

from readings import charts, courses, stats, units
from readings.models import BleedingEpisode, PlateletReading, Treatment

# The accessible table under the chart is for reading, not for thousands of rows: beyond this,
# the page points to the history.
TABLE_ROWS = 200
RECENT_ENTRIES = 5
LOWS_WINDOW = datetime.timedelta(days=90)
# What the chart, the numbers and the table read of each count and bleed in the period: no
# bookkeeping columns, and no order (stats and charts sort them), which the database and
# Django's SQL compiler would spend time on.
COUNT_FIELDS = ("drawn_on", "drawn_at", "count", "comparator", "lab", "note", "created_at")
BLEED_FIELDS = ("started_at", "kind", "severity", "body_site", "first_aid", "duration_minutes")


def moment(entry) -> datetime.datetime:
    return entry.taken_at if isinstance(entry, PlateletReading) else entry.started_at


@dataclass(frozen=True)
class TableRow:
    day: str
    count: str
    lab: str
    note: str


def table_row(reading, unit: units.Unit) -> TableRow:
    """One row of the table under the chart, as text: formatted here, not in the template,
    because the template engine is slow at hundreds of rows of filters."""
    count = reading.shown_in(unit)
    return TableRow(charts.day_label(reading.drawn_on), count, reading.lab, reading.note)


def start_of(day: datetime.date) -> datetime.datetime:
    """Midnight at the start of `day` in the user's time zone (an index-friendly bound)."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def overview(
    patient, view: charts.ChartView, today: datetime.date, *, with_table: bool = False
) -> dict:
    """The numbers and the chart; the table of counts only when asked for (it is collapsed
    on the page and loaded when opened, which keeps the page itself quick).

    The chart draws the treatment courses that ran in its period, each with its doses and,
    where it reached a response (R, CR) in the period, a star. Only those courses' responses
    (and the current ones', for their card) are worked out, as each reads every count since
    its course's start: all 20 courses of the 10-year bench record took 180 ms of every first
    view after a change (bench/README.md).
    """
    start = view.range.start(today)
    treatments = list(Treatment.objects.live().filter(patient=patient).order_by())
    # The courses in the period: the chart's spans and stars, and the current ones' card.
    shown = [t for t in treatments if start is None or (t.ended_on or today) >= start]
    # One query of counts and one of bleeds serve the chart's period, the 30/90-day lows and
    # the shown courses' responses (which read from a little before each course's start).
    since = None
    if start:
        since = min(day for day in (start, today - LOWS_WINDOW, courses.counted_from(shown)) if day)
    readings = PlateletReading.objects.live().filter(patient=patient)
    rows = readings.order_by().only(*COUNT_FIELDS, "deleted_at")
    rows = list(rows.filter(drawn_on__gte=since) if since else rows)
    episodes = BleedingEpisode.objects.live().filter(patient=patient)
    bleeds = episodes.order_by().only(*BLEED_FIELDS, "note", "deleted_at")
    bleeds = list(bleeds.filter(started_at__gte=start_of(since)) if since else bleeds)
    # The newest entries: the change since the previous count (even when both are older than
    # the window), the days since the last bleed, and the "Recent entries" list.
    newest = list(readings.with_people()[:RECENT_ENTRIES])
    newest_bleeds = list(episodes.with_people()[:RECENT_ENTRIES])
    latest = {reading.pk: reading for reading in [*rows, *newest]}.values()
    in_range = [reading for reading in rows if start is None or reading.drawn_on >= start]
    began = start_of(start) if start else None
    range_episodes = [e for e in bleeds if began is None or e.started_at >= began]
    found = courses.courses_for(
        patient, shown, today, readings=rows, episodes=bleeds, everyone=treatments
    )
    by_pk = {course.treatment.pk: course for course in found}
    figure = charts.build_figure(
        in_range,
        range_episodes,
        treatments,
        unit=patient.preferred_unit,
        threshold=patient.alert_threshold,
        range_start=start,
        range_end=today if start else None,
        today=today,
        courses=by_pk.values(),
        scale=view.scale,
    )
    summary = stats.summary(latest, newest_bleeds[:1], treatments, today)
    table = stats.chronological(in_range)[::-1]
    unit = units.Unit(patient.preferred_unit)
    return {
        "summary": summary,
        "courses": [by_pk[treatment.pk] for treatment in summary.current_treatments],
        "latest_reading": newest[0] if newest else None,
        "recent": sorted([*newest, *newest_bleeds], key=moment, reverse=True)[:RECENT_ENTRIES],
        "phase": stats.phase(patient.diagnosis_date, today),
        "chart_view": view,
        "chart_drawn": bool(in_range or range_episodes),
        "figure_json": charts.figure_json(figure),
        "chart_summary": charts.text_summary(in_range, patient.preferred_unit),
        "table": [table_row(r, unit) for r in table[:TABLE_ROWS]] if with_table else [],
        "table_total": len(table),
        "treatments_logged": bool(treatments),
    }
