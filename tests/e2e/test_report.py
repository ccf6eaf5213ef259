"""The report for the care team in Chromium (issue 18): one tap from the dashboard, drawn for
paper, printed to PDF by Chromium itself (page.pdf(), print media) and read back."""

import datetime
import io
import re
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from accounts.models import Patient, User
from readings.management.commands.seed_bench import BENCH_EMAIL
from readings.models import ClinicReport, Dose
from tests.e2e.conftest import log_in
from tests.factories import (
    PASSWORD,
    make_episode,
    make_patient,
    make_reading,
    make_treatment,
    make_user,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def pdf_of(page, paper: str) -> PdfReader:
    """The page as Chromium prints it to PDF, once the chart is drawn."""
    page.locator("#report-chart[data-ready]").wait_for()
    return PdfReader(io.BytesIO(page.pdf(format=paper)))


def text_of(pdf: PdfReader) -> str:
    return re.sub(r"\s+", " ", " ".join(p.extract_text() for p in pdf.pages))


@pytest.fixture
def three_months(live_server, page):
    """Robin's record: a count every 10 days for 3 months (10, a lab each), two bleeds, a
    course with a dose, a threshold."""
    owner = make_user("robin@example.com", "Robin's mum")
    patient = make_patient(owner, name="Robin", alert_threshold=30, birth_year=2016)
    today = timezone.localdate()
    for days in range(0, 91, 10):
        drawn_on = today - datetime.timedelta(days)
        make_reading(patient, str(15 + days // 2), drawn_on=drawn_on, lab="Children's hospital")
    make_episode(patient, started_at=timezone.now() - datetime.timedelta(days=12))
    make_episode(patient, "bruising", started_at=timezone.now() - datetime.timedelta(days=40))
    course = make_treatment(patient, "romiplostim", started_on=today - datetime.timedelta(days=50))
    Dose.objects.create(
        patient=patient, treatment=course, given_on=course.started_on, amount=Decimal(1),
        unit="ug/kg", route="subcutaneous", how_often="weekly", weight_kg=Decimal(25),
        weighed_on=course.started_on,
    )  # fmt: skip
    log_in(page, live_server, "robin@example.com")
    expect(page.get_by_role("heading", level=1)).to_have_text("Robin’s dashboard")
    return patient


@pytest.mark.parametrize("paper", ["A4", "Letter"])
def test_a_three_month_report_is_one_page_with_the_header_numbers_and_chart(
    three_months, page, audit, paper
):
    page.get_by_role("link", name="Report for your care team").click()  # one tap
    expect(page.get_by_role("heading", level=1)).to_have_text("Robin’s report for the care team")
    audit()
    pdf = pdf_of(page, paper)
    assert len(pdf.pages) == 1
    text = text_of(pdf)
    latest = page.locator(".report-numbers").get_by_text("Latest count").locator("+ dd")
    for words in [
        "Robin’s report for the care team",
        "Born 2016",
        "Clinician’s threshold 30 ×10⁹/L",
        "Days below the threshold",
        "Median count",
        "Romiplostim",
        "page 1 of 1",
        latest.inner_text().split(" on ")[0],  # the last count, 15 ×10⁹/L
        "1 µg/kg every week",
    ]:
        assert words in text, words
    # The chart is in the PDF: its axis title and the threshold line's legend are drawn text.
    assert "×10⁹/L" in text and "Clinician's threshold: 30" in text
    # Nothing of the screen's controls.
    for screen_only in ["Print or save as PDF", "Show this period", "Log out", "Menu"]:
        assert screen_only not in text


@pytest.mark.parametrize("viewport", [{"width": 390, "height": 844}], ids=["390px"])
def test_on_a_phone_the_report_fits_the_screen_and_still_prints_at_paper_size(
    three_months, page, audit
):
    page.get_by_role("link", name="Report for your care team").click()
    page.locator("#report-chart[data-ready]").wait_for()
    # The paper-sized chart is shrunk to the screen: nothing runs off its right edge.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    chart = page.locator("#report-chart").bounding_box()
    assert chart["x"] + chart["width"] <= 390
    audit()
    assert len(pdf_of(page, "A4").pages) == 1


def test_the_period_can_be_chosen_by_keyboard_and_the_button_prints(three_months, page, audit):
    page.goto(page.url + "report/")
    page.get_by_label("Last 6 months").check()
    page.get_by_role("button", name="Show this period").press("Enter")
    expect(page).to_have_url(re.compile(r"period=6m"))
    expect(page.locator(".report-facts")).to_contain_text("(184 days)")
    # The print button calls the browser's print: counted here instead of opening a dialog.
    page.evaluate("() => { window.print = () => { window.printed = (window.printed || 0) + 1; }; }")
    with page.expect_response(lambda response: "/report/printed/" in response.url) as told:
        page.get_by_role("button", name="Print or save as PDF").click()
    assert page.evaluate("window.printed") == 1
    # The period printed is kept: the next report starts after it.
    assert told.value.status == 204
    [made] = ClinicReport.objects.filter(patient=three_months)
    assert (made.end - made.start).days + 1 == 184
    audit()


@pytest.mark.parametrize("browser_context_args", [False], indirect=True, ids=["no-javascript"])
def test_without_javascript_the_report_still_chooses_its_period_and_says_how_to_print(
    three_months, page
):
    page.goto(page.url + "report/")
    expect(page.get_by_role("button", name="Print or save as PDF")).to_be_hidden()
    expect(page.get_by_text("use your browser’s Print")).to_be_visible()
    page.get_by_label("Last 12 months").check()
    page.get_by_role("button", name="Show this period").click()
    expect(page.locator(".report-facts")).to_contain_text("(365 days)")


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 800}], ids=["desktop"])
def test_the_ten_year_bench_patients_last_year_prints_on_at_most_two_pages(
    live_server, page, audit
):
    call_command("seed_bench", verbosity=0)
    patient = Patient.objects.get(memberships__user__email=BENCH_EMAIL)
    user = User.objects.get(email=BENCH_EMAIL)  # seeded with no password: one to log in with
    user.set_password(PASSWORD)
    user.save()
    log_in(page, live_server, BENCH_EMAIL)
    page.goto(f"{live_server.url}/p/{patient.pk}/report/?period=12m")
    expect(page.get_by_role("heading", name="Counts by month")).to_be_visible()
    audit()
    pdf = pdf_of(page, "A4")
    assert len(pdf.pages) <= 2
    text = text_of(pdf)
    assert f"page {len(pdf.pages)} of {len(pdf.pages)}" in text
    assert "Counts by month" in text and "Emergencies" in text
