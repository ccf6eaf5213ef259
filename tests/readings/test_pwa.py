"""The installable app's server side (readings.pwa): manifest, service worker, offline page,
the offline emergency rule, and what logging out tells the browser to drop."""

import datetime
import itertools
import json
import re
import struct

import pytest
from django.contrib.staticfiles import finders
from django.test import Client
from django.urls import reverse

from accounts import sessions
from readings import guidance, pwa
from readings.models import BleedingEpisode, BleedingKind, FirstAid, PlateletReading, WarningSign
from tests.accounts.test_sessions import age_session
from tests.clock import NOW, pinned
from tests.factories import PASSWORD

pytestmark = [pytest.mark.django_db, pinned]


def png_size(path: str) -> tuple[int, int]:
    with open(path, "rb") as file:
        header = file.read(24)
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", header[16:24])


def static_path(url: str) -> str:
    found = finders.find(url.removeprefix("/static/"))
    assert found, f"{url} is not a static file"
    return found


def test_the_manifest_has_what_browsers_ask_to_install(client):
    response = client.get(reverse("web_manifest"))
    assert response["Content-Type"] == "application/manifest+json"
    manifest = json.loads(response.content)
    assert manifest["name"] == "ITP Tracker" and manifest["short_name"]
    assert manifest["display"] == "standalone"
    assert manifest["start_url"] == "/" and manifest["scope"] == "/"
    assert manifest["theme_color"] == pwa.THEME_LIGHT == manifest["background_color"]
    sizes = {}
    for icon in manifest["icons"]:
        width, height = png_size(static_path(icon["src"]))
        assert icon["sizes"] == f"{width}x{height}"
        sizes.setdefault(icon.get("purpose", "any"), set()).add(width)
    assert sizes == {"any": {192, 512}, "maskable": {512}}


def test_every_page_names_the_manifest_and_both_theme_colours(client):
    html = client.get(reverse("login")).content.decode()
    assert f'<link rel="manifest" href="{reverse("web_manifest")}">' in html
    assert f'content="{pwa.THEME_LIGHT}" media="(prefers-color-scheme: light)"' in html
    assert f'content="{pwa.THEME_DARK}" media="(prefers-color-scheme: dark)"' in html


def precached(client) -> list[dict]:
    body = client.get(reverse("service_worker")).content.decode()
    return json.loads(re.search(r"precacheAndRoute\((\[.*?\])\);", body).group(1))


def test_the_worker_is_served_from_the_root_as_a_script_asked_for_on_every_visit(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Cache-Control"] == "no-cache"
    assert "worker-src 'self'" in response["Content-Security-Policy"]
    body = response.content.decode()
    for path in pwa.WORKBOX:
        assert f'"/static/{path}"' in body  # from our own static files, never a CDN
    assert "https://" not in body


def test_the_worker_keeps_only_static_files_and_the_offline_page(client, cast):
    client.force_login(cast.owner)
    urls = [entry["url"] for entry in precached(client)]
    assert urls[-1] == reverse("offline")
    for url in urls[:-1]:
        assert url.startswith("/static/")
        static_path(url)
    assert not any(url.startswith("/p/") for url in urls)


def test_a_changed_static_file_is_a_new_worker(client, settings, tmp_path):
    before = {entry["url"]: entry["revision"] for entry in precached(client)}
    copy = tmp_path / "css"
    copy.mkdir()
    (copy / "app.css").write_text("body { color: red; }")
    settings.STATICFILES_DIRS = [tmp_path, *settings.STATICFILES_DIRS]
    pwa._digest.cache_clear()
    try:
        after = {entry["url"]: entry["revision"] for entry in precached(client)}
    finally:
        pwa._digest.cache_clear()
    assert after["/static/css/app.css"] != before["/static/css/app.css"]
    assert after["/static/js/menu.js"] == before["/static/js/menu.js"]


def test_the_offline_page_is_the_same_for_everyone_at_every_moment(client, cast, time_machine):
    """Its digest is the worker's version: a page that changed with the clock, the user or a
    random token would be a new worker on every visit, and would keep someone's details."""
    anonymous = client.get(reverse("offline")).content
    client.force_login(cast.owner)
    html = client.get(reverse("offline")).content.decode()
    assert html.encode() == anonymous
    for private in ("Olive", "owner@example.com", "Sam", str(cast.patient.pk)):
        assert private not in html
    assert "csrfmiddlewaretoken" not in html
    assert 'name="form_token" value=""' in html
    worker = client.get(reverse("service_worker")).content
    time_machine.move_to(NOW + datetime.timedelta(days=3, hours=5, minutes=7))
    client.force_login(cast.editor)
    assert client.get(reverse("offline")).content == anonymous
    assert client.get(reverse("service_worker")).content == worker


def test_the_offline_page_has_both_boxes_and_the_list(client):
    html = client.get(reverse("offline")).content.decode()
    assert html.count("<h1>") == 1 and "No connection" in html
    for words in ("Log a count", "Log a bleed", "Save count", "Save bleed", "Waiting to send"):
        assert words in html
    assert 'id="offline-emergency-rule"' in html


def test_the_dashboard_gives_the_record_s_clock_and_unit_for_the_offline_page(client, cast):
    cast.patient.time_zone = "Pacific/Kiritimati"
    cast.patient.save()
    client.force_login(cast.owner)
    html = client.get(reverse("dashboard", args=[cast.patient.pk])).content.decode()
    assert f'data-record-id="{cast.patient.pk}"' in html
    assert 'data-record-zone="Pacific/Kiritimati"' in html
    assert 'id="waiting-entries"' in html
    # The emergency advice for logging without a signal is in the offline page only: the
    # dashboard says no emergency that there is not.
    assert 'id="offline-emergency-rule"' not in html and "<template" not in html


def test_a_viewer_s_dashboard_lists_what_waits_but_offers_no_boxes(client, cast):
    """An entry logged before the access changed is listed (to be thrown away); the offline
    page is never offered for a record one may only view (no clock, no unit)."""
    client.force_login(cast.viewer)
    html = client.get(reverse("dashboard", args=[cast.patient.pk])).content.decode()
    assert (
        f'id="waiting-entries" aria-labelledby="waiting-heading" data-record-id="{cast.patient.pk}"'
        in html
    )
    assert "data-record-zone" not in html and "Save count" not in html


# --- The offline emergency rule --------------------------------------------------------------


class Answers:
    def __init__(self, kind, first_aid, warning_signs):
        self.kind, self.first_aid, self.warning_signs = kind, first_aid, warning_signs
        self.severity = ""


def rule_says(kind, first_aid, signs) -> str:
    """What offline.js makes of the rule (emergencyFor): the advice's title, or ""."""
    rule = pwa.emergency_rule()
    return (
        (signs and rule["warning_signs"])
        or rule["first_aid"].get(first_aid)
        or (rule["kinds"].get(kind, ""))
    )


@pytest.mark.parametrize(
    ("kind", "first_aid", "signs", "expected"),
    [
        (BleedingKind.NOSEBLEED, FirstAid.STOPPED, [], ""),
        (BleedingKind.NOSEBLEED, "", [], ""),
        (BleedingKind.NOSEBLEED, FirstAid.NOT_STOPPED, [], guidance.BLEEDING_EMERGENCY.title),
        (BleedingKind.GUMS, FirstAid.STILL_BLEEDING, [], guidance.BLEEDING_EMERGENCY.title),
        (BleedingKind.HEAD_INJURY, "", [], ""),  # an emergency only when marked severe
        (
            BleedingKind.EASY_BRUISING,
            "",
            [WarningSign.HEADACHE],
            guidance.BRAIN_BLEED_EMERGENCY.title,
        ),
        (
            BleedingKind.HEAD_INJURY,
            FirstAid.NOT_STOPPED,
            [WarningSign.HEADACHE],
            guidance.BRAIN_BLEED_EMERGENCY.title,
        ),
    ],
)
def test_the_offline_rule_by_hand(kind, first_aid, signs, expected):
    assert rule_says(kind, first_aid, signs) == expected


def test_the_offline_rule_agrees_with_the_server_on_every_answer_the_box_can_give():
    combos = itertools.product(
        BleedingKind.values, ["", *FirstAid.values], [[], *([s] for s in WarningSign.values)]
    )
    for kind, first_aid, signs in combos:
        advice = guidance.bleed_level(Answers(kind, first_aid, signs)).advice
        emergency = advice.level is guidance.Level.EMERGENCY
        assert rule_says(kind, first_aid, signs) == (advice.title if emergency else "")


def test_the_page_holds_the_advice_each_rule_names(client):
    html = client.get(reverse("offline")).content.decode()
    rule = pwa.emergency_rule()
    for title in {rule["warning_signs"], *rule["first_aid"].values(), *rule["kinds"].values()}:
        assert f'<template data-advice="{title}">' in html


# --- Logging out drops what the device keeps -------------------------------------------------


def test_logging_out_tells_the_browser_to_drop_what_it_keeps(client, cast):
    client.force_login(cast.owner)
    response = client.post(reverse("logout"))
    assert response["Clear-Site-Data"] == sessions.CLEAR_SITE_DATA == '"cache", "storage"'
    assert "_auth_user_id" not in client.session


def test_logging_out_everywhere_and_deleting_the_account_do_too(client, cast):
    client.force_login(cast.owner)
    response = client.post(reverse("log_out_everywhere"))
    assert response["Clear-Site-Data"] == sessions.CLEAR_SITE_DATA
    client.force_login(cast.editor)
    refused = client.post(reverse("delete_account"), {"password": "wrong"})
    assert refused.status_code == 200 and "Clear-Site-Data" not in refused
    response = client.post(reverse("delete_account"), {"password": PASSWORD})
    assert response.status_code == 302
    assert response["Clear-Site-Data"] == sessions.CLEAR_SITE_DATA


def test_a_login_that_times_out_keeps_what_waits_to_be_sent(client, cast, settings):
    client.force_login(cast.owner)
    url = reverse("dashboard", args=[cast.patient.pk])
    client.get(url)
    age_session(client, started_ago=60, seen_ago=settings.SESSION_IDLE_TIMEOUT + 1)
    response = client.get(url)
    assert response.status_code == 302
    assert "Clear-Site-Data" not in response


# --- What the worker reads in quick add's answers (sw.js, judge) -------------------------------

HTMX = {"HTTP_HX_REQUEST": "true"}


def replayed(client, cast, slug="counts", **fields):
    """A quick-add entry as the worker sends it again: the same one-time token each time."""
    data = {"quick": "1", "form_token": "0b6c1a4e-5f8e-4f7a-9d3c-2a1b0c9d8e7f", **fields}
    return client.post(reverse("entry_add", args=[cast.patient.pk, slug]), data, **HTMX)


def count(**fields):
    return {"count_text": "45", "unit": "e9/L", "drawn_on": "2026-11-10", **fields}


def test_an_entry_sent_twice_is_saved_once_and_both_answers_say_saved(client, cast):
    client.force_login(cast.owner)
    first, second = replayed(client, cast, **count()), replayed(client, cast, **count())
    for response in (first, second):
        assert response.status_code == 200
        assert "entrySaved" in response["HX-Trigger"]
    assert "Already saved" in second.content.decode()
    assert PlateletReading.objects.filter(patient=cast.patient).count() == 1


def test_an_emergency_sent_again_leads_to_the_dashboard(client, cast):
    client.force_login(cast.owner)
    bleed = {"kind": "nosebleed", "first_aid": "no", "started_on": "2026-11-10"}
    response = replayed(client, cast, "bleeds", **bleed, started_time="21:00")
    assert BleedingEpisode.objects.filter(patient=cast.patient).count() == 1
    assert response.status_code == 204
    assert response["HX-Redirect"] == reverse("dashboard", args=[cast.patient.pk])


def test_a_question_comes_back_in_the_box_without_saved(client, cast):
    client.force_login(cast.owner)
    response = replayed(client, cast, **count(count_text="1,500"))
    assert response.status_code == 200 and "HX-Trigger" not in response
    html = response.content.decode()
    assert 'id="quick-count"' in html and "Not saved yet." in html
    assert "0b6c1a4e-5f8e-4f7a-9d3c-2a1b0c9d8e7f" in html  # answered, it saves the same entry
    assert not PlateletReading.objects.filter(patient=cast.patient).exists()


def test_signed_out_not_allowed_and_no_record_are_told_apart(client, cast, settings):
    assert replayed(client, cast, **count())["Location"].startswith(reverse("login"))
    client.force_login(cast.owner)
    client.get(reverse("dashboard", args=[cast.patient.pk]))
    age_session(client, started_ago=60, seen_ago=settings.SESSION_IDLE_TIMEOUT + 1)
    assert replayed(client, cast, **count())["HX-Redirect"].startswith(reverse("login"))
    client.force_login(cast.viewer)
    assert replayed(client, cast, **count()).status_code == 403
    client.force_login(cast.stranger)
    assert replayed(client, cast, **count()).status_code == 404
    assert not PlateletReading.objects.filter(patient=cast.patient).exists()


def test_a_form_token_from_an_ended_login_is_told_from_a_refusal_of_access(cast):
    """The worker holds the first for the next login and the second as not allowed."""
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(cast.owner)
    response = replayed(browser, cast, **count(), csrfmiddlewaretoken="from-an-ended-login")
    assert response.status_code == 403 and response["X-ITP-Refused"] == "form-token"
    client = Client()
    client.force_login(cast.viewer)
    refused = replayed(client, cast, **count())
    assert refused.status_code == 403 and "X-ITP-Refused" not in refused
