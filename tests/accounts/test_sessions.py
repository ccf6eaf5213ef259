import time

import pytest
from django.conf import settings as settings_module
from django.test import Client
from django.urls import reverse

from accounts import sessions
from tests.clock import pinned
from tests.factories import PASSWORD, make_patient, make_user

pytestmark = [pytest.mark.django_db, pinned]


@pytest.fixture
def signed_in(client):
    patient = make_patient(name="Sam")
    owner = patient.memberships.get().user
    client.force_login(owner)
    url = reverse("dashboard", args=[patient.pk])
    assert client.get(url).status_code == 200
    return client, url


def age_session(client, *, started_ago: float, seen_ago: float) -> None:
    session = client.session
    now = time.time()
    session[sessions.STARTED] = now - started_ago
    session[sessions.SEEN] = now - seen_ago
    session.save()


def test_an_active_login_continues(signed_in, settings):
    client, url = signed_in
    age_session(client, started_ago=3600, seen_ago=settings.SESSION_IDLE_TIMEOUT - 60)
    assert client.get(url).status_code == 200
    assert time.time() - client.session[sessions.SEEN] < 5


def test_a_login_left_idle_ends(signed_in, settings):
    client, url = signed_in
    age_session(client, started_ago=3600 * 24, seen_ago=settings.SESSION_IDLE_TIMEOUT + 1)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert "_auth_user_id" not in client.session
    assert (
        "logged out to keep your record safe" in client.get(response["Location"]).content.decode()
    )


def test_a_login_ends_after_its_lifetime_even_in_use(signed_in, settings):
    client, url = signed_in
    age_session(client, started_ago=settings.SESSION_COOKIE_AGE + 1, seen_ago=10)
    assert client.get(url).status_code == 302
    assert "_auth_user_id" not in client.session


def test_htmx_requests_are_sent_to_log_in_as_a_whole_page(signed_in, settings):
    client, url = signed_in
    age_session(client, started_ago=60, seen_ago=settings.SESSION_IDLE_TIMEOUT + 1)
    response = client.get(url, {"part": "stats"}, HTTP_HX_REQUEST="true")
    assert response["HX-Redirect"].startswith(reverse("login"))


def test_last_seen_is_written_at_most_once_a_minute(signed_in):
    client, url = signed_in
    age_session(client, started_ago=600, seen_ago=30)
    before = client.session[sessions.SEEN]
    client.get(url)
    assert client.session[sessions.SEEN] == before


# --- "Stay signed in on this device" ------------------------------------------------------


DAY = 24 * 3600


def log_in(client, remember: bool):
    user = make_user("lee@example.com")
    patient = make_patient(user, name="Lee")
    data = {"username": "lee@example.com", "password": PASSWORD}
    if remember:
        data["remember"] = "on"
    response = client.post(reverse("login"), data)
    assert response.status_code == 302
    return user, reverse("dashboard", args=[patient.pk]), response


@pytest.mark.parametrize(
    ("remember", "away_days", "still_in"),
    [
        (True, 7, True),  # a weekly count starts at the form
        (True, 29, True),
        (True, 31, False),
        (False, 1, False),  # over the 8-hour idle limit
    ],
)
def test_stay_signed_in_keeps_a_login_for_30_days_used_or_not(
    client, time_machine, remember, away_days, still_in
):
    _, url, response = log_in(client, remember)
    cookie = response.cookies[settings_module.SESSION_COOKIE_NAME]
    assert int(cookie["max-age"]) == (30 * DAY if remember else settings_module.SESSION_COOKIE_AGE)
    assert client.get(url).status_code == 200  # the page the log-in leads to
    time_machine.shift(away_days * DAY)
    assert (client.get(url).status_code == 200) is still_in


def test_a_remembered_login_still_ends_on_log_out_everywhere_and_password_change(client):
    user, url, _ = log_in(client, remember=True)
    other = Client()
    other.post(reverse("login"), {"username": user.email, "password": PASSWORD, "remember": "on"})
    client.post(reverse("log_out_everywhere"))
    assert other.get(url).status_code == 302
    other.post(reverse("login"), {"username": user.email, "password": PASSWORD, "remember": "on"})
    user.set_password("another long passphrase 7")
    user.save()
    assert other.get(url).status_code == 302


def test_the_login_page_offers_it_with_a_visible_label(client):
    html = client.get(reverse("login")).content.decode()
    assert "Stay signed in on this device for 30 days" in html
    assert 'type="checkbox" name="remember"' in html


@pytest.mark.parametrize(
    ("age", "words"), [(30 * DAY, "30 days"), (2 * DAY, "2 days"), (5 * 3600, "5 hours")]
)
def test_the_tick_box_says_how_long(client, settings, age, words):
    settings.SESSION_REMEMBER_AGE = age
    html = client.get(reverse("login")).content.decode()
    assert f"Stay signed in on this device for {words}" in html
