"""The worker sends reminders: once each, by e-mail and push, saying no more than chosen."""

import datetime
import json
from io import StringIO
from unittest import mock

import pytest
import pywebpush
from cryptography.hazmat.primitives import serialization
from django.core import mail
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.urls import reverse
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult, get_date_max
from py_vapid import Vapid

from accounts import memberships
from itptracker.settings import vapid_keys
from readings import reminder_sending, reminders, tasks
from readings.models import (
    DeliveryStatus,
    PushSubscription,
    Reminder,
    ReminderChoice,
    ReminderDelivery,
    ReminderKind,
    Repeat,
)
from tests.clock import NOW, pinned

pytestmark = [pytest.mark.django_db, pinned]

LONG_AGO = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)
# A key pair made by `manage.py vapid_keys` for these tests only.
PUBLIC = "BOnpgbqI5U2GhGKPiBoLZ4YPhhQcKKa1x_-wqjTlMZCU0M_ake1AFgQMX6g-_w8X9VU96r-qeM03VJQgLy6uOwc"
PRIVATE = "RW0A10KVW_oZS1wrR9U2WaCuoJ5L14PoD4BxMF_ZPgM"
ENDPOINT = "https://fcm.googleapis.com/fcm/send/abc123"
# A browser's keys (a P-256 point and 16 random bytes), made for these tests.
P256DH = "BMgxdRU1G5Sle1rtpIz0Ab6pWkRrJj7gNzeSi_nE1lpHShcb24Rrr1ppISMuTMH0C6e_aOOuXT8DPKPnLCjON5w"
AUTH = "vFYtzxkrHUDKNI9pyYAy2g"


@pytest.fixture
def push_keys(settings):
    settings.VAPID_PUBLIC_KEY, settings.VAPID_PRIVATE_KEY = PUBLIC, PRIVATE
    settings.VAPID_SUBJECT = "mailto:reminders@example.org"


def due_reminder(cast, **fields) -> Reminder:
    """A dose-day reminder of Sam's, due right now (22:30 in London), daily."""
    cast.patient.time_zone = "Europe/London"
    cast.patient.save()
    return Reminder.objects.create(
        patient=cast.patient,
        kind=fields.pop("kind", ReminderKind.DOSE_DAY),
        label=fields.pop("label", "Romiplostim"),
        first_on=fields.pop("first_on", datetime.date(2026, 11, 1)),
        time_of_day=datetime.time(22, 30),
        repeat=Repeat.DAYS,
        every=1,
        site_url="https://itp.example.org/",
        scheduled_at=LONG_AGO,
        **fields,
    )


def choose(reminder, user, **choice) -> ReminderChoice:
    choice = ReminderChoice.objects.create(reminder=reminder, user=user, **choice)
    ReminderChoice.objects.filter(pk=choice.pk).update(updated_at=LONG_AGO)
    return choice


def device(user, endpoint=ENDPOINT) -> PushSubscription:
    return PushSubscription.objects.create(user=user, endpoint=endpoint, p256dh=P256DH, auth=AUTH)


def answer(status: int):
    response = mock.Mock(status_code=status, reason="", text="", headers={})
    return pywebpush.WebPushException(f"Push failed: {status}", response=response)


# --- E-mail -------------------------------------------------------------------------------------


def test_a_due_reminder_is_e_mailed_once_even_when_the_task_runs_twice(cast):
    reminder = due_reminder(cast)
    choose(reminder, cast.viewer, by_email=True)
    choose(reminder, cast.editor, by_email=False)
    first = reminder_sending.send_reminders.call()
    second = reminder_sending.send_reminders.call()
    assert first == {"planned": 1, "sent": 1}
    assert second == {}
    assert [m.to for m in mail.outbox] == [["viewer@example.com"]]
    [row] = ReminderDelivery.objects.all()
    assert (row.due_at, row.status, row.channel) == (NOW, DeliveryStatus.SENT, "email")


def test_the_e_mail_says_no_name_kind_or_label_by_default(cast):
    reminder = due_reminder(cast)
    choose(reminder, cast.viewer, by_email=True)
    reminder_sending.send_reminders.call()
    [sent] = mail.outbox
    assert sent.subject == "A reminder from ITP Tracker"
    text = sent.subject + sent.body
    for secret in ("Sam", "Romiplostim", "Dose", "dose", "platelet", "ITP Tracker <"):
        assert secret not in text
    assert "Open ITP Tracker to see it." in sent.body
    assert f"https://itp.example.org/p/{cast.patient.pk}/reminders/" in sent.body


def test_with_details_the_e_mail_says_what_and_whose(cast):
    reminder = due_reminder(cast)
    choose(reminder, cast.viewer, by_email=True, show_details=True)
    reminder_sending.send_reminders.call()
    [sent] = mail.outbox
    assert sent.subject == "Dose day today for Sam: Romiplostim"
    assert "At 22:30, Sam’s time (Europe/London)." in sent.body


def test_a_member_who_stopped_getting_it_or_was_removed_gets_nothing(cast):
    reminder = due_reminder(cast)
    choose(reminder, cast.viewer, by_email=True)
    editor = choose(reminder, cast.editor, by_email=True)
    choose(reminder, cast.owner, by_email=True)
    reminder_sending.plan(NOW)  # rows made, then the people change their minds
    assert ReminderDelivery.objects.count() == 3
    membership = cast.viewer.memberships.get(patient=cast.patient)
    memberships.update_membership(cast.patient, membership.pk, None)
    ReminderChoice.objects.filter(pk=editor.pk).update(by_email=False)
    reminder_sending.send_pending()
    assert [m.to for m in mail.outbox] == [["owner@example.com"]]
    assert ReminderDelivery.objects.filter(status=DeliveryStatus.SKIPPED).count() == 2
    # And the next day a removed member has no row at all.
    tomorrow = NOW + datetime.timedelta(days=1)
    reminder_sending.plan(tomorrow)
    assert set(ReminderDelivery.objects.filter(due_at=tomorrow).values_list(
        "recipient__email", flat=True)) == {"owner@example.com"}  # fmt: skip


def test_a_stopped_reminder_is_not_sent(cast):
    reminder = due_reminder(cast)
    choose(reminder, cast.viewer, by_email=True)
    reminders.stop(reminder, NOW)
    assert reminder_sending.send_reminders.call() == {}
    assert mail.outbox == []


def test_choices_saved_again_while_the_worker_was_late_lose_nothing(cast, time_machine):
    """The worker was down when it came; the viewer saved their choices again meanwhile."""
    reminder = due_reminder(cast)
    choose(reminder, cast.owner, by_email=True)
    choice = choose(reminder, cast.viewer, by_email=True)
    ReminderChoice.objects.filter(pk=choice.pk).update(
        updated_at=NOW + datetime.timedelta(minutes=5)
    )
    time_machine.move_to(NOW + datetime.timedelta(minutes=10))
    assert reminder_sending.send_reminders.call() == {"planned": 2, "sent": 2}
    assert sorted(m.to[0] for m in mail.outbox) == ["owner@example.com", "viewer@example.com"]
    assert reminder_sending.send_reminders.call() == {}


def test_a_reminder_more_than_twelve_hours_late_is_skipped(cast, time_machine):
    reminder = due_reminder(cast)
    choose(reminder, cast.viewer, by_email=True)
    time_machine.move_to(NOW + datetime.timedelta(hours=12, minutes=1))
    assert reminder_sending.send_reminders.call() == {}
    time_machine.move_to(NOW + datetime.timedelta(hours=11, minutes=59))
    assert reminder_sending.send_reminders.call() == {"planned": 1, "sent": 1}


# --- Push ---------------------------------------------------------------------------------------


def test_push_sends_exactly_the_payload_with_a_ttl_and_normal_urgency(cast, push_keys):
    reminder = due_reminder(cast)
    choose(reminder, cast.viewer, by_push=True)
    device(cast.viewer)
    with mock.patch.object(pywebpush, "webpush") as webpush:
        assert reminder_sending.send_reminders.call() == {"planned": 1, "sent": 1}
    [call] = webpush.call_args_list
    assert json.loads(call.kwargs["data"]) == {
        "title": "A reminder from ITP Tracker",
        "body": "Open ITP Tracker to see it.",
        "url": f"/p/{cast.patient.pk}/reminders/",
    }
    assert call.kwargs["subscription_info"] == {
        "endpoint": ENDPOINT,
        "keys": {"p256dh": P256DH, "auth": AUTH},
    }
    assert call.kwargs["ttl"] == reminder_sending.PUSH_TTL
    assert call.kwargs["headers"] == {"Urgency": "normal"}
    assert call.kwargs["vapid_claims"] == {"sub": "mailto:reminders@example.org"}
    assert mail.outbox == []


def test_push_really_encrypts_and_signs_for_the_push_service(cast, push_keys):
    """Through pywebpush itself, with only the HTTP request replaced."""
    reminder = due_reminder(cast)
    choose(reminder, cast.viewer, by_push=True, show_details=True)
    device(cast.viewer)
    sent = mock.Mock(status_code=201)
    with mock.patch("requests.post", return_value=sent) as post:
        assert reminder_sending.send_reminders.call() == {"planned": 1, "sent": 1}
    [call] = post.call_args_list
    assert call.args[0] == ENDPOINT
    headers = call.kwargs["headers"]
    assert headers["ttl"] == str(reminder_sending.PUSH_TTL)
    assert headers["Urgency"] == "normal"
    assert headers["content-encoding"] == "aes128gcm"
    assert headers["Authorization"].startswith("vapid t=")
    assert f"k={PUBLIC}" in headers["Authorization"]
    assert b"Sam" not in call.kwargs["data"]  # encrypted


@pytest.mark.parametrize("status", [404, 410])
def test_a_device_the_push_service_forgot_is_deleted(cast, push_keys, status):
    reminder = due_reminder(cast)
    choose(reminder, cast.viewer, by_push=True)
    device(cast.viewer)
    kept = device(cast.viewer, "https://updates.push.services.mozilla.com/wpush/v2/xyz")
    with mock.patch.object(pywebpush, "webpush", side_effect=[answer(status), None]):
        assert reminder_sending.send_reminders.call() == {"planned": 1, "sent": 1}
    assert list(PushSubscription.objects.all()) == [kept]


def test_another_push_failure_is_retried_on_that_device_only(cast, push_keys):
    reminder = due_reminder(cast)
    choose(reminder, cast.viewer, by_push=True)
    failing = device(cast.viewer)
    device(cast.viewer, "https://updates.push.services.mozilla.com/wpush/v2/xyz")
    with mock.patch.object(pywebpush, "webpush", side_effect=[answer(503), None]):
        assert reminder_sending.send_reminders.call() == {"planned": 1, "retry": 1}
    row = ReminderDelivery.objects.get()
    assert row.status == DeliveryStatus.PENDING and row.next_attempt_at > NOW
    ReminderDelivery.objects.update(next_attempt_at=NOW)
    with mock.patch.object(pywebpush, "webpush") as webpush:
        assert reminder_sending.send_reminders.call() == {"sent": 1}
    [call] = webpush.call_args_list
    assert call.kwargs["subscription_info"]["endpoint"] == failing.endpoint
    assert PushSubscription.objects.count() == 2


def test_without_vapid_keys_only_e_mail_is_planned(cast, settings):
    settings.VAPID_PUBLIC_KEY = settings.VAPID_PRIVATE_KEY = ""
    reminder = due_reminder(cast)
    choose(reminder, cast.viewer, by_email=True, by_push=True)
    device(cast.viewer)
    with mock.patch.object(pywebpush, "webpush") as webpush:
        reminder_sending.send_reminders.call()
    webpush.assert_not_called()
    assert list(ReminderDelivery.objects.values_list("channel", flat=True)) == ["email"]


# --- Coming back --------------------------------------------------------------------------------


def waiting_runs():
    return DBTaskResult.objects.filter(
        task_path=reminder_sending.send_reminders.module_path, status=TaskResultStatus.READY
    )


def test_the_task_comes_back_at_the_next_due_moment(cast):
    reminder = due_reminder(cast, first_on=datetime.date(2026, 11, 10))
    Reminder.objects.filter(pk=reminder.pk).update(time_of_day=datetime.time(22, 45))
    reminder_sending.send_reminders.call()
    [run] = waiting_runs()
    assert run.run_after == NOW + datetime.timedelta(minutes=15)  # 22:45 in London
    reminder_sending.send_reminders.call()
    assert waiting_runs().count() == 1  # one chain, never two


def test_without_reminders_it_comes_back_within_the_hour(db):
    reminder_sending.send_reminders.call()
    [run] = waiting_runs()
    late = run.run_after - (NOW + reminder_sending.SAFETY_NET)
    assert datetime.timedelta(0) <= late < datetime.timedelta(minutes=1)  # the clock ticks


def test_a_starting_worker_runs_it(db):
    tasks.catch_up()
    tasks.catch_up()
    [run] = waiting_runs()
    assert run.run_after == get_date_max()  # as soon as it can


# --- Keys ---------------------------------------------------------------------------------------


def test_vapid_keys_prints_a_pair_the_settings_take_in_either_form():
    out = StringIO()
    call_command("vapid_keys", stdout=out)
    lines = dict(line.split("=", 1) for line in out.getvalue().split())
    public, private = lines["VAPID_PUBLIC_KEY"], lines["VAPID_PRIVATE_KEY"]
    assert vapid_keys(public, private) == (public, private)
    pem = (
        Vapid.from_string(private)
        .private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        .decode()
    )
    assert vapid_keys(public, pem) == (public, pem.strip())
    assert vapid_keys("", "") == ("", "")


@pytest.mark.parametrize(
    ("public", "private", "words"),
    [
        (PUBLIC, "", "Set both"),
        (PUBLIC, "not-a-key", "is not a P-256 private key"),
        (P256DH, PRIVATE, "is not the public key of VAPID_PRIVATE_KEY"),
    ],
)
def test_keys_that_do_not_make_a_pair_stop_start_up(public, private, words):
    with pytest.raises(ImproperlyConfigured, match=words):
        vapid_keys(public, private)


def test_a_new_time_zone_does_not_send_the_day_s_reminder_again(client, cast, time_machine):
    """Sent at 22:30 in London; the record moves to New York an hour later: 22:30 there is
    still ahead, but the same day's 22:30 in a zone ahead of London would be "late" and sent
    again. From the change on, only the moments after it are due."""
    reminder = due_reminder(cast)
    choose(reminder, cast.owner, by_email=True)
    assert reminder_sending.send_reminders.call() == {"planned": 1, "sent": 1}
    time_machine.move_to(NOW + datetime.timedelta(hours=1))
    client.force_login(cast.owner)
    details = {
        "name": cast.patient.name,
        "time_zone": "Asia/Dubai",  # 22:30 in Dubai was 18:30 UTC today: 5 hours "late"
        "preferred_unit": cast.patient.preferred_unit,
    }
    response = client.post(reverse("patient_settings", args=[cast.patient.pk]), details)
    assert response.status_code == 302, response.context["form"].errors
    cast.patient.refresh_from_db()
    assert cast.patient.time_zone == "Asia/Dubai"
    assert reminder_sending.send_reminders.call() == {}
    assert len(mail.outbox) == 1
    time_machine.move_to(NOW + datetime.timedelta(hours=20))  # 22:30 in Dubai the next day
    assert reminder_sending.send_reminders.call() == {"planned": 1, "sent": 1}


def test_a_line_break_in_a_label_never_stops_the_e_mail(cast):
    reminder = due_reminder(cast, label="Romi\r\nBcc: x@evil.example")
    choose(reminder, cast.owner, by_email=True, show_details=True)
    assert reminder_sending.send_reminders.call() == {"planned": 1, "sent": 1}
    assert mail.outbox[0].subject == "Dose day today for Sam: Romi Bcc: x@evil.example"
    assert list(mail.outbox[0].bcc) == []
