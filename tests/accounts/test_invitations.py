"""The invitation life cycle: invite, follow the link, sign up or log in, accept; and every way
a link stops working (expired, used, wrong address, cancelled, replaced by a resend)."""

import hashlib
import re
from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts import invitations
from accounts.invitations import InvitationError, Problem
from accounts.models import AccessAction, AccessEvent, CareMembership, Invitation, Patient, Role
from tests.clock import pinned
from tests.factories import PASSWORD, make_user
from tests.html_forms import form_values

pytestmark = [pytest.mark.django_db, pinned]

LINK = re.compile(r"https?://testserver(/invitations/[A-Za-z0-9_-]+/)")


def invite(client, cast, email="gran@example.com", role="viewer"):
    """The owner invites through the page; returns the link's path from the e-mail."""
    client.force_login(cast.owner)
    before = len(mail.outbox)
    response = client.post(
        reverse("sharing_invite", args=[cast.patient.pk]), {"email": email, "role": role}
    )
    assert response.status_code == 302
    assert len(mail.outbox) == before + 1
    client.logout()
    return LINK.search(mail.outbox[-1].body).group(1)


def follow(client, link):
    """Open the link; it continues at the accept page, without the token in the address."""
    response = client.get(link)
    assert response.status_code == 302
    assert response["Location"] == reverse("invitation_accept")
    return client.get(response["Location"])


def accept(client, user, link):
    client.force_login(user)
    follow(client, link)
    return client.post(reverse("invitation_accept"))


def has_access(user, patient) -> bool:
    return CareMembership.objects.filter(user=user, patient=patient).exists()


# --- Tokens -------------------------------------------------------------------------------------


def test_only_the_hash_of_the_token_is_stored(cast):
    sent = invitations.invite(cast.patient, "gran@example.com", Role.VIEWER, cast.owner)
    invitation = Invitation.objects.get()
    assert len(sent.token) >= 43  # token_urlsafe(32)
    assert invitation.token_hash == hashlib.sha256(sent.token.encode()).hexdigest()
    assert sent.token not in str(Invitation.objects.values().get())
    assert invitation.expires_at - invitation.sent_at == timedelta(days=7)


def test_the_stored_hash_is_compared_in_constant_time(cast):
    sent = invitations.invite(cast.patient, "gran@example.com", Role.VIEWER, cast.owner)
    with mock.patch(
        "accounts.invitations.hmac.compare_digest", wraps=invitations.hmac.compare_digest
    ) as compare:
        invitations.find(invitations.hash_token(sent.token))
    compare.assert_called_once()


def test_the_email_carries_a_link_and_plain_words(client, cast):
    link = invite(client, cast, "Gran@Example.com", "editor")
    message = mail.outbox[-1]
    assert message.to == ["gran@example.com"]
    assert message.subject == "An invitation to a record on ITP Tracker"  # no free text
    assert "you can log" in message.body
    assert "within 7 days" in message.body
    assert "&#x27;" not in message.body and "&rsquo;" not in message.body
    assert Invitation.objects.get().email == "gran@example.com"
    assert link.startswith("/invitations/")


def test_the_session_keeps_the_hash_never_the_token(client, cast):
    link = invite(client, cast)
    token = link.rstrip("/").rsplit("/", 1)[1]
    follow(client, link)
    session = dict(client.session)
    assert token not in str(session)
    assert session[invitations.SESSION_KEY] == invitations.hash_token(token)


# --- Accepting ----------------------------------------------------------------------------------


def test_a_logged_in_invitee_accepts_and_gets_the_role(client, cast):
    gran = make_user("gran@example.com", "Gran")
    link = invite(client, cast, role="editor")
    response = accept(client, gran, link)
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard", args=[cast.patient.pk])
    membership = CareMembership.objects.get(user=gran, patient=cast.patient)
    assert membership.role == Role.EDITOR
    invitation = Invitation.objects.get()
    assert invitation.accepted_by == gran and invitation.accepted_at is not None
    assert AccessEvent.objects.filter(action=AccessAction.JOINED, actor=gran).exists()
    page = client.get(response["Location"]).content.decode()
    assert "You can now open Sam’s record." in page


@pytest.mark.parametrize(
    ("choice", "emergency", "low_count"),
    [
        ("as offered", True, False),
        ("both", True, True),
        ("none", False, False),
    ],
)
def test_the_accept_page_offers_e_mail_alerts_with_emergencies_ticked(
    client, cast, choice, emergency, low_count
):
    gran = make_user("gran@example.com", "Gran")
    link = invite(client, cast)
    client.force_login(gran)
    page = follow(client, link).content.decode()
    assert "E-mail me at gran@example.com when" in page
    assert "signs of bleeding in the brain" in page
    offered = form_values(page, "accept-form")
    assert offered.get("notify_emergency") == "on" and "notify_low_count" not in offered
    sent = {
        "as offered": offered,
        "both": {**offered, "notify_low_count": "on"},
        "none": {"csrfmiddlewaretoken": "x"},
    }[choice]
    response = client.post(reverse("invitation_accept"), sent)
    assert response.status_code == 302
    membership = CareMembership.objects.get(user=gran, patient=cast.patient)
    assert (membership.notify_emergency, membership.notify_low_count) == (emergency, low_count)


def test_the_alerts_chosen_on_accepting_apply_to_access_already_held(cast):
    sent = invitations.invite(cast.patient, cast.editor.email, Role.VIEWER, cast.owner)
    choice = {"notify_emergency": True, "notify_low_count": True}
    invitations.accept(invitations.hash_token(sent.token), cast.editor, choice)
    membership = CareMembership.objects.get(user=cast.editor, patient=cast.patient)
    assert (membership.notify_emergency, membership.notify_low_count) == (True, True)
    assert membership.role == Role.EDITOR


def test_opening_the_link_grants_nothing_until_the_invitee_presses_accept(client, cast):
    """Mail scanners open links: a GET must never accept."""
    gran = make_user("gran@example.com", "Gran")
    link = invite(client, cast)
    client.force_login(gran)
    page = follow(client, link)
    assert page.status_code == 200
    assert "Olive Owner invited you to Sam’s record" in page.content.decode()
    assert not has_access(gran, cast.patient)


def test_a_new_person_signs_up_without_a_record_of_their_own_then_accepts(client, cast):
    link = invite(client, cast)
    follow(client, link)
    form = client.get(reverse("signup")).context["form"]
    assert form["email"].value() == "gran@example.com"
    assert form["tracks"].value() == "nobody"
    response = client.post(
        reverse("signup"),
        {
            "email": "gran@example.com",
            "display_name": "Gran",
            "time_zone": "Europe/London",
            "tracks": "nobody",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )
    assert response["Location"] == reverse("invitation_accept")
    assert Patient.objects.count() == 2  # Sam and the stranger's; none for Gran
    response = client.post(reverse("invitation_accept"))
    gran = CareMembership.objects.get(
        patient=cast.patient, role=Role.VIEWER, user__email="gran@example.com"
    )
    assert response["Location"] == reverse("dashboard", args=[cast.patient.pk])
    assert list(CareMembership.objects.filter(user=gran.user)) == [gran]


def test_signing_up_from_an_invitation_can_still_start_an_own_record(client, cast):
    follow(client, invite(client, cast))
    client.post(
        reverse("signup"),
        {
            "email": "gran@example.com",
            "display_name": "Gran",
            "time_zone": "UTC",
            "tracks": "myself",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )
    client.post(reverse("invitation_accept"))
    roles = dict(
        CareMembership.objects.filter(user__email="gran@example.com").values_list(
            "patient__name", "role"
        )
    )
    assert roles == {"Gran": Role.OWNER, "Sam": Role.VIEWER}


def test_without_an_invitation_sign_up_still_asks_whose_counts(client):
    form = client.get(reverse("signup")).context["form"]
    assert [value for value, _ in form.fields["tracks"].choices] == ["myself", "child"]


def test_an_existing_user_logs_in_from_the_invitation_and_accepts(client, cast):
    gran = make_user("gran@example.com", "Gran")
    page = follow(client, invite(client, cast)).content.decode()
    login_url = f"{reverse('login')}?next={reverse('invitation_accept')}"
    assert login_url in page
    response = client.post(
        login_url,
        {
            "username": "gran@example.com",
            "password": PASSWORD,
            "next": reverse("invitation_accept"),
        },
    )
    assert response["Location"] == reverse("invitation_accept")
    client.post(reverse("invitation_accept"))
    assert has_access(gran, cast.patient)


def test_an_address_in_another_case_is_the_same_address(client, cast):
    gran = make_user("GRAN@example.COM", "Gran")
    accept(client, gran, invite(client, cast, "gran@EXAMPLE.com"))
    assert has_access(gran, cast.patient)


def test_accepting_never_lowers_existing_access(cast):
    sent = invitations.invite(cast.patient, cast.editor.email, Role.VIEWER, cast.owner)
    invitations.accept(invitations.hash_token(sent.token), cast.editor)
    assert CareMembership.objects.get(user=cast.editor, patient=cast.patient).role == Role.EDITOR


# --- Links that no longer work --------------------------------------------------------------------


def test_an_expired_link_shows_a_clear_page_and_grants_nothing(client, cast):
    gran = make_user("gran@example.com", "Gran")
    link = invite(client, cast)
    Invitation.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    client.force_login(gran)
    response = client.get(link)
    assert response.status_code == 410
    assert "This invitation has expired" in response.content.decode()
    assert client.post(reverse("invitation_accept")).status_code == 404
    assert not has_access(gran, cast.patient)


def test_a_link_opened_in_time_but_accepted_too_late_is_refused(client, cast):
    gran = make_user("gran@example.com", "Gran")
    link = invite(client, cast)
    client.force_login(gran)
    follow(client, link)
    # Its week is nearly over when it is opened; ten minutes later it is over.
    Invitation.objects.update(expires_at=timezone.now() + timedelta(minutes=5))
    later = timezone.now() + timedelta(minutes=10)
    with mock.patch("django.utils.timezone.now", return_value=later):
        response = client.post(reverse("invitation_accept"))
    assert response.status_code == 410
    assert "expired" in response.content.decode()
    assert not has_access(gran, cast.patient)


def test_a_link_works_once(client, cast):
    gran = make_user("gran@example.com", "Gran")
    link = invite(client, cast)
    accept(client, gran, link)
    client.force_login(gran)
    response = client.get(link)
    assert response.status_code == 410
    assert "already used" in response.content.decode()
    # Nor for anybody else who gets hold of it.
    client.force_login(make_user("other@example.com"))
    assert client.get(link).status_code == 410


def test_a_second_accept_of_the_same_token_is_refused(cast):
    sent = invitations.invite(cast.patient, "gran@example.com", Role.VIEWER, cast.owner)
    gran = make_user("gran@example.com", "Gran")
    token_hash = invitations.hash_token(sent.token)
    invitations.accept(token_hash, gran)
    with pytest.raises(InvitationError) as error:
        invitations.accept(token_hash, gran)
    assert error.value.problem is Problem.USED


def test_someone_logged_in_with_another_address_is_refused(client, cast):
    link = invite(client, cast)
    other = make_user("other@example.com", "Other")
    client.force_login(other)
    response = client.get(link, follow=True)
    assert response.status_code == 403
    page = response.content.decode()
    assert "This invitation is for another e-mail address" in page
    assert "g…@example.com" in page and "gran@example.com" not in page
    assert "Sam" not in page.split("<main", 1)[1]
    assert client.post(reverse("invitation_accept")).status_code == 403
    assert not has_access(other, cast.patient)
    assert Invitation.objects.get().is_open  # still usable by the right person


def test_a_cancelled_link_stops_working(client, cast):
    link = invite(client, cast)
    invitation = Invitation.objects.get()
    client.force_login(cast.owner)
    client.post(reverse("invitation_cancel", args=[cast.patient.pk, invitation.pk]))
    gran = make_user("gran@example.com", "Gran")
    client.force_login(gran)
    response = client.get(link)
    assert response.status_code == 410
    assert "This invitation was cancelled" in response.content.decode()
    assert not has_access(gran, cast.patient)


def test_a_link_followed_before_cancelling_cannot_be_accepted_after(client, cast):
    gran = make_user("gran@example.com", "Gran")
    link = invite(client, cast)
    client.force_login(gran)
    follow(client, link)
    invitations.cancel(Invitation.objects.get())
    assert client.post(reverse("invitation_accept")).status_code == 410
    assert not has_access(gran, cast.patient)


def test_resending_kills_the_old_link_and_the_new_one_works(client, cast):
    old_link = invite(client, cast)
    invitation = Invitation.objects.get()
    Invitation.objects.update(expires_at=timezone.now() - timedelta(days=1))
    client.force_login(cast.owner)
    client.post(reverse("invitation_resend", args=[cast.patient.pk, invitation.pk]))
    new_link = LINK.search(mail.outbox[-1].body).group(1)
    assert new_link != old_link
    assert len(mail.outbox) == 2
    gran = make_user("gran@example.com", "Gran")
    client.force_login(gran)
    response = client.get(old_link)
    assert response.status_code == 404
    assert "does not work" in response.content.decode()
    accept(client, gran, new_link)
    assert has_access(gran, cast.patient)
    assert Invitation.objects.count() == 1


def test_inviting_the_same_address_again_renews_the_open_invitation(client, cast):
    old_link = invite(client, cast, "gran@example.com", "viewer")
    new_link = invite(client, cast, "GRAN@example.com", "editor")
    invitation = Invitation.objects.get()
    assert invitation.role == Role.EDITOR
    assert client.get(old_link).status_code == 404
    assert client.get(new_link).status_code == 302
    assert AccessEvent.objects.filter(action=AccessAction.RESENT_INVITATION).count() == 1


def test_an_unknown_or_made_up_link_says_so(client):
    response = client.get(reverse("invitation", args=["not-a-real-token"]))
    assert response.status_code == 404
    assert "This invitation link does not work" in response.content.decode()
    assert client.get(reverse("invitation_accept")).status_code == 404


# --- The owner's side ---------------------------------------------------------------------------


def test_the_invite_form_refuses_someone_who_already_has_access(client, cast):
    client.force_login(cast.owner)
    response = client.post(
        reverse("sharing_invite", args=[cast.patient.pk]),
        {"email": "Viewer@example.com", "role": "editor"},
    )
    assert response.status_code == 200
    assert "already has access" in response.context["form"].errors["email"][0]
    assert not Invitation.objects.exists()
    assert mail.outbox == []


def test_the_invite_form_offers_only_viewer_and_editor(client, cast):
    client.force_login(cast.owner)
    response = client.post(
        reverse("sharing_invite", args=[cast.patient.pk]),
        {"email": "gran@example.com", "role": "owner"},
    )
    assert "role" in response.context["form"].errors
    assert not Invitation.objects.exists()


def test_open_invitations_are_capped(client, cast):
    for number in range(invitations.MAX_OPEN_INVITATIONS):
        invitations.invite(cast.patient, f"person{number}@example.com", Role.VIEWER, cast.owner)
    client.force_login(cast.owner)
    response = client.post(
        reverse("sharing_invite", args=[cast.patient.pk]),
        {"email": "one-more@example.com", "role": "viewer"},
    )
    assert "many invitations" in response.context["form"].errors["email"][0]


def test_an_email_that_cannot_be_sent_keeps_the_invitation_and_says_so(client, cast):
    client.force_login(cast.owner)
    with mock.patch("accounts.sharing.send_mail", side_effect=OSError("mail server down")):
        response = client.post(
            reverse("sharing_invite", args=[cast.patient.pk]),
            {"email": "gran@example.com", "role": "viewer"},
            follow=True,
        )
    assert Invitation.objects.get().is_open
    assert "the e-mail could not be sent" in response.content.decode()


def test_resending_an_accepted_invitation_is_refused(client, cast):
    gran = make_user("gran@example.com", "Gran")
    accept(client, gran, invite(client, cast))
    invitation = Invitation.objects.get()
    client.force_login(cast.owner)
    response = client.post(
        reverse("invitation_resend", args=[cast.patient.pk, invitation.pk]), follow=True
    )
    assert "already accepted or cancelled" in response.content.decode()
    assert len(mail.outbox) == 1
