"""Reminders in a real browser, at 360 px and on a wide screen: from the header's menu, add one
without help, choose what one gets, snooze and stop; the push button only where it can work."""

import datetime

import pytest
from playwright.sync_api import expect

from readings.models import Reminder
from tests.e2e.conftest import log_in, main_menu
from tests.factories import make_patient, make_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PUBLIC = "BOnpgbqI5U2GhGKPiBoLZ4YPhhQcKKa1x_-wqjTlMZCU0M_ake1AFgQMX6g-_w8X9VU96r-qeM03VJQgLy6uOwc"
PRIVATE = "RW0A10KVW_oZS1wrR9U2WaCuoJ5L14PoD4BxMF_ZPgM"


def add_a_weekly_dose_reminder(page):
    page.get_by_role("link", name="Add a reminder").click()
    page.get_by_label("Dose day").check()
    page.get_by_label("Name (optional)").fill("Romiplostim")
    next_week = (datetime.date.today() + datetime.timedelta(days=7)).isoformat()
    page.get_by_label("Date", exact=True).fill(next_week)
    page.get_by_label("Repeat", exact=True).select_option("weeks")
    page.get_by_label("Every how many days or weeks").fill("1")


def test_a_parent_adds_a_weekly_dose_reminder_and_stops_it(live_server, page, audit, settings):
    settings.VAPID_PUBLIC_KEY, settings.VAPID_PRIVATE_KEY = PUBLIC, PRIVATE
    make_patient(make_user("parent@example.com", "Jo"), name="Mia", time_zone="Europe/London")
    log_in(page, live_server, "parent@example.com")
    main_menu(page).get_by_role("link", name="Reminders").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Reminders")
    audit()
    add_a_weekly_dose_reminder(page)
    audit()
    page.get_by_role("button", name="Add the reminder").click()
    expect(page.get_by_role("heading", level=2, name="Dose day: Romiplostim")).to_be_visible()
    expect(page.get_by_text("Every week from")).to_be_visible()
    assert page.get_by_label("Send it to me by e-mail").is_checked()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    audit()
    page.get_by_role("button", name="Stop this reminder").click()
    expect(page.get_by_text("No reminders yet.")).to_be_visible()
    assert Reminder.objects.get().stopped_at is not None


@pytest.mark.parametrize("browser_context_args", [False], indirect=True, ids=["no-js"])
def test_without_javascript_reminders_work_and_offer_no_push_button(live_server, page, settings):
    settings.VAPID_PUBLIC_KEY, settings.VAPID_PRIVATE_KEY = PUBLIC, PRIVATE
    make_patient(make_user("parent@example.com", "Jo"), name="Mia")
    log_in(page, live_server, "parent@example.com")
    main_menu(page).get_by_role("link", name="Reminders").click()
    expect(page.get_by_role("button", name="Get reminders on this device")).to_be_hidden()
    add_a_weekly_dose_reminder(page)
    page.get_by_role("button", name="Add the reminder").click()
    expect(page.get_by_role("heading", level=2, name="Dose day: Romiplostim")).to_be_visible()
    page.get_by_role("button", name="Stop this reminder").click()
    expect(page.get_by_text("No reminders yet.")).to_be_visible()


def test_the_push_button_shows_only_with_javascript_and_keys(live_server, page, settings):
    make_patient(make_user("parent@example.com", "Jo"), name="Mia")
    log_in(page, live_server, "parent@example.com")
    main_menu(page).get_by_role("link", name="Reminders").click()
    button = page.get_by_role("button", name="Get reminders on this device")
    expect(button).to_have_count(0)
    settings.VAPID_PUBLIC_KEY, settings.VAPID_PRIVATE_KEY = PUBLIC, PRIVATE
    page.reload()
    expect(button).to_be_visible()  # un-hidden by push.js: Chromium has the Push API
