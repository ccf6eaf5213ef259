import datetime
import uuid
import zoneinfo

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from accounts import dates
from accounts.validators import validate_plain_name


def normalise_email(email: str) -> str:
    """An address as stored and compared: trimmed, in lower case. The one rule for accounts,
    logins and their counts, and invitations."""
    return email.strip().lower()


class UserManager(BaseUserManager):
    use_in_migrations = True

    def get_by_natural_key(self, email):
        # Addresses are stored in lower case (create_user). Matched exactly as Python lowers
        # them: a case-blind match in the database would let look-alikes in ("eddıe" with a
        # dotless ı is "EDDIE" to PostgreSQL's UPPER), each with a login counter of its own.
        return self.get(email=normalise_email(email))

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
    display_name = models.CharField("your name", max_length=100, validators=[validate_plain_name])
    time_zone = models.CharField(max_length=64, default=dates.default_time_zone)
    # The language of every page and e-mail for this person; blank: as their browser asks.
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, blank=True, default=""
    )
    # Part of every session's signature: a new value ends all of the user's sessions at once.
    sessions_generation = models.PositiveIntegerField(default=0)
    # When the person opened a link we sent to `email` (accounts.verification): only then may
    # the account make us e-mail others (invitations).
    email_verified_at = models.DateTimeField(null=True, blank=True, editable=False)

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["display_name"]

    objects = UserManager()

    class Meta:
        constraints = [models.UniqueConstraint(Lower("email"), name="user_email_unique_ci")]

    def __str__(self):
        return self.display_name or self.email

    def _get_session_auth_hash(self, secret=None):
        # Django signs each session with the password hash; adding the generation lets "log
        # out everywhere" end every session without a password change.
        return salted_hmac(
            "accounts.User.session",
            f"{self.password}:{self.sessions_generation}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()

    def get_full_name(self):
        return self.display_name

    def get_short_name(self):
        return self.display_name


# The units a record can show counts in: readings.units.Unit's values and labels (a test keeps
# the two the same; accounts/ imports nothing from readings/).
COUNT_UNITS = [("e9/L", "×10⁹/L"), ("/uL", _("per µL"))]


class PatientManager(models.Manager):
    def mark_changed(self, *patient_ids) -> None:
        """Raise the records' version (see readings.page_cache), inside the change's transaction."""
        self.filter(pk__in=patient_ids).update(records_version=models.F("records_version") + 1)


class Patient(models.Model):
    """The person whose health is tracked: the user themself, or a child with no account."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=100, validators=[validate_plain_name])
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
        "show counts as", max_length=8, choices=COUNT_UNITS, default=COUNT_UNITS[0][0]
    )
    time_zone = models.CharField(
        "time zone",
        max_length=64,
        default=dates.default_time_zone,
        help_text="Where the patient lives. Every date and time in the record is this place's.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Raised with every change to the record's entries or details, in the same transaction:
    # it keys the pages kept in readings.page_cache, so a kept page is never out of date.
    records_version = models.PositiveBigIntegerField(default=0, editable=False)

    objects = PatientManager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(alert_threshold__isnull=True)
                | models.Q(alert_threshold__gte=1, alert_threshold__lte=2000),
                name="patient_alert_threshold_range",
            ),
            models.CheckConstraint(
                condition=models.Q(birth_year__isnull=True)
                | models.Q(
                    birth_year__gte=dates.EARLIEST_DATE.year,
                    birth_year__lt=dates.STORABLE_UNTIL.year,
                ),
                name="patient_birth_year_range",
            ),
            models.CheckConstraint(
                condition=models.Q(diagnosis_date__isnull=True)
                | models.Q(
                    diagnosis_date__gte=dates.STORABLE_FROM,
                    diagnosis_date__lt=dates.STORABLE_UNTIL,
                ),
                name="patient_diagnosis_date_range",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def time_zone_label(self) -> str:
        return self.time_zone.replace("_", " ")

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        """The record's time zone (accounts.dates)."""
        return dates.zone_named(self.time_zone)

    def today(self) -> datetime.date:
        """Today where the patient lives."""
        return dates.today_in(self.zone)

    @property
    def earliest_date(self) -> datetime.date:
        """The earliest date an entry may have: 1 January of the year of birth, or 1900."""
        if self.birth_year and self.birth_year >= dates.EARLIEST_DATE.year:
            return datetime.date(self.birth_year, 1, 1)
        return dates.EARLIEST_DATE

    def clean(self):
        errors = {}
        if self.birth_year is not None and (problem := self.birth_year_problem(self.birth_year)):
            errors["birth_year"] = problem
        if self.diagnosis_date and (problem := self.date_problem(self.diagnosis_date)):
            errors["diagnosis_date"] = problem
        if errors:
            raise ValidationError(errors)

    def birth_year_problem(self, year: int) -> str | None:
        if not dates.EARLIEST_DATE.year <= year <= self.today().year:
            return gettext("Enter a year between %(year)d and this year.") % {
                "year": dates.EARLIEST_DATE.year
            }
        return None

    def date_problem(self, day: datetime.date, *, latest: datetime.date | None = None):
        """Why `day` cannot be a date in this record (a message), or None; see accounts.dates."""
        return dates.date_problem(
            day, earliest=self.earliest_date, today=self.today(), latest=latest
        )


class Role(models.TextChoices):
    # Translators: the role of a record's owner, shown beside their name.
    OWNER = "owner", pgettext_lazy("role", "Owner")
    EDITOR = "editor", _("Can log")
    VIEWER = "viewer", _("Can view")

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
    # E-mails this member asked for (readings/alerts.py). Off until they opt in.
    notify_emergency = models.BooleanField("an emergency bleed is logged", default=False)
    notify_low_count = models.BooleanField(
        "a count below the threshold the clinician set is logged", default=False
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "patient"], name="membership_unique_pair"),
        ]

    def __str__(self):
        return f"{self.user} → {self.patient} ({self.role})"


class Invitation(models.Model):
    """An offer of access to one patient's record, sent to one e-mail address.

    The link carries a random token; only its SHA-256 is stored, so the table cannot be used
    to open invitations. A link works once, for INVITATION_DAYS, until it is cancelled or
    replaced by a resend. Logic lives in accounts/invitations.py.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField("e-mail address")
    role = models.CharField(
        max_length=8, choices=[(Role.VIEWER, Role.VIEWER.label), (Role.EDITOR, Role.EDITOR.label)]
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(
        User, null=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-sent_at"]
        constraints = [
            # One open invitation per address and record: inviting again replaces it.
            models.UniqueConstraint(
                "patient",
                Lower("email"),
                condition=models.Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="invitation_one_open_per_address",
            ),
            models.CheckConstraint(
                condition=models.Q(role__in=["viewer", "editor"]), name="invitation_role_not_owner"
            ),
        ]

    def __str__(self):
        return f"{self.email} → {self.patient} ({self.role})"

    @property
    def is_open(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()


class AccessAction(models.TextChoices):
    """What the access log records. accounts/audit.py names them for callers."""

    VIEWED_DASHBOARD = "viewed_dashboard", _("Viewed the dashboard")
    VIEWED_NUMBERS = "viewed_numbers", _("Viewed the latest numbers on the dashboard")
    VIEWED_CHART = "viewed_chart", _("Viewed the dashboard chart")
    VIEWED_TABLE = "viewed_table", _("Viewed the table of counts")
    VIEWED_HISTORY = "viewed_history", _("Viewed the history")
    VIEWED_ENTRY = "viewed_entry", _("Opened an entry")
    VIEWED_DETAILS = "viewed_details", _("Viewed the record’s details")
    VIEWED_ACCESS_LOG = "viewed_access_log", _("Viewed the access log")
    VIEWED_REPORT = "viewed_report", _("Viewed the report for the care team")
    PRINTED_REPORT = "printed_report", _("Printed or saved the report for the care team")
    VIEWED_REMINDERS = "viewed_reminders", _("Viewed the reminders")
    COMPARED_FILE = "compared_file", _("Compared a file with the history")
    EXPORTED = "exported", _("Downloaded the record")
    IMPORTED = "imported", _("Imported entries")
    ADDED_ENTRY = "added_entry", _("Added an entry")
    EDITED_ENTRY = "edited_entry", _("Changed an entry")
    DELETED_ENTRY = "deleted_entry", _("Deleted an entry")
    RESTORED_ENTRY = "restored_entry", _("Restored an entry")
    CHANGED_DETAILS = "changed_details", _("Changed the record’s details")
    ADDED_REMINDER = "added_reminder", _("Added a reminder")
    CHANGED_REMINDER = "changed_reminder", _("Changed a reminder")
    SNOOZED_REMINDER = "snoozed_reminder", _("Snoozed a reminder")
    STOPPED_REMINDER = "stopped_reminder", _("Stopped a reminder")
    INVITED = "invited", _("Invited someone")
    RESENT_INVITATION = "resent_invitation", _("Sent an invitation again")
    CANCELLED_INVITATION = "cancelled_invitation", _("Cancelled an invitation")
    JOINED = "joined", _("Accepted an invitation")
    CHANGED_ROLE = "changed_role", _("Changed someone’s access")
    REMOVED_MEMBER = "removed_member", _("Removed someone")
    LEFT = "left", _("Left the record")


class AccessEvent(models.Model):
    """One line of a patient's access log: who did what, and when.

    The actor's name is copied, so the line still reads right after they change their name or
    delete their account.

    A line can stand for several reads of the same thing by the same member (accounts/audit.py
    folds them): `times` of them, from `created_at` to `last_at`, all within the ten minutes
    that start at `window_start`. A change is never folded; its `window_start` stays empty, and
    empty values never clash in the unique key below.
    """

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="access_events")
    actor = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    actor_name = models.CharField(max_length=100)
    action = models.CharField(max_length=24, choices=AccessAction.choices)
    detail = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_at = models.DateTimeField(default=timezone.now)
    times = models.PositiveIntegerField(default=1)
    window_start = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["patient", "-created_at"], name="access_event_patient_time")
        ]
        constraints = [
            # What two workers folding the same read at once meet on: one line, never two.
            models.UniqueConstraint(
                fields=["patient", "actor", "action", "detail", "window_start"],
                name="access_event_one_line_per_window",
            )
        ]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_name}: {self.action}"


class NotificationKind(models.TextChoices):
    EMERGENCY = "emergency", _("An emergency bleed was logged")
    LOW_COUNT = "low_count", _("A count below the clinician-set threshold was logged")


class NotificationStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENT = "sent", pgettext_lazy("notification status", "Sent")
    FAILED = "failed", _("Gave up after several attempts")
    SKIPPED = "skipped", _("Not sent: the person no longer asks for it")


class Notification(models.Model):
    """An e-mail to send to one member (an outbox row).

    Written in the same transaction as the entry that caused it, sent later by
    `manage.py send_notifications` (readings/alerts.py): a mail server that is down
    delays the e-mail, never the entry.
    """

    recipient = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=12, choices=NotificationKind.choices)
    actor_name = models.CharField(max_length=100)
    # Where the e-mail's links point: the address the entry was saved through.
    site_url = models.URLField(max_length=200)
    created_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(
        max_length=8, choices=NotificationStatus.choices, default=NotificationStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="notification_due"),
        ]

    def __str__(self):
        return f"{self.kind} for {self.recipient} ({self.status})"


def language_for(recipient) -> str:
    """The language to write to `recipient` in (an account, an e-mail address, or None): the
    account's own setting, else the language active now (the page of whoever made us write:
    the person signing up, the owner who invites; in the worker, which serves no page, the
    site's: settings.LANGUAGE_CODE)."""
    if isinstance(recipient, str):
        recipient = User.objects.filter(email=normalise_email(recipient)).first()
    language = getattr(recipient, "language", "") if recipient is not None else ""
    return language or translation.get_language() or settings.LANGUAGE_CODE
