"""Every patient-scoped URL × method × actor → the status it must answer, from the URLconf.

The URLs come from walking the URLconf: any pattern with `patient_id` in it is patient-scoped
and needs an entry in MATRIX. A new URL without one fails this module (on purpose: decide
who may use it, then add the line). On every refusal no row in the database changes, and a
canary planted in a stranger's record never shows up in anybody else's response.
"""

import datetime
import uuid
from dataclasses import dataclass

import pytest
from django.apps import apps
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

from accounts import audit, memberships
from accounts.invitations import invite
from accounts.models import AccessEvent, CareMembership, Invitation, Role, User
from readings import entries
from readings.models import Reminder
from tests.clock import pinned
from tests.conftest import CANARY
from tests.factories import add_member, make_episode, make_reading, make_user
from tests.urlconf import parameters, walk

pytestmark = [pytest.mark.django_db, pinned]

ACTORS = ("owner", "editor", "viewer", "removed", "stranger", "anonymous")
METHODS = ("GET", "POST")
SECRET = "SAM-SECRET-NOTE"  # in the shared record: never shown to non-members


def by_role(owner: int, editor: int, viewer: int) -> dict[str, int]:
    """Members get what their role allows; people without access learn nothing (404), and
    anonymous visitors are sent to log in (302)."""
    return {
        "owner": owner,
        "editor": editor,
        "viewer": viewer,
        "removed": 404,
        "stranger": 404,
        "anonymous": 302,
    }


READ = by_role(200, 200, 200)
WRITE = by_role(302, 302, 403)  # a change that redirects when done
WRITE_PAGE = by_role(200, 200, 403)
OWNER_PAGE = by_role(200, 403, 403)
OWNER_WRITE = by_role(302, 403, 403)
# Wrong method: refused before anything else, the same for everyone signed in.
NOT_ALLOWED = {**dict.fromkeys(ACTORS, 405), "anonymous": 302}

MATRIX: dict[str, dict[str, dict[str, int]]] = {
    # readings/urls.py
    "dashboard": {"GET": READ, "POST": NOT_ALLOWED},
    "history": {"GET": READ, "POST": NOT_ALLOWED},
    "care_team_report": {"GET": READ, "POST": NOT_ALLOWED},
    # Sent by the report page as it prints; without its period, refused (nothing stored).
    "care_team_report_printed": {"GET": NOT_ALLOWED, "POST": by_role(400, 400, 400)},
    "entry_add": {"GET": WRITE_PAGE, "POST": WRITE},
    "entry_edit": {"GET": WRITE_PAGE, "POST": WRITE},
    "entry_delete": {"GET": WRITE_PAGE, "POST": WRITE},
    "entry_restore": {"GET": NOT_ALLOWED, "POST": WRITE},
    "episode_resolve": {"GET": NOT_ALLOWED, "POST": WRITE},
    "export_history": {"GET": READ, "POST": NOT_ALLOWED},
    "import_history": {"GET": WRITE_PAGE, "POST": WRITE_PAGE},  # no file: the form again
    "import_preview": {"GET": WRITE, "POST": WRITE},  # no such upload: back to the start
    "import_confirm": {"GET": NOT_ALLOWED, "POST": WRITE},
    "import_cancel": {"GET": NOT_ALLOWED, "POST": WRITE},
    "reminders": {"GET": READ, "POST": NOT_ALLOWED},
    "reminder_add": {"GET": WRITE_PAGE, "POST": WRITE},
    "reminder_edit": {"GET": WRITE_PAGE, "POST": WRITE},
    "reminder_snooze": {"GET": NOT_ALLOWED, "POST": WRITE},
    "reminder_stop": {"GET": NOT_ALLOWED, "POST": WRITE},
    # A member's own choice of what they get: viewers choose theirs too.
    "reminder_choice": {"GET": NOT_ALLOWED, "POST": by_role(302, 302, 302)},
    # accounts/urls.py
    "patient_settings": {"GET": OWNER_PAGE, "POST": OWNER_WRITE},
    "sharing": {"GET": READ, "POST": NOT_ALLOWED},
    "sharing_invite": {"GET": OWNER_PAGE, "POST": OWNER_WRITE},
    "invitation_resend": {"GET": NOT_ALLOWED, "POST": OWNER_WRITE},
    "invitation_cancel": {"GET": NOT_ALLOWED, "POST": OWNER_WRITE},
    "member_role": {"GET": NOT_ALLOWED, "POST": OWNER_WRITE},
    "member_remove": {"GET": OWNER_PAGE, "POST": OWNER_WRITE},
    # Anyone may leave, except the last owner (409: nothing changes).
    "sharing_leave": {"GET": READ, "POST": by_role(409, 302, 302)},
    # A member's own alerts: viewers may choose theirs too.
    "sharing_alerts": {"GET": NOT_ALLOWED, "POST": by_role(302, 302, 302)},
    "access_log": {"GET": OWNER_PAGE, "POST": NOT_ALLOWED},
}

# What a member's GET of each page that answers 200 leaves in the record's access log: a page
# with health data names what it showed (accounts/audit.py); the others show none. A new page
# must be added here too. The download and the import preview, which the matrix reaches
# without a query or an upload, are logged too (tests/accounts/test_audit.py).
LOGGED_READ = {
    "dashboard": "viewed_dashboard",
    "history": "viewed_history",
    "care_team_report": "viewed_report",
    "entry_edit": "viewed_entry",
    "entry_delete": "viewed_entry",
    "patient_settings": "viewed_details",
    "access_log": "viewed_access_log",
    "reminders": "viewed_reminders",
    "reminder_edit": "viewed_reminders",
    "reminder_add": None,  # an empty form
    "entry_add": None,  # an empty form
    "export_history": None,  # what to download: a form
    "import_history": None,  # the upload form
    "sharing": None,  # members and invitations, no health data
    "sharing_invite": None,
    "member_remove": None,
    "sharing_leave": None,
}
MEMBERS = ("owner", "editor", "viewer")


# --- The URLconf --------------------------------------------------------------------------------


def patient_scoped_urls() -> dict[str, str]:
    """{url name: route} for every pattern whose route names `patient_id`."""
    found: dict[str, str] = {}
    for name, route in walk():
        if "patient_id" in route:
            assert name, f"Give the patient-scoped URL {route!r} a name."
            found[name] = route
    return found


URLS = patient_scoped_urls()
CASES = [
    pytest.param(name, method, actor, id=f"{name}-{method}-{actor}")
    for name in sorted(URLS)
    for method in METHODS
    for actor in ACTORS
]


# --- The world the requests run in ----------------------------------------------------------------


@dataclass
class World:
    cast: object
    users: dict
    reading: object
    deleted_reading: object
    episode: object
    invitation: Invitation
    reminder: Reminder
    extra: CareMembership  # the member whose role or removal the owner's requests change


@pytest.fixture
def world(cast) -> World:
    reading = make_reading(cast.patient, "45", note=SECRET)
    episode = make_episode(cast.patient, first_aid="no", note=SECRET)
    deleted = make_reading(cast.patient, "60")
    entries.soft_delete(deleted)
    gran = make_user("gran@example.com", "Gran")
    extra = add_member(cast.patient, gran, Role.VIEWER)
    removed = make_user("removed@example.com", "Rae Removed")
    gone = add_member(cast.patient, removed, Role.EDITOR)
    memberships.update_membership(cast.patient, gone.pk, None)
    invitation = invite(cast.patient, "aunt@example.com", Role.VIEWER, cast.owner).invitation
    plant_canaries(cast)
    users = {
        "owner": cast.owner,
        "editor": cast.editor,
        "viewer": cast.viewer,
        "removed": removed,
        "stranger": cast.stranger,
    }
    reminder = make_reminder(cast.patient, label=SECRET)
    return World(cast, users, reading, deleted, episode, invitation, reminder, extra)


def make_reminder(patient, **fields) -> Reminder:
    """A daily reminder that came at 22:00 today (so it can be snoozed)."""
    return Reminder.objects.create(
        patient=patient,
        kind="dose_day",
        first_on=datetime.date(2026, 11, 1),
        time_of_day=datetime.time(22, 0),
        repeat="days",
        every=1,
        site_url="https://itp.example.org/",
        scheduled_at=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC),
        **fields,
    )


def plant_canaries(cast):
    """The stranger's record, full of the canary: entries, a member, an invitation, a log."""
    theirs = cast.strangers_patient
    make_reading(theirs, "12", note=CANARY, lab=CANARY)
    make_reminder(theirs, label=CANARY[:40])
    canary_user = make_user(f"{CANARY.lower()}@example.com", CANARY)
    add_member(theirs, canary_user, Role.EDITOR)
    invite(theirs, f"{CANARY.lower()}-invited@example.com", Role.VIEWER, cast.stranger)
    audit.record(cast.stranger, theirs, audit.VIEWED_DASHBOARD, CANARY)


def url_for(name: str, world: World) -> str:
    values = {
        "patient_id": world.cast.patient.pk,
        "kind": "counts",
        "entry_id": {
            "entry_restore": world.deleted_reading.pk,
            "episode_resolve": world.episode.pk,
        }.get(name, world.reading.pk),
        "invitation_id": world.invitation.pk,
        "membership_id": world.extra.pk,
        "reminder_id": world.reminder.pk,
        "token": "no-such-upload",
    }
    names = parameters(URLS[name])
    unknown = [param for param in names if param not in values]
    assert not unknown, f"Teach url_for a value for {unknown} (URL {name!r})."
    return reverse(name, kwargs={param: values[param] for param in names})


def post_data(name: str, world: World) -> dict:
    """Valid data, so that a refusal is about access and never about the form."""
    count = {"count_text": "50", "unit": "e9/L", "drawn_on": timezone.localdate().isoformat()}
    reminder = {"kind": "blood_test", "first_on": "2026-12-01", "time_of_day": "09:00",
                "repeat": "weeks", "every": "2"}  # fmt: skip
    return {
        "entry_add": {**count, "form_token": str(uuid.uuid4())},
        "entry_edit": {**count, "version": str(world.reading.version)},
        "patient_settings": {"name": "Changed", "preferred_unit": "e9/L"},
        "sharing_invite": {"email": "new@example.com", "role": "viewer"},
        "member_role": {"role": "editor"},
        "sharing_alerts": {"notify_emergency": "on"},
        "episode_resolve": {"resolution": "stopped", "version": str(world.episode.version)},
        "reminder_add": {**reminder, "form_token": str(uuid.uuid4()), "mine-by_email": "on"},
        "reminder_edit": reminder,
        "reminder_snooze": {"until": "1h"},
        "reminder_choice": {"by_email": "on"},
    }.get(name, {})


def snapshot() -> dict:
    """Every row of every table (sessions aside: logging in writes one)."""
    return {
        model._meta.label: list(model.objects.order_by("pk").values_list())
        for model in apps.get_models()
        if model is not Session
    }


def body(response) -> str:
    if response.streaming:
        return b"".join(response.streaming_content).decode(errors="replace")
    return response.content.decode(errors="replace")


# --- The tests ----------------------------------------------------------------------------------


def test_every_patient_scoped_url_has_a_matrix_entry():
    missing = sorted(set(URLS) - set(MATRIX))
    stale = sorted(set(MATRIX) - set(URLS))
    assert not missing, f"Add MATRIX entries for these patient-scoped URLs: {missing}"
    assert not stale, f"Remove MATRIX entries for URLs that no longer exist: {stale}"


def test_the_walk_finds_the_urls_it_must():
    assert {"dashboard", "history", "entry_add", "sharing", "access_log"} <= set(URLS)
    assert "home" not in URLS and "invitation" not in URLS


@pytest.mark.parametrize(("name", "method", "actor"), CASES)
def test_permission_matrix(client, world, name, method, actor):
    if name not in MATRIX:
        pytest.fail(f"No MATRIX entry for the patient-scoped URL {name!r}: add one.")
    expected = MATRIX[name][method][actor]
    url = url_for(name, world)
    if actor != "anonymous":
        client.force_login(world.users[actor])
    before = snapshot()
    response = client.get(url) if method == "GET" else client.post(url, post_data(name, world))

    assert response.status_code == expected, f"{method} {url} as {actor}"
    refused = expected >= 400 or actor == "anonymous"
    if refused:
        assert snapshot() == before, f"{method} {url} as {actor} changed rows"
    if actor == "anonymous":
        assert response["Location"].startswith(f"{reverse('login')}?next=")
    content = body(response)
    if actor != "stranger":
        assert CANARY.lower() not in content.lower()
    if actor in ("removed", "stranger", "anonymous"):
        assert SECRET not in content
    if method == "GET" and expected == 200 and actor in MEMBERS:
        read = LOGGED_READ[name]
        logged = AccessEvent.objects.filter(patient=world.cast.patient, actor=world.users[actor])
        assert list(logged.values_list("action", flat=True)) == ([read] if read else [])


def test_every_page_a_member_can_open_says_what_it_logs():
    pages = {name for name, methods in MATRIX.items() if 200 in methods["GET"].values()}
    assert pages == set(LOGGED_READ)


ID_PARAMETERS = {"entry_id", "invitation_id", "membership_id", "reminder_id"}


@pytest.mark.parametrize(
    "name",
    [name for name, route in sorted(URLS.items()) if ID_PARAMETERS & set(parameters(route))],
)
@pytest.mark.parametrize("method", METHODS)
def test_another_records_ids_under_your_own_record_are_not_found(client, world, name, method):
    """The owner of Sam's record puts ids from the stranger's record into Sam's URLs."""
    theirs = world.cast.strangers_patient
    their_ids = {
        "entry_id": make_reading(theirs, "20").pk,
        "invitation_id": Invitation.objects.get(patient=theirs).pk,
        "membership_id": CareMembership.objects.filter(patient=theirs).first().pk,
        "reminder_id": Reminder.objects.get(patient=theirs).pk,
    }
    route_params = parameters(URLS[name])
    kwargs = {"patient_id": world.cast.patient.pk, "kind": "counts"}
    kwargs.update({p: their_ids[p] for p in route_params if p in their_ids})
    url = reverse(name, kwargs={p: kwargs[p] for p in route_params})
    client.force_login(world.cast.owner)
    before = snapshot()
    response = client.get(url) if method == "GET" else client.post(url, post_data(name, world))
    assert response.status_code in (404, 405)
    assert snapshot() == before
    assert CANARY.lower() not in body(response).lower()


def test_the_removed_member_really_was_a_member(world):
    """The matrix's "removed" actor lost access through the same path as in the app."""
    removed = world.users["removed"]
    assert not CareMembership.objects.filter(user=removed).exists()
    assert User.objects.filter(pk=removed.pk).exists()
    assert not AccessEvent.objects.filter(actor=removed).exists()
