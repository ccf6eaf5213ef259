"""Alerts leave by themselves: the worker `make run` starts sends them, once each, and comes
back for a retry."""

import datetime
import os
import subprocess
import sys
import threading
import time

import pytest
from django.conf import settings
from django.core import mail
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from accounts.models import CareMembership, Notification, NotificationStatus
from readings import alerts, tasks
from tests.factories import make_user

WITHIN = 60  # seconds: "within a minute"


def database_url() -> str:
    """The test database, for another process."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


class Worker:
    """`manage.py worker`, as `make run` starts it, on the test database; its output kept."""

    def __init__(self):
        env = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "DEBUG": "true",
            "EMAIL_HOST": "",  # e-mails print to the console
            "CACHE_URL": "",
            "REDIS_URL": "",
        }
        self.process = subprocess.Popen(  # noqa: S603 - our own manage.py, fixed arguments
            [
                sys.executable,
                "manage.py",
                "worker",
                "--no-reload",
                "--interval",
                "0.2",
                "--no-startup-delay",
            ],  # fmt: skip
            cwd=settings.BASE_DIR,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.output: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.process.stdout:
            self.output.append(line)

    def stop(self) -> str:
        self.process.terminate()
        self.process.wait(timeout=20)
        self.reader.join(timeout=5)
        self.process.stdout.close()
        return "".join(self.output)


def wait_for(check, seconds: float = WITHIN) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.2)
    return False


@pytest.mark.django_db(transaction=True)
def test_the_worker_sends_one_email_per_member_who_asked_within_a_minute(client, cast):
    listener = make_user("listener@example.com", "Lee Listener")
    CareMembership.objects.create(patient=cast.patient, user=listener, role="viewer")
    CareMembership.objects.filter(user__in=[cast.viewer, listener]).update(notify_emergency=True)
    worker = Worker()
    try:
        client.force_login(cast.owner)
        now = timezone.localtime()
        client.post(
            reverse("entry_add", args=[cast.patient.pk, "bleeds"]),
            {"kind": "nosebleed", "first_aid": "still", "started_on": now.date().isoformat(),
             "started_time": now.strftime("%H:%M")},
        )  # fmt: skip
        sent = wait_for(
            lambda: Notification.objects.filter(status=NotificationStatus.SENT).count() == 2
        )
        time.sleep(1)  # room for a second, wrong, e-mail to show
    finally:
        output = worker.stop()
    assert sent, output
    assert output.count("Subject: ") == 2, output
    assert "To: owner@example.com" not in output  # never the person who logged it
    assert {"To: viewer@example.com", "To: listener@example.com"} <= set(output.splitlines())


@pytest.mark.django_db
def test_a_failed_send_is_kept_and_the_task_comes_back_when_the_retry_is_due(cast, settings):
    settings.EMAIL_BACKEND = "tests.readings.test_alerts.FailingBackend"
    CareMembership.objects.filter(user=cast.viewer).update(notify_emergency=True)
    row = Notification.objects.create(
        recipient=cast.viewer, patient=cast.patient, kind="emergency", actor_name="Olive",
        site_url="https://itp.example.org/",
    )  # fmt: skip
    result = alerts.send_alerts.call()
    assert result == {"retry": 1}
    row.refresh_from_db()
    assert (row.status, row.attempts) == (NotificationStatus.PENDING, 1)
    again = DBTaskResult.objects.get(task_path=alerts.send_alerts.module_path)
    assert again.status == TaskResultStatus.READY
    assert again.run_after == row.next_attempt_at
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    Notification.objects.update(next_attempt_at=timezone.now())
    assert alerts.send_alerts.call() == {"sent": 1}
    assert len(mail.outbox) == 1
    assert alerts.send_alerts.call() == {}  # nothing is sent twice


@pytest.mark.django_db
def test_a_starting_worker_catches_up_and_housekeeping_keeps_itself_scheduled(db):
    tasks.catch_up()
    tasks.catch_up()
    waiting = DBTaskResult.objects.filter(status=TaskResultStatus.READY)
    assert waiting.filter(task_path=tasks.housekeeping.module_path).count() == 1
    assert waiting.filter(task_path=alerts.send_alerts.module_path).exists()
    DBTaskResult.objects.all().delete()
    tasks.housekeeping.call()
    [next_run] = DBTaskResult.objects.filter(task_path=tasks.housekeeping.module_path)
    assert next_run.run_after > timezone.now() + datetime.timedelta(hours=23)
