import pytest
from django.db import DatabaseError, connection
from django.test import Client

from tests.factories import make_user

pytestmark = [pytest.mark.django_db, pytest.mark.cache]

DOWN_REDIS = {
    "BACKEND": "django.core.cache.backends.redis.RedisCache",
    # Nothing listens on port 1: every command fails at once with "connection refused".
    "LOCATION": "redis://127.0.0.1:1/7",
}


def break_the_database(monkeypatch) -> None:
    def broken_cursor(*args, **kwargs):
        raise DatabaseError("connection refused")

    monkeypatch.setattr(connection, "cursor", broken_cursor)


def test_ok_when_the_database_and_the_cache_answer(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok"}
    assert not response.cookies


def test_503_when_the_database_does_not_answer(client, monkeypatch):
    break_the_database(monkeypatch)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "error"
    assert response.json()["database"] == "unavailable"


def test_503_when_the_cache_does_not_answer(client, settings):
    settings.CACHES = {**settings.CACHES, "default": DOWN_REDIS}
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "ok", "cache": "unavailable"}


def test_the_cache_for_pages_is_checked_too(client, settings):
    settings.CACHES = {**settings.CACHES, "pages": DOWN_REDIS}
    assert client.get("/healthz").json()["cache"] == "unavailable"


def test_a_login_cookie_with_the_database_down_gets_the_json_not_an_error_page(client, monkeypatch):
    client.force_login(make_user("owner@example.com"))
    break_the_database(monkeypatch)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    assert response.json()["database"] == "unavailable"


def test_plain_http_with_production_settings_is_answered_not_redirected(settings):
    settings.DEBUG = False
    settings.SECURE_SSL_REDIRECT = True
    client = Client()
    assert client.get("/login/").status_code == 301
    assert client.get("/healthz").status_code == 200


def test_any_host_is_answered(client):
    # A load balancer probes by address ("10.0.0.7:8000"), not by the site's name.
    assert client.get("/healthz", HTTP_HOST="10.0.0.7:8000").status_code == 200


def test_head_is_answered_and_other_methods_are_not_allowed(client):
    assert client.head("/healthz").status_code == 200
    response = client.post("/healthz")
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"
