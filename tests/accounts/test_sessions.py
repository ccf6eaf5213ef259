import time

import pytest
from django.urls import reverse

from accounts import sessions
from tests.clock import pinned
from tests.factories import make_patient

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
