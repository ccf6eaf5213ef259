"""Work done outside requests, by the worker process (`manage.py worker`).

- `alerts.send_alerts`: the alert e-mails members asked for (readings.alerts). Enqueued when
  an entry that alerts is saved, once the entry is committed; it sends what is due and comes
  back, by itself, when a failed e-mail is due for its retry. The outbox row is written with
  the entry, so an e-mail that fails, or a worker that is down, never costs either.
- `reminder_sending.send_reminders`: the reminders members chose, by e-mail and push
  (readings.reminder_sending). It sends what is due and comes back by itself at the next due
  moment, the next retry, or within the hour.
- `housekeeping`: once a day, expired sessions and old finished task results go. It puts
  itself back on the queue for the next day.

`make run` starts the worker beside the web server; in production it is one more process
(README). A worker that starts catches up: it sends what became due while it was down and
makes sure housekeeping is scheduled.
"""

import datetime

from django.core.management import call_command
from django.utils import timezone
from django_tasks import TaskResultStatus, task
from django_tasks_db.models import DBTaskResult

from readings import alerts, reminder_sending

HOUSEKEEPING_EVERY = datetime.timedelta(days=1)
KEEP_TASK_RESULTS = datetime.timedelta(days=7)


@task()
def housekeeping() -> dict[str, int]:
    call_command("clearsessions")
    old = timezone.now() - KEEP_TASK_RESULTS
    deleted, _ = DBTaskResult.objects.filter(finished_at__lt=old).delete()
    schedule_housekeeping(timezone.now() + HOUSEKEEPING_EVERY)
    return {"task results deleted": deleted}


def schedule_housekeeping(when: datetime.datetime | None = None) -> None:
    """Put housekeeping on the queue, unless a run is already waiting."""
    waiting = DBTaskResult.objects.filter(
        task_path=housekeeping.module_path, status=TaskResultStatus.READY
    )
    if not waiting.exists():
        housekeeping.using(run_after=when).enqueue()


def catch_up() -> None:
    """What a starting worker does first: send what is due, schedule what must come back."""
    alerts.send_alerts.enqueue()
    reminder_sending.schedule(None)
    schedule_housekeeping()
