"""The sharing page: who has access, changing roles, removing, leaving, and keeping an owner."""

import re
import threading
import time

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from accounts import memberships
from accounts.models import AccessAction, AccessEvent, CareMembership, Role
from tests.clock import pinned
from tests.factories import add_member, make_patient, make_reading, make_user

pytestmark = [pytest.mark.django_db, pinned]


def membership(cast, actor) -> CareMembership:
    return CareMembership.objects.get(patient=cast.patient, user=getattr(cast, actor))


def url(name, cast, *args):
    return reverse(name, args=[cast.patient.pk, *args])


def set_role(client, cast, actor, role):
    return client.post(url("member_role", cast, membership(cast, actor).pk), {"role": role})


# --- What each member sees ---------------------------------------------------------------------


def test_the_owner_sees_everyone_their_addresses_and_the_controls(client, cast):
    client.force_login(cast.owner)
    page = client.get(url("sharing", cast)).content.decode()
    assert "<h1>Sharing Sam’s record</h1>" in page
    for person in ("Olive Owner", "Eddie Editor", "Vera Viewer", "editor@example.com"):
        assert person in page
    assert "Invite someone" in page
    assert page.count(">Remove<") == 2  # not for themselves
    assert "Can view" in page and "Can log" in page
    assert url("access_log", cast) in page
    assert "Record shown: <strong>Sam</strong>" in page


@pytest.mark.parametrize("actor", ["editor", "viewer"])
def test_other_members_see_who_shares_it_but_not_the_other_caregivers(client, cast, actor):
    client.force_login(getattr(cast, actor))
    response = client.get(url("sharing", cast))
    page = response.content.decode()
    assert response.status_code == 200
    assert "shared with you by\n  Olive Owner" in page
    other = "viewer" if actor == "editor" else "editor"
    assert f"{other}@example.com" not in page
    assert "Invite someone" not in page and ">Remove<" not in page
    assert url("access_log", cast) not in page
    assert "E-mail alerts for you" in page


def test_the_dashboard_links_to_sharing(client, cast):
    client.force_login(cast.owner)
    page = client.get(url("dashboard", cast)).content.decode()
    assert f'<a href="{url("sharing", cast)}">Sharing</a>' in page
    client.force_login(cast.viewer)
    page = client.get(url("dashboard", cast)).content.decode()
    assert f'<a href="{url("sharing", cast)}">Your access and e-mail alerts</a>' in page


# --- Roles --------------------------------------------------------------------------------------


def test_the_owner_lets_a_viewer_log_and_it_applies_at_once(client, cast):
    viewer = Client()
    viewer.force_login(cast.viewer)
    add_count = url("entry_add", cast, "counts")
    assert viewer.get(add_count).status_code == 403
    client.force_login(cast.owner)
    assert set_role(client, cast, "viewer", "editor").status_code == 302
    assert membership(cast, "viewer").role == Role.EDITOR
    assert viewer.get(add_count).status_code == 200
    event = AccessEvent.objects.get(action=AccessAction.CHANGED_ROLE)
    assert event.detail == "Vera Viewer, viewer@example.com: Can view → Can log"
    assert event.actor == cast.owner


def test_the_owner_makes_another_member_an_owner_who_can_then_manage(client, cast):
    client.force_login(cast.owner)
    set_role(client, cast, "editor", "owner")
    editor = Client()
    editor.force_login(cast.editor)
    assert editor.get(url("access_log", cast)).status_code == 200
    # The first owner can now hand the record over and leave.
    assert client.post(url("sharing_leave", cast)).status_code == 302
    assert list(CareMembership.objects.filter(patient=cast.patient, role=Role.OWNER)) == [
        membership(cast, "editor")
    ]


def test_only_owners_change_roles(client, cast):
    client.force_login(cast.editor)
    assert set_role(client, cast, "viewer", "owner").status_code == 403
    assert membership(cast, "viewer").role == Role.VIEWER


def test_a_role_that_is_not_a_role_is_refused(client, cast):
    client.force_login(cast.owner)
    response = set_role(client, cast, "viewer", "admin")
    assert response.status_code == 302
    assert membership(cast, "viewer").role == Role.VIEWER


def test_a_membership_of_another_record_is_not_found(client, cast):
    client.force_login(cast.owner)
    theirs = CareMembership.objects.get(patient=cast.strangers_patient)
    response = client.post(url("member_role", cast, theirs.pk), {"role": "viewer"})
    assert response.status_code == 404
    assert client.post(url("member_remove", cast, theirs.pk)).status_code == 404
    theirs.refresh_from_db()
    assert theirs.role == Role.OWNER


# --- Removing -----------------------------------------------------------------------------------


def test_removal_takes_effect_for_a_caregiver_who_is_already_logged_in(client, cast):
    make_reading(cast.patient, "45")
    caregiver = Client()
    caregiver.force_login(cast.editor)
    assert caregiver.get(url("dashboard", cast)).status_code == 200
    assert caregiver.get(url("history", cast)).status_code == 200

    client.force_login(cast.owner)
    confirm = client.get(url("member_remove", cast, membership(cast, "editor").pk))
    assert "Remove Eddie Editor from Sam’s record?" in confirm.content.decode()
    response = client.post(url("member_remove", cast, membership(cast, "editor").pk))
    assert response.status_code == 302

    # The same session, the very next request: gone.
    for page in ("dashboard", "history", "sharing"):
        assert caregiver.get(url(page, cast)).status_code == 404
    assert caregiver.get(url("entry_add", cast, "counts")).status_code == 404
    home = caregiver.get(reverse("home"))
    assert home["Location"] == reverse("add_patient")
    switcher = caregiver.get(home["Location"]).content.decode()
    assert not re.search(r"\bSam\b", switcher)  # (Asia/Samarkand is in the zone list)
    event = AccessEvent.objects.get(action=AccessAction.REMOVED_MEMBER)
    assert event.detail == "Eddie Editor, editor@example.com"


def test_only_owners_remove_people(client, cast):
    client.force_login(cast.editor)
    assert client.post(url("member_remove", cast, membership(cast, "viewer").pk)).status_code == 403
    assert CareMembership.objects.filter(patient=cast.patient).count() == 3


# --- Always an owner ----------------------------------------------------------------------------


def test_the_only_owner_cannot_leave(client, cast):
    client.force_login(cast.owner)
    page = client.get(url("sharing_leave", cast)).content.decode()
    assert "You are Sam’s only owner" in page
    assert "Leave this record</button>" not in page
    response = client.post(url("sharing_leave", cast))
    assert response.status_code == 409
    assert membership(cast, "owner").role == Role.OWNER


def test_the_only_owner_cannot_be_demoted_or_removed(client, cast):
    mine = membership(cast, "owner")
    with pytest.raises(memberships.LastOwnerError):
        memberships.update_membership(cast.patient, mine.pk, Role.EDITOR)
    with pytest.raises(memberships.LastOwnerError):
        memberships.update_membership(cast.patient, mine.pk, None)
    client.force_login(cast.owner)
    response = client.post(url("member_remove", cast, mine.pk))
    assert response.status_code == 409
    assert membership(cast, "owner").role == Role.OWNER


def test_with_two_owners_one_may_step_down(cast):
    memberships.update_membership(cast.patient, membership(cast, "editor").pk, Role.OWNER)
    memberships.update_membership(cast.patient, membership(cast, "owner").pk, Role.VIEWER)
    assert membership(cast, "owner").role == Role.VIEWER


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("attempt", range(2))
def test_two_owners_leaving_at_the_same_moment_leave_one_owner(cast, monkeypatch, attempt):
    """Both count the other owner; without the lock both would see one and both would go."""
    memberships.update_membership(cast.patient, membership(cast, "editor").pk, Role.OWNER)
    counted = memberships.other_owners

    def slow_count(patient, member):
        result = counted(patient, member)
        time.sleep(0.3)  # the other request arrives while this one decides
        return result

    monkeypatch.setattr(memberships, "other_owners", slow_count)
    owners = [membership(cast, "owner"), membership(cast, "editor")]
    barrier = threading.Barrier(2)
    outcomes = []

    def leave(member):
        try:
            barrier.wait(timeout=10)
            memberships.update_membership(cast.patient, member.pk, None)
            outcomes.append("left")
        except memberships.LastOwnerError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=leave, args=(owner,)) for owner in owners]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["left", "refused"]
    assert CareMembership.objects.filter(patient=cast.patient, role=Role.OWNER).count() == 1


# --- Leaving ------------------------------------------------------------------------------------


@pytest.mark.parametrize("actor", ["editor", "viewer"])
def test_a_caregiver_leaves(client, cast, actor):
    client.force_login(getattr(cast, actor))
    client.get(url("dashboard", cast))
    assert "Leave Sam’s record?" in client.get(url("sharing_leave", cast)).content.decode()
    response = client.post(url("sharing_leave", cast))
    assert response["Location"] == reverse("home")
    assert not CareMembership.objects.filter(patient=cast.patient, user=getattr(cast, actor))
    assert client.get(url("dashboard", cast)).status_code == 404
    assert client.get(reverse("home"))["Location"] == reverse("add_patient")
    assert AccessEvent.objects.filter(action=AccessAction.LEFT).count() == 1


# --- Alerts -------------------------------------------------------------------------------------


def test_each_member_chooses_their_own_alerts(client, cast):
    client.force_login(cast.viewer)
    response = client.post(url("sharing_alerts", cast), {"notify_emergency": "on"})
    assert response.status_code == 302
    mine = membership(cast, "viewer")
    assert (mine.notify_emergency, mine.notify_low_count) == (True, False)
    others = CareMembership.objects.exclude(pk=mine.pk)
    assert not others.filter(notify_emergency=True).exists()
    client.post(url("sharing_alerts", cast), {})
    mine.refresh_from_db()
    assert not mine.notify_emergency


def test_alerts_are_off_by_default(cast):
    assert not CareMembership.objects.filter(notify_emergency=True).exists()
    assert not CareMembership.objects.filter(notify_low_count=True).exists()


# --- Switching between records ------------------------------------------------------------------


def test_a_caregiver_of_two_records_always_sees_whose_record_it_is(client, cast):
    robin = make_patient(make_user("parent2@example.com"), name="Robin")
    add_member(robin, cast.viewer, Role.EDITOR)
    client.force_login(cast.viewer)
    for patient, name in ((cast.patient, "Sam"), (robin, "Robin")):
        for page in ("dashboard", "history", "sharing"):
            html = client.get(reverse(page, args=[patient.pk])).content.decode()
            assert f"Record shown: <strong>{name}</strong>" in html
    html = client.get(reverse("sharing", args=[robin.pk])).content.decode()
    assert reverse("dashboard", args=[cast.patient.pk]) in html  # the switcher lists both
    assert "(can view)" in html and "(can log)" in html
