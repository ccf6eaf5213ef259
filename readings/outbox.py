"""The worker's outbox: rows that each stand for one message to send (alert e-mails,
accounts.models.Notification; reminders, readings.models.ReminderDelivery).

Every such row has `status` (pending, sent, failed, skipped), `attempts`, `next_attempt_at`,
`last_error` and `sent_at`. A run claims due rows in a short transaction (select_for_update
with skip_locked, and a lease that pushes their next attempt out), so two runs never send the
same row, and a run that crashed mid-batch leaves its rows to be retried after the lease. A
failure is retried after 2, 4, 8 … minutes, and given up after MAX_ATTEMPTS.

Each message is written in its recipient's language (`accounts.models.language_for`): the
worker has no request, so the senders render under translation.override.
"""

import logging
from collections import Counter
from collections.abc import Callable
from datetime import timedelta

from django.core import mail
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone

log = logging.getLogger(__name__)

BATCH_SIZE = 50
MAX_ATTEMPTS = 6
# A claimed row is not offered to another run for this long.
LEASE = timedelta(minutes=10)


def retry_delay(attempts: int) -> timedelta:
    """2, 4, 8, 16 … minutes after the failed attempt."""
    return timedelta(minutes=2**attempts)


def send_all(pending: QuerySet, send_batch: Callable[[list], Counter], **claim_args) -> Counter:
    """Claim and send batches of due rows until none is left. Returns counts by outcome."""
    totals: Counter = Counter()
    while batch := claim(pending, **claim_args):
        totals.update(send_batch(batch))
    return totals


def claim(pending: QuerySet, *, related: tuple, order: tuple, batch_size: int = BATCH_SIZE) -> list:
    """Take up to `batch_size` due rows of `pending` (the model's pending rows) for this run:
    count the attempt, push the next one out by LEASE. The rows with `related` loaded, in
    `order`."""
    now = timezone.now()
    with transaction.atomic():
        ids = list(
            pending.select_for_update(skip_locked=True)
            .filter(next_attempt_at__lte=now)
            .order_by("next_attempt_at", "id")
            .values_list("id", flat=True)[:batch_size]
        )
        pending.model.objects.filter(pk__in=ids).update(
            attempts=F("attempts") + 1, next_attempt_at=now + LEASE
        )
    return list(pending.model.objects.filter(pk__in=ids).select_related(*related).order_by(*order))


def send_emails(rows: list, message_for: Callable) -> Counter:
    """Send each row's e-mail (`message_for(row, connection)`) over one connection; each
    row marked sent, or failed for a retry."""
    outcome: Counter = Counter()
    if not rows:
        return outcome
    connection = mail.get_connection()
    try:
        connection.open()
    except Exception as error:  # noqa: BLE001 - the mail server is down: retry them all later
        log.warning("Could not connect to the mail server: %s", error)
        for row in rows:
            outcome[failed(row, error)] += 1
        return outcome
    try:
        for row in rows:
            outcome[_send_one(row, message_for, connection)] += 1
    finally:
        connection.close()
    return outcome


def _send_one(row, message_for: Callable, connection) -> str:
    try:
        if not message_for(row, connection).send():
            raise RuntimeError("The mail backend accepted no message.")
    except Exception as error:  # noqa: BLE001 - kept on the row and retried later
        log.warning("Could not send %s %s: %s", type(row).__name__, row.pk, error)
        return failed(row, error)
    finish(row, "sent", sent_at=timezone.now(), last_error="")
    return "sent"


def failed(row, error: Exception) -> str:
    """A failed attempt: retried later, or given up after MAX_ATTEMPTS. Returns the outcome."""
    text = f"{type(error).__name__}: {error}"[:500]
    if row.attempts >= MAX_ATTEMPTS:
        finish(row, "failed", last_error=text)
        return "failed"
    type(row).objects.filter(pk=row.pk).update(
        last_error=text, next_attempt_at=timezone.now() + retry_delay(row.attempts)
    )
    return "retry"


def finish(row, status: str, **fields) -> None:
    type(row).objects.filter(pk=row.pk).update(status=status, **fields)
