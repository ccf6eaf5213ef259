"""A caregiver in another time zone edits a note: the count stays on the day it was taken."""

import datetime
import json
from zoneinfo import ZoneInfo

import pytest
from django.utils import formats
from playwright.sync_api import expect

from accounts.models import Role
from tests.e2e.conftest import log_in
from tests.factories import add_member, make_patient, make_reading, make_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

LONDON = ZoneInfo("Europe/London")
NEW_YORK = "America/New_York"


@pytest.fixture
def browser_context_args(browser_context_args):
    # The caregiver's phone is set to New York time too.
    return {**browser_context_args, "timezone_id": NEW_YORK}


def test_a_caregiver_elsewhere_edits_a_note_and_the_count_keeps_its_day(live_server, page, audit):
    owner = make_user("parent@example.com", "Pat", time_zone="Europe/London")
    patient = make_patient(owner, name="Sam")
    caregiver = make_user("nan@example.com", "Nan", time_zone=NEW_YORK)
    add_member(patient, caregiver, Role.EDITOR)
    day = datetime.datetime.now(LONDON).date() - datetime.timedelta(days=3)
    # 00:30 in London is 19:30 the evening before in New York.
    taken = datetime.datetime.combine(day, datetime.time(0, 30), LONDON)
    reading = make_reading(patient, "38", drawn_on=day, drawn_at=taken, user=owner)
    shown_day = formats.date_format(day, "j M Y")
    evening_before = formats.date_format(day - datetime.timedelta(days=1), "j M")

    log_in(page, live_server, "nan@example.com")
    page.goto(f"{live_server.url}/p/{patient.pk}/history/")
    row = page.locator("#history-entries li").first
    expect(row).to_contain_text(
        f"Blood test on {shown_day} at 00:30 (19:30 on {evening_before} your time)"
    )
    row.get_by_role("link", name=f"Edit count from {shown_day}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Edit count")
    expect(page.get_by_text("Dates and times are Sam’s, in Europe/London")).to_be_visible()
    expect(page.get_by_label("Time of the blood test")).to_have_value("00:30")
    audit()
    page.get_by_label("Note").fill("Taken at the children's hospital")
    page.get_by_role("button", name="Save count").click()

    page.goto(f"{live_server.url}/p/{patient.pk}/history/")
    row = page.locator("#history-entries li").first
    expect(row).to_contain_text("Taken at the children's hospital")
    expect(row).to_contain_text(f"Blood test on {shown_day} at 00:30")
    audit()

    page.goto(f"{live_server.url}/p/{patient.pk}/")
    page.locator("#chart").scroll_into_view_if_needed()
    page.locator("#chart .main-svg").first.wait_for()
    plotted = json.loads(
        page.evaluate("JSON.stringify(document.getElementById('chart').data[0].x)")
    )
    assert plotted == [f"{day.isoformat()}T00:30"]
    reading.refresh_from_db()
    assert (reading.drawn_on, reading.drawn_at) == (day, taken)
