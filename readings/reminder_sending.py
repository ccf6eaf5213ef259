"""Sending reminders: the worker's `send_reminders` task (readings.tasks starts it).

Each run:
1. plans: for every reminder that is due now (readings.reminders.due_now: at most LATE old),
   one ReminderDelivery row per member who chose it, by each channel they chose (e-mail; push
   only when VAPID keys are set), for that due moment. The rows are unique on (reminder,
   member, due moment, channel), so two runs, or two workers, plan each once. A member who
   asks for it after it came, while it is less than LATE old, gets it then (saving one's
   choices again must never lose a reminder the worker was late with).
2. sends every row that is due, claimed as readings.alerts claims its rows (select_for_update
   with skip_locked, a lease), e-mail over one connection. A member who was removed from the
   record, or who no longer asks for it by that channel, and a reminder stopped meanwhile or
   more than LATE old by now, get nothing (the row is "skipped"). A failure is retried after 2,
   4, 8 … minutes, up to readings.outbox.MAX_ATTEMPTS.
3. comes back by itself at the next due moment of any reminder, the next retry, or in an hour
   at the latest (a safety net: a reminder changed without waking the worker still goes).

Push: a JSON payload, exactly {"title", "body", "url"} (readings.reminders.Message), to each
of the member's devices, with a TTL of PUSH_TTL and urgency "normal". A push service that
answers 404 or 410 has forgotten the device: its subscription is deleted. Any other failure is
retried, to the devices that did not take it only.
"""

import json
import logging
from collections import Counter
from datetime import datetime, timedelta

import pywebpush
from django.conf import settings
from django.core import mail
from django.db import transaction
from django.db.models import Min, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django_tasks import TaskResultStatus, task
from django_tasks_db.models import DBTaskResult, get_date_max

from accounts.models import CareMembership, language_for
from readings import outbox, reminders
from readings.models import (
    Channel,
    DeliveryStatus,
    PushSubscription,
    Reminder,
    ReminderChoice,
    ReminderDelivery,
)
from readings.outbox import BATCH_SIZE

log = logging.getLogger(__name__)

# The worker comes back at least this often, whatever is planned.
SAFETY_NET = timedelta(hours=1)
# How long a push service keeps a reminder for a device that is off: after that it is stale.
PUSH_TTL = 6 * 60 * 60
PUSH_TIMEOUT = 10  # seconds for each push service's answer
GONE = (404, 410)  # the push service no longer knows the device


def push_enabled() -> bool:
    return bool(settings.VAPID_PUBLIC_KEY and settings.VAPID_PRIVATE_KEY)


@task()
def send_reminders() -> dict[str, int]:
    """The worker's task: plan and send what is due, then come back when the next is due."""
    now = timezone.now()
    totals = Counter(planned=plan(now))
    totals.update(send_pending())
    schedule(next_run(timezone.now()))
    return {key: value for key, value in totals.items() if value}


# --- Plan ------------------------------------------------------------------------------------


def active_reminders():
    return Reminder.objects.filter(stopped_at__isnull=True).select_related("patient")


def plan(now: datetime) -> int:
    """Delivery rows for every reminder due at `now`; returns how many were new."""
    channels = [Channel.EMAIL, Channel.PUSH] if push_enabled() else [Channel.EMAIL]
    made = 0
    for reminder in active_reminders():
        due = reminders.due_now(reminder, now)
        if due is None:
            continue
        wanted = [
            ReminderDelivery(reminder=reminder, recipient_id=user_id, due_at=due, channel=channel)
            for user_id, by_email, by_push in chosen_by_members(reminder)
            for channel, on in ((Channel.EMAIL, by_email), (Channel.PUSH, by_push))
            if on and channel in channels
        ]
        if not wanted:
            continue
        before = ReminderDelivery.objects.filter(reminder=reminder, due_at=due).count()
        ReminderDelivery.objects.bulk_create(wanted, ignore_conflicts=True)
        made += ReminderDelivery.objects.filter(reminder=reminder, due_at=due).count() - before
    return made


def chosen_by_members(reminder: Reminder) -> list[tuple[int, bool, bool]]:
    """(user id, by e-mail, by push) of the record's members who ask for this reminder."""
    members = CareMembership.objects.filter(patient_id=reminder.patient_id).values("user_id")
    return list(
        ReminderChoice.objects.filter(reminder=reminder, user_id__in=members)
        .filter(Q(by_email=True) | Q(by_push=True))
        .values_list("user_id", "by_email", "by_push")
    )


# --- Schedule --------------------------------------------------------------------------------


def next_run(now: datetime) -> datetime:
    """When the task should run next: the next due moment of any reminder, the next retry, or
    SAFETY_NET from now, whichever comes first."""
    found = [now + SAFETY_NET]
    found += [when for r in active_reminders() if (when := reminders.next_due(r, now))]
    waiting = ReminderDelivery.objects.filter(status=DeliveryStatus.PENDING)
    if (retry := waiting.aggregate(due=Min("next_attempt_at"))["due"]) is not None:
        found.append(max(retry, now))
    return min(found)


def schedule(when: datetime | None) -> None:
    """Put the task on the queue for `when` (None: now), unless a run is already waiting that
    starts no later: so each run adds at most one, and the chain never forks."""
    waiting = DBTaskResult.objects.filter(
        task_path=send_reminders.module_path, status=TaskResultStatus.READY
    )
    if when is not None:  # django-tasks-db stores "now" as its latest date (get_date_max)
        waiting = waiting.filter(Q(run_after=get_date_max()) | Q(run_after__lte=when))
    if not waiting.exists():
        send_reminders.using(run_after=when).enqueue()


def schedule_for(reminder: Reminder) -> None:
    """After a reminder was added, changed or snoozed, once the change is committed: the worker
    comes back at its next due moment."""

    def wake():
        schedule(reminders.next_due(reminder, timezone.now()))

    transaction.on_commit(wake)


# --- Send ------------------------------------------------------------------------------------


def send_pending(batch_size: int = BATCH_SIZE) -> Counter:
    """Send every due row. Returns counts by outcome: sent, retry, failed, skipped."""
    pending = ReminderDelivery.objects.filter(status=DeliveryStatus.PENDING)
    related = ("reminder__patient", "recipient")
    claim = {"related": related, "order": ("due_at", "id"), "batch_size": batch_size}
    return outbox.send_all(pending, send_batch, **claim)


def still_wanted(delivery: ReminderDelivery, now: datetime) -> bool:
    """The reminder still goes, this member still asks for it by this channel, and it is not
    too late."""
    reminder = delivery.reminder
    if reminder.stopped_at is not None or now - delivery.due_at > reminders.LATE:
        return False
    if delivery.channel == Channel.PUSH and not push_enabled():
        return False
    member = CareMembership.objects.filter(patient_id=reminder.patient_id)
    if not member.filter(user_id=delivery.recipient_id).exists():
        return False
    field = "by_email" if delivery.channel == Channel.EMAIL else "by_push"
    chosen = ReminderChoice.objects.filter(reminder=reminder, user_id=delivery.recipient_id)
    return chosen.filter(**{field: True}).exists()


def send_batch(batch: list[ReminderDelivery]) -> Counter:
    outcome: Counter = Counter()
    now = timezone.now()
    emails, pushes = [], []
    for delivery in batch:
        if not still_wanted(delivery, now):
            outbox.finish(delivery, DeliveryStatus.SKIPPED)
            outcome["skipped"] += 1
        else:
            (emails if delivery.channel == Channel.EMAIL else pushes).append(delivery)
    outcome.update(outbox.send_emails(emails, email_for))
    for delivery in pushes:
        outcome[_send_push(delivery)] += 1
    return outcome


def details_for(delivery: ReminderDelivery) -> bool:
    choice = ReminderChoice.objects.filter(
        reminder_id=delivery.reminder_id, user_id=delivery.recipient_id
    ).first()
    return bool(choice and choice.show_details)


def email_for(delivery: ReminderDelivery, connection=None) -> mail.EmailMessage:
    """The e-mail, in the recipient's language: the subject is the message's title, so a lock
    screen shows no more than a push would."""
    with translation.override(language_for(delivery.recipient)):
        return _email_for(delivery, connection)


def _email_for(delivery: ReminderDelivery, connection=None) -> mail.EmailMessage:
    reminder = delivery.reminder
    details = details_for(delivery)
    said = reminders.message(reminder, delivery.due_at, details=details)
    site = reminder.site_url.rstrip("/")
    ctx = {
        "message": said,
        "details": details,
        "reminder": reminder,
        "patient": reminder.patient,
        "page_url": site + said.url,
    }
    return mail.EmailMessage(
        subject=said.title,
        body=render_to_string("emails/reminder.txt", ctx),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[delivery.recipient.email],
        connection=connection,
    )


def vapid_key():
    from py_vapid import Vapid

    private = settings.VAPID_PRIVATE_KEY
    if "-----BEGIN" in private:
        return Vapid.from_pem(private.encode())
    return Vapid.from_string(private)


def _send_push(delivery: ReminderDelivery) -> str:
    """To each of the member's devices that has not taken it yet."""
    devices = list(PushSubscription.objects.filter(user_id=delivery.recipient_id))
    done = set(delivery.devices_done)
    todo = [device for device in devices if device.pk not in done]
    if not devices:
        outbox.finish(delivery, DeliveryStatus.SKIPPED, last_error="No device to send to.")
        return "skipped"
    details = details_for(delivery)
    # In the recipient's language, as the e-mail is.
    with translation.override(language_for(delivery.recipient)):
        said = reminders.message(delivery.reminder, delivery.due_at, details=details)
    data = json.dumps(said.payload())
    key, errors = vapid_key(), []
    for device in todo:
        try:
            pywebpush.webpush(
                subscription_info=device.info(),
                data=data,
                vapid_private_key=key,
                vapid_claims={"sub": settings.VAPID_SUBJECT},
                ttl=PUSH_TTL,
                timeout=PUSH_TIMEOUT,
                headers={"Urgency": "normal"},
            )
        except pywebpush.WebPushException as error:
            if error.status_code in GONE:
                log.info("Push service forgot device %s: deleting it", device.pk)
                device.delete()
                continue
            errors.append(error)
        except Exception as error:  # noqa: BLE001 - network trouble: retried later
            errors.append(error)
        else:
            done.add(device.pk)
    ReminderDelivery.objects.filter(pk=delivery.pk).update(devices_done=sorted(done))
    if errors:
        log.warning("Could not push reminder delivery %s: %s", delivery.pk, errors[0])
        return outbox.failed(delivery, errors[0])
    if not done:  # every device was gone
        outbox.finish(delivery, DeliveryStatus.SKIPPED, last_error="No device to send to.")
        return "skipped"
    outbox.finish(delivery, DeliveryStatus.SENT, sent_at=timezone.now(), last_error="")
    return "sent"
