"""The installable app in a real Chromium: installable, logging without a signal
(static/js/offline.js, templates/readings/sw.js), and logging out clears what waits."""

import json
from decimal import Decimal

import pytest
from django.contrib.sessions.models import Session
from django.core.signals import request_started
from django.templatetags.static import static
from django.urls import reverse
from playwright.sync_api import expect

from accounts.models import Role
from readings import pwa
from readings.models import BleedingEpisode, PlateletReading
from tests.e2e.conftest import PHONE, log_in, main_menu, on_mias_dashboard
from tests.factories import PASSWORD, add_member, make_patient, make_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

NO_SIGNAL = "net::ERR_INTERNET_DISCONNECTED"


@pytest.fixture
def viewport():
    return PHONE


@pytest.fixture
def signed_in(live_server, page):
    patient = on_mias_dashboard(live_server, page)
    under_the_worker(page)
    return page, patient


def under_the_worker(page):
    """Wait until the service worker has installed and controls the page."""
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    page.evaluate("() => navigator.serviceWorker.ready.then(() => true)")


# How many requests Workbox's queues hold on the device (its IndexedDB database).
QUEUED = """async () => {
  const names = (await indexedDB.databases()).map((db) => db.name);
  if (!names.includes("workbox-background-sync")) return 0;
  return new Promise((resolve, reject) => {
    const opening = indexedDB.open("workbox-background-sync");
    opening.onerror = () => reject(opening.error);
    opening.onsuccess = () => {
      const db = opening.result;
      if (!db.objectStoreNames.contains("requests")) { db.close(); resolve(0); return; }
      const counting = db.transaction("requests").objectStore("requests").count();
      counting.onsuccess = () => { db.close(); resolve(counting.result); };
    };
  });
}"""


# Every URL the worker's caches hold.
CACHED = """async () => {
  const urls = [];
  for (const name of await caches.keys()) {
    const cache = await caches.open(name);
    for (const request of await cache.keys()) {
      const url = new URL(request.url);
      urls.push(url.pathname + url.search);
    }
  }
  return urls;
}"""
PRECACHED = {
    *(static(path) for path in [*pwa.PRECACHE_STATIC, *pwa.WORKBOX]),
    reverse("offline"),
}


def online_errors_only(console_errors):
    """The console errors a page had, less the requests that failed for want of a signal."""
    return [error for error in console_errors if NO_SIGNAL not in error]


def log_count(page, text):
    box = page.locator("#quick-count")
    box.get_by_label("Platelet count").fill(text)
    box.get_by_role("button", name="Save count").click()


def log_nosebleed(page, first_aid="Yes, it stopped"):
    box = page.locator("#quick-bleed")
    box.get_by_label("Nosebleed").check()
    box.get_by_label(first_aid).check()
    box.get_by_role("button", name="Save bleed").click()


def test_chromium_finds_the_app_installable(
    browser_type, browser_type_launch_args, live_server, tmp_path
):
    # A profile on disk: Chromium never offers to install from a private (incognito) window,
    # which is what a test's fresh context is.
    make_patient(make_user("parent@example.com", "Jo"), name="Mia")
    context = browser_type.launch_persistent_context(
        tmp_path, **browser_type_launch_args, viewport=PHONE
    )
    try:
        page = context.new_page()
        log_in(page, live_server, "parent@example.com")
        expect(page.get_by_role("heading", level=1)).to_have_text("Mia’s dashboard")
        under_the_worker(page)
        devtools = context.new_cdp_session(page)
        manifest = devtools.send("Page.getAppManifest")
        assert manifest["url"].endswith("/manifest.webmanifest")
        assert manifest["errors"] == []
        assert devtools.send("Page.getInstallabilityErrors")["installabilityErrors"] == []
    finally:
        context.close()


def test_entries_logged_without_a_signal_arrive_once(signed_in, console_errors, audit):
    page, patient = signed_in
    page.context.set_offline(True)
    log_count(page, "38")
    waiting = page.locator("#waiting-entries")
    expect(waiting.get_by_text("Kept on this device: Count 38 ×10⁹/L on")).to_be_visible()
    log_nosebleed(page)
    listed = page.locator("#waiting-list > li")
    expect(listed).to_have_count(2)
    expect(listed.nth(0)).to_contain_text("Count 38 ×10⁹/L on")
    expect(listed.nth(1)).to_contain_text("Bleed: Nosebleed on")
    for item in listed.all():
        expect(item).to_contain_text("this device's time")
        expect(item).to_contain_text("Waiting to send.")
    # The boxes are ready for the next entry, with a new one-time token.
    expect(page.locator("#quick-count").get_by_label("Platelet count")).to_have_value("")
    assert not PlateletReading.objects.filter(patient=patient).exists()

    # Opened again without a signal: the offline page, with what waits and both boxes.
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_have_text("No connection")
    expect(listed).to_have_count(2)
    expect(listed.nth(0)).to_contain_text("Count 38 ×10⁹/L on")
    expect(listed.nth(1)).to_contain_text("Bleed: Nosebleed on")
    expect(page.get_by_role("button", name="Save count")).to_be_visible()
    assert not PlateletReading.objects.filter(patient=patient).exists()

    # The signal returns: each is sent, once, and the page it stood in for comes back.
    page.context.set_offline(False)
    expect(page.get_by_role("heading", level=1)).to_have_text("Mia’s dashboard")
    expect(page.locator("#waiting-entries")).to_be_hidden()
    expect(page.locator("#recent-entries").get_by_text("38 ×10⁹/L")).to_be_visible()
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mia’s dashboard")
    readings = PlateletReading.objects.filter(patient=patient)
    assert [(r.entered_text, r.created_by.email) for r in readings] == [
        ("38", "parent@example.com")
    ]
    bleeds = BleedingEpisode.objects.filter(patient=patient)
    assert [(b.kind, b.first_aid) for b in bleeds] == [("nosebleed", "yes")]
    assert readings.get().form_token != bleeds.get().form_token
    console_errors[:] = online_errors_only(console_errors)
    audit()
    # All the while, the worker's caches held static files and the offline page, no page.
    kept = page.evaluate(CACHED)
    assert kept and {url.split("?")[0] for url in kept} <= PRECACHED
    assert "/offline/" in {url.split("?")[0] for url in kept}


def test_an_entry_sent_after_the_login_ended_waits_for_the_next_login(signed_in, live_server):
    page, patient = signed_in
    page.context.set_offline(True)
    log_count(page, "52")
    expect(page.get_by_text("Kept on this device: Count 52 ×10⁹/L on")).to_be_visible()
    Session.objects.all().delete()  # the login ends (timed out, or ended on another device)
    page.context.set_offline(False)
    listed = page.locator("#waiting-list > li")
    expect(listed).to_contain_text("Not sent yet: sign in again, and it will be sent.")
    assert not PlateletReading.objects.filter(patient=patient).exists()

    listed.get_by_role("link", name="Sign in").click()
    page.get_by_label("E-mail address").fill("parent@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mia’s dashboard")
    expect(page.locator("#waiting-entries").get_by_text("Sent: Count 52")).to_be_visible()
    reading = PlateletReading.objects.get(patient=patient)
    assert reading.entered_text == "52"


def test_a_count_logged_on_the_offline_page_arrives_on_the_record_s_date(signed_in):
    page, patient = signed_in
    page.context.set_offline(True)
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_have_text("No connection")
    expect(page.get_by_text("on the record's clock (UTC)")).to_be_visible()
    log_count(page, "61")
    expect(page.get_by_text("Kept on this device: Count 61 ×10⁹/L on")).to_be_visible()
    page.context.set_offline(False)
    expect(page.get_by_role("heading", level=1)).to_have_text("Mia’s dashboard")
    reading = PlateletReading.objects.get(patient=patient)
    assert (reading.entered_text, reading.drawn_on) == ("61", patient.today())


def test_a_full_form_sent_without_a_signal_gets_the_offline_page_and_its_boxes(signed_in):
    page, patient = signed_in
    page.locator("#quick-count").get_by_role("link", name="Add time, lab, note").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Log a count")
    page.context.set_offline(True)
    page.get_by_label("Platelet count").fill("70")
    page.get_by_role("button", name="Save count").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("No connection")
    assert page.evaluate(QUEUED) == 0  # nothing kept that the page did not say it kept
    log_count(page, "70")  # the boxes take it, for the record in the address
    expect(page.get_by_text("Kept on this device: Count 70 ×10⁹/L on")).to_be_visible()
    page.context.set_offline(False)
    expect(page.get_by_role("heading", level=1)).not_to_have_text("No connection")
    assert [r.entered_text for r in PlateletReading.objects.filter(patient=patient)] == ["70"]


def test_an_emergency_logged_without_a_signal_says_so_at_once(signed_in):
    page, patient = signed_in
    page.context.set_offline(True)
    log_nosebleed(page, first_aid="No, it did not stop")
    alert = page.get_by_role("alert").filter(has_text="Bleeding that does not stop is an emergency")
    expect(alert).to_be_visible()
    expect(alert).to_contain_text("Emergency: get help now")
    assert not BleedingEpisode.objects.filter(patient=patient).exists()
    page.context.set_offline(False)
    expect(page.locator("#waiting-entries").get_by_text("Sent: Bleed: Nosebleed")).to_be_visible()
    assert BleedingEpisode.objects.get(patient=patient).first_aid == "no"


def test_an_entry_the_server_questions_is_shown_for_the_person_to_answer(
    signed_in, audit, console_errors
):
    page, patient = signed_in
    page.context.set_offline(True)
    log_count(page, "1,500")
    page.context.set_offline(False)
    waiting = page.locator("#waiting-entries")
    expect(waiting.get_by_text("Not saved yet: there is a question about it.")).to_be_visible()
    assert not PlateletReading.objects.filter(patient=patient).exists()
    page.reload()  # it waits on the device until answered, a reload included
    expect(page.locator("#waiting-list")).to_contain_text("Count 1,500 ×10⁹/L on")
    console_errors[:] = online_errors_only(console_errors)
    audit()

    waiting.get_by_role("button", name="Answer the question").click()
    box = page.locator("#quick-count")
    expect(box.get_by_text("Not saved yet.")).to_be_visible()
    expect(box.get_by_label("Platelet count")).to_have_value("1,500")
    box.get_by_label("1.5 ×10⁹/L", exact=False).first.check()
    box.get_by_role("button", name="Save count").click()
    expect(page.get_by_text("Saved the count of 1.5 ×10⁹/L")).to_be_visible()
    expect(waiting).to_be_hidden()
    assert [r.count for r in PlateletReading.objects.filter(patient=patient)] == [Decimal("1.5")]


def a_question_waits(page):
    """A "1,500" kept without a signal, then sent: the server asks which count was meant."""
    page.context.set_offline(True)
    log_count(page, "1,500")
    page.context.set_offline(False)
    expect(page.get_by_text("Not saved yet: there is a question about it.")).to_be_visible()


def test_logging_out_throws_away_what_waits_after_a_warning(signed_in):
    page, patient = signed_in
    a_question_waits(page)
    assert page.evaluate(QUEUED) == 1

    warnings = []

    def answer(dialog, accept):
        warnings.append(dialog.message)
        dialog.accept() if accept else dialog.dismiss()

    page.once("dialog", lambda dialog: answer(dialog, accept=False))
    main_menu(page).get_by_role("button", name="Log out").click()
    for _ in range(100):  # the page asks the worker first, then warns
        if warnings:
            break
        page.wait_for_timeout(100)
    expect(page.get_by_text("Not saved yet: there is a question about it.")).to_be_visible()
    assert warnings == [
        "1 entry on this device has not been sent. Logging out throws it away. Log out anyway?"
    ]
    assert page.url.endswith(f"/p/{patient.pk}/")

    page.once("dialog", lambda dialog: answer(dialog, accept=True))
    main_menu(page).get_by_role("button", name="Log out").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in")
    # The login page registers the worker again, afresh: nothing of the queue is left.
    assert page.evaluate(QUEUED) == 0
    assert page.evaluate("() => localStorage.getItem('itp-last-record')") is None
    assert not PlateletReading.objects.filter(patient=patient).exists()


def test_a_push_message_shows_only_the_words_it_carries(live_server, page):
    """The worker's half of a reminder by Web Push (readings/reminders.py sends the words):
    delivered through Chromium's DevTools, as a push service would."""
    page.context.grant_permissions(["notifications"], origin=live_server.url)
    page.goto(f"{live_server.url}/login/")
    under_the_worker(page)
    devtools = page.context.new_cdp_session(page)
    versions = []
    devtools.on(
        "ServiceWorker.workerVersionUpdated", lambda event: versions.extend(event["versions"])
    )
    devtools.send("ServiceWorker.enable")
    # A push delivered before the worker is activated can be lost (a push service delivers to
    # an active worker): wait for it, not for a fixed time.
    for _ in range(100):
        if any(v["status"] == "activated" for v in versions):
            break
        page.wait_for_timeout(100)
    registrations = [v["registrationId"] for v in versions if v["status"] == "activated"]
    assert registrations
    messages = [
        {"title": "A reminder from ITP Tracker", "body": "Open ITP Tracker to see it.", "url": "/"},
        "not JSON",
    ]
    for shown, data in enumerate(messages, start=1):
        # Delivered again if the worker has not shown it in 2 s: a cold Chromium can drop the
        # first push to a worker that has just taken over (a push service would retry too).
        for _ in range(5):
            devtools.send(
                "ServiceWorker.deliverPushMessage",
                {
                    "origin": live_server.url,
                    "registrationId": registrations[0],
                    "data": data if isinstance(data, str) else json.dumps(data),
                },
            )
            if showing(page, shown):
                break
    assert distinct(page.evaluate(SHOWN)) == [
        ["A reminder from ITP Tracker", "Open ITP Tracker to see it.", "/"],
        ["A reminder from ITP Tracker", "", "/"],
    ]


def showing(page, count: int) -> bool:
    """Whether `count` notifications are shown within 2 s (the worker shows one when the push
    event has run)."""
    for _ in range(20):
        if len(distinct(page.evaluate(SHOWN))) == count:
            return True
        page.wait_for_timeout(100)
    return False


def distinct(shown: list) -> list:
    """Each notification once, in the order first shown (a push delivered twice shows twice)."""
    return [n for i, n in enumerate(shown) if n not in shown[:i]]


SHOWN = """() => navigator.serviceWorker.ready
  .then((registration) => registration.getNotifications())
  .then((shown) => shown.map((n) => [n.title, n.body, n.data.url]))"""


@pytest.fixture
def entry_posts():
    """How many times an entry was posted to the server (the live server runs in this
    process): a refused one must not be sent again and again."""
    posts = []

    def heard(sender, environ, **kwargs):
        if environ["REQUEST_METHOD"] == "POST" and environ["PATH_INFO"].endswith("/new/"):
            posts.append(environ["PATH_INFO"])

    request_started.connect(heard)
    yield posts
    request_started.disconnect(heard)


def test_an_entry_the_server_refuses_is_held_and_the_next_one_still_goes(
    live_server, page, entry_posts
):
    mia = make_patient(make_user("parent@example.com", "Jo"), name="Mia")
    dave = make_user("dave@example.com", "Dave")
    membership = add_member(mia, dave, Role.EDITOR)
    log_in(page, live_server, "dave@example.com")
    under_the_worker(page)
    page.context.set_offline(True)
    log_count(page, "41")
    log_count(page, "42")
    expect(page.locator("#waiting-list > li")).to_have_count(2)
    membership.role = Role.VIEWER  # Dave may only view now
    membership.save()
    page.context.set_offline(False)
    listed = page.locator("#waiting-list > li")
    expect(listed.filter(has_text="Count 41")).to_contain_text("may not log for this record")
    expect(listed.filter(has_text="Count 42")).to_contain_text("may not log for this record")
    # Tried once as the signal came back, and at most once more for the page (its "online"):
    # then no more until the next page.
    page.wait_for_timeout(1500)
    tried = len(entry_posts)
    page.wait_for_timeout(1500)
    assert tried in (2, 4) and len(entry_posts) == tried
    # Made an editor again: the next page sends both, once.
    membership.role = Role.EDITOR
    membership.save()
    page.reload()
    expect(page.get_by_text("Sent: Count 42")).to_be_visible()
    expect(page.locator("#waiting-list > li")).to_have_count(0)
    assert sorted(r.entered_text for r in PlateletReading.objects.filter(patient=mia)) == [
        "41",
        "42",
    ]
    assert len(entry_posts) == tried + 2


def test_what_one_account_left_waiting_is_never_sent_or_shown_as_another(live_server, page):
    mia = make_patient(make_user("parent@example.com", "Jo"), name="Mia")
    add_member(mia, make_user("dave@example.com", "Dave"), Role.EDITOR)
    log_in(page, live_server, "parent@example.com")
    under_the_worker(page)
    page.context.set_offline(True)
    log_count(page, "56")
    expect(page.locator("#waiting-list > li")).to_have_count(1)
    Session.objects.all().delete()  # Jo's login ends without logging out
    page.context.set_offline(False)
    expect(page.get_by_text("Not sent yet: sign in again")).to_be_visible()

    log_in(page, live_server, "dave@example.com")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mia’s dashboard")
    page.wait_for_timeout(1500)
    expect(page.locator("#waiting-entries")).to_be_hidden()
    assert not PlateletReading.objects.filter(patient=mia).exists()
    # Logging out clears the device: Dave is told something waits, not what.
    warnings = []
    page.once("dialog", lambda dialog: (warnings.append(dialog.message), dialog.dismiss()))
    main_menu(page).get_by_role("button", name="Log out").click()
    for _ in range(100):
        if warnings:
            break
        page.wait_for_timeout(100)
    assert warnings == [
        "1 entry on this device has not been sent. Logging out throws it away. Log out anyway?"
    ]

    # Dave's login ends too; Jo logs in again on the device: it is sent, as Jo's.
    Session.objects.all().delete()
    log_in(page, live_server, "parent@example.com")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mia’s dashboard")
    expect(page.get_by_text("Sent: Count 56")).to_be_visible()
    reading = PlateletReading.objects.get(patient=mia)
    assert (reading.entered_text, reading.created_by.email) == ("56", "parent@example.com")


def test_the_offline_page_logs_only_for_a_record_this_device_logs_for_on_its_clock(
    live_server, page
):
    jo = make_user("parent@example.com", "Jo")
    mia = make_patient(jo, name="Mia")
    kiri = make_patient(jo, name="Kiri", time_zone="Pacific/Kiritimati")
    viewed = make_patient(make_user("other@example.com"), name="Ana")
    add_member(viewed, jo, Role.VIEWER)
    log_in(page, live_server, "parent@example.com")
    under_the_worker(page)
    page.goto(f"{live_server.url}/p/{kiri.pk}/")
    never_opened = make_patient(jo, name="Never opened")

    def offline_at(path):
        page.context.set_offline(False)
        # The offline page gives way by itself once the signal is back.
        expect(page.get_by_role("heading", level=1)).not_to_have_text("No connection")
        page.goto(f"{live_server.url}/p/{mia.pk}/")  # the last record opened is Mia's
        page.context.set_offline(True)
        page.goto(f"{live_server.url}{path}")
        expect(page).to_have_url(f"{live_server.url}{path}")
        expect(page.get_by_role("heading", level=1)).to_have_text("No connection")

    offline_at(f"/p/{kiri.pk}/history/")
    expect(page.get_by_text("on the record's clock (Pacific/Kiritimati)")).to_be_visible()
    box = page.locator("#quick-count")
    expect(box.get_by_label("Date of the blood test")).to_have_value(kiri.today().isoformat())

    for record in (viewed, never_opened):
        offline_at(f"/p/{record.pk}/")
        expect(page.get_by_text("open the record's dashboard once")).to_be_visible()
        expect(page.get_by_role("button", name="Save count")).to_be_hidden()


def test_logging_out_everywhere_asks_and_no_log_out_without_a_signal(signed_in):
    page, patient = signed_in
    page.context.set_offline(True)
    log_count(page, "1,500")
    warnings = []
    page.on("dialog", lambda dialog: (warnings.append(dialog.message), dialog.dismiss()))
    main_menu(page).get_by_role("button", name="Log out").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mia’s dashboard")
    page.context.set_offline(False)
    expect(page.get_by_text("Not saved yet: there is a question about it.")).to_be_visible()
    main_menu(page).get_by_role("link", name="Your account").click()
    page.get_by_role("button", name="Log out everywhere").click()
    for _ in range(100):
        if len(warnings) == 2:
            break
        page.wait_for_timeout(100)
    assert warnings == [
        "There is no connection, so you are still logged in. Log out once there is a signal.",
        "1 entry on this device has not been sent. Logging out throws it away. Log out anyway?",
    ]
    expect(page.get_by_role("heading", level=1)).to_have_text("Your account")


def test_a_question_answered_without_a_signal_is_saved_once_and_leaves_the_list(signed_in):
    page, patient = signed_in
    a_question_waits(page)
    page.context.set_offline(True)
    page.reload()  # the offline page, standing in for the dashboard
    expect(page.get_by_role("heading", level=1)).to_have_text("No connection")
    page.get_by_role("button", name="Answer the question").click()
    box = page.locator("#quick-count")
    box.get_by_label("1.5 ×10⁹/L", exact=False).first.check()
    box.get_by_role("button", name="Save count").click()  # kept again, with the same token
    page.context.set_offline(False)
    expect(page.get_by_role("heading", level=1)).to_have_text("Mia’s dashboard")
    # Sent when the page loads, after it shows: on a busy machine that is seconds later.
    saved = page.locator("#recent-entries").get_by_text("1.5 ×10⁹/L")
    expect(saved).to_be_visible(timeout=15_000)
    expect(page.locator("#waiting-list > li")).to_have_count(0)
    assert page.evaluate(QUEUED) == 0
    assert [r.count for r in PlateletReading.objects.filter(patient=patient)] == [Decimal("1.5")]


def test_the_offline_page_forgets_a_record_one_may_only_view_and_another_account_s(
    live_server, page
):
    jo = make_user("parent@example.com", "Jo")
    mia = make_patient(jo, name="Mia")
    kiri = make_patient(jo, name="Kiri", time_zone="Pacific/Kiritimati")
    membership = add_member(mia, make_user("dave@example.com", "Dave"), Role.EDITOR)
    log_in(page, live_server, "parent@example.com")
    under_the_worker(page)
    page.goto(f"{live_server.url}/p/{kiri.pk}/")  # Jo logs for Kiri on this device
    Session.objects.all().delete()  # Jo's login ends without logging out

    log_in(page, live_server, "dave@example.com")  # Dave, on Mia's dashboard, can log
    expect(page.get_by_role("heading", level=1)).to_have_text("Mia’s dashboard")
    membership.role = Role.VIEWER
    membership.save()
    page.reload()  # now Dave may only view Mia's record
    expect(page.get_by_role("button", name="Save count")).to_have_count(0)
    page.context.set_offline(True)
    for record in (mia, kiri):
        tab = page.context.new_page()
        tab.goto(f"{live_server.url}/p/{record.pk}/history/")
        expect(tab.get_by_role("heading", level=1)).to_have_text("No connection")
        expect(tab.get_by_text("open the record's dashboard once")).to_be_visible()
        expect(tab.get_by_role("button", name="Save count")).to_be_hidden()
        tab.close()
