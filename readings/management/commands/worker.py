"""Run the background worker: alert e-mails and housekeeping (readings/tasks.py).

    python manage.py worker             # as `make run` does, beside the web server
    python manage.py worker --batch     # do what is due, then stop

It is django-tasks' database worker (`db_worker`, same options) that first catches up on what
became due while no worker ran.
"""

from django_tasks_db.management.commands.db_worker import Command as DatabaseWorker

from readings import tasks


class Command(DatabaseWorker):
    help = "Run ITP Tracker's background work: alert e-mails and housekeeping."

    def handle(self, *args, **options):
        tasks.catch_up()
        return super().handle(*args, **options)
