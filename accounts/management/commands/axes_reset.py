"""Lift a login lock-out: `manage.py axes_reset --email lee@example.com` or `--ip 203.0.113.9`.

Replaces django-axes' own `axes_reset`, which clears every lock-out at once: the counts live
in the shared cache (AxesCacheHandler), which cannot be listed, so axes' command only crashed
with NotImplementedError. A lock-out names an account or an address, and so does this; any
lock-out also lifts by itself after LOGIN_COOLOFF_MINUTES.
"""

import ipaddress

from axes.utils import reset
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email

from accounts.models import normalise_email


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
            try:
                validate_email(email.strip())
            except ValidationError:
                raise CommandError(f"{email!r} is not an e-mail address.") from None
            self.say(reset(username=normalise_email(email)), f"the account {email}")
        if ip:
            try:
                ipaddress.ip_address(ip)
            except ValueError:
                raise CommandError(f"{ip!r} is not an IP address.") from None
            self.say(reset(ip=ip), f"the address {ip}")

    def say(self, cleared: int, what: str) -> None:
        if cleared:
            self.stdout.write(f"Unlocked {what}: its failed attempts are cleared.")
        else:
            self.stdout.write(f"No failed attempts are recorded for {what}: nothing to unlock.")
