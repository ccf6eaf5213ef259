import datetime
import random
from decimal import Decimal

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.patients import start_record
from readings.models import BleedingEpisode, Dose, PlateletReading, Treatment

DEMO_EMAIL = "demo@example.com"
DEMO_PASSWORD = "demo-platelets-2026"

# A year of adult ITP, newest last: diagnosis at 12, steroids lift the count, it drifts down
# after the taper, and eltrombopag holds it up. (days before today, count ×10⁹/L)
STORY = [
    (365, 12),
    (362, 9),
    (358, 21),
    (351, 48),
    (344, 96),
    (337, 141),
    (323, 162),
    (309, 128),
    (295, 104),
    (281, 77),
    (267, 58),
    (253, 41),
    (246, 33),
    (239, 24),
    (232, 30),
    (225, 47),
    (211, 66),
    (197, 85),
    (183, 92),
    (169, 88),
    (155, 101),
    (141, 97),
    (127, 76),
    (113, 64),
    (99, 71),
    (85, 83),
    (71, 95),
    (57, 88),
    (43, 79),
    (29, 86),
    (15, 91),
    (1, 84),
]
LABS = ["City Hospital lab", "Riverside clinic"]
BLEEDS = [
    (366, "petechiae", "mild", "lower legs", "", None),
    (364, "nosebleed", "moderate", "nose", "yes", 25),
    (363, "gums", "mild", "gums", "yes", 5),
    (248, "bruising", "mild", "arms", "", None),
    (240, "nosebleed", "moderate", "nose", "yes", 15),
    (236, "menstrual", "moderate", "", "", None),
    (120, "bruising", "mild", "shin", "", None),
    (34, "petechiae", "none", "ankles", "", None),
]
TREATMENTS = [
    ("steroids", 364, 322, "Prednisone 1 mg/kg, tapered"),
    ("ivig", 363, 362, "Two infusions"),
    ("eltrombopag", 230, None, "50 mg a day"),
]
# medicine, days ago, amount, unit, route, how often (a weight of WEIGHT_KG for per-kg doses)
DOSES = [
    ("steroids", 364, "1", "mg/kg", "oral", "daily"),
    ("steroids", 343, "0.5", "mg/kg", "oral", "daily"),
    ("ivig", 363, "1", "g/kg", "intravenous", "once"),
    ("ivig", 362, "1", "g/kg", "intravenous", "once"),
    ("eltrombopag", 230, "50", "mg", "oral", "daily"),
    ("eltrombopag", 160, "75", "mg", "oral", "daily"),
]
WEIGHT_KG = Decimal("68.5")


class Command(BaseCommand):
    help = "Create the demo account with a year of data, once. Safe to run again."

    @transaction.atomic
    def handle(self, *args, **options):
        if not User.objects.filter(email=DEMO_EMAIL).exists():
            self.create_demo(timezone.localdate())
            self.stdout.write("Created the demo account with a year of data.")
        self.stdout.write(
            self.style.SUCCESS(f"Demo login: {DEMO_EMAIL} / password: {DEMO_PASSWORD}")
        )

    def create_demo(self, today: datetime.date) -> None:
        user = User.objects.create_user(
            email=DEMO_EMAIL,
            password=DEMO_PASSWORD,
            display_name="Alex Demo",
            email_verified_at=timezone.now(),  # so that the demo can show inviting someone
        )
        patient = start_record(
            user, name="Alex", birth_year=1988, diagnosis_date=today - datetime.timedelta(days=365)
        )
        rng = random.Random(2026)
        common = {"patient": patient, "created_by": user}
        PlateletReading.objects.bulk_create(
            PlateletReading(
                **common,
                drawn_on=today - datetime.timedelta(days=days_ago),
                count=Decimal(count),
                entered_text=str(count),
                entered_unit="e9/L",
                lab=rng.choice(LABS),
            )
            for days_ago, count in STORY
        )
        BleedingEpisode.objects.bulk_create(
            BleedingEpisode(
                **common,
                started_at=timezone.make_aware(
                    datetime.datetime.combine(
                        today - datetime.timedelta(days=days_ago),
                        datetime.time(rng.randint(7, 21), rng.choice([0, 15, 30, 45])),
                    )
                ),
                kind=kind,
                severity=severity,
                body_site=site,
                first_aid=first_aid,
                duration_minutes=minutes,
            )
            for days_ago, kind, severity, site, first_aid, minutes in BLEEDS
        )
        Treatment.objects.bulk_create(
            Treatment(
                **common,
                medicine=medicine,
                started_on=today - datetime.timedelta(days=start),
                ended_on=None if end is None else today - datetime.timedelta(days=end),
                dose=dose,
            )
            for medicine, start, end, dose in TREATMENTS
        )
        courses = {course.medicine: course for course in Treatment.objects.filter(patient=patient)}
        Dose.objects.bulk_create(
            Dose(
                **common,
                treatment=courses[medicine],
                given_on=today - datetime.timedelta(days=days_ago),
                amount=Decimal(amount),
                unit=unit,
                route=route,
                how_often=how_often,
                weight_kg=WEIGHT_KG if unit.endswith("/kg") else None,
                weighed_on=today - datetime.timedelta(days=365) if unit.endswith("/kg") else None,
            )
            for medicine, days_ago, amount, unit, route, how_often in DOSES
        )
