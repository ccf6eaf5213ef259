"""Lift a login lock-out: `manage.py axes_reset --email lee@example.com` or `--ip 203.0.113.9`.

Replaces django-axes' own `axes_reset`, which clears every lock-out at once: the counts live
in the shared cache (AxesCacheHandler), which cannot be listed, so axes' command only crashed
with NotImplementedError. A lock-out names an account or an address, and so does this; any
lock-out also lifts by itself after LOGIN_COOLOFF_MINUTES.
"""

from axes.utils import reset
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.throttle import normalise_login


class Command(BaseCommand):
    help = "Lift the login lock-out of an account (--email) or of an address (--ip)."

    def add_arguments(self, parser):
        parser.add_argument("--email", help="the account's e-mail address, in any case")
        parser.add_argument("--ip", help="the client address that was locked out")

    def handle(self, *args, email=None, ip=None, **options):
        if not email and not ip:
            minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
            raise CommandError(
                "Name the account (--email lee@example.com) or the address (--ip 203.0.113.9) "
                f"to unlock. Every lock-out also lifts by itself after {minutes} minutes."
            )
        if email:
            reset(username=normalise_login(email))
            self.stdout.write(f"Unlocked the account {email}: its failed attempts are cleared.")
        if ip:
            reset(ip=ip)
            self.stdout.write(f"Unlocked the address {ip}: its failed attempts are cleared.")
