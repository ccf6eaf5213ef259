"""The dashboard on a phone: logging first, the header's pages, a first run with one thing to
do, and forms that say what to enter (issue 17, "Phone layout")."""

import io
import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from accounts.models import Patient, Role, User
from readings.forms import EpisodeForm, ReadingForm
from readings.management.commands.seed_demo import DEMO_EMAIL, DEMO_PASSWORD
from tests.e2e.conftest import DESKTOP, log_in, on_mias_dashboard
from tests.factories import (
    add_member,
    make_episode,
    make_patient,
    make_reading,
    make_treatment,
    make_user,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def viewport():
    return PHONE


@pytest.fixture
def parent(live_server, page):
    return on_mias_dashboard(live_server, page)


def demo_dashboard(page, live_server, *, then=None):
    """The demo record's dashboard, after `then(patient)` added to it."""
    call_command("seed_demo", stdout=io.StringIO())
    if then is not None:
        then(Patient.objects.get(memberships__user__email=DEMO_EMAIL))
    log_in(page, live_server, DEMO_EMAIL, DEMO_PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_contain_text("’s dashboard")


def on_first_screen(page, box: str):
    """The log box's heading and first field are on the screen as the page opens."""
    page.evaluate("window.scrollTo(0, 0)")
    section = page.locator(box)
    expect(section.get_by_role("heading", level=2)).to_be_in_viewport(ratio=1)
    expect(section.locator("input:not([type=hidden])").first).to_be_in_viewport(ratio=1)


def a_low_count_today(patient):
    make_reading(patient, "12")  # no threshold saved: "make sure your care team knows"


def a_bleed_first_aid_did_not_stop(patient):
    make_episode(patient, first_aid="no")


def a_longer_name_another_zone_and_advice(patient):
    """A name of 11 letters, the line that leads to the advice, and a member in another time
    zone (whose line follows the boxes)."""
    Patient.objects.filter(pk=patient.pk).update(
        name="Christopher", time_zone="America/Los_Angeles"
    )
    User.objects.filter(email=DEMO_EMAIL).update(time_zone="Asia/Tokyo")
    a_low_count_today(patient)


@pytest.mark.parametrize("viewport", [PHONE, {"width": 360, "height": 800}], ids=["390", "360"])
@pytest.mark.parametrize(
    "then",
    [None, a_low_count_today, a_longer_name_another_zone_and_advice],
    ids=["as seeded", "with advice", "with a longer name, advice and another zone"],
)
def test_on_a_phone_logging_a_count_or_a_bleed_starts_on_the_first_screen(
    live_server, page, audit, then
):
    demo_dashboard(page, live_server, then=then)
    if then is a_longer_name_another_zone_and_advice:
        expect(
            page.get_by_text("Dates and times in the boxes above are Christopher’s")
        ).to_be_visible()
    on_first_screen(page, "#quick-count")
    on_first_screen(page, "#quick-bleed")
    if then is not None:  # the advice follows the boxes; a line on the first screen leads to it
        pointer = page.get_by_role("link", name="Contact your care team today")
        expect(pointer).to_be_in_viewport(ratio=1)
        pointer.click()
        advice = page.locator(".quick-add ~ .advice-now")
        expect(advice.get_by_role("heading", name="What to do now")).to_be_in_viewport()
        expect(advice).to_contain_text("make sure your care team knows")
    audit()


def test_an_emergency_stays_before_the_log_boxes(live_server, page, audit):
    demo_dashboard(page, live_server, then=a_bleed_first_aid_did_not_stop)
    alert = page.locator(".advice-now").get_by_role("alert")
    expect(alert).to_be_in_viewport()
    advice_top = page.locator(".advice-now").first.bounding_box()["y"]
    assert advice_top < page.locator("#quick-count").bounding_box()["y"]
    # Only the emergency: any other advice follows the boxes.
    before = page.locator(".advice-now").first
    expect(before.get_by_role("alert")).to_have_count(before.locator(".advice").count())
    audit()


def test_on_a_phone_the_menu_opens_by_keyboard_and_leads_to_the_records_pages(parent, page, audit):
    nav = page.get_by_role("navigation", name="Main")
    history = nav.get_by_role("link", name="History")
    expect(history).to_be_hidden()  # folded away, behind a button that says so
    page.get_by_text("Menu", exact=True).focus()
    page.keyboard.press("Enter")
    expect(history).to_be_visible()
    audit()
    history.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mia’s history")
    page.get_by_text("Menu", exact=True).click()
    expect(history).to_have_attribute("aria-current", "page")
    nav.get_by_role("link", name="Treatments").click()
    expect(page).to_have_url(re.compile(r"/history/\?show=treatments$"))
    page.get_by_text("Menu", exact=True).click()
    expect(nav.get_by_role("link", name="Treatments")).to_have_attribute("aria-current", "page")
    expect(history).not_to_have_attribute("aria-current", "page")
    nav.get_by_role("link", name="Sharing").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sharing Mia’s record")
    audit()


@pytest.mark.parametrize("viewport", [DESKTOP], ids=["desktop"])
def test_on_a_wide_screen_the_records_pages_stand_in_the_header(parent, page, audit):
    expect(page.get_by_text("Menu", exact=True)).to_be_hidden()
    nav = page.get_by_role("navigation", name="Main")
    for name in ("Dashboard", "History", "Treatments", "Sharing", "Your account"):
        expect(nav.get_by_role("link", name=name, exact=True)).to_be_visible()
    expect(nav.get_by_role("link", name="Dashboard")).to_have_attribute("aria-current", "page")
    page.keyboard.press("Tab")  # the skip link, then the name, the help link and the menu
    for _ in range(3):
        page.keyboard.press("Tab")
    expect(nav.get_by_role("link", name="Dashboard")).to_be_focused()
    audit()


def test_a_first_run_has_one_thing_to_do_and_no_empty_chart(parent, page, audit):
    main = page.locator("main")
    expect(main.get_by_text("Nothing logged yet.")).to_be_visible()
    expect(main.get_by_role("link", name="Log your first count")).to_have_count(0)
    expect(main.locator(".chart")).to_have_count(0)
    on_first_screen(page, "#quick-count")
    audit()
    # The first count brings the chart in, and the first-run words go.
    page.locator("#quick-count").get_by_label("Platelet count").fill("45")
    page.locator("#quick-count").get_by_role("button", name="Save count").click()
    expect(page.locator("#chart-panel").get_by_role("heading", level=2)).to_be_visible()
    expect(main.get_by_text("Nothing logged yet.")).to_be_hidden()
    audit()


def test_a_viewer_of_an_empty_record_is_told_what_will_show(live_server, page, audit):
    owner = make_user("parent@example.com", "Jo")
    patient = make_patient(owner, name="Mia")
    add_member(patient, make_user("gran@example.com", "Gran"), Role.VIEWER)
    log_in(page, live_server, "gran@example.com")
    expect(page.get_by_text("Counts and bleeds show here once someone who can log")).to_be_visible()
    expect(page.locator("main .chart")).to_have_count(0)
    audit()


def test_both_log_boxes_refused_at_once_keep_their_ids_apart(parent, page, audit):
    # Each box re-drawn with its errors has its own one-time token and version: ids that
    # were the same in both boxes ("id_form_token") made the page invalid.
    # Left empty, each says what to enter.
    for box, noun, says in (
        ("#quick-count", "count", ReadingForm.what_to_enter["count_text"]),
        ("#quick-bleed", "bleed", EpisodeForm.what_to_enter["kind"]),
    ):
        page.locator(box).get_by_role("button", name=f"Save {noun}").click()
        expect(page.locator(box).locator(".errorlist").first).to_have_text(says)
    expect(page.locator("#quick-count input[name=form_token]")).to_have_count(1)
    expect(page.locator("#quick-bleed input[name=form_token]")).to_have_count(1)
    audit()


def test_a_young_childs_details_on_a_phone(live_server, page, audit):
    owner = make_user("parent@example.com", "Jo")
    patient = make_patient(owner, name="Mia")
    patient.birth_year = patient.today().year - 6
    patient.save()
    log_in(page, live_server, "parent@example.com")
    page.get_by_role("link", name="Record details for Mia").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Record details for Mia")
    # The care team's number is a field like the name, not a small bare box.
    phone = page.get_by_label("Care team phone number").bounding_box()
    name = page.get_by_label("Name", exact=True).bounding_box()
    assert (phone["width"], phone["height"]) == (name["width"], name["height"])
    expect(page.get_by_label("Currently pregnant")).to_have_count(0)
    audit()


def test_on_a_phone_the_menu_closes_when_focus_leaves_it_or_on_escape(parent, page, audit):
    menu_button = page.get_by_text("Menu", exact=True)
    menu = page.locator("details.site-menu")
    menu_button.focus()
    page.keyboard.press("Enter")
    expect(menu).to_have_attribute("open", "")
    page.keyboard.press("Escape")  # closed, and back on its button
    expect(menu).not_to_have_attribute("open", "")
    expect(menu_button).to_be_focused()
    page.keyboard.press("Enter")
    links = menu.locator("a, button:visible, summary").count()
    for _ in range(links + 2):  # through every link and on past the last
        page.keyboard.press("Tab")
    expect(menu).not_to_have_attribute("open", "")  # it no longer covers the page below
    audit()


def test_names_and_notes_without_spaces_wrap_instead_of_widening_the_page(live_server, page):
    owner = make_user("parent@example.com", "J" * 100)
    patient = make_patient(owner, name="Mia")
    make_treatment(patient, "other", other_name="Mycophenolate" * 7)  # 91 letters, no space
    make_reading(patient, "45", note="N" * 400, lab="L" * 100)
    log_in(page, live_server, "parent@example.com")
    for path in ("", "sharing/", "report/", "history/"):
        page.goto(f"{live_server.url}/p/{patient.pk}/{path}")
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], path
