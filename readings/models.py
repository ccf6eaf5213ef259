"""What people log: platelet counts, bleeding episodes and treatment courses.

Every entry belongs to one patient, remembers who entered it, carries a version number for
optimistic locking (two people editing one entry never silently overwrite each other), a
form token (a double-tapped submit never creates two rows) and a soft-delete timestamp
(a deletion can be undone, and a deleted entry never comes back by resubmission).
"""

import datetime
import uuid
from decimal import Decimal

from django.conf import settings
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import Patient
from readings import units
from readings.units import MAX_COUNT, Comparator, Unit


class EntryQuerySet(models.QuerySet):
    def live(self):
        return self.filter(deleted_at__isnull=True)


def deleted_index(name: str) -> models.Index:
    # For the "Recently deleted" list: it holds only deleted rows, so it stays small.
    return models.Index(
        fields=["patient", "-deleted_at"], condition=Q(deleted_at__isnull=False), name=name
    )


class Entry(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)
    deleted_at = models.DateTimeField(null=True, blank=True)
    # The token of the form that created the entry: unique, so a second submit of the same
    # form hits the constraint instead of creating a twin.
    form_token = models.UUIDField(null=True, blank=True, unique=True, editable=False)

    objects = EntryQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        # Every saved entry changes its patient's pages (readings.page_cache). Queryset
        # updates and bulk inserts, which skip save(), mark the patient themselves.
        with transaction.atomic():
            super().save(*args, **kwargs)
            Patient.objects.mark_changed(self.patient_id)


class PlateletReading(Entry):
    drawn_on = models.DateField("date of the blood test")
    drawn_at = models.DateTimeField("time of the blood test", null=True, blank=True)
    count = models.DecimalField("platelet count (×10⁹/L)", max_digits=7, decimal_places=3)
    # "<10" is stored as 10 with "<": the number is the lab's limit, never the count itself.
    comparator = models.CharField(
        max_length=2, choices=[(c.value, c.symbol or "=") for c in Comparator], blank=True
    )
    entered_text = models.CharField(max_length=50)
    entered_unit = models.CharField(max_length=8, choices=[(u.value, u.label) for u in Unit])
    lab = models.CharField("lab", max_length=100, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["-drawn_on", "-drawn_at", "-created_at"]
        # The whole ordering, so that "newest first" pages and the latest count read the
        # index in order instead of sorting every row of the patient's.
        indexes = [
            models.Index(
                fields=["patient", "-drawn_on", "-drawn_at", "-created_at"],
                name="reading_patient_newest",
            ),
            deleted_index("reading_deleted"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(count__gte=0, count__lte=MAX_COUNT), name="reading_count_range"
            ),
            models.CheckConstraint(
                condition=Q(comparator__in=[c.value for c in Comparator]),
                name="reading_comparator_known",
            ),
            models.CheckConstraint(
                condition=Q(comparator="") | Q(count__gt=0), name="reading_limit_above_zero"
            ),
        ]

    def __str__(self):
        return f"{self.shown_in(Unit.E9_PER_L)} on {self.drawn_on}"

    def shown_in(self, unit: Unit | str) -> str:
        """The count with its comparator in `unit`: "45 ×10⁹/L", "<10,000 per µL"."""
        return units.format_count(self.count, Unit(unit), self.comparator)

    def is_known_below(self, limit: Decimal | int) -> bool:
        """Strictly below `limit` (×10⁹/L): "<10" is below 10, "10" is not (units.known_below)."""
        return units.known_below(self.count, self.comparator, limit)

    @property
    def count_order(self) -> tuple:
        """Sort key by count: "<10" just below 10 (units.order_key)."""
        return units.order_key(self.count, self.comparator)

    @property
    def taken_at(self) -> datetime.datetime:
        """When the blood was taken; midday of the day when no time was given."""
        if self.drawn_at:
            return self.drawn_at
        return timezone.make_aware(datetime.datetime.combine(self.drawn_on, datetime.time(12)))


class BleedingKind(models.TextChoices):
    EASY_BRUISING = "bruising", "Easy bruising"
    PETECHIAE = "petechiae", "Petechiae (tiny red-purple dots)"
    PURPURA = "purpura", "Purpura (larger purple patches)"
    GUMS = "gums", "Bleeding gums"
    NOSEBLEED = "nosebleed", "Nosebleed"
    URINE = "urine", "Blood in urine"
    STOOL = "stool", "Blood in stool"
    MENSTRUAL = "menstrual", "Heavy menstrual bleeding"
    OTHER = "other", "Other bleeding"


class Severity(models.TextChoices):
    NONE = "none", "None"
    MILD = "mild", "Mild"
    MODERATE = "moderate", "Moderate"
    SEVERE = "severe", "Severe"
    LIFE_THREATENING = "life_threatening", "Life-threatening"


SEVERITY_DESCRIPTIONS = {
    Severity.NONE: "No bleeding you can see, only a mark.",
    Severity.MILD: "A few bruises or spots, or a little bleeding that stops by itself.",
    Severity.MODERATE: "Bleeding that needs pressure or first aid to stop, or keeps coming back.",
    Severity.SEVERE: "Heavy bleeding, or bleeding that needed a doctor or hospital.",
    Severity.LIFE_THREATENING: "Bleeding that will not stop, or signs of bleeding in the head.",
}


class FirstAid(models.TextChoices):
    STOPPED = "yes", "Yes, it stopped"
    NOT_STOPPED = "no", "No, it did not stop"
    STILL_BLEEDING = "still", "Still bleeding now"


class BleedingEpisode(Entry):
    started_at = models.DateTimeField("when it started")
    kind = models.CharField(max_length=12, choices=BleedingKind.choices)
    body_site = models.CharField("where on the body", max_length=100, blank=True)
    severity = models.CharField(max_length=16, choices=Severity.choices, blank=True)
    first_aid = models.CharField(
        "did pressure or first aid stop it?", max_length=5, choices=FirstAid.choices, blank=True
    )
    duration_minutes = models.PositiveIntegerField(
        "how long it lasted (minutes)", null=True, blank=True
    )
    care_sought = models.BooleanField("saw a doctor or nurse about it", null=True, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at", "-created_at"]
        indexes = [
            models.Index(
                fields=["patient", "-started_at", "-created_at"], name="episode_patient_newest"
            ),
            deleted_index("episode_deleted"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(duration_minutes__isnull=True) | Q(duration_minutes__lte=60 * 24 * 90),
                name="episode_duration_range",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} at {self.started_at:%Y-%m-%d %H:%M}"


class Medicine(models.TextChoices):
    STEROIDS = "steroids", "Steroids (prednisone, dexamethasone)"
    IVIG = "ivig", "IVIG (immune globulin)"
    ANTI_D = "anti_d", "Anti-D"
    ELTROMBOPAG = "eltrombopag", "Eltrombopag"
    ROMIPLOSTIM = "romiplostim", "Romiplostim"
    AVATROMBOPAG = "avatrombopag", "Avatrombopag"
    FOSTAMATINIB = "fostamatinib", "Fostamatinib"
    RITUXIMAB = "rituximab", "Rituximab"
    SPLENECTOMY = "splenectomy", "Splenectomy (spleen removed)"
    OTHER = "other", "Other"


class Treatment(Entry):
    medicine = models.CharField("medicine or procedure", max_length=16, choices=Medicine.choices)
    other_name = models.CharField("name, if other", max_length=100, blank=True)
    started_on = models.DateField("start date")
    ended_on = models.DateField(
        "end date", null=True, blank=True, help_text="Leave empty if ongoing."
    )
    dose = models.CharField("dose", max_length=100, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_on", "-created_at"]
        indexes = [
            models.Index(
                fields=["patient", "-started_on", "-created_at"], name="treatment_patient_newest"
            ),
            deleted_index("treatment_deleted"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("started_on")),
                name="treatment_ends_after_start",
            ),
            models.CheckConstraint(
                condition=~Q(medicine="other") | ~Q(other_name=""),
                name="treatment_other_is_named",
            ),
        ]

    def __str__(self):
        return f"{self.name} from {self.started_on}"

    @property
    def name(self) -> str:
        if self.medicine == Medicine.OTHER:
            return self.other_name
        return self.get_medicine_display()
