"""Every e-mail is written in its reader's language: the account's own setting, else (no
account, or none chosen) the language of the page whose action sent it."""

import pytest
from django.contrib.auth import forms as auth_forms
from django.core import mail
from django.urls import reverse
from django.utils import translation

from accounts import sharing
from tests.factories import make_user

pytestmark = pytest.mark.django_db

SPANISH_PAGE = {"HTTP_ACCEPT_LANGUAGE": "es"}


@pytest.fixture
def rendered_in(monkeypatch):
    """The language active while each invitation e-mail template was rendered."""
    languages = {}
    render = sharing.render_to_string

    def recording(template, *args, **kwargs):
        languages[template] = translation.get_language()
        return render(template, *args, **kwargs)

    monkeypatch.setattr(sharing, "render_to_string", recording)
    return languages


def invite(client, cast, email):
    response = client.post(
        reverse("sharing_invite", args=[cast.patient.pk]), {"email": email, "role": "viewer"}
    )
    assert response.status_code == 302
    return mail.outbox[-1]


def test_an_invitation_from_a_spanish_speaking_owner_to_a_new_address_is_in_spanish(
    client, cast, rendered_in
):
    cast.owner.language = "es"
    cast.owner.save(update_fields=["language"])
    client.force_login(cast.owner)
    sent = invite(client, cast, "abuela@example.com")
    assert sent.to == ["abuela@example.com"]
    assert rendered_in == {"emails/invitation_subject.txt": "es", "emails/invitation.txt": "es"}
    with translation.override("es"):
        spanish = sharing.render_to_string("emails/invitation_subject.txt", {})
    assert sent.subject == " ".join(spanish.split())
    # The owner's own page speaks Spanish too.
    page = client.get(reverse("sharing", args=[cast.patient.pk])).content.decode()
    assert "Se envió una invitación a abuela@example.com" in page


def test_an_invitation_to_an_account_follows_the_accounts_language(client, cast, rendered_in):
    make_user("gran@example.com", "Gran", language="en-gb")
    make_user("abuelo@example.com", "Abuelo", language="es")
    client.force_login(cast.owner)
    url = reverse("sharing_invite", args=[cast.patient.pk])
    client.post(url, {"email": "gran@example.com", "role": "viewer"}, **SPANISH_PAGE)
    assert set(rendered_in.values()) == {"en-gb"}
    rendered_in.clear()
    client.post(url, {"email": "abuelo@example.com", "role": "viewer"})
    assert set(rendered_in.values()) == {"es"}
    assert len(mail.outbox) == 2


def test_the_confirmation_link_is_sent_in_the_accounts_language(client):
    user = make_user("lee@example.com", "Lee", language="es", email_verified_at=None)
    client.force_login(user)
    client.post(reverse("resend_verification"), HTTP_ACCEPT_LANGUAGE="en-gb")
    assert mail.outbox[-1].subject == "Confirme su correo electrónico para ITP Tracker"


def test_the_note_about_a_sign_up_attempt_speaks_the_owners_language(client):
    make_user("lee@example.com", "Lee", language="es")
    client.post(
        reverse("signup"),
        {
            "email": "lee@example.com",
            "display_name": "Someone",
            "time_zone": "Europe/London",
            "password1": "a long enough passphrase",
            "password2": "a long enough passphrase",
            "tracks": "myself",
        },
        HTTP_ACCEPT_LANGUAGE="en-gb",
    )
    assert mail.outbox[-1].to == ["lee@example.com"]
    assert mail.outbox[-1].subject == "Alguien intentó crear una cuenta con su correo electrónico"


def test_without_a_language_of_its_own_an_account_gets_the_pages_language(client):
    make_user("lee@example.com", "Lee", email_verified_at=None, is_active=False)
    client.post(
        reverse("signup"),
        {
            "email": "lee@example.com",
            "display_name": "Lee",
            "time_zone": "Europe/London",
            "password1": "a long enough passphrase",
            "password2": "a long enough passphrase",
            "tracks": "myself",
        },
        **SPANISH_PAGE,
    )
    assert mail.outbox[-1].subject == "Confirme su correo electrónico para ITP Tracker"


def test_a_password_reset_is_written_in_the_accounts_language(client, monkeypatch):
    make_user("lee@example.com", "Lee", language="es")
    languages = []
    render = auth_forms.loader.render_to_string

    def recording(template, *args, **kwargs):
        languages.append(translation.get_language())
        return render(template, *args, **kwargs)

    monkeypatch.setattr(auth_forms.loader, "render_to_string", recording)
    client.post(reverse("password_reset"), {"email": "lee@example.com"}, **SPANISH_PAGE)
    client.post(reverse("password_reset"), {"email": "lee@example.com"})
    assert len(mail.outbox) == 2
    assert set(languages) == {"es"}
