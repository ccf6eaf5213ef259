import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.test import RequestFactory
from django.urls import reverse

from accounts.access import get_owned_patient_for, get_patient_for
from accounts.models import Role

pytestmark = pytest.mark.django_db


def request_as(user):
    request = RequestFactory().get("/")
    request.user = user
    return request


@pytest.mark.parametrize(
    ("actor", "role"), [("owner", Role.OWNER), ("editor", Role.EDITOR), ("viewer", Role.VIEWER)]
)
def test_members_get_the_patient_and_their_role(cast, actor, role):
    patient, got_role = get_patient_for(request_as(getattr(cast, actor)), cast.patient.pk)
    assert (patient, got_role) == (cast.patient, role)


@pytest.mark.parametrize("actor", ["owner", "editor"])
def test_owner_and_editor_may_write(cast, actor):
    patient, role = get_patient_for(request_as(getattr(cast, actor)), cast.patient.pk, write=True)
    assert patient == cast.patient
    assert role.can_write


def test_a_viewer_who_writes_gets_403(cast):
    with pytest.raises(PermissionDenied):
        get_patient_for(request_as(cast.viewer), cast.patient.pk, write=True)


@pytest.mark.parametrize("actor", ["editor", "viewer"])
def test_only_owners_pass_the_owner_check(cast, actor):
    with pytest.raises(PermissionDenied):
        get_owned_patient_for(request_as(getattr(cast, actor)), cast.patient.pk)
    owned = get_owned_patient_for(request_as(cast.owner), cast.patient.pk)
    assert owned == (cast.patient, Role.OWNER)


def test_a_stranger_gets_404(cast):
    with pytest.raises(Http404):
        get_patient_for(request_as(cast.stranger), cast.patient.pk)


def test_anonymous_gets_404_from_the_helper(cast):
    with pytest.raises(Http404):
        get_patient_for(request_as(AnonymousUser()), cast.patient.pk)


def test_anonymous_is_sent_to_log_in(client, cast):
    url = reverse("dashboard", args=[cast.patient.pk])
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={url}"


@pytest.mark.parametrize(
    ("actor", "dashboard", "settings_get", "settings_post"),
    [
        ("owner", 200, 200, 302),
        ("editor", 200, 403, 403),
        ("viewer", 200, 403, 403),
        ("stranger", 404, 404, 404),
    ],
)
def test_patient_pages_by_actor(client, cast, actor, dashboard, settings_get, settings_post):
    client.force_login(getattr(cast, actor))
    settings_url = reverse("patient_settings", args=[cast.patient.pk])
    assert client.get(reverse("dashboard", args=[cast.patient.pk])).status_code == dashboard
    assert client.get(settings_url).status_code == settings_get
    response = client.post(settings_url, {"name": "Changed", "preferred_unit": "e9/L"})
    assert response.status_code == settings_post
    cast.patient.refresh_from_db()
    assert cast.patient.name == ("Changed" if actor == "owner" else "Sam")


def test_a_strangers_record_never_shows_up(client, cast):
    client.force_login(cast.owner)
    for url in [reverse("home"), reverse("account"), reverse("dashboard", args=[cast.patient.pk])]:
        response = client.get(url, follow=True)
        assert cast.strangers_patient.name not in response.content.decode()


def test_patient_ids_are_not_guessable(cast):
    assert len(str(cast.patient.pk)) == 36
    assert cast.patient.pk.version == 4
