import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PHONE, log_in
from tests.factories import make_patient, make_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CARE_TEAM = "0161 496 0000"


@pytest.fixture
def viewport():
    return PHONE


def parent_on_the_dashboard(page, live_server):
    """Jo, Mia's parent, logged in on Mia's dashboard; returns the quick-add bleed box."""
    owner = make_user("parent@example.com", "Jo")
    make_patient(owner, name="Mia", care_team_phone=CARE_TEAM)
    log_in(page, live_server, "parent@example.com")
    return page.locator("#quick-bleed")


def emergency_first(page, title: str, reason: str):
    """The emergency alert: first in the page's main content, on screen, with the phone."""
    alert = page.get_by_role("alert")
    expect(alert).to_be_visible()
    expect(alert).to_contain_text(title)
    expect(alert).to_contain_text(reason)
    expect(alert.get_by_role("link", name=CARE_TEAM)).to_have_attribute("href", "tel:01614960000")
    expect(page.locator("main > :first-child").get_by_role("alert")).to_be_visible()
    expect(alert).to_be_in_viewport()
    return alert


def test_a_nosebleed_pressure_did_not_stop_shows_the_emergency_alert_first(
    live_server, page, audit
):
    quick_bleed = parent_on_the_dashboard(page, live_server)
    quick_bleed.get_by_label("Nosebleed").check()
    quick_bleed.get_by_label("No, it did not stop").check()
    quick_bleed.get_by_role("button", name="Save bleed").click()

    alert = emergency_first(
        page,
        "Bleeding that does not stop is an emergency",
        "You logged a nosebleed that first aid did not stop.",
    )
    audit()

    alert.get_by_role("link", name="When to get help").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("When to get help")
    audit()


def test_the_help_page_is_one_tap_away_for_visitors(live_server, page, audit):
    page.goto(live_server.url)
    page.get_by_role("link", name="When to get help").first.click()
    expect(page.get_by_role("heading", name="Get emergency help now")).to_be_visible()
    expect(page.get_by_text("Content last reviewed on 29 November 2026")).to_be_visible()
    audit()


@pytest.mark.parametrize("viewport", [{"width": 390, "height": 844}], ids=["390px"])
def test_a_parent_logs_a_head_injury_with_vomiting_and_gets_the_emergency_first(
    live_server, page, audit
):
    quick_bleed = parent_on_the_dashboard(page, live_server)
    quick_bleed.get_by_label("Head injury (a knock or fall on the head)").check()
    quick_bleed.locator("summary", has_text="Signs of bleeding in the brain").click()
    quick_bleed.get_by_label("Being sick (vomiting)").check()
    audit()
    quick_bleed.get_by_role("button", name="Save bleed").click()

    alert = emergency_first(
        page,
        "Signs of bleeding in the brain are an emergency",
        "You logged a head injury with signs of bleeding in the brain.",
    )
    audit()

    # Later, the parent records that they got medical help: the emergency gives way.
    alert.get_by_role("button", name="We have got medical help").click()
    expect(page.get_by_role("alert")).to_have_count(0)
    expect(page.get_by_text("After the bleeding: what to watch for")).to_be_visible()
    audit()
