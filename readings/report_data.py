"""The report for the care team (issue 18): its period, and what it shows, loaded in a fixed
number of queries whatever the record's size. The numbers are readings.report's.

The period: since the last report (its end, if that is at least MIN_SINCE_LAST days ago and
within a year), else the last 3 months; or 3, 6 or 12 months; or dates of one's own. A report
is remembered (readings.models.ClinicReport) when it is shown, for the next one's default.
"""

import dataclasses
import datetime
from dataclasses import dataclass
from decimal import Decimal

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import Truncator
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from itptracker.forms import DateInput, PlainErrors
from readings import charts, courses, report, stats, units
from readings.dashboard_data import start_of, table_row
from readings.forms import check_date_range
from readings.models import (
    BleedingEpisode,
    ClinicReport,
    PlateletReading,
    Severity,
    Treatment,
    WarningSign,
)

# A last report more recent than this makes too short a period to be the default.
MIN_SINCE_LAST = datetime.timedelta(days=14)
OLDEST_LAST = datetime.timedelta(days=366)
MONTHS = {"3m": 3, "6m": 6, "12m": 12}
DAY = datetime.timedelta(days=1)
# Beyond these, the tables would not fit on two pages: the counts by month, and the bleeds
# that matter most (every one stays in the numbers and the chart).
COUNT_ROWS = 36
BLEED_ROWS = 10


@dataclass(frozen=True)
class Period:
    start: datetime.date
    end: datetime.date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def __str__(self) -> str:
        # Translators: the report's period: "1 Sep 2026 to 30 Nov 2026".
        return gettext("%(start)s to %(end)s") % {
            "start": date_format(self.start, "DATE_FORMAT"),
            "end": date_format(self.end, "DATE_FORMAT"),
        }


def last_report(patient, today: datetime.date) -> ClinicReport | None:
    """The latest report made before `today` whose end could start a default period."""
    made = ClinicReport.objects.filter(patient=patient, made_on__lt=today)
    made = made.filter(end__lte=today - MIN_SINCE_LAST, end__gte=today - OLDEST_LAST)
    return made.order_by("-made_on").first()


def iso_date(label: str, required: bool = False) -> forms.DateField:
    """A date as the browser's date picker sends it (2026-10-01), and no other way: "10/01/2026"
    in an address could be either day."""
    return forms.DateField(
        label=label, required=required, widget=DateInput(), input_formats=["%Y-%m-%d"]
    )


class ReportPeriodForm(PlainErrors, forms.Form):
    """The report's period, from the page's address (a GET form: it works without JavaScript)."""

    period = forms.ChoiceField(label=_("Period"), required=False)
    # Translators: the first day of a report's period of one's own.
    since = iso_date(_("From"))
    # Translators: the last day of a report's period of one's own.
    until = iso_date(_("To"))

    def __init__(self, data, *, patient, today: datetime.date):
        super().__init__(data)
        self.patient, self.today = patient, today
        self.last = last_report(patient, today)
        choices = [
            (slug, ngettext("Last %(n)s month", "Last %(n)s months", months) % {"n": months})
            for slug, months in MONTHS.items()
        ]
        if self.last:
            since = date_format(self.last.end + datetime.timedelta(days=1), "DATE_FORMAT")
            since_last = gettext("Since the last report (%(day)s)") % {"day": since}
            choices.insert(0, ("since_last", since_last))
        self.fields["period"].choices = [*choices, ("dates", gettext("Dates of your own"))]
        self.is_valid()

    def clean(self):
        cleaned = super().clean()
        check_date_range(self, "since", "until")
        dates = cleaned.get("period") == "dates"
        if dates and "since" not in self.errors and not cleaned.get("since"):
            self.add_error("since", gettext("Enter the first day of the report."))
        return cleaned

    @property
    def presets(self) -> list[tuple[str, str]]:
        """The periods to choose from (dates of one's own have a form of their own)."""
        return [choice for choice in self.fields["period"].choices if choice[0] != "dates"]

    @property
    def chosen(self) -> str:
        """The period's choice as shown: the default where none (or a wrong one) was given."""
        given = self.cleaned_data.get("period") if not self.errors else None
        return given or ("since_last" if self.last else "3m")

    def asked_for(self) -> Period:
        """The period asked for, or the default where the form has errors."""
        today, chosen = self.today, self.chosen
        if chosen == "dates":
            data = self.cleaned_data
            return Period(data["since"], data.get("until") or today)
        if chosen == "since_last":
            return Period(self.last.end + datetime.timedelta(days=1), today)
        start = stats.add_months(today, -MONTHS[chosen]) + datetime.timedelta(days=1)
        return Period(start, today)


class PrintedForm(forms.Form):
    """The period of a report printed or saved (sent by static/js/report.js)."""

    start = iso_date(_("From"), required=True)
    end = iso_date(_("To"), required=True)

    def __init__(self, data, *, patient):
        super().__init__(data)
        self.patient = patient

    def clean(self):
        cleaned = super().clean()
        check_date_range(self, "start", "end")
        return cleaned


def remember(patient, user, period: Period, today: datetime.date) -> None:
    """Keep the period of a report printed today, for the next report's default: the last one
    printed that day. Only a print counts: opening the page to look is not making a report."""
    ClinicReport.objects.update_or_create(
        patient=patient,
        made_on=today,
        defaults={"made_by": user, "start": period.start, "end": period.end},
    )


@dataclass(frozen=True)
class MonthRow:
    month: str  # "Sep 2026"
    counts: int
    lowest: str  # as the pages write a count: "<10 ×10⁹/L"
    median: str
    highest: str


def by_month(readings: list[PlateletReading], unit: units.Unit) -> list[MonthRow]:
    """The counts (oldest first) summed up by calendar month."""
    months: dict[tuple[int, int], list[PlateletReading]] = {}
    for reading in readings:
        months.setdefault((reading.drawn_on.year, reading.drawn_on.month), []).append(reading)
    return [
        MonthRow(
            date_format(datetime.date(year, month, 1), "YEAR_MONTH_FORMAT"),
            len(rows),
            min(rows, key=stats.by_count).shown_in(unit),
            report.median(rows).shown_in(unit),
            max(rows, key=stats.by_count).shown_in(unit),
        )
        for (year, month), rows in months.items()
    ]


SEVERITY_RANK = {value: rank for rank, value in enumerate(reversed(Severity.values))}


# A note or a lab's name in a table is cut to this many characters (the history has them whole).
NOTE_CHARS = 60
LAB_CHARS = 24


def cut(text: str, limit: int) -> str:
    """At most `limit` characters, "…" the last where it is cut."""
    return Truncator(text).chars(limit)


def count_row(reading: PlateletReading, unit: units.Unit):
    """The dashboard's table row (dashboard_data.table_row), its lab and note cut short."""
    row = table_row(reading, unit)
    return dataclasses.replace(row, lab=cut(row.lab, LAB_CHARS), note=cut(row.note, NOTE_CHARS))


@dataclass(frozen=True)
class BleedRow:
    when: str  # "3 Oct 2026, 14:05", on the record's clock
    kind: str  # with where on the body, and any signs of bleeding in the brain
    severity: str
    details: str  # report.what_was_done, then the note
    emergency: bool = False


def bleed_row(episode: BleedingEpisode, emergency: bool = False) -> BleedRow:
    when = date_format(timezone.localtime(episode.started_at), "DATETIME_FORMAT")
    kind = str(episode.get_kind_display())
    if episode.body_site:
        kind += f" ({cut(episode.body_site, LAB_CHARS)})"
    signs = [str(WarningSign(sign).label).lower() for sign in episode.warning_signs]
    if signs:
        kind = gettext("%(kind)s; signs of bleeding in the brain: %(signs)s") % {
            "kind": kind,
            "signs": ", ".join(signs),
        }
    # Translators: a bleed's severity when none was given.
    severity = str(episode.get_severity_display() or gettext("Not said"))
    details = [report.what_was_done(episode), cut(episode.note, NOTE_CHARS)]
    details = "; ".join(part for part in details if part)
    return BleedRow(when, kind, severity, details, emergency)


@dataclass(frozen=True)
class CourseRow:
    name: str
    dates: str
    doses: list[str]  # the dose in force at the start and each change in the period
    response: str  # IWG, as of the period's end


def course_row(course: courses.Course, period: Period) -> CourseRow:
    logged = [dose for dose in reversed(course.doses) if dose.given_on <= period.end]
    before = [dose for dose in logged if dose.given_on < period.start][-1:]
    shown = before + [dose for dose in logged if dose.given_on >= period.start]
    return CourseRow(
        course.treatment.name,
        course.dates,
        [dose.summary() for dose in shown],
        course.response_words,
    )


def bleeds_to_list(episodes: list[BleedingEpisode], emergencies) -> list[BleedingEpisode]:
    """At most BLEED_ROWS of the bleeds (oldest first): all of them, or the emergencies and
    then the most severe, in date order."""
    if len(episodes) <= BLEED_ROWS:
        return episodes
    urgent = {episode.pk for episode in emergencies}

    def weight(episode):
        return (episode.pk not in urgent, SEVERITY_RANK.get(episode.severity, len(SEVERITY_RANK)))

    kept = sorted(episodes, key=weight)[:BLEED_ROWS]
    return sorted(kept, key=lambda episode: episode.started_at)


def build(patient, period: Period, today: datetime.date) -> dict:
    """What the report shows for `period` (dates in the record's zone, which is active)."""
    unit = units.Unit(patient.preferred_unit)
    start, end = period.start, period.end
    ran = Q(ended_on__isnull=True) | Q(ended_on__gte=start)
    treatments = Treatment.objects.live().filter(patient=patient, started_on__lte=end)
    treatments = list(treatments.filter(ran).order_by("started_on"))
    # One query of counts and one of bleeds serve the period and the courses' responses, which
    # read from a little before each course's start, and stand as at the period's end: nothing
    # after it counts.
    since = min(courses.counted_from(treatments) or start, start)
    readings = PlateletReading.objects.live().filter(patient=patient).order_by()
    loaded = list(readings.filter(drawn_on__range=(since, end)))
    counts = stats.chronological(reading for reading in loaded if reading.drawn_on >= start)
    # The counts on either side join up the period's first and last days (report.days_below).
    before = readings.filter(drawn_on__lt=start).order_by("-drawn_on").first()
    after = readings.filter(drawn_on__gt=end).order_by("drawn_on").first()
    bleeds_loaded = BleedingEpisode.objects.live().filter(patient=patient)
    bleeds_loaded = list(
        bleeds_loaded.filter(started_at__gte=start_of(since), started_at__lt=start_of(end + DAY))
    )
    began = start_of(start)
    episodes = sorted(
        (episode for episode in bleeds_loaded if episode.started_at >= began),
        key=lambda episode: episode.started_at,
    )
    found = courses.courses_for(patient, treatments, end, readings=loaded, episodes=bleeds_loaded)
    figure = charts.build_figure(
        counts,
        episodes,
        treatments,
        unit=unit,
        threshold=patient.alert_threshold,
        range_start=start,
        range_end=end,
        today=today,
        courses=found,
    )
    bleeds = report.bleeds(episodes)
    threshold = patient.alert_threshold
    edges = [reading for reading in (before, after) if reading]
    return {
        "unit": unit,
        "threshold": units.format_count(Decimal(threshold), unit) if threshold else "",
        "counts": counts,
        "latest": counts[-1] if counts else None,
        "lowest": min(counts, key=stats.by_count, default=None),
        "median": report.median(counts).shown_in(unit) if counts else "",
        "below": report.days_below([*counts, *edges], threshold, start, end) if threshold else None,
        "bleeds": bleeds,
        "bleed_rows": [
            bleed_row(episode, episode in bleeds.emergencies)
            for episode in bleeds_to_list(episodes, bleeds.emergencies)
        ],
        "emergencies": [bleed_row(episode) for episode in bleeds.emergencies],
        "courses": [course_row(course, period) for course in found],
        "count_rows": [count_row(r, unit) for r in counts] if len(counts) <= COUNT_ROWS else [],
        "month_rows": by_month(counts, unit) if len(counts) > COUNT_ROWS else [],
        "phase": stats.phase(patient.diagnosis_date, end),
        "figure_json": charts.figure_json(charts.for_paper(figure)),
        "chart_drawn": bool(counts or episodes),
        "made_at": timezone.localtime(),
    }
