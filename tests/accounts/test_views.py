import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.models import CareMembership, Patient, Role, User
from tests.clock import pinned
from tests.factories import PASSWORD, make_user

pytestmark = [pytest.mark.django_db, pinned]

NEW_PASSWORD = "a brand new long passphrase"


def signup_data(**overrides):
    return {
        "email": "Pat@Example.com",
        "display_name": "Pat",
        "time_zone": "Europe/London",
        "tracks": "myself",
        "child_name": "",
        "password1": PASSWORD,
        "password2": PASSWORD,
        **overrides,
    }


def same_page(response, address: str) -> str:
    """The page without what differs on every answer (the masked CSRF token) or by input."""
    html = response.content.decode().replace(address, "ADDRESS")
    return re.sub(r'("X-CSRFToken": "|name="csrfmiddlewaretoken" value=")[^"]+', r"\1", html)


CONFIRM_LINK = re.compile(r"http://testserver(/account/confirm/[^/\s]+/)")


def test_signup_for_myself_creates_user_patient_and_owner_membership(client):
    response = client.post(reverse("signup"), signup_data())
    user = User.objects.get()
    patient = Patient.objects.get()
    assert user.email == "pat@example.com"
    assert user.time_zone == "Europe/London"
    assert user.email_verified_at is None
    assert patient.name == "Pat"
    membership = CareMembership.objects.get()
    assert (membership.user, membership.patient, membership.role) == (user, patient, Role.OWNER)
    assert response.status_code == 302
    assert response["Location"] == reverse("signup_sent")
    assert "_auth_user_id" not in client.session
    # The link in the e-mail, opened in the same browser, confirms the address and logs in.
    (message,) = mail.outbox
    assert message.to == ["pat@example.com"]
    page = client.get(CONFIRM_LINK.search(message.body).group(1), follow=True)
    assert page.redirect_chain[-1][0] == reverse("dashboard", args=[patient.pk])
    assert "Thank you: pat@example.com is confirmed." in page.content.decode()
    user.refresh_from_db()
    assert user.email_verified_at is not None


def test_signup_for_a_child_names_the_record_after_the_child(client):
    client.post(reverse("signup"), signup_data(tracks="child", child_name="Sam"))
    assert Patient.objects.get().name == "Sam"


def test_signup_for_a_child_needs_the_childs_name_and_keeps_what_was_typed(client):
    response = client.post(reverse("signup"), signup_data(tracks="child"))
    assert response.status_code == 200
    assert response.context["form"].errors["child_name"] == ["Enter your child’s first name."]
    assert 'value="Pat@Example.com"' in response.content.decode()
    assert not User.objects.exists()


def test_signup_answers_the_same_for_an_address_already_in_use_whatever_its_case(client):
    owner = make_user("pat@example.com")
    taken = client.post(reverse("signup"), signup_data(email="PAT@example.com"), follow=True)
    fresh = Client().post(reverse("signup"), signup_data(email="new@example.com"), follow=True)
    assert taken.redirect_chain == fresh.redirect_chain == [(reverse("signup_sent"), 302)]
    assert same_page(taken, "pat@example.com") == same_page(fresh, "new@example.com")
    assert User.objects.count() == 2 and not owner.memberships.exists()
    # Only the e-mail differs: the owner hears that someone tried.
    attempt, confirm = mail.outbox
    assert attempt.to == ["pat@example.com"]
    assert attempt.subject == "Someone tried to sign up with your e-mail address"
    assert "/login/" in attempt.body and "/password-reset/" in attempt.body
    assert confirm.to == ["new@example.com"] and CONFIRM_LINK.search(confirm.body)
    owner.refresh_from_db()
    assert owner.check_password(PASSWORD)


def test_signup_refuses_a_common_password(client):
    response = client.post(
        reverse("signup"), signup_data(password1="password", password2="password")
    )
    assert "password2" in response.context["form"].errors
    assert not User.objects.exists()


def test_login_with_any_case_of_the_address_and_logout(client):
    make_user("lee@example.com")
    response = client.post(reverse("login"), {"username": "LEE@example.com", "password": PASSWORD})
    assert response.status_code == 302
    assert "_auth_user_id" in client.session
    client.post(reverse("logout"))
    assert "_auth_user_id" not in client.session


def test_login_with_a_wrong_password_says_so_plainly(client):
    make_user("lee@example.com")
    response = client.post(reverse("login"), {"username": "lee@example.com", "password": "nope"})
    assert response.status_code == 200
    assert "do not match an account" in response.content.decode()


def test_password_reset_round_trip(client):
    make_user("lee@example.com")
    response = client.post(reverse("password_reset"), {"email": "lee@example.com"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^/]+(/password-reset/\S+/)", mail.outbox[0].body).group(1)
    form_page = client.get(link, follow=True)
    set_password_url = form_page.redirect_chain[-1][0]
    response = client.post(
        set_password_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert response.status_code == 302
    login = client.post(reverse("login"), {"username": "lee@example.com", "password": NEW_PASSWORD})
    assert login.status_code == 302
    assert client.get(link, follow=True).context["validlink"] is False


def test_password_reset_for_an_unknown_address_looks_the_same(client):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.com"})
    assert response.status_code == 302
    assert response["Location"] == reverse("password_reset_done")
    assert mail.outbox == []


def test_change_password(client):
    user = make_user("lee@example.com")
    client.force_login(user)
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


def test_account_page_saves_name_and_time_zone(client):
    user = make_user("lee@example.com")
    client.force_login(user)
    response = client.post(
        reverse("account"), {"display_name": "Lee", "time_zone": "America/New_York"}
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.display_name, user.time_zone) == ("Lee", "America/New_York")


def test_a_user_adds_another_patient_and_switches_between_them(client, cast):
    client.force_login(cast.owner)
    response = client.post(reverse("add_patient"), {"name": "Robin", "preferred_unit": "e9/L"})
    robin = Patient.objects.get(name="Robin")
    assert response["Location"] == reverse("dashboard", args=[robin.pk])
    assert CareMembership.objects.get(patient=robin).role == Role.OWNER
    page = client.get(reverse("dashboard", args=[cast.patient.pk])).content.decode()
    assert reverse("dashboard", args=[robin.pk]) in page
    assert "Record shown: <strong>Sam</strong>" in page
    assert client.get(reverse("home"))["Location"] == reverse("dashboard", args=[cast.patient.pk])


def test_owner_edits_patient_details(client, cast):
    client.force_login(cast.owner)
    response = client.post(
        reverse("patient_settings", args=[cast.patient.pk]),
        {
            "name": "Sam",
            "preferred_unit": "/uL",
            "alert_threshold": "30",
            "diagnosis_date": "2026-01-05",
        },
    )
    assert response.status_code == 302
    cast.patient.refresh_from_db()
    assert (cast.patient.preferred_unit, cast.patient.alert_threshold) == ("/uL", 30)


def test_patient_details_refuse_a_future_diagnosis_and_an_absurd_threshold(client, cast):
    client.force_login(cast.owner)
    response = client.post(
        reverse("patient_settings", args=[cast.patient.pk]),
        {
            "name": "Sam",
            "preferred_unit": "e9/L",
            "alert_threshold": "5000",
            "diagnosis_date": "2999-01-01",
        },
    )
    errors = response.context["form"].errors
    assert set(errors) == {"alert_threshold", "diagnosis_date"}


def test_a_new_account_cannot_log_in_before_its_address_is_confirmed(client):
    client.post(reverse("signup"), signup_data(email="new@example.com"))
    response = client.post(reverse("login"), {"username": "new@example.com", "password": PASSWORD})
    assert response.status_code == 200 and "_auth_user_id" not in client.session
    # The same words as a wrong password: logging in tells nothing about who signed up.
    make_user("taken@example.com")
    wrong = Client().post(reverse("login"), {"username": "taken@example.com", "password": "x"})
    assert wrong.context["form"].errors == response.context["form"].errors


def test_signing_up_again_for_an_unconfirmed_address_never_hands_over_the_account(client):
    """The owner of the address signs up; someone else signs up with it too, with their own
    password, before the owner opens the link. Only the person who reads the address gets in,
    with a password of their own choosing."""
    owner, other = Client(), Client()
    signup, mine, theirs = reverse("signup"), "my own pass phrase 1", "their pass phrase 2"
    owner.post(signup, signup_data(email="new@example.com", password1=mine, password2=mine))
    first_link = CONFIRM_LINK.findall(mail.outbox[-1].body)[0]
    other.post(signup, signup_data(email="new@example.com", password1=theirs, password2=theirs))
    second_link = CONFIRM_LINK.findall(mail.outbox[-1].body)[0]
    assert owner.get(first_link).status_code == 400  # made for a password it no longer has
    page = owner.get(second_link, follow=True)
    assert "Choose a password for your account." in page.content.decode()
    assert "_auth_user_id" not in owner.session
    user = User.objects.get(email="new@example.com")
    assert user.is_active and not user.has_usable_password()
    for password in (mine, theirs):
        response = Client().post(reverse("login"), {"username": user.email, "password": password})
        assert response.status_code == 200, password


def test_the_link_in_the_browser_that_signed_up_logs_in_at_once(client):
    client.post(reverse("signup"), signup_data(email="new@example.com"))
    page = client.get(CONFIRM_LINK.findall(mail.outbox[-1].body)[0], follow=True)
    assert client.session["_auth_user_id"] == str(User.objects.get(email="new@example.com").pk)
    assert page.redirect_chain[-1][1] == 302


@pytest.mark.parametrize("taken", [None, "active", "unconfirmed"])
def test_every_sign_up_costs_one_password_hash(client, monkeypatch, taken):
    from django.contrib.auth.hashers import MD5PasswordHasher

    if taken:
        make_user("pat@example.com", is_active=taken == "active")
    calls = []
    real = MD5PasswordHasher.encode
    monkeypatch.setattr(
        MD5PasswordHasher, "encode", lambda *a, **k: calls.append(1) or real(*a, **k)
    )
    client.post(reverse("signup"), signup_data())
    assert len(calls) == 1


def test_a_mail_server_that_fails_still_answers_check_your_email(client, monkeypatch):
    def broken(*args, **kwargs):
        raise OSError("no mail server")

    monkeypatch.setattr("accounts.verification.send_mail", broken)
    response = client.post(reverse("signup"), signup_data())
    assert response["Location"] == reverse("signup_sent")


@pytest.mark.parametrize("look_alike", ["leı@example.com", "leſ@example.com", "LEE@EXAMPLE.COM "])
def test_only_the_address_itself_logs_in(client, look_alike):
    make_user("lee@example.com")
    make_user("les@example.com")
    response = client.post(reverse("login"), {"username": look_alike, "password": PASSWORD})
    logged_in = "_auth_user_id" in client.session
    assert logged_in is (look_alike.strip().lower() == "lee@example.com"), response.status_code
