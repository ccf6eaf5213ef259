import uuid

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.db.models.functions import Lower

from readings.units import Unit


class UserManager(BaseUserManager):
    use_in_migrations = True

    def get_by_natural_key(self, email):
        return self.get(email__iexact=email)

    def create_user(self, email, password=None, **extra_fields):
        if not email:
            raise ValueError("Users need an e-mail address.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **extra_fields)


class User(AbstractUser):
    """A person who signs in. The e-mail address is the login."""

    username = None
    first_name = None
    last_name = None
    email = models.EmailField("e-mail address", unique=True)
    display_name = models.CharField("your name", max_length=100)
    time_zone = models.CharField(max_length=64, default=settings.TIME_ZONE)

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["display_name"]

    objects = UserManager()

    class Meta:
        constraints = [models.UniqueConstraint(Lower("email"), name="user_email_unique_ci")]

    def __str__(self):
        return self.display_name or self.email

    def get_full_name(self):
        return self.display_name

    def get_short_name(self):
        return self.display_name


class Patient(models.Model):
    """The person whose health is tracked: the user themself, or a child with no account."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=100)
    birth_year = models.PositiveSmallIntegerField(null=True, blank=True)
    diagnosis_date = models.DateField(null=True, blank=True)
    pregnant = models.BooleanField(default=False)
    alert_threshold = models.PositiveIntegerField(
        "clinician-set alert threshold (×10⁹/L)",
        null=True,
        blank=True,
        help_text="Only if your clinician gave you one.",
    )
    care_team_phone = models.CharField(
        "care team phone number",
        max_length=40,
        blank=True,
        help_text="Optional. Shown next to urgent advice, for example your clinic's number.",
    )
    preferred_unit = models.CharField(
        "show counts as",
        max_length=8,
        choices=[(unit.value, unit.label) for unit in Unit],
        default=Unit.E9_PER_L.value,
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(alert_threshold__isnull=True)
                | models.Q(alert_threshold__gte=1, alert_threshold__lte=2000),
                name="patient_alert_threshold_range",
            ),
        ]

    def __str__(self):
        return self.name


class Role(models.TextChoices):
    OWNER = "owner", "Owner"
    EDITOR = "editor", "Can log"
    VIEWER = "viewer", "Can view"

    @property
    def can_write(self) -> bool:
        return self in (Role.OWNER, Role.EDITOR)

    @property
    def is_owner(self) -> bool:
        return self == Role.OWNER


class CareMembership(models.Model):
    """Who may see or change a patient's record, and how."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=8, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "patient"], name="membership_unique_pair"),
        ]

    def __str__(self):
        return f"{self.user} → {self.patient} ({self.role})"
