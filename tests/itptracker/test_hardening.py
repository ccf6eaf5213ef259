"""What a security reviewer of a health app checks, over every URL the app has."""

import datetime
import re

import pytest
from django.test import Client
from django.urls import reverse

from accounts.invitations import invite
from accounts.models import Role
from readings.models import Reminder
from tests.factories import make_reading, make_user
from tests.urlconf import parameters, walk

pytestmark = pytest.mark.django_db

ROUTES = dict(walk())


@pytest.fixture
def urls(cast) -> dict[str, str]:
    """Every named URL, reversed with values that exist in the cast's world."""
    reading = make_reading(cast.patient, "45")
    invitation = invite(cast.patient, "aunt@example.com", Role.VIEWER, cast.owner).invitation
    reminder = Reminder.objects.create(
        patient=cast.patient, kind="blood_test", first_on=datetime.date(2026, 12, 1),
        site_url="https://itp.example.org/",
    )  # fmt: skip
    values = {
        "patient_id": cast.patient.pk,
        "kind": "counts",
        "entry_id": reading.pk,
        "invitation_id": invitation.pk,
        "membership_id": cast.patient.memberships.get(user=cast.viewer).pk,
        "reminder_id": reminder.pk,
        "token": "some-token",
        "uidb64": "MQ",
    }
    return {
        name: reverse(name, kwargs={p: values[p] for p in parameters(route)})
        for name, route in ROUTES.items()
        if name
    }


def test_every_url_refuses_a_post_without_a_csrf_token(cast, urls):
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast.owner)
    refused = {name: client.post(url, {}).status_code for name, url in urls.items()}
    assert refused == dict.fromkeys(urls, 403)


def test_every_page_sends_the_security_headers(cast, urls):
    client = Client()
    client.force_login(cast.owner)
    pages = 0
    for name, url in urls.items():
        response = client.get(url, secure=True)
        if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
            continue
        pages += 1
        policy = response["Content-Security-Policy"]
        assert "default-src 'none'" in policy and "frame-ancestors 'none'" in policy, name
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy, name
        assert response["X-Content-Type-Options"] == "nosniff", name
        assert response["Referrer-Policy"] == "same-origin", name
        assert response["Cross-Origin-Opener-Policy"] == "same-origin", name
        assert "camera=()" in response["Permissions-Policy"], name
        assert "no-store" in response["Cache-Control"], name
        html = response.content.decode()
        assert "<style" not in html and " style=" not in html, name
        # No inline script; a block of JSON (json_script) is data, never run.
        assert not re.search(r"<script(?![^>]*\b(src=|type=\"application/json\"))[^>]*>", html), (
            name
        )
    assert pages >= 15


def without_tokens(html: str) -> str:
    """The page without its CSRF tokens, which differ on every response."""
    return re.sub(r"[A-Za-z0-9]{64}", "", html)


def test_login_answers_the_same_for_known_and_unknown_addresses(db):
    make_user("known@example.com")
    answers = [
        Client().post(reverse("login"), {"username": email, "password": "not it"})
        for email in ["known@example.com", "unknown@example.com"]
    ]
    assert [a.status_code for a in answers] == [200, 200]
    known, unknown = (without_tokens(a.content.decode()) for a in answers)
    assert known.replace("known@", "unknown@") == unknown


def test_password_reset_answers_the_same_for_known_and_unknown_addresses(db):
    make_user("known@example.com")
    answers = [
        Client().post(reverse("password_reset"), {"email": email})
        for email in ["known@example.com", "unknown@example.com"]
    ]
    assert [(a.status_code, a["Location"]) for a in answers] == [
        (302, reverse("password_reset_done"))
    ] * 2
