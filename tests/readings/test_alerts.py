"""Alert e-mails: who asked for them, the outbox written with the entry, and sending later."""

import uuid
from datetime import UTC, timedelta
from io import StringIO
from unittest import mock

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from accounts.models import CareMembership, Notification, NotificationKind, NotificationStatus
from readings import alerts as notifications
from readings import exports, guidance, imports, outbox
from readings.entries import KINDS
from readings.models import BleedingEpisode, PlateletReading
from tests.clock import pinned
from tests.factories import make_episode, make_patient, make_reading
from tests.html_forms import bleed_fields, form_values

pytestmark = [pytest.mark.django_db, pinned]

ALL = exports.Selection(tuple(KINDS))
FAILING = "tests.readings.test_alerts.FailingBackend"
UNREACHABLE = "tests.readings.test_alerts.UnreachableBackend"


class FailingBackend(BaseEmailBackend):
    def send_messages(self, messages):
        raise OSError("550 mailbox unavailable")


class UnreachableBackend(BaseEmailBackend):
    def open(self):
        raise ConnectionRefusedError("connection refused")

    def send_messages(self, messages):  # pragma: no cover - never reached
        return len(messages)


def opt_in(cast, actor, emergency=False, low_count=False):
    CareMembership.objects.filter(patient=cast.patient, user=getattr(cast, actor)).update(
        notify_emergency=emergency, notify_low_count=low_count
    )


def log_bleed(client, cast, user, headers=None, **data):
    client.force_login(user)
    url = reverse("entry_add", args=[cast.patient.pk, "bleeds"])
    return client.post(url, bleed_fields(**data), headers=headers)


def log_count(client, cast, user, count_text, **data):
    client.force_login(user)
    fields = {
        "count_text": count_text,
        "unit": "e9/L",
        "drawn_on": timezone.localdate().isoformat(),
        "form_token": str(uuid.uuid4()),
        **data,
    }
    return client.post(reverse("entry_add", args=[cast.patient.pk, "counts"]), fields)


def set_threshold(cast, value):
    cast.patient.alert_threshold = value
    cast.patient.save()


# --- Who gets an e-mail, and for what -----------------------------------------------------------


def test_nobody_is_e_mailed_unless_they_asked(client, cast):
    log_bleed(client, cast, cast.owner, first_aid="no")
    assert BleedingEpisode.objects.count() == 1
    assert not Notification.objects.exists()


@pytest.mark.parametrize(
    ("data", "emergency"),
    [
        ({"first_aid": "no"}, True),
        ({"first_aid": "still"}, True),
        ({"severity": "life_threatening", "first_aid": "yes"}, True),
        ({"first_aid": "yes", "severity": "moderate"}, False),
        ({}, False),
        # Signs of bleeding in the brain, whatever the kind of bleed: an emergency.
        ({"kind": "head_injury", "warning_signs": ["vomiting"]}, True),
        ({"kind": "other", "warning_signs": ["headache", "vomiting"]}, True),
        ({"kind": "nosebleed", "first_aid": "yes", "warning_signs": ["seizure"]}, True),
        # "Contact the care team today" is advice on the page, not an e-mail.
        ({"kind": "head_injury"}, False),
        ({"kind": "stool", "severity": "severe"}, False),
        ({"kind": "vomit"}, False),
    ],
)
def test_an_emergency_bleed_queues_an_email_for_members_who_asked(client, cast, data, emergency):
    opt_in(cast, "editor", emergency=True)
    opt_in(cast, "viewer", low_count=True)  # asked only about counts
    log_bleed(client, cast, cast.owner, **data)
    queued = list(Notification.objects.values_list("recipient__email", "kind", "actor_name"))
    expected = [("editor@example.com", "emergency", "Olive Owner")] if emergency else []
    assert queued == expected


def test_the_person_who_logged_it_is_not_emailed_about_it(client, cast):
    opt_in(cast, "owner", emergency=True)
    opt_in(cast, "editor", emergency=True)
    log_bleed(client, cast, cast.editor, first_aid="still")
    assert list(Notification.objects.values_list("recipient__email", flat=True)) == [
        "owner@example.com"
    ]


@pytest.mark.parametrize(
    ("threshold", "count_text", "queued"),
    [(30, "25", True), (30, "30", False), (30, "45", False), (None, "5", False), (10, "<10", True)],
)
def test_a_count_below_the_clinicians_threshold_queues_an_email(
    client, cast, threshold, count_text, queued
):
    set_threshold(cast, threshold)
    opt_in(cast, "viewer", low_count=True)
    opt_in(cast, "editor", emergency=True)  # asked only about bleeds
    log_count(client, cast, cast.owner, count_text)
    assert PlateletReading.objects.count() == 1
    kinds = list(Notification.objects.values_list("recipient__email", "kind"))
    assert kinds == ([("viewer@example.com", "low_count")] if queued else [])


def test_a_double_submit_queues_one_email(client, cast):
    opt_in(cast, "viewer", emergency=True)
    client.force_login(cast.owner)
    now = timezone.localtime()
    data = {
        "kind": "nosebleed",
        "first_aid": "still",
        "started_on": now.date().isoformat(),
        "started_time": now.strftime("%H:%M"),
        "form_token": str(uuid.uuid4()),
    }
    url = reverse("entry_add", args=[cast.patient.pk, "bleeds"])
    client.post(url, data)
    client.post(url, data)
    assert Notification.objects.count() == 1


def test_the_outbox_row_is_written_in_the_entrys_transaction(client, cast):
    opt_in(cast, "viewer", emergency=True)
    with (
        mock.patch.object(Notification.objects, "bulk_create", side_effect=RuntimeError("disk")),
        pytest.raises(RuntimeError),
    ):
        log_bleed(client, cast, cast.owner, first_aid="still")
    assert not BleedingEpisode.objects.exists()
    assert not Notification.objects.exists()


def test_an_ordinary_entry_costs_no_extra_query(cast, django_assert_num_queries):
    reading = make_reading(cast.patient, "45")
    with django_assert_num_queries(0):
        assert notifications.enqueue_for_entry(reading, cast.patient, cast.owner, "http://x/") == []


# --- Sending -----------------------------------------------------------------------------------


def test_pending_emails_are_sent_once_and_marked_sent(client, cast):
    opt_in(cast, "editor", emergency=True)
    log_bleed(client, cast, cast.owner, first_aid="still")
    assert mail.outbox == []  # nothing is sent inside the request
    assert notifications.send_pending() == {"sent": 1}
    row = Notification.objects.get()
    assert (row.status, row.attempts, row.last_error) == (NotificationStatus.SENT, 1, "")
    assert row.sent_at is not None
    message = mail.outbox[0]
    assert message.to == ["editor@example.com"]
    assert message.subject == "Emergency: a bleed was logged · ITP Tracker"
    dashboard = f"http://testserver{reverse('dashboard', args=[cast.patient.pk])}"
    assert dashboard in message.body
    assert f"http://testserver{reverse('sharing', args=[cast.patient.pk])}" in message.body
    assert "Olive Owner recorded a bleed for Sam in ITP Tracker on " in message.body
    assert "&#x27;" not in message.body
    # What to do for either emergency, each source named once.
    assert "Bleeding that does not stop is an emergency." in message.body
    assert "Signs of bleeding in the brain are an emergency." in message.body
    sources = next(line for line in message.body.splitlines() if line.startswith("Sources: "))
    names = sources.removeprefix("Sources: ").split("; ")
    assert names[0].startswith("Mayo Clinic") and len(names) == len(set(names)) == 3
    assert notifications.send_pending() == {}
    assert len(mail.outbox) == 1


def test_a_low_count_email_does_not_carry_the_number(client, cast):
    set_threshold(cast, 30)
    opt_in(cast, "viewer", low_count=True)
    log_count(client, cast, cast.owner, "17")
    notifications.send_pending()
    message = mail.outbox[0]
    assert message.subject == "A low count was logged · ITP Tracker"
    assert "17" not in message.body.replace(str(cast.patient.pk), "")
    assert "below the threshold the clinician set" in message.body


def test_the_time_in_the_email_is_in_the_recipients_time_zone(client, cast):
    cast.editor.time_zone = "Asia/Tokyo"
    cast.editor.save()
    opt_in(cast, "editor", emergency=True)
    log_bleed(client, cast, cast.owner, first_aid="still")
    row = Notification.objects.get()
    Notification.objects.update(created_at=row.created_at.replace(hour=23, minute=30))
    notifications.send_pending()
    assert "at 08:30 (Asia/Tokyo time, when it was recorded)" in mail.outbox[0].body


@pytest.mark.parametrize("phone", ["+44 20 7946 0000", ""])
def test_the_email_gives_the_care_teams_phone_when_there_is_one(client, cast, phone):
    cast.patient.care_team_phone = phone
    cast.patient.save()
    opt_in(cast, "editor", emergency=True)
    log_bleed(client, cast, cast.owner, first_aid="still")
    notifications.send_pending()
    assert ("Sam’s care team: +44 20 7946 0000" in mail.outbox[0].body) is bool(phone)
    assert "care team: \n" not in mail.outbox[0].body


def test_a_failure_keeps_the_entry_and_the_email_for_a_retry(client, cast, settings):
    opt_in(cast, "editor", emergency=True)
    log_bleed(client, cast, cast.owner, first_aid="still")
    settings.EMAIL_BACKEND = FAILING
    assert notifications.send_pending() == {"retry": 1}
    row = Notification.objects.get()
    assert (row.status, row.attempts) == (NotificationStatus.PENDING, 1)
    assert "550 mailbox unavailable" in row.last_error
    assert row.next_attempt_at > timezone.now()
    assert BleedingEpisode.objects.count() == 1
    # Not retried before its time; retried (and sent) once due and the server is back.
    assert notifications.send_pending() == {}
    Notification.objects.update(next_attempt_at=timezone.now())
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert notifications.send_pending() == {"sent": 1}
    assert Notification.objects.get().attempts == 2


def test_after_several_failures_it_gives_up_but_keeps_the_row(client, cast, settings):
    opt_in(cast, "editor", emergency=True)
    log_bleed(client, cast, cast.owner, first_aid="still")
    settings.EMAIL_BACKEND = FAILING
    for _ in range(outbox.MAX_ATTEMPTS):
        Notification.objects.update(next_attempt_at=timezone.now())
        notifications.send_pending()
    row = Notification.objects.get()
    assert (row.status, row.attempts) == (NotificationStatus.FAILED, outbox.MAX_ATTEMPTS)


def test_an_unreachable_mail_server_retries_the_whole_batch(client, cast, settings):
    opt_in(cast, "editor", emergency=True)
    opt_in(cast, "viewer", emergency=True)
    log_bleed(client, cast, cast.owner, first_aid="still")
    settings.EMAIL_BACKEND = UNREACHABLE
    assert notifications.send_pending() == {"retry": 2}
    assert set(Notification.objects.values_list("status", flat=True)) == {"pending"}


def test_a_member_removed_or_switched_off_before_sending_gets_nothing(client, cast):
    opt_in(cast, "editor", emergency=True)
    opt_in(cast, "viewer", emergency=True)
    log_bleed(client, cast, cast.owner, first_aid="still")
    CareMembership.objects.filter(user=cast.editor).delete()
    opt_in(cast, "viewer", emergency=False)
    assert notifications.send_pending() == {"skipped": 2}
    assert mail.outbox == []


def test_a_claimed_batch_is_not_claimed_again_by_a_second_run(client, cast):
    opt_in(cast, "editor", emergency=True)
    log_bleed(client, cast, cast.owner, first_aid="still")
    pending = Notification.objects.filter(status=NotificationStatus.PENDING)
    claim = {"related": (), "order": ("id",), "batch_size": 10}
    assert len(outbox.claim(pending, **claim)) == 1
    assert outbox.claim(pending, **claim) == []


def test_batches_are_sent_until_none_is_due(client, cast):
    opt_in(cast, "editor", emergency=True)
    for kind in ("nosebleed", "gums", "urine", "stool", "other"):  # five bleeds, not one again
        log_bleed(client, cast, cast.owner, first_aid="still", kind=kind)
    assert notifications.send_pending(batch_size=2) == {"sent": 5}


def test_the_management_command_reports_what_it_did(client, cast):
    opt_in(cast, "editor", emergency=True)
    log_bleed(client, cast, cast.owner, first_aid="still")
    out = StringIO()
    call_command("send_notifications", "--batch-size", "10", stdout=out)
    assert out.getvalue().strip() == "Notifications: 1 sent, 0 retry, 0 failed, 0 skipped."
    assert len(mail.outbox) == 1


def test_retry_delays_grow():
    assert [outbox.retry_delay(n) for n in (1, 2, 3)] == [
        timedelta(minutes=2),
        timedelta(minutes=4),
        timedelta(minutes=8),
    ]


def test_kinds_have_plain_labels():
    assert NotificationKind.EMERGENCY.label == "An emergency bleed was logged"


# --- From quick add, an edit and an import --------------------------------------------------


@pytest.mark.parametrize("actor", ["owner", "editor"])
def test_quick_add_of_a_head_injury_with_vomiting_alerts_the_others(client, cast, actor):
    opt_in(cast, "viewer", emergency=True)
    opt_in(cast, "owner" if actor == "editor" else "editor", emergency=True)
    response = log_bleed(
        client,
        cast,
        getattr(cast, actor),
        kind="head_injury",
        warning_signs=["vomiting"],
        quick="1",
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 204
    recipients = sorted(Notification.objects.values_list("recipient__email", flat=True))
    other = "owner@example.com" if actor == "editor" else "editor@example.com"
    assert recipients == sorted([other, "viewer@example.com"])


def edit_bleed(client, episode, **changes):
    url = reverse("entry_edit", args=[episode.patient_id, "bleeds", episode.pk])
    values = form_values(client.get(url).content.decode())
    return client.post(url, {**values, **changes})


def test_an_edit_that_makes_a_bleed_an_emergency_alerts_once(client, cast):
    opt_in(cast, "viewer", emergency=True)
    log_bleed(client, cast, cast.editor, first_aid="yes")
    episode = BleedingEpisode.objects.get()
    assert not Notification.objects.exists()

    assert edit_bleed(client, episode, first_aid="no").status_code == 302
    assert Notification.objects.count() == 1
    # Still an emergency after a second edit: no second e-mail.
    assert edit_bleed(client, episode, note="we are on our way").status_code == 302
    assert Notification.objects.count() == 1
    # Recording later that it stopped is not a new emergency either.
    client.post(
        reverse("episode_resolve", args=[cast.patient.pk, episode.pk]),
        {"resolution": "stopped", "version": episode.version},
    )
    assert Notification.objects.count() == 1


def a_file_with(cast, when) -> str:
    """An exported file, from another record, holding an emergency bleed and a low count."""
    source = make_patient(cast.owner, name="Other")
    make_episode(source, started_at=when, first_aid="no")
    make_reading(source, "12", drawn_on=timezone.localdate(when), drawn_at=when)
    return "".join(exports.csv_lines(source, ALL, UTC))


@pytest.mark.parametrize(
    ("age", "expected"),
    [
        (timedelta(hours=1), ["emergency", "low_count"]),
        (guidance.RECENT - timedelta(minutes=1), ["emergency", "low_count"]),
        (guidance.RECENT + timedelta(minutes=1), []),
        (timedelta(days=400), []),
    ],
)
def test_an_import_alerts_about_recent_entries_once_per_kind(cast, age, expected):
    set_threshold(cast, 20)
    opt_in(cast, "viewer", emergency=True, low_count=True)
    text = a_file_with(cast, timezone.now() - age)
    text += "".join(
        a_file_with(cast, timezone.now() - age - timedelta(hours=1)).splitlines(True)[1:]
    )
    imports.import_file(text, cast.patient, cast.owner)
    assert BleedingEpisode.objects.filter(patient=cast.patient).count() == 2
    queued = sorted(Notification.objects.values_list("kind", flat=True))
    assert queued == expected
    assert set(Notification.objects.values_list("recipient__email", flat=True)) <= {
        "viewer@example.com"
    }


@pytest.mark.parametrize(
    ("age", "alerted"),
    [
        (timedelta(hours=1), True),
        (guidance.RECENT - timedelta(minutes=5), True),
        (guidance.RECENT + timedelta(days=1), False),
        (timedelta(days=900), False),
    ],
)
def test_the_forms_alert_by_the_same_rule_as_the_import(client, cast, age, alerted):
    """History typed up later (a bleed of 2024 that did not stop) alarms no one."""
    set_threshold(cast, 30)
    opt_in(cast, "viewer", emergency=True, low_count=True)
    when = timezone.localtime() - age
    day, clock = when.date().isoformat(), when.strftime("%H:%M")
    log_bleed(client, cast, cast.editor, first_aid="no", started_on=day, started_time=clock)
    log_count(client, cast, cast.editor, "25", drawn_on=day, drawn_time=clock)
    assert BleedingEpisode.objects.count() == PlateletReading.objects.count() == 1
    expected = ["emergency", "low_count"] if alerted else []
    assert sorted(Notification.objects.values_list("kind", flat=True)) == expected
    # The dashboards say the same: news is shown to everyone for 48 hours from when it was
    # logged; history is not.
    client.force_login(cast.viewer)
    dashboard = client.get(reverse("dashboard", args=[cast.patient.pk])).content.decode()
    assert ("Bleeding that does not stop is an emergency" in dashboard) is alerted


def test_an_ended_emergency_changed_again_alerts_again(client, cast):
    opt_in(cast, "viewer", emergency=True)
    log_bleed(client, cast, cast.editor, first_aid="no")
    episode = BleedingEpisode.objects.get()
    client.post(
        reverse("episode_resolve", args=[cast.patient.pk, episode.pk]),
        {"resolution": "stopped", "version": episode.version},
    )
    assert Notification.objects.count() == 1
    # It started again, with a seizure: the recorded ending no longer holds.
    edit_bleed(client, episode, first_aid="still", warning_signs=["seizure"])
    episode.refresh_from_db()
    assert (episode.resolution, episode.resolved_at) == ("", None)
    assert Notification.objects.count() == 2
