"""The report for the care team as a page (issue 18): who may see it, its period, what it says."""

import datetime
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AccessAction, AccessEvent, Patient
from readings import report_data
from readings.models import ClinicReport, Dose, FirstAid, Severity
from tests.clock import pinned
from tests.factories import make_episode, make_reading, make_treatment

pytestmark = [pytest.mark.django_db, pinned]

TODAY = datetime.date(2026, 11, 10)  # tests.clock.NOW in UTC, the records' zone here


def days_ago(days: int) -> datetime.date:
    return TODAY - datetime.timedelta(days=days)


def url(cast, **query) -> str:
    address = reverse("care_team_report", args=[cast.patient.pk])
    return address + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def page(client, cast, user=None, **query) -> str:
    client.force_login(user or cast.owner)
    response = client.get(url(cast, **query))
    assert response.status_code == 200
    return re.sub(r"\s+", " ", response.content.decode())


@pytest.fixture
def record(cast):
    """Sam, threshold 30, with counts, bleeds and a course in the last 3 months and before."""
    patient = cast.patient
    Patient.objects.filter(pk=patient.pk).update(
        alert_threshold=30, birth_year=2014, diagnosis_date=datetime.date(2025, 1, 20)
    )
    make_reading(patient, "80", drawn_on=days_ago(120))  # before the period: joins it up
    make_reading(patient, "20", drawn_on=days_ago(80), lab="City lab")
    make_reading(patient, "40", drawn_on=days_ago(70))
    make_reading(patient, "10", drawn_on=days_ago(20), comparator="<", note="clumped?")
    make_reading(patient, "55", drawn_on=days_ago(2))
    make_episode(patient, started_at=timezone.now() - datetime.timedelta(days=30))
    make_episode(
        patient,
        "gums",
        started_at=timezone.now() - datetime.timedelta(days=19),
        severity=Severity.MODERATE,
        first_aid=FirstAid.NOT_STOPPED,
        duration_minutes=25,
    )
    make_episode(patient, started_at=timezone.now() - datetime.timedelta(days=200))  # before
    make_treatment(patient, "eltrombopag", started_on=days_ago(60))
    make_treatment(patient, "ivig", started_on=days_ago(300), ended_on=days_ago(298))  # before
    return cast


@pytest.mark.parametrize("who", ["owner", "editor", "viewer"])
def test_every_member_who_can_view_gets_the_report(client, record, who):
    html = page(client, record, getattr(record, who))
    assert '<h1 id="report-heading">Sam’s report for the care team</h1>' in html


def test_a_stranger_gets_404_and_a_visitor_is_sent_to_log_in(client, record):
    client.force_login(record.stranger)
    assert client.get(url(record)).status_code == 404
    client.logout()
    response = client.get(url(record))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_default_period_is_the_last_3_months_with_its_numbers(client, record):
    html = page(client, record)
    # 11 Aug to 10 Nov 2026 (92 days), by the record's clock.
    assert "11 Aug 2026 to 10 Nov 2026 (92 days)" in html
    assert "Born</dt><dd>2014" in html
    assert "20 Jan 2025 (chronic ITP)" in html
    assert "Clinician’s threshold</dt><dd>30 ×10⁹/L" in html
    assert "by Olive Owner" in html
    # Counts of the period only: 20, 40, <10, 55 (the 80 is before it).
    assert "Latest count</dt><dd>55 ×10⁹/L on 8 Nov 2026" in html
    assert "Lowest count</dt><dd>&lt;10 ×10⁹/L on 21 Oct 2026" in html
    assert "Median count</dt><dd>30 ×10⁹/L" in html  # (20 + 40) / 2
    assert "Counts</dt><dd>4</dd>" in html
    assert "Emergencies</dt><dd>1: 22 Oct 2026, 22:30, bleeding gums" in html
    assert "First aid did not stop it; 25 minutes" in html
    assert "Bleeds</dt><dd>2: 1 nosebleed, 1 bleeding gums" in html
    assert "Eltrombopag</strong>, from 11 Sep 2026" in html
    assert "Ivig" not in html and "IVIG" not in html  # ended before the period
    assert html.count("<tr>") == 1 + 4 + 1 + 2  # two tables: heads, 4 counts, 2 bleeds
    assert "clumped?" in html and "City lab" in html


def test_days_below_join_up_the_edges_with_the_counts_around_the_period(client, record):
    # 11 Aug to 10 Nov, threshold 30, worked by hand (report.days_below's straight lines):
    # 13 Jul 80 -> 22 Aug 20 (40 days): 80 - 1.5d < 30 from d = 34, 16 Aug: 16-21 Aug, 6 days;
    # 22 Aug, 20: 1; 22 Aug -> 1 Sep 40: 20 + 2d < 30 for d = 1-4, 23-26 Aug: 4;
    # 1 Sep 40 -> 21 Oct <10 (50 days, "<10" as 10): 40 - 0.6d < 30 from d = 17: 18 Sep-20 Oct,
    # 33; 21 Oct "<10": 1; 21 Oct -> 8 Nov 55 (18 days): 10 + 2.5d < 30 for d = 1-7: 7.
    # 52 of 92 days (57%); 9 and 10 Nov come after the last count: not known.
    html = page(client, record)
    below = "52 of 92 days (57% of the period); 2 days not known, too far from a count: 58% of"
    assert f"Days below the threshold</dt><dd>{below} the 90 days that could be told" in html


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ({"period": "6m"}, "11 May 2026 to 10 Nov 2026 (184 days)"),
        ({"period": "12m"}, "11 Nov 2025 to 10 Nov 2026 (365 days)"),
        ({"period": "dates", "since": "2026-10-01", "until": "2026-10-31"}, "1 Oct 2026 to 31"),
        ({"period": "dates", "since": "2026-10-01"}, "1 Oct 2026 to 10 Nov 2026 (41 days)"),
        ({"period": "nonsense"}, "11 Aug 2026 to 10 Nov 2026"),  # the default
    ],
)
def test_the_period_presets_and_dates_of_ones_own(client, record, query, words):
    assert words in page(client, record, **query)


@pytest.mark.parametrize(
    ("query", "error"),
    [
        ({"period": "dates"}, "Enter the first day of the report."),
        ({"period": "dates", "since": "2026-10-31", "until": "2026-10-01"}, "before the start"),
        ({"period": "dates", "since": "2026-13-45"}, "Enter “From” as a date"),
        ({"period": "dates", "since": "2099-01-01"}, "future"),
        ({"period": "dates", "since": "10/01/2026"}, "Enter “From” as a date"),  # which day?
    ],
)
def test_wrong_dates_say_why_and_show_the_default_period(client, record, query, error):
    html = page(client, record, **query)
    assert error in html
    assert "11 Aug 2026 to 10 Nov 2026" in html


def printed(client, cast, start: str, end: str, user=None):
    client.force_login(user or cast.owner)
    address = reverse("care_team_report_printed", args=[cast.patient.pk])
    return client.post(address, {"start": start, "end": end})


def test_the_next_report_starts_where_the_last_printed_one_ended(client, record, time_machine):
    page(client, record, period="dates", since="2026-08-01", until="2026-10-20")
    assert not ClinicReport.objects.exists()  # looking at a report is not making one
    assert printed(client, record, "2026-08-01", "2026-10-20", record.viewer).status_code == 204
    [made] = ClinicReport.objects.filter(patient=record.patient)
    assert (made.made_on, made.start, made.end) == (TODAY, datetime.date(2026, 8, 1), days_ago(21))
    assert made.made_by == record.viewer
    [line] = AccessEvent.objects.filter(action=AccessAction.PRINTED_REPORT)
    assert line.detail == "1 Aug 2026 to 20 Oct 2026"
    # Printed again the same day: still one, the period printed last.
    printed(client, record, "2026-05-11", "2026-11-10")
    printed(client, record, "2026-08-01", "2026-10-20")
    assert ClinicReport.objects.filter(patient=record.patient).count() == 1
    # A week later the default starts the day after that report's end.
    time_machine.move_to(timezone.now() + datetime.timedelta(days=7))
    html = page(client, record)
    assert "Since the last report (21 Oct 2026)" in html
    assert "21 Oct 2026 to 17 Nov 2026 (28 days)" in html


@pytest.mark.parametrize(
    ("start", "end"),
    [("", ""), ("2026-10-20", "2026-08-01"), ("2099-01-01", "2099-02-01"), ("10/01/2026", "")],
)
def test_a_print_without_a_period_of_the_record_stores_nothing(client, record, start, end):
    assert printed(client, record, start, end).status_code == 400
    assert not ClinicReport.objects.exists()


def test_a_last_report_too_recent_or_too_old_leaves_the_default_at_3_months(record):
    for made_on, end in [(days_ago(3), days_ago(10)), (days_ago(400), days_ago(400))]:
        ClinicReport.objects.create(
            patient=record.patient, made_on=made_on, start=end - datetime.timedelta(30), end=end
        )
    assert report_data.last_report(record.patient, TODAY) is None


def test_the_report_is_in_the_access_log(client, record):
    page(client, record, user=record.viewer, period="6m")
    [line] = AccessEvent.objects.filter(action=AccessAction.VIEWED_REPORT)
    assert (line.actor_id, line.detail) == (record.viewer.pk, "11 May 2026 to 10 Nov 2026")


def test_a_busy_year_lists_counts_by_month_and_the_bleeds_that_matter_most(client, cast):
    patient = cast.patient
    for day in range(365):
        make_reading(patient, str(20 + day % 50), drawn_on=days_ago(day))
    for day in range(0, 360, 9):  # 40 bleeds: mild, one severe
        severity = Severity.SEVERE if day == 90 else Severity.MILD
        at = timezone.now() - datetime.timedelta(days=day)
        make_episode(patient, started_at=at, severity=severity)
    html = page(client, cast, period="12m")
    assert "Counts by month" in html
    assert html.count("<tr>") == 1 + 13 + 1 + report_data.BLEED_ROWS  # Nov 2025 to Nov 2026
    assert "10 of 40 bleeds: the emergencies, then the most severe" in html
    assert "Severe" in html


def test_the_page_loads_in_a_fixed_number_of_queries(client, record, django_assert_max_num_queries):
    client.force_login(record.owner)
    page(client, record)
    for day in range(100):
        make_reading(record.patient, "50", drawn_on=days_ago(day))
    with django_assert_max_num_queries(24):
        client.get(url(record))


def test_an_empty_record_says_so_and_draws_no_chart(client, cast):
    html = page(client, cast)
    assert "No counts in the period." in html and "No bleeds logged in the period." in html
    assert 'id="report-chart"' not in html
    assert "No threshold set" in html


def test_a_past_period_shows_each_course_as_it_stood_at_its_end(client, cast):
    """From a break test: a report of Dec–Jan showed a response lost in March and only the dose
    logged last."""
    patient = cast.patient
    course = make_treatment(patient, "eltrombopag", started_on=datetime.date(2026, 1, 1))
    Dose.objects.create(
        patient=patient, treatment=course, given_on=datetime.date(2026, 1, 1),
        amount=Decimal(50), unit="mg", route="oral", how_often="daily",
    )  # fmt: skip
    Dose.objects.create(
        patient=patient, treatment=course, given_on=datetime.date(2026, 1, 20),
        amount=Decimal(75), unit="mg", route="oral", how_often="daily",
    )  # fmt: skip
    Dose.objects.create(
        patient=patient, treatment=course, given_on=datetime.date(2026, 5, 1),
        amount=Decimal(25), unit="mg", route="oral", how_often="daily",
    )  # fmt: skip
    for day, count in [(1, 10), (8, 15), (15, 60), (22, 70), (29, 80)]:
        make_reading(patient, str(count), drawn_on=datetime.date(2026, 1, day))
    for day, count in [(1, 10), (8, 12)]:  # March: the response is lost
        make_reading(patient, str(count), drawn_on=datetime.date(2026, 3, day))
    html = page(client, cast, period="dates", since="2026-01-01", until="2026-01-31")
    assert "Response (R: 30 ×10⁹/L or more and double the start) from day 14" in html
    assert "lost on" not in html
    assert "50 mg every day, by mouth, since 1 Jan 2026; 75 mg every day" in html
    assert "25 mg" not in html  # logged after the period
    # February: the dose in force at its start, then none logged in it.
    html = page(client, cast, period="dates", since="2026-02-01", until="2026-02-28")
    assert "Dose: 75 mg every day, by mouth, since 20 Jan 2026" in html


def test_a_bleed_says_where_the_signs_in_the_brain_and_its_note(client, cast):
    make_episode(
        cast.patient,
        "petechiae",
        started_at=timezone.now() - datetime.timedelta(days=3),
        body_site="legs",
        warning_signs=["headache"],
        note="N" * 300,
    )
    html = page(client, cast)
    signs = "Petechiae (tiny red-purple dots) (legs); signs of bleeding in the brain: a sudden"
    assert html.lower().count(signs.lower()) == 2  # with the emergencies and in the table
    assert "N" * 59 + "…" in html and "N" * 60 not in html  # cut; the history has it whole
    assert html.count("<strong>Emergency:</strong>") == 1  # marked in the table


def test_a_date_that_is_not_one_says_so_once_and_is_not_also_missing(client, record):
    html = page(client, record, period="dates", since="abc")
    assert "Enter “From” as a date" in html
    assert "Enter the first day of the report." not in html
    assert "Those dates could not be used." in html
