"""Requests a page did not make, or made long ago, get an answer in words, never a 500."""

import uuid

import pytest
from django.urls import reverse

from readings.models import PlateletReading, Treatment
from tests.clock import pinned
from tests.factories import make_patient

pytestmark = [pytest.mark.django_db, pinned]

HTMX = {"HTTP_HX_REQUEST": "true"}


def count(token):
    return {"count_text": "45", "unit": "e9/L", "drawn_on": "2026-11-01", "form_token": token}


def test_one_form_token_sent_to_two_records_saves_one_entry_in_each(client, cast):
    second = make_patient(cast.owner, name="Mia")
    client.force_login(cast.owner)
    token = str(uuid.uuid4())
    for patient in (cast.patient, second, cast.patient, second):  # double taps included
        response = client.post(reverse("entry_add", args=[patient.pk, "counts"]), count(token))
        assert response.status_code == 302
    assert PlateletReading.objects.filter(patient=cast.patient).count() == 1
    assert PlateletReading.objects.filter(patient=second).count() == 1


@pytest.mark.parametrize("quick", ["1", ""])
def test_a_treatment_sent_as_htmx_quick_add_is_saved_and_answered(client, cast, quick):
    client.force_login(cast.owner)
    data = {"medicine": "ivig", "started_on": "2026-11-01", "quick": quick}
    data["form_token"] = str(uuid.uuid4())
    url = reverse("entry_add", args=[cast.patient.pk, "treatments"])
    response = client.post(url, data, **HTMX)
    assert response.status_code == 302
    assert Treatment.objects.count() == 1


@pytest.mark.parametrize(
    "value", ["abc", "-1", "/\\evil.example", "//evil.example/x", "https://evil.example/"]
)
def test_a_next_that_is_not_a_page_of_ours_goes_to_the_dashboard(client, cast, value):
    client.force_login(cast.owner)
    url = reverse("entry_add", args=[cast.patient.pk, "counts"])
    response = client.post(url, {**count(str(uuid.uuid4())), "next": value})
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard", args=[cast.patient.pk])


@pytest.mark.parametrize("value", ["abc", "//evil.example/x", "https://evil.example/"])
def test_log_in_with_a_next_that_is_not_a_page_of_ours_goes_home(client, value):
    from tests.factories import PASSWORD, make_user

    make_user("lee@example.com")
    response = client.post(
        reverse("login"), {"username": "lee@example.com", "password": PASSWORD, "next": value}
    )
    assert response["Location"] == reverse("home")


@pytest.mark.parametrize("value", ["/logout/", "/p/zzz/", "/no-such-page/"])
def test_a_next_that_leads_nowhere_goes_to_the_dashboard(client, cast, value):
    client.force_login(cast.owner)
    url = reverse("entry_add", args=[cast.patient.pk, "counts"])
    response = client.post(url, {**count(str(uuid.uuid4())), "next": value})
    assert response["Location"] == reverse("dashboard", args=[cast.patient.pk])


@pytest.mark.parametrize("name", ["logout", "resend_verification"])
def test_a_post_only_address_opened_by_a_link_gets_our_page(client, cast, name):
    client.force_login(cast.owner)
    response = client.get(reverse(name))
    assert response.status_code == 405
    html = response.content.decode()
    assert html.count("<h1>") == 1 and "That page is not opened this way" in html
    assert 'href="/"' in html and "style=" not in html
    assert response["Content-Length"] == str(len(response.content))


@pytest.mark.parametrize(
    ("field", "value"), [("severity", "zzz"), ("duration_minutes", "-5"), ("care_sought", "maybe")]
)
def test_quick_add_says_what_is_wrong_with_a_field_it_does_not_show(client, cast, field, value):
    from tests.html_forms import bleed_fields

    client.force_login(cast.owner)
    data = bleed_fields(kind="gums", quick="1", **{field: value})
    url = reverse("entry_add", args=[cast.patient.pk, "bleeds"])
    html = client.post(url, data, **HTMX).content.decode()
    assert 'class="form-errors" role="alert"' in html
