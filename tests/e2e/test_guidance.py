import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PHONE, log_in
from tests.factories import make_patient, make_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def viewport():
    return PHONE


def test_a_nosebleed_pressure_did_not_stop_shows_the_emergency_alert_first(
    live_server, page, audit
):
    owner = make_user("parent@example.com", "Jo")
    make_patient(owner, name="Mia", care_team_phone="0161 496 0000")
    log_in(page, live_server, "parent@example.com")

    quick_bleed = page.locator("#quick-bleed")
    quick_bleed.get_by_label("Nosebleed").check()
    quick_bleed.get_by_label("No, it did not stop").check()
    quick_bleed.get_by_role("button", name="Save bleed").click()

    alert = page.get_by_role("alert")
    expect(alert).to_be_visible()
    expect(alert).to_contain_text("Bleeding that does not stop is an emergency")
    expect(alert).to_contain_text("You logged a nosebleed that first aid did not stop.")
    expect(alert.get_by_role("link", name="0161 496 0000")).to_have_attribute(
        "href", "tel:0161 496 0000"
    )
    # Nothing in the page's main content comes before it, and it is on screen.
    first_in_main = page.locator("main > :first-child")
    expect(first_in_main.get_by_role("alert")).to_be_visible()
    expect(alert).to_be_in_viewport()
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
    owner = make_user("parent@example.com", "Jo")
    make_patient(owner, name="Mia", care_team_phone="0161 496 0000")
    log_in(page, live_server, "parent@example.com")

    quick_bleed = page.locator("#quick-bleed")
    quick_bleed.get_by_label("Head injury (a knock or fall on the head)").check()
    quick_bleed.locator("summary", has_text="Signs of bleeding in the brain").click()
    quick_bleed.get_by_label("Being sick (vomiting)").check()
    audit()
    quick_bleed.get_by_role("button", name="Save bleed").click()

    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Signs of bleeding in the brain are an emergency")
    expect(alert).to_contain_text("You logged a head injury with signs of bleeding in the brain.")
    expect(alert.get_by_role("link", name="0161 496 0000")).to_have_attribute(
        "href", "tel:0161 496 0000"
    )
    expect(page.locator("main > :first-child").get_by_role("alert")).to_be_visible()
    expect(alert).to_be_in_viewport()
    audit()

    # Later, the parent records that they got medical help: the emergency gives way.
    alert.get_by_role("button", name="We have got medical help").click()
    expect(page.get_by_role("alert")).to_have_count(0)
    expect(page.get_by_text("After the bleeding: what to watch for")).to_be_visible()
    audit()
