"""E-mails that members ask for: an emergency bleed, or a count below the clinician's threshold.

Two halves, so that a mail server that is slow or down never costs an entry:

- `enqueue_for_entry` runs inside the transaction that saves an entry and writes one outbox
  row (`Notification`) per member who opted in (never the person who logged it), then asks
  the worker to send them once the transaction commits. An ordinary entry costs no query.
  An entry alerts when it is logged, when an edit makes it alert-worthy (a bleed changed to
  "did not stop", or an ended emergency changed), and when it is imported
  (`enqueue_for_import`), but only if what it records happened in the last week
  (guidance.is_news): history brought in or typed up later alarms no one.
- `send_pending` runs in the worker (the `send_alerts` task; `manage.py send_notifications`
  does the same by hand). It claims due rows in a short transaction (so two runs never send
  the same row), sends them over one connection, marks each sent, and keeps failures for a
  later retry with a growing delay, giving up after MAX_ATTEMPTS (readings.outbox); the task
  comes back when the next retry is due. A member who was removed, or who switched the alert
  off, before the e-mail went out does not get it.

What counts as an emergency is decided by readings.guidance, the same rule the app's own
advice uses (signs of bleeding in the brain, marked life-threatening, still bleeding, or first
aid did not stop it). "Contact the care team today" advice is shown on the page, not e-mailed.
"""

import logging
import zoneinfo
from collections import Counter
from datetime import datetime

from django.conf import settings
from django.core import mail
from django.db import transaction
from django.db.models import Min
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django_tasks import task

from accounts.models import (
    CareMembership,
    Notification,
    NotificationKind,
    NotificationStatus,
    Patient,
    language_for,
)
from readings import guidance, outbox
from readings.models import BleedingEpisode, PlateletReading
from readings.outbox import BATCH_SIZE

log = logging.getLogger(__name__)

# Which membership switch asks for which kind of e-mail.
OPT_IN_FIELD = {
    NotificationKind.EMERGENCY: "notify_emergency",
    NotificationKind.LOW_COUNT: "notify_low_count",
}


# --- Enqueue, inside the entry's transaction -------------------------------------------------


def kind_for(entry, patient: Patient, now: datetime) -> NotificationKind | None:
    """Which alert an entry raises at `now`, if any. Only news does (guidance.is_news: it
    happened in the last week), never an emergency a member recorded as over."""
    if not guidance.is_news(entry, patient, now):
        return None
    if isinstance(entry, BleedingEpisode):
        emergency = guidance.bleed_level(entry).advice.level is guidance.Level.EMERGENCY
        return NotificationKind.EMERGENCY if emergency and not entry.resolution else None
    threshold = patient.alert_threshold
    if isinstance(entry, PlateletReading) and threshold is not None:
        return NotificationKind.LOW_COUNT if entry.is_known_below(threshold) else None
    return None


def enqueue_for_entry(
    entry, patient: Patient, actor, site_url: str, *, before=None
) -> list[Notification]:
    """Outbox rows for an entry just logged, or just changed (`before`: as it was). A change
    alerts only when the entry raises an alert now that it did not raise before. Call inside
    the transaction that saved it."""
    now = timezone.now()
    kind = kind_for(entry, patient, now)
    if kind is None or (before is not None and kind_for(before, patient, now) == kind):
        return []
    return _enqueue(kind, patient, actor, site_url)


def enqueue_for_import(entries, patient: Patient, actor, site_url: str) -> list[Notification]:
    """Outbox rows for what an import brought in, by the same rule as a form (so last year's
    rows alert no one): at most one e-mail of each kind per member. Call inside the import's
    transaction."""
    now = timezone.now()
    kinds = {kind_for(entry, patient, now) for entry in entries} - {None}
    return [row for kind in sorted(kinds) for row in _enqueue(kind, patient, actor, site_url)]


def _enqueue(kind, patient: Patient, actor, site_url: str) -> list[Notification]:
    recipients = (
        CareMembership.objects.filter(patient=patient, **{OPT_IN_FIELD[kind]: True})
        .exclude(user_id=actor.pk)
        .values_list("user_id", flat=True)
    )
    name = actor.display_name or actor.email
    rows = Notification.objects.bulk_create(
        Notification(
            recipient_id=user_id, patient=patient, kind=kind, actor_name=name, site_url=site_url
        )
        for user_id in recipients
    )
    if rows:
        transaction.on_commit(send_alerts.enqueue)
    return rows


@task()
def send_alerts() -> dict[str, int]:
    """The worker's task: send every alert e-mail that is due; come back when the next retry
    is due."""
    totals = send_pending()
    if (due := next_attempt()) is not None:
        send_alerts.using(run_after=due).enqueue()
    return dict(totals)


def next_attempt() -> datetime | None:
    """When the next e-mail still waiting is due (after a failure, or a run that stopped)."""
    waiting = Notification.objects.filter(status=NotificationStatus.PENDING)
    return waiting.aggregate(due=Min("next_attempt_at"))["due"]


# --- Send, from the management command ---------------------------------------------------------


def send_pending(batch_size: int = BATCH_SIZE) -> Counter:
    """Send every due notification. Returns counts by outcome: sent, retry, failed, skipped."""
    pending = Notification.objects.filter(status=NotificationStatus.PENDING)
    order = ("created_at", "id")
    claim = {"related": ("recipient", "patient"), "order": order, "batch_size": batch_size}
    return outbox.send_all(pending, send_batch, **claim)


def send_batch(batch: list[Notification]) -> Counter:
    outcome: Counter = Counter()
    wanted = still_wanted(batch)
    to_send = []
    for notification in batch:
        key = (notification.recipient_id, notification.patient_id, str(notification.kind))
        if key in wanted:
            to_send.append(notification)
        else:
            outbox.finish(notification, NotificationStatus.SKIPPED)
            outcome["skipped"] += 1
    outcome.update(outbox.send_emails(to_send, message_for))
    return outcome


def still_wanted(batch: list[Notification]) -> set[tuple]:
    """(user, patient, kind) for members who, right now, still ask for that e-mail."""
    rows = CareMembership.objects.filter(
        patient_id__in={n.patient_id for n in batch}, user_id__in={n.recipient_id for n in batch}
    ).values_list("user_id", "patient_id", "notify_emergency", "notify_low_count")
    wanted = set()
    for user_id, patient_id, emergency, low_count in rows:
        if emergency:
            wanted.add((user_id, patient_id, NotificationKind.EMERGENCY.value))
        if low_count:
            wanted.add((user_id, patient_id, NotificationKind.LOW_COUNT.value))
    return wanted


# What an emergency e-mail says to do. It does not say which bleed it was (the e-mail carries
# no details of the record), so it gives the advice for both kinds of emergency.
EMERGENCY_ADVICE = (guidance.BLEEDING_EMERGENCY, guidance.BRAIN_BLEED_EMERGENCY)


def message_for(notification: Notification, connection=None) -> mail.EmailMessage:
    recipient = notification.recipient
    with translation.override(language_for(recipient)):
        return _message_for(notification, connection)


def _message_for(notification: Notification, connection=None) -> mail.EmailMessage:
    """The e-mail, in the active language (message_for sets the recipient's)."""
    recipient = notification.recipient
    patient = notification.patient
    site = notification.site_url.rstrip("/")
    ctx = {
        "recipient": recipient,
        "patient": patient,
        "kind": notification.kind,
        "actor_name": notification.actor_name,
        "when": notification.created_at,
        "dashboard_url": site + reverse("dashboard", args=[patient.pk]),
        "sharing_url": site + reverse("sharing", args=[patient.pk]),
        "help_url": site + reverse("help"),
        "emergency": EMERGENCY_ADVICE,
        "emergency_sources": list(
            dict.fromkeys(str(s.name) for a in EMERGENCY_ADVICE for s in a.sources)
        ),
        "threshold": patient.alert_threshold,
    }
    zone = _zone(recipient.time_zone)
    ctx["zone"] = str(zone).replace("_", " ")
    with timezone.override(zone):  # times as the recipient reads them
        subject = render_to_string("emails/notification_subject.txt", ctx)
        body = render_to_string("emails/notification.txt", ctx)
    return mail.EmailMessage(
        subject=" ".join(subject.split()),
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[recipient.email],
        connection=connection,
    )


def _zone(name: str):
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return timezone.get_default_timezone()
