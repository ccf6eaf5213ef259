"""Nobody can use us to send e-mail: an account invites only once its own address is
confirmed, and invitations, "Send again" and sign-ups are limited per sender and per address
(accounts/email_limits.py, accounts/verification.py)."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse

from accounts import email_limits, verification
from accounts.models import Invitation, Patient
from accounts.patients import MAX_OWNED_RECORDS
from tests.clock import pinned
from tests.factories import PASSWORD, make_patient, make_user

pytestmark = [pytest.mark.django_db, pinned]

CONFIRM_LINK = re.compile(r"http://testserver(/account/confirm/[^/\s]+/)")
PER_HOUR = int(email_limits.SENDER_RATES[0].split("/")[0])
PER_ADDRESS = int(email_limits.ADDRESS_RATE.split("/")[0])


def invite(client, patient, email):
    return client.post(
        reverse("sharing_invite", args=[patient.pk]), {"email": email, "role": "viewer"}
    )


def test_an_unconfirmed_account_cannot_invite_until_it_opens_its_link(client):
    owner = make_user("new@example.com", email_verified_at=None)
    patient = make_patient(owner)
    client.force_login(owner)
    page = client.get(reverse("sharing_invite", args=[patient.pk])).content.decode()
    assert "Your e-mail address is not confirmed yet." in page
    response = invite(client, patient, "anyone@example.org")
    assert response.status_code == 200
    assert "First confirm your own e-mail address" in response.content.decode()
    assert mail.outbox == [] and not Invitation.objects.exists()

    client.post(reverse("resend_verification"))
    (message,) = mail.outbox
    assert message.to == ["new@example.com"]
    client.get(CONFIRM_LINK.search(message.body).group(1))
    assert invite(client, patient, "anyone@example.org").status_code == 302
    assert mail.outbox[-1].to == ["anyone@example.org"]


def test_an_unconfirmed_account_cannot_resend_an_old_invitation(client, cast):
    client.force_login(cast.owner)
    invite(client, cast.patient, "gran@example.com")
    type(cast.owner).objects.filter(pk=cast.owner.pk).update(email_verified_at=None)
    invitation = Invitation.objects.get()
    url = reverse("invitation_resend", args=[cast.patient.pk, invitation.pk])
    page = client.post(url, follow=True).content.decode()
    assert "First confirm your own e-mail address" in page
    assert len(mail.outbox) == 1


@pytest.mark.parametrize(
    "token",
    ["not-a-token", "eyJ1c2VyIjoxfQ:1wXyZ:forged"],
    ids=["garbage", "forged"],
)
def test_a_bad_confirmation_link_confirms_nothing(client, token):
    user = make_user(email_verified_at=None)
    response = client.get(reverse("verify_email", args=[token]))
    assert response.status_code == 400
    assert "<h1>This link does not work</h1>" in response.content.decode()
    user.refresh_from_db()
    assert user.email_verified_at is None


def test_a_confirmation_link_expires(client, rf, time_machine):
    user = make_user(email_verified_at=None)
    link = verification.link_for(rf.get("/"), user).removeprefix("http://testserver")
    time_machine.shift(verification.LINK_LIFETIME + timedelta(minutes=1))
    assert client.get(link).status_code == 400
    user.refresh_from_db()
    assert user.email_verified_at is None


def test_a_link_opened_in_another_browser_confirms_but_does_not_log_in(client, rf):
    user = make_user(email_verified_at=None)
    response = client.get(verification.link_for(rf.get("/"), user))
    assert response["Location"] == reverse("login")
    assert "_auth_user_id" not in client.session
    user.refresh_from_db()
    assert user.email_verified_at is not None


def test_invitations_per_sender_are_limited_per_hour(client, cast):
    client.force_login(cast.owner)
    for number in range(PER_HOUR + 3):
        invite(client, cast.patient, f"person{number}@example.org")
    assert len(mail.outbox) == PER_HOUR
    response = invite(client, cast.patient, "one.more@example.org")
    assert email_limits.TOO_MANY_FROM_YOU.split(";")[0] in response.content.decode()


def test_send_again_is_limited_too(client, cast):
    client.force_login(cast.owner)
    invite(client, cast.patient, "gran@example.com")
    for _ in range(25):
        invitation = Invitation.objects.get(accepted_at=None, revoked_at=None)
        client.post(reverse("invitation_resend", args=[cast.patient.pk, invitation.pk]))
    assert len(mail.outbox) == PER_ADDRESS  # the address's own limit comes first


def test_one_address_cannot_be_flooded_from_many_accounts(client):
    for number in range(PER_ADDRESS + 4):
        owner = make_user(f"owner{number}@example.com")
        client.force_login(owner)
        invite(client, make_patient(owner), "Target@Example.org")
    assert [m.to for m in mail.outbox] == [["target@example.org"]] * PER_ADDRESS


def test_sign_ups_from_one_address_are_limited_and_answer_the_same(client):
    pages = set()
    for number in range(PER_HOUR + 5):
        response = client.post(
            reverse("signup"),
            {
                "email": f"victim{number}@example.org",
                "display_name": "X",
                "time_zone": "UTC",
                "tracks": "myself",
                "password1": PASSWORD,
                "password2": PASSWORD,
            },
        )
        pages.add((response.status_code, response["Location"]))
    assert pages == {(302, reverse("signup_sent"))}
    assert len(mail.outbox) == PER_HOUR


def test_an_account_owns_a_limited_number_of_records(client):
    owner = make_user()
    for number in range(MAX_OWNED_RECORDS):
        make_patient(owner, name=f"Child {number}")
    client.force_login(owner)
    response = client.post(
        reverse("add_patient"), {"name": "One more", "preferred_unit": "e9/L", "time_zone": "UTC"}
    )
    assert response.status_code == 200
    assert f"You already own {MAX_OWNED_RECORDS} records" in response.content.decode()
    assert Patient.objects.count() == MAX_OWNED_RECORDS


def test_no_free_text_in_any_subject(client, cast):
    cast.owner.display_name = "Win a prize at spam.example"
    cast.owner.save()
    client.force_login(cast.owner)
    invite(client, cast.patient, "gran@example.com")
    assert "spam" not in mail.outbox[-1].subject and "Sam" not in mail.outbox[-1].subject


def test_password_reset_e_mails_are_limited_too(client):
    make_user("demo@example.com")
    for _ in range(12):
        response = client.post(reverse("password_reset"), {"email": "demo@example.com"})
        assert response["Location"] == reverse("password_reset_done")
    assert len(mail.outbox) == PER_ADDRESS


@pytest.mark.django_db(transaction=True)
def test_records_added_at_the_same_moment_stay_within_the_limit():
    from tests.readings.test_concurrency import at_the_same_time

    owner = make_user()
    for number in range(MAX_OWNED_RECORDS - 1):
        make_patient(owner, name=f"Child {number}")
    data = {"name": "One more", "preferred_unit": "e9/L", "time_zone": "UTC"}
    at_the_same_time(*[(owner, reverse("add_patient"), data)] * 6)
    assert owner.memberships.filter(role="owner").count() == MAX_OWNED_RECORDS


def test_becoming_an_owner_counts_against_the_limit_too(client, cast):
    for number in range(MAX_OWNED_RECORDS):
        make_patient(cast.viewer, name=f"Own {number}")
    client.force_login(cast.owner)
    member = cast.patient.memberships.get(user=cast.viewer)
    url = reverse("member_role", args=[cast.patient.pk, member.pk])
    page = client.post(url, {"role": "owner"}, follow=True).content.decode()
    assert f"already owns {MAX_OWNED_RECORDS} records" in page
    member.refresh_from_db()
    assert member.role == "viewer"


@pytest.mark.parametrize("spelling", ["kiſs@example.org", "KISS@example.org", '"kiss"@example.org'])
def test_another_spelling_of_an_address_shares_its_count(client, spelling):
    make_user("kiss@example.org")
    for _ in range(PER_ADDRESS):
        client.post(reverse("password_reset"), {"email": "kiss@example.org"})
    client.post(reverse("password_reset"), {"email": spelling})
    assert len(mail.outbox) == PER_ADDRESS
