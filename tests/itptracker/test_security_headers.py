import pytest
from django.urls import reverse


def csp_directives(response) -> dict[str, str]:
    policy = response["Content-Security-Policy"]
    parts = [part.strip().split(" ", 1) for part in policy.split(";") if part.strip()]
    return dict(parts)


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", ["home", "login", "signup", "help", "password_reset"])
def test_public_pages_send_the_strict_policy_and_security_headers(client, url_name):
    response = client.get(reverse(url_name))
    assert response.status_code == 200
    directives = csp_directives(response)
    assert directives["default-src"] == "'none'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert "unsafe-eval" not in response["Content-Security-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert "camera=()" in response["Permissions-Policy"]


def test_pages_with_health_data_are_never_cached(client, cast):
    client.force_login(cast.owner)
    response = client.get(reverse("dashboard", args=[cast.patient.pk]))
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"


@pytest.mark.django_db
def test_hsts_is_sent_over_https_in_production(client, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    response = client.get(reverse("login"), secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


@pytest.mark.django_db
def test_pages_have_no_inline_scripts_or_styles(client):
    html = client.get(reverse("signup")).content.decode()
    assert "<style" not in html
    assert " style=" not in html
    for tag in html.split("<script")[1:]:
        attributes = tag.split(">", 1)[0]
        # A data block (the scripts' words, includes/js_messages.html) never runs.
        data = 'type="application/json"' in attributes
        assert data or attributes.strip().startswith("src=") or " src=" in attributes
