"""The reminders page: who may do what, forms that refuse bad input, and devices for push."""

import datetime
import json
import uuid

import pytest
from django.urls import reverse
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from accounts.models import AccessEvent
from readings import reminder_sending
from readings.models import PushSubscription, Reminder, ReminderChoice, ReminderKind, Repeat
from tests.clock import NOW, pinned

pytestmark = [pytest.mark.django_db, pinned]

PUBLIC = "BOnpgbqI5U2GhGKPiBoLZ4YPhhQcKKa1x_-wqjTlMZCU0M_ake1AFgQMX6g-_w8X9VU96r-qeM03VJQgLy6uOwc"
PRIVATE = "RW0A10KVW_oZS1wrR9U2WaCuoJ5L14PoD4BxMF_ZPgM"
P256DH = "BMgxdRU1G5Sle1rtpIz0Ab6pWkRrJj7gNzeSi_nE1lpHShcb24Rrr1ppISMuTMH0C6e_aOOuXT8DPKPnLCjON5w"
SUBSCRIPTION = {
    "endpoint": "https://fcm.googleapis.com/fcm/send/abc123",
    "expirationTime": None,
    "keys": {
        "p256dh": P256DH,
        "auth": "vFYtzxkrHUDKNI9pyYAy2g",
    },
}


@pytest.fixture
def push_keys(settings):
    settings.VAPID_PUBLIC_KEY, settings.VAPID_PRIVATE_KEY = PUBLIC, PRIVATE


def fields(**changes) -> dict:
    data = {
        "kind": "blood_test",
        "label": "",
        "first_on": "2026-11-20",
        "time_of_day": "09:00",
        "repeat": "weeks",
        "every": "2",
        "form_token": str(uuid.uuid4()),
        "mine-by_email": "on",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def add(client, cast, user, **changes):
    client.force_login(user)
    return client.post(reverse("reminder_add", args=[cast.patient.pk]), fields(**changes))


def a_reminder(cast, **fields) -> Reminder:
    return Reminder.objects.create(
        patient=cast.patient,
        kind=ReminderKind.CLINIC_VISIT,
        first_on=datetime.date(2026, 11, 1),
        repeat=Repeat.DAYS,
        every=1,
        site_url="https://itp.example.org/",
        scheduled_at=fields.pop("scheduled_at", datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)),
        **fields,
    )


# --- Access ------------------------------------------------------------------------------------


def test_a_stranger_does_not_find_the_page(client, cast):
    client.force_login(cast.stranger)
    assert client.get(reverse("reminders", args=[cast.patient.pk])).status_code == 404
    assert add(client, cast, cast.stranger).status_code == 404
    assert not Reminder.objects.exists()


def test_a_viewer_sees_them_but_cannot_add_change_snooze_or_stop(client, cast):
    reminder = a_reminder(cast)
    assert add(client, cast, cast.viewer).status_code == 403
    page = client.get(reverse("reminders", args=[cast.patient.pk])).content.decode()
    assert "Clinic visit" in page and "Add a reminder" not in page and "Stop this" not in page
    args = [cast.patient.pk, reminder.pk]
    assert client.post(reverse("reminder_edit", args=args), fields()).status_code == 403
    assert client.post(reverse("reminder_snooze", args=args), {"until": "1h"}).status_code == 403
    assert client.post(reverse("reminder_stop", args=args)).status_code == 403
    reminder.refresh_from_db()
    assert reminder.stopped_at is None and reminder.kind == ReminderKind.CLINIC_VISIT


def test_a_viewer_chooses_what_they_get(client, cast):
    reminder = a_reminder(cast)
    client.force_login(cast.viewer)
    url = reverse("reminder_choice", args=[cast.patient.pk, reminder.pk])
    response = client.post(url, {"by_email": "on", "show_details": "on"})
    assert response.status_code == 302
    choice = ReminderChoice.objects.get(user=cast.viewer)
    assert (choice.by_email, choice.by_push, choice.show_details) == (True, False, True)
    client.post(url, {})
    choice.refresh_from_db()
    assert (choice.by_email, choice.show_details) == (False, False)
    assert not ReminderChoice.objects.exclude(user=cast.viewer).exists()


def test_an_editor_adds_a_reminder_gets_it_by_e_mail_and_it_is_in_the_access_log(client, cast):
    response = add(client, cast, cast.editor, label="Dr Patel")
    assert response.status_code == 302
    reminder = Reminder.objects.get()
    assert (reminder.created_by, reminder.every, reminder.label) == (cast.editor, 2, "Dr Patel")
    assert reminder.site_url == "http://testserver/"
    choice = ReminderChoice.objects.get()
    assert (choice.user, choice.by_email, choice.show_details) == (cast.editor, True, False)
    event = AccessEvent.objects.get(action="added_reminder")
    assert event.detail == "Blood test, every 2 weeks from 20 Nov 2026 at 09:00"


def test_the_same_form_sent_twice_adds_one_reminder(client, cast):
    data = fields()
    client.force_login(cast.owner)
    url = reverse("reminder_add", args=[cast.patient.pk])
    client.post(url, data)
    client.post(url, data)
    assert Reminder.objects.count() == 1


def test_adding_wakes_the_worker_at_the_reminders_moment(
    client, cast, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        add(client, cast, cast.owner, first_on="2026-11-11", repeat="never", every=None)
    [run] = DBTaskResult.objects.filter(
        task_path=reminder_sending.send_reminders.module_path, status=TaskResultStatus.READY
    )
    assert run.run_after == datetime.datetime(2026, 11, 11, 9, tzinfo=datetime.UTC)


def test_changing_the_time_reschedules_and_stop_ends_it(client, cast):
    reminder = a_reminder(cast, snoozed_at=NOW, snoozed_until=NOW + datetime.timedelta(hours=1))
    client.force_login(cast.editor)
    args = [cast.patient.pk, reminder.pk]
    data = fields(kind="clinic_visit", repeat="days", every="1", time_of_day="10:15")
    assert client.post(reverse("reminder_edit", args=args), data).status_code == 302
    reminder.refresh_from_db()
    assert reminder.time_of_day == datetime.time(10, 15)
    assert reminder.snoozed_until is None and reminder.scheduled_at >= NOW
    client.post(reverse("reminder_stop", args=args))
    reminder.refresh_from_db()
    assert reminder.stopped_at is not None
    assert client.get(reverse("reminder_edit", args=args)).status_code == 404
    actions = set(AccessEvent.objects.values_list("action", flat=True))
    assert {"changed_reminder", "stopped_reminder"} <= actions


def test_the_page_shows_the_next_time_in_the_records_zone_and_the_viewers(client, cast):
    cast.patient.time_zone = "America/New_York"
    cast.patient.save()
    cast.viewer.time_zone = "Europe/London"
    cast.viewer.save()
    a_reminder(cast)  # daily at 09:00 New York time
    client.force_login(cast.viewer)
    page = client.get(reverse("reminders", args=[cast.patient.pk])).content.decode()
    assert page.count("<h1>") == 1 and "<h1>Reminders</h1>" in page
    assert "Next: Wed 11 Nov 2026 at 09:00 (14:00 your time)." in page
    assert AccessEvent.objects.filter(action="viewed_reminders", actor=cast.viewer).exists()


def test_a_reminder_that_came_can_be_snoozed(client, cast):
    reminder = a_reminder(cast, time_of_day=datetime.time(22, 0))
    client.force_login(cast.owner)
    page = client.get(reverse("reminders", args=[cast.patient.pk])).content.decode()
    assert "It came on Tue 10 Nov at 22:00" in page and "In 1 hour" in page
    url = reverse("reminder_snooze", args=[cast.patient.pk, reminder.pk])
    client.post(url, {"until": "3h"})
    reminder.refresh_from_db()
    assert reminder.snoozed_until - NOW - datetime.timedelta(hours=3) < datetime.timedelta(
        minutes=1
    )
    page = client.get(reverse("reminders", args=[cast.patient.pk])).content.decode()
    assert "Put off until Wed 11 Nov at 01:30" in page


# --- Forms refuse bad input ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"every": "0"}, "every", "a whole number from 1 to 52"),
        ({"every": "53"}, "every", "a whole number from 1 to 52"),
        ({"repeat": "days", "every": "366"}, "every", "a whole number from 1 to 365"),
        ({"repeat": "days", "every": ""}, "every", "Enter how many days"),
        ({"first_on": "1899-12-31"}, "first_on", "Enter a date from 1 Jan 1900 on."),
        ({"first_on": "2009-12-31"}, "first_on", "before the year of birth (2010)"),
        ({"first_on": "2032-01-01"}, "first_on", "no later than"),
        ({"time_of_day": "25:00"}, "time_of_day", "as a time, like 09:30"),
        ({"time_of_day": "soon"}, "time_of_day", "as a time, like 09:30"),
        (
            {"repeat": "never", "every": None, "first_on": "2026-11-10", "time_of_day": "21:00"},
            "time_of_day",
            "That time has passed",
        ),  # fmt: skip
        ({"kind": "count"}, "kind", "Choose one of the answers"),
        ({"label": "x" * 41}, "label", "can hold up to 40 characters"),
    ],
)
def test_the_form_refuses_bad_input(client, cast, changes, field, words):
    if changes.get("first_on", "").startswith("2009"):
        cast.patient.birth_year = 2010
        cast.patient.save()
    response = add(client, cast, cast.owner, **changes)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == [field], errors
    assert words in errors[field][0]
    assert not Reminder.objects.exists()


# --- Devices -------------------------------------------------------------------------------------


def test_a_device_is_added_for_the_person_signed_in(client, cast, push_keys):
    client.force_login(cast.viewer)
    url = reverse("push_subscribe")
    response = client.post(url, json.dumps(SUBSCRIPTION), content_type="application/json")
    assert response.status_code == 201
    saved = PushSubscription.objects.get()
    assert (saved.user, saved.endpoint) == (cast.viewer, SUBSCRIPTION["endpoint"])
    # Someone else sending that device's address (with keys of their own) does not take it:
    # a browser's address changes with the account (logging out drops it: Clear-Site-Data).
    client.force_login(cast.editor)
    mine = {**SUBSCRIPTION, "keys": {**SUBSCRIPTION["keys"], "auth": "AAAAAAAAAAAAAAAAAAAAAA"}}
    taken = client.post(url, json.dumps(mine), content_type="application/json")
    assert taken.status_code == 409
    assert list(PushSubscription.objects.values_list("user", "auth")) == [
        (cast.viewer.pk, SUBSCRIPTION["keys"]["auth"])
    ]


@pytest.mark.parametrize(
    "endpoint",
    [
        "http://fcm.googleapis.com/fcm/send/abc",  # not https
        "https://127.0.0.1/push",
        "https://intranet.example.org/admin",
        "https://fcm.googleapis.com.evil.example/x",
        # Read as fcm.googleapis.com by one URL reader, as another host by another:
        "https://127.0.0.1:9443\\@fcm.googleapis.com/x",
        "https://169.254.169.254\\.fcm.googleapis.com/latest/meta-data",
        "https://user@fcm.googleapis.com/fcm/send/abc",
        "https://fcm.googleapis.com:8443/fcm/send/abc",
        "https://fcm.googleapis.com/fcm/send/a b",
    ],
)
def test_only_a_browsers_push_service_is_taken(client, cast, push_keys, endpoint):
    client.force_login(cast.viewer)
    body = json.dumps({**SUBSCRIPTION, "endpoint": endpoint})
    response = client.post(reverse("push_subscribe"), body, content_type="application/json")
    assert response.status_code == 400
    assert not PushSubscription.objects.exists()


def test_bad_keys_and_no_vapid_keys_are_refused(client, cast, settings, push_keys):
    client.force_login(cast.viewer)
    bad = {**SUBSCRIPTION, "keys": {"p256dh": "abc", "auth": SUBSCRIPTION["keys"]["auth"]}}
    url = reverse("push_subscribe")
    assert client.post(url, json.dumps(bad), content_type="application/json").status_code == 400
    assert client.post(url, "not json", content_type="application/json").status_code == 400
    settings.VAPID_PUBLIC_KEY = settings.VAPID_PRIVATE_KEY = ""
    body = json.dumps(SUBSCRIPTION)
    assert client.post(url, body, content_type="application/json").status_code == 404
    assert not PushSubscription.objects.exists()


def test_only_ones_own_device_can_be_removed(client, cast):
    theirs = PushSubscription.objects.create(
        user=cast.owner, endpoint=SUBSCRIPTION["endpoint"], p256dh="k", auth="a"
    )
    client.force_login(cast.stranger)
    url = reverse("push_unsubscribe")
    client.post(url, {"device": theirs.pk})
    client.post(url, {"endpoint": theirs.endpoint}, headers={"Accept": "application/json"})
    assert PushSubscription.objects.filter(pk=theirs.pk).exists()
    client.force_login(cast.owner)
    response = client.post(
        url, {"endpoint": theirs.endpoint}, headers={"Accept": "application/json"}
    )
    assert response.status_code == 204
    assert not PushSubscription.objects.exists()


def test_the_push_button_is_offered_only_with_vapid_keys(client, cast, settings):
    client.force_login(cast.viewer)
    url = reverse("reminders", args=[cast.patient.pk])
    settings.VAPID_PUBLIC_KEY = settings.VAPID_PRIVATE_KEY = ""
    page = client.get(url).content.decode()
    assert "Get reminders on this device" not in page and "push.js" not in page
    settings.VAPID_PUBLIC_KEY, settings.VAPID_PRIVATE_KEY = PUBLIC, PRIVATE
    page = client.get(url).content.decode()
    assert f'data-push-key="{PUBLIC}"' in page and "push.js" in page
    # Hidden until the script finds a browser that can do it.
    assert 'data-push-remove-url="/account/push/remove/" hidden>' in page
