"""On a phone: this week's romiplostim dose from the dashboard in two taps, an unusual dose
asked about, and the course's IWG response in words."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from readings.models import Dose
from tests.e2e.conftest import log_in
from tests.factories import make_patient, make_reading, make_treatment, make_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def viewport():
    return {"width": 390, "height": 844}


def test_log_this_weeks_dose_in_two_taps_and_see_the_response(live_server, page, audit):
    owner = make_user("parent@example.com", "Jo")
    patient = make_patient(owner, name="Mia")
    today = patient.today()
    start = today - datetime.timedelta(days=30)
    course = make_treatment(patient, medicine="romiplostim", started_on=start, user=owner)
    Dose.objects.create(
        patient=patient,
        treatment=course,
        created_by=owner,
        given_on=start,
        amount=Decimal(2),
        unit="ug/kg",
        route="subcutaneous",
        how_often="weekly",
        weight_kg=Decimal("31.5"),
        weighed_on=start,
    )
    # Baseline 12 on the start day; 45 on day 10 and 60 on day 17: at least 30 and double 12,
    # a week apart: a response (R) from day 10.
    for days, count in ((0, "12"), (10, "45"), (17, "60")):
        make_reading(patient, count, drawn_on=start + datetime.timedelta(days=days), user=owner)
    log_in(page, live_server, "parent@example.com")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mia’s dashboard")
    treatment = page.locator(".stat.wide")
    expect(treatment.get_by_text("Response (R: 30 ×10⁹/L or more")).to_contain_text("from day 10")
    expect(treatment.get_by_text("Dose: 2 µg/kg every week")).to_be_visible()
    audit()

    treatment.get_by_role("link", name="Log this week’s dose of Romiplostim").click()  # one
    expect(page.get_by_role("heading", level=1)).to_have_text("Log a dose")
    expect(page.get_by_label("Amount")).to_have_value("2")
    audit()
    page.get_by_role("button", name="Save dose").click()  # two
    expect(page.get_by_text("Saved Romiplostim dose 2 µg/kg on")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mia’s dashboard")
    saved = course.doses.order_by("-given_on").first()
    assert (saved.given_on, saved.amount, saved.weight_kg) == (today, 2, Decimal("31.5"))
    assert timezone.now() - saved.created_at < datetime.timedelta(minutes=5)
    audit()

    # Ten times the dose is asked about before it is kept.
    page.locator(".stat.wide").get_by_role("link", name="Log this week’s dose").click()
    page.get_by_label("Amount").fill("30")
    page.get_by_label("Date of the dose").fill((today - datetime.timedelta(days=1)).isoformat())
    page.get_by_role("button", name="Save dose").click()
    expect(page.get_by_text("30 µg/kg of Romiplostim is outside its usual doses")).to_be_visible()
    audit()
    page.get_by_label("Yes, 30 µg/kg is right").check()
    page.get_by_role("button", name="Save dose").click()
    expect(page.get_by_text("Saved Romiplostim dose 30 µg/kg on")).to_be_visible()
    assert course.doses.filter(amount=30, unusual_confirmed=True).count() == 1

    # The history lists each dose; the treatment shows its log.
    page.goto(f"{live_server.url}/p/{patient.pk}/history/?show=treatments")
    page.get_by_text("Every dose (3)").click()
    expect(page.get_by_text("30 µg/kg every week (945 µg for 31.5 kg)")).to_be_visible()
    audit()
