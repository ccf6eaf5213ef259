"""Send the e-mails members asked for (readings/alerts.py). Run it from cron:

* * * * * cd /srv/itptracker && .venv/bin/python manage.py send_notifications
"""

from django.core.management.base import BaseCommand, CommandError

from readings import alerts


class Command(BaseCommand):
    help = "Send pending alert e-mails; failures stay queued and are retried later."

    def add_arguments(self, parser):
        parser.add_argument(
            "--batch-size",
            type=int,
            default=alerts.BATCH_SIZE,
            help="How many e-mails to claim at a time (default %(default)s).",
        )

    def handle(self, *args, batch_size: int, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be 1 or more.")
        totals = alerts.send_pending(batch_size=batch_size)
        summary = ", ".join(
            f"{totals[outcome]} {outcome}" for outcome in ("sent", "retry", "failed", "skipped")
        )
        self.stdout.write(f"Notifications: {summary}.")
