"""The dashboard on a phone: logging first, the header's pages, a first run with one thing to
do, and forms that say what to enter (issue 17, "Phone layout")."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import log_in
from tests.factories import make_patient, make_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def viewport():
    return PHONE


@pytest.fixture
def parent(live_server, page):
    """Jo, Mia's parent, on Mia's dashboard (nothing logged yet)."""
    owner = make_user("parent@example.com", "Jo")
    patient = make_patient(owner, name="Mia")
    log_in(page, live_server, "parent@example.com")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mia’s dashboard")
    return patient


def test_both_log_boxes_refused_at_once_keep_their_ids_apart(parent, page, audit):
    # Each box re-drawn with its errors has its own one-time token and version: ids that
    # were the same in both boxes ("id_form_token") made the page invalid.
    for box, noun in (("#quick-count", "count"), ("#quick-bleed", "bleed")):
        page.locator(box).get_by_role("button", name=f"Save {noun}").click()
        expect(page.locator(box).locator(".errorlist").first).to_be_visible()
    expect(page.locator("#quick-count input[name=form_token]")).to_have_count(1)
    expect(page.locator("#quick-bleed input[name=form_token]")).to_have_count(1)
    audit()
