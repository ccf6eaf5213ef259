from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.models import User
from accounts.patients import start_record

DEMO_EMAIL = "demo@example.com"
DEMO_PASSWORD = "demo-platelets-2026"


class Command(BaseCommand):
    help = "Create the demo account and its patient, once. Safe to run again."

    @transaction.atomic
    def handle(self, *args, **options):
        user = User.objects.filter(email=DEMO_EMAIL).first()
        if user is None:
            user = User.objects.create_user(
                email=DEMO_EMAIL, password=DEMO_PASSWORD, display_name="Alex Demo"
            )
            start_record(user, name="Alex", birth_year=1988)
            self.stdout.write("Created the demo account.")
        self.stdout.write(
            self.style.SUCCESS(f"Demo login: {DEMO_EMAIL} / password: {DEMO_PASSWORD}")
        )
