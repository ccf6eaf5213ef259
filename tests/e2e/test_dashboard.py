import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.e2e.conftest import log_in
from tests.factories import (
    make_episode,
    make_patient,
    make_reading,
    make_treatment,
    make_user,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# Days ago of each count: 4 in the last 3 months, 7 in 6 months, 10 in a year, 12 in all.
DAYS_AGO = [3, 20, 45, 80, 100, 130, 170, 200, 260, 330, 500, 700]


@pytest.fixture
def dashboard(live_server, page):
    owner = make_user("alex@example.com", "Alex")
    patient = make_patient(owner, name="Alex", alert_threshold=30)
    today = timezone.localdate()
    for number, days in enumerate(DAYS_AGO):
        make_reading(patient, str(20 + 7 * number), drawn_on=today - datetime.timedelta(days=days))
    make_episode(
        patient,
        "nosebleed",
        started_at=timezone.now() - datetime.timedelta(days=10),
        severity="moderate",
    )
    make_treatment(patient, "eltrombopag", started_on=today - datetime.timedelta(days=120))
    log_in(page, live_server, "alex@example.com")
    expect(page.get_by_role("heading", level=1)).to_have_text("Alex’s dashboard")
    return page


def plotted_markers(page):
    # Plotly.js loads when the chart comes near the screen, as a person scrolls to it.
    page.locator("#chart").scroll_into_view_if_needed()
    page.locator("#chart .main-svg").first.wait_for()
    return page.locator("#chart .scatterlayer .trace").first.locator(".point")


def choose_range(page, label):
    page.get_by_role("link", name=label).click()
    # The chart panel is replaced; wait for the new one before looking at its chart.
    expect(page.get_by_role("link", name=label)).to_have_attribute("aria-current", "page")


def table_rows(page):
    return page.locator("#chart-panel table tbody tr")


def test_the_chart_draws_the_counts_in_range_and_the_range_can_change(dashboard, audit):
    page = dashboard
    expect(plotted_markers(page)).to_have_count(7)
    expect(page.get_by_text("7 counts from")).to_be_visible()
    page.get_by_text("The same counts as a table").click()
    expect(table_rows(page)).to_have_count(7)
    audit()

    choose_range(page, "1 year")
    expect(page).to_have_url(f"{page.url.split('?')[0]}?range=1y")
    expect(plotted_markers(page)).to_have_count(10)
    page.get_by_text("The same counts as a table").click()
    expect(table_rows(page)).to_have_count(10)

    choose_range(page, "3 months")
    expect(plotted_markers(page)).to_have_count(4)
    choose_range(page, "All time")
    expect(plotted_markers(page)).to_have_count(12)
    # A bleed marker on the strip under the counts, and the treatment's span label.
    expect(page.locator("#chart .scatterlayer .trace").nth(1).locator(".point")).to_have_count(1)
    expect(page.locator("#chart").get_by_text("Eltrombopag")).to_be_visible()
    audit()


def test_the_numbers_at_a_glance(dashboard, audit):
    page = dashboard
    stats = page.locator("#stats")
    expect(stats.locator(".stat-latest")).to_contain_text("20 ×10⁹/L")
    expect(stats.get_by_text("Down 7 ×10⁹/L")).to_be_visible()
    expect(stats.get_by_text("10 days")).to_be_visible()
    expect(stats.get_by_text("Eltrombopag", exact=True)).to_be_visible()
    audit()


def test_a_quick_add_updates_the_numbers_and_the_chart(dashboard):
    page = dashboard
    expect(plotted_markers(page)).to_have_count(7)
    page.locator("#quick-count").get_by_label("Platelet count").fill("150")
    page.locator("#quick-count").get_by_role("button", name="Save count").click()
    expect(page.locator("#stats").get_by_text("150 ×10⁹/L")).to_be_visible()
    expect(plotted_markers(page)).to_have_count(8)


def test_a_quick_add_by_keyboard_keeps_the_focus_on_the_box(dashboard, audit):
    page = dashboard
    box = page.locator("#quick-count")
    box.get_by_label("Platelet count").fill("150")
    save = box.get_by_role("button", name="Save count")
    save.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#quick-count").get_by_role("status")).to_contain_text("Saved")
    # The box was swapped in again: the focus is back on its button, not lost to the page.
    expect(page.locator("#quick-count").get_by_role("button", name="Save count")).to_be_focused()
    page.keyboard.press("Tab")
    expect(
        page.locator("#quick-count").get_by_role("link", name="Add time, lab, note")
    ).to_be_focused()
    audit()
    # Refused: the focus goes to what is wrong, at the top of the box, said as an alert.
    box.get_by_role("button", name="Save count").focus()
    page.keyboard.press("Enter")
    problems = page.locator("#quick-count").get_by_role("alert")
    expect(problems).to_be_focused()
    expect(problems).to_contain_text("Not saved yet.")
    expect(problems.get_by_role("link", name="Platelet count")).to_have_count(1)
    expect(problems).to_be_in_viewport()
    audit()


def test_an_open_table_stays_open_for_another_period(dashboard, audit):
    page = dashboard
    page.get_by_text("The same counts as a table").click()
    expect(table_rows(page)).to_have_count(7)
    choose_range(page, "1 year")
    expect(page.locator("#counts-table")).to_have_attribute("open", "")
    expect(table_rows(page)).to_have_count(10)
    choose_range(page, "3 months")
    expect(table_rows(page)).to_have_count(4)
    audit()


@pytest.mark.parametrize("browser_context_args", [False], indirect=True, ids=["no-javascript"])
def test_without_javascript_the_range_links_and_the_table_still_work(dashboard):
    page = dashboard
    page.get_by_role("link", name="1 year").click()
    expect(page).to_have_url(f"{page.url.split('?')[0]}?range=1y#chart-panel")
    page.get_by_text("The same counts as a table").click()
    page.get_by_role("link", name="Show the table of 10 counts").click()
    expect(table_rows(page)).to_have_count(10)
    expect(page.get_by_text("10 counts from")).to_be_visible()
    # Another period keeps the table open, and the page at the chart.
    page.get_by_role("link", name="3 months").click()
    expect(page).to_have_url(re.compile(r"\?range=3m&table=1#chart-panel$"))
    expect(page.locator("#counts-table")).to_have_attribute("open", "")
    expect(table_rows(page)).to_have_count(4)


def test_printing_the_dashboard_gives_its_content_not_its_forms(dashboard):
    page = dashboard
    plotted_markers(page).first.wait_for()  # drawn, the chart prints
    page.emulate_media(media="print")
    expect(page.locator("#stats").get_by_text("Latest count")).to_be_visible()
    expect(page.locator("#chart")).to_be_visible()
    for hidden in ("#quick-count", "#quick-bleed", ".site-menu", ".chart-controls"):
        expect(page.locator(hidden)).to_be_hidden()


@pytest.mark.parametrize("browser_context_args", [False], indirect=True, ids=["no-javascript"])
def test_a_chart_not_drawn_leaves_no_blank_box_in_print(dashboard):
    page = dashboard
    page.emulate_media(media="print")
    expect(page.get_by_text("7 counts from")).to_be_visible()  # the chart in words
    expect(page.locator("#chart")).to_be_hidden()
