"""Our own error pages: calm words, one heading, a way back, and nothing the CSP would block."""

import re

import pytest
from django.db import DatabaseError, connection
from django.test import Client
from django.urls import path, reverse

from itptracker.urls import urlpatterns as site_urlpatterns
from tests.factories import make_user


def broken_view(request):
    raise RuntimeError("a bug")


# This module is the URLconf of its tests: the site's URLs and one view with a bug.
urlpatterns = [path("broken/", broken_view), *site_urlpatterns]

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]


def bad_request():
    return Client().get("/", HTTP_HOST="not-our-site.example")


def forbidden(cast):
    client = Client()
    client.force_login(cast.viewer)
    return client.get(reverse("entry_add", args=[cast.patient.pk, "counts"]))


def not_found():
    return Client().get("/no-such-page/")


def server_error():
    return Client(raise_request_exception=False).get("/broken/")


def csrf_failure():
    return Client(enforce_csrf_checks=True).post(reverse("login"), {"username": "a@example.com"})


def headings(html: str) -> list[str]:
    return re.findall(r"<h1>(.*?)</h1>", html, re.DOTALL)


def assert_is_our_page(response, status: int, heading: str) -> None:
    html = response.content.decode()
    assert response.status_code == status
    assert headings(html) == [heading]
    assert f'href="{reverse("home")}"' in html
    assert " style=" not in html and "<style" not in html and "<script" not in html
    assert "default-src 'none'" in response["Content-Security-Policy"]


def test_bad_request():
    assert_is_our_page(bad_request(), 400, "We could not read that")


def test_forbidden_says_why_in_the_access_helpers_words(cast):
    response = forbidden(cast)
    assert_is_our_page(response, 403, "You cannot do this here")
    assert "You can view this record but not change it." in response.content.decode()


def test_not_found():
    assert_is_our_page(not_found(), 404, "We cannot find this page")


def test_server_error():
    assert_is_our_page(server_error(), 500, "Something went wrong on our side")


def test_a_post_without_a_csrf_token_gets_our_page():
    response = csrf_failure()
    assert_is_our_page(response, 403, "Please send that again")
    assert "reload the page" in response.content.decode()


def test_with_a_login_cookie_and_the_database_down_the_error_page_still_shows(monkeypatch):
    client = Client(raise_request_exception=False)
    client.force_login(make_user())

    def broken_cursor(*args, **kwargs):
        raise DatabaseError("connection refused")

    monkeypatch.setattr(connection, "cursor", broken_cursor)
    assert_is_our_page(client.get("/"), 500, "Something went wrong on our side")
