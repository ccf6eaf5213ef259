"""Which language a page is in: the account's setting, else the switch's cookie, else the
browser's Accept-Language, else English; the switch at the foot of every page."""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation

from tests.clock import pinned
from tests.factories import make_patient, make_reading, make_user

pytestmark = [pytest.mark.django_db, pinned]


def page_language(response) -> str:
    html = response.content.decode()
    return html[html.index('<html lang="') + 12 :].split('"', 1)[0]


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("", "en-gb"),
        ("es", "es"),
        ("es-MX,es;q=0.9,en;q=0.5", "es"),
        ("en-US,en;q=0.9", "en-gb"),
        ("fr-FR,fr;q=0.9", "en-gb"),
        ("fr;q=0.9,es;q=0.8", "es"),
    ],
)
def test_a_visitor_gets_the_browsers_language_when_we_have_it(client, accept, expected):
    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE=accept)
    assert page_language(response) == expected
    assert response["Content-Language"] == expected
    assert "Accept-Language" in response["Vary"]


def test_the_switch_is_on_every_page_for_visitors_and_members(client):
    owner = make_user()
    patient = make_patient(owner)
    for name, args in [("login", ()), ("signup", ()), ("help", ())]:
        html = client.get(reverse(name, args=args)).content.decode()
        assert f'action="{reverse("choose_language")}"' in html
        assert 'value="es" lang="es"' in html and ">Español</button>" in html
    client.force_login(owner)
    for name, args in [("dashboard", (patient.pk,)), ("account", ()), ("history", (patient.pk,))]:
        html = client.get(reverse(name, args=args)).content.decode()
        assert 'value="en-gb" lang="en-gb"' in html and 'aria-pressed="true"' in html


def test_the_switch_names_each_language_in_itself(client):
    html = client.get(reverse("help"), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert ">English</button>" in html and ">Español</button>" in html
    assert 'value="es" lang="es" class="link-button" aria-pressed="true"' in html


def test_a_visitors_choice_outlasts_the_browsers_language(client):
    response = client.post(
        reverse("choose_language"), {"language": "es", "next": "/help/"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 302 and response["Location"] == "/help/"
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "es"
    again = client.get(reverse("help"), HTTP_ACCEPT_LANGUAGE="en")
    assert page_language(again) == "es"
    assert "Idioma" in again.content.decode()


def test_the_switch_goes_back_only_to_a_page_of_ours(client):
    response = client.post(
        reverse("choose_language"), {"language": "es", "next": "https://evil.example/"}
    )
    assert response.status_code == 302
    assert not response["Location"].startswith("https://evil.example")


def test_a_members_choice_is_kept_on_the_account_and_wins_on_every_device():
    member = make_user()
    phone = Client(HTTP_ACCEPT_LANGUAGE="en")
    phone.force_login(member)
    phone.post(reverse("choose_language"), {"language": "es", "next": "/account/"})
    member.refresh_from_db()
    assert member.language == "es"
    laptop = Client(HTTP_ACCEPT_LANGUAGE="en-US")
    laptop.force_login(member)
    assert page_language(laptop.get(reverse("account"))) == "es"


def test_an_unknown_language_changes_nothing(client):
    member = make_user(language="es")
    client.force_login(member)
    client.post(reverse("choose_language"), {"language": "xx", "next": "/"})
    member.refresh_from_db()
    assert member.language == "es"


def test_the_account_page_sets_the_language_and_says_so_in_it(client):
    member = make_user()
    client.force_login(member)
    data = {"display_name": member.display_name, "time_zone": member.time_zone, "language": "es"}
    response = client.post(reverse("account"), data, follow=True)
    member.refresh_from_db()
    assert member.language == "es"
    assert page_language(response) == "es"
    assert "Sus datos están guardados." in response.content.decode()
    data["language"] = ""  # as the browser asks
    response = client.post(reverse("account"), data, follow=True, HTTP_ACCEPT_LANGUAGE="en")
    member.refresh_from_db()
    assert member.language == ""
    assert page_language(response) == "en-gb"


def test_a_spanish_page_leaves_the_next_request_in_english(client):
    client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="es")
    assert translation.get_language() == settings.LANGUAGE_CODE
    assert page_language(Client().get(reverse("login"))) == "en-gb"


def test_the_kept_pieces_of_a_dashboard_are_kept_per_language(client):
    """The dashboard's rendered pieces are kept until the record changes (readings.page_cache):
    a look in English must not give the next look in Spanish English pieces, or back."""
    owner = make_user(name="Lucía")
    patient = make_patient(owner)
    make_reading(patient, "45", user=owner)
    client.force_login(owner)
    page = reverse("dashboard", args=[patient.pk])
    english = client.get(page, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    spanish = client.get(page, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    again = client.get(page, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Entered by Lucía" in english and "Entered by Lucía" in again
    assert "Entrada registrada por Lucía" in spanish and "Entered by" not in spanish


def test_error_pages_are_in_the_visitors_language(client):
    response = client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 404
    assert page_language(response) == "es"
    assert "Idioma" in response.content.decode()


def test_the_405_page_is_in_the_visitors_language(client):
    response = client.get(reverse("logout"), HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 405
    assert page_language(response) == "es"
    assert "Idioma" in response.content.decode()


def test_the_access_log_is_written_in_one_language_whoever_reads(client):
    """Details are written in the site's language: the same look, in Spanish then in English,
    is one line, and a count in it reads one way ("8.5", never "8,5" beside "8.5")."""
    from accounts.models import AccessEvent

    owner = make_user()
    patient = make_patient(owner)
    reading = make_reading(patient, "8.5", user=owner)
    client.force_login(owner)
    for language in ("es", "en"):
        client.get(reverse("history", args=[patient.pk]), HTTP_ACCEPT_LANGUAGE=language)
        client.get(
            reverse("entry_edit", args=[patient.pk, "counts", reading.pk]),
            HTTP_ACCEPT_LANGUAGE=language,
        )
    history = AccessEvent.objects.get(patient=patient, action="viewed_history")
    assert history.times == 2
    details = set(AccessEvent.objects.filter(patient=patient).values_list("detail", flat=True))
    assert any("8.5 ×10⁹/L" in detail for detail in details)
    assert not any("8,5" in detail for detail in details)
    page = client.get(reverse("access_log", args=[patient.pk]), HTTP_ACCEPT_LANGUAGE="es")
    assert '<p class="muted" lang="en-gb">' in page.content.decode()


def test_a_field_left_empty_says_what_to_enter_in_the_pages_language(client):
    owner = make_user()
    patient = make_patient(owner)
    client.force_login(owner)
    page = reverse("entry_add", args=[patient.pk, "counts"])
    response = client.post(page, {"unit": "e9/L"}, HTTP_ACCEPT_LANGUAGE="es")
    assert (
        "Escriba el recuento de plaquetas que aparece en el resultado" in response.content.decode()
    )
    response = client.post(page, {"unit": "e9/L"}, HTTP_ACCEPT_LANGUAGE="en")
    assert "Enter the platelet count from the result" in response.content.decode()
