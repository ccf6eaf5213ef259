import datetime
import random
from decimal import Decimal

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.patients import start_record
from readings.models import (
    BleedingEpisode,
    BleedingKind,
    Medicine,
    PlateletReading,
    Severity,
    Treatment,
)

BENCH_EMAIL = "bench@example.com"
YEARS = 10
READINGS = 3650
EPISODES = 500
COURSES = 20


class Command(BaseCommand):
    help = "Create (once) a patient with 10 years of data for the benchmarks in bench/."

    @transaction.atomic
    def handle(self, *args, **options):
        if User.objects.filter(email=BENCH_EMAIL).exists():
            self.stdout.write("The bench patient exists already.")
            return
        user = User.objects.create_user(email=BENCH_EMAIL, password=None, display_name="Bench")
        patient = start_record(user, name="Bench", alert_threshold=30)
        today = timezone.localdate()
        rng = random.Random(10)
        common = {"patient": patient, "created_by": user}
        PlateletReading.objects.bulk_create(
            (
                PlateletReading(
                    **common,
                    drawn_on=today - datetime.timedelta(days=day),
                    count=Decimal(rng.randint(5, 250)),
                    entered_text="",
                    entered_unit="e9/L",
                    lab="City lab",
                    note="Routine" if day % 7 else "",
                )
                for day in range(READINGS)
            ),
            batch_size=500,
        )
        span = datetime.timedelta(days=365 * YEARS)
        BleedingEpisode.objects.bulk_create(
            (
                BleedingEpisode(
                    **common,
                    started_at=timezone.now() - span * rng.random(),
                    kind=rng.choice(BleedingKind.values),
                    severity=rng.choice(Severity.values),
                )
                for _ in range(EPISODES)
            ),
            batch_size=500,
        )
        Treatment.objects.bulk_create(
            Treatment(
                **common,
                medicine=rng.choice([m for m in Medicine.values if m != Medicine.OTHER]),
                started_on=today - datetime.timedelta(days=180 * (course + 1)),
                ended_on=today - datetime.timedelta(days=180 * course + 90),
            )
            for course in range(COURSES)
        )
        self.stdout.write(f"Created the bench patient {patient.pk}.")
