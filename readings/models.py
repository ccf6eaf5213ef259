"""What people log: platelet counts, bleeding episodes and treatment courses.

Every entry belongs to one patient, remembers who entered it, carries a version number for
optimistic locking (two people editing one entry never silently overwrite each other), a
form token (a double-tapped submit never creates two rows) and a soft-delete timestamp
(a deletion can be undone, and a deleted entry never comes back by resubmission).

The rules an entry's values must keep live here once: in each model's `clean()` (dates within
the record's bounds, see accounts.dates; an end after its start; a name for "other"), which
the forms run through Django's model validation and the import runs on every row; and in the
database's check constraints, which back them with fixed bounds on every path.
"""

import datetime
import uuid
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import formats, timezone
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext

from accounts import dates
from accounts.models import NotificationStatus, Patient
from readings import units
from readings.units import MAX_COUNT, Comparator, Unit


class EntryQuerySet(models.QuerySet):
    def live(self):
        """Not deleted, nor part of a deleted entry (a dose of a deleted course): restoring the
        course brings its doses back."""
        parents = {f"{name}__deleted_at__isnull": True for name in self.model.PART_OF}
        return self.filter(deleted_at__isnull=True, **parents)

    def with_people(self):
        """With the members whom a page names beside each entry, fetched in the same query."""
        return self.select_related(*self.model.PEOPLE)


# Room for a full account of a bleed or a clinic visit; more is a paste gone wrong, and every
# member's dashboard would carry it.
NOTE_MAX_LENGTH = 5000


def lf_line_breaks(text: str) -> str:
    """`text` with each line break as one LF, as a browser counts it against `maxlength`.

    Browsers send a textarea's line breaks as CR LF (the HTML form-submission rules), and
    spreadsheets write them so inside a cell: counted as sent, a note that fitted the box
    would be refused, and the same note would differ from itself.
    """
    return text.replace("\r\n", "\n").replace("\r", "\n")


# A bleed may be logged a few minutes "ahead": the phone's clock and the server's differ.
CLOCK_SLACK = datetime.timedelta(minutes=5)
# As long as a bleed may last: longer is a typing slip.
MAX_DURATION_MINUTES = 60 * 24 * 90


def _too_long() -> str:
    return _("That is more than 90 days (%(minutes)s minutes). Check the number of minutes.") % {
        "minutes": formats.number_format(MAX_DURATION_MINUTES, force_grouping=True)
    }


# In the language of the page that shows it.
TOO_LONG = lazy(_too_long, str)()


def storable(prefix: str, field: str, *, moment: bool = False) -> models.CheckConstraint:
    """The database's bound on a date or time field (accounts.dates.STORABLE_*); null passes."""
    low, high = (
        (dates.STORABLE_FROM_MOMENT, dates.STORABLE_UNTIL_MOMENT)
        if moment
        else (dates.STORABLE_FROM, dates.STORABLE_UNTIL)
    )
    return models.CheckConstraint(
        condition=Q(**{f"{field}__isnull": True})
        | Q(**{f"{field}__gte": low, f"{field}__lt": high}),
        name=f"{prefix}_{field}_storable",
    )


def date_error(message: str) -> ValidationError:
    return ValidationError(message, code="date")


def time_error(message: str) -> ValidationError:
    return ValidationError(message, code="time")


def one_per_form(prefix: str) -> models.UniqueConstraint:
    return models.UniqueConstraint(fields=["patient", "form_token"], name=f"{prefix}_one_per_form")


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
    # The token of the form that created the entry: unique in its record (one_per_form), so a
    # second submit of the same form hits the constraint instead of creating a twin. Only in
    # its record: a token sent to another record (a page kept from before a switch, or made
    # up) is not a second submit there, and must not fail.
    form_token = models.UUIDField(null=True, blank=True, editable=False)

    objects = EntryQuerySet.as_manager()
    PEOPLE = ("created_by",)  # named on pages: see EntryQuerySet.with_people
    PART_OF: tuple[str, ...] = ()  # the entries it belongs to: see EntryQuerySet.live

    class Meta:
        abstract = True

    def clean(self):
        errors = self.problems()
        if errors:
            raise ValidationError(errors)

    @property
    def is_deleted(self) -> bool:
        """Deleted, or part of a deleted entry (EntryQuerySet.live)."""
        if self.deleted_at is not None:
            return True
        return any(getattr(self, name).deleted_at is not None for name in self.PART_OF)

    def problems(self) -> dict[str, ValidationError]:
        """{model field: error} for every rule this entry breaks; the patient must be set."""
        return {}

    def describe(self, unit: Unit | str) -> str:
        """A short phrase for messages: "the count of 45 ×10⁹/L from 3 Nov 2026"."""
        raise NotImplementedError


class PlateletReading(Entry):
    drawn_on = models.DateField(gettext_lazy("date of the blood test"))
    drawn_at = models.DateTimeField(gettext_lazy("time of the blood test"), null=True, blank=True)
    count = models.DecimalField(
        gettext_lazy("platelet count (×10⁹/L)"), max_digits=7, decimal_places=3
    )
    # "<10" is stored as 10 with "<": the number is the lab's limit, never the count itself.
    comparator = models.CharField(
        max_length=2, choices=[(c.value, c.symbol or "=") for c in Comparator], blank=True
    )
    entered_text = models.CharField(max_length=50)
    entered_unit = models.CharField(max_length=8, choices=[(u.value, u.label) for u in Unit])
    lab = models.CharField(gettext_lazy("lab"), max_length=100, blank=True)
    note = models.TextField(gettext_lazy("note"), blank=True, max_length=NOTE_MAX_LENGTH)

    class Meta:
        # Newest first. A count without a time comes first on its day (stats.chronological),
        # so last here, on every database: PostgreSQL would put NULLs first in a descending
        # order and SQLite last, and the latest count would differ between them.
        ordering = ["-drawn_on", models.F("drawn_at").desc(nulls_last=True), "-created_at"]
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
            storable("reading", "drawn_on"),
            storable("reading", "drawn_at", moment=True),
            one_per_form("reading"),
        ]

    def __str__(self):
        return f"{self.shown_in(Unit.E9_PER_L)} on {self.drawn_on}"

    def problems(self):
        errors = {}
        if self.drawn_on and (problem := self.patient.date_problem(self.drawn_on)):
            errors["drawn_on"] = date_error(problem)
        elif self.drawn_at and self.drawn_at > timezone.now():
            errors["drawn_at"] = time_error(
                _("That time is still to come. Enter when the blood was taken.")
            )
        elif self.drawn_at and self.drawn_on and (day := self._day_of_time()) != self.drawn_on:
            # Else the count would sit on one day in the history and on another in the chart.
            errors["drawn_at"] = time_error(
                _(
                    "That time is on %(date)s where %(name)s lives (%(zone)s), not on the date "
                    "of the blood test. Check the date and the time."
                )
                % {
                    "date": formats.date_format(day, "DATE_FORMAT"),
                    "name": self.patient.name,
                    "zone": self.patient.time_zone_label,
                }
            )
        return errors

    def _day_of_time(self) -> datetime.date:
        return self.drawn_at.astimezone(self.patient.zone).date()

    def describe(self, unit: Unit | str) -> str:
        # Translators: an entry in a message, as in "Saved the count of 45 ×10⁹/L from 3 Nov
        # 2026." or "Deleted …".
        return _("the count of %(count)s from %(date)s") % {
            "count": self.shown_in(unit),
            "date": formats.date_format(self.drawn_on, "DATE_FORMAT"),
        }

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
        """When the blood was taken; without a time, the start of its day, as it sorts."""
        if self.drawn_at:
            return self.drawn_at
        return timezone.make_aware(datetime.datetime.combine(self.drawn_on, datetime.time()))


class BleedingKind(models.TextChoices):
    EASY_BRUISING = "bruising", gettext_lazy("Easy bruising")
    PETECHIAE = "petechiae", gettext_lazy("Petechiae (tiny red-purple dots)")
    PURPURA = "purpura", gettext_lazy("Purpura (larger purple patches)")
    GUMS = "gums", gettext_lazy("Bleeding gums")
    NOSEBLEED = "nosebleed", gettext_lazy("Nosebleed")
    URINE = "urine", gettext_lazy("Blood in urine")
    STOOL = "stool", gettext_lazy("Blood in stool")
    MENSTRUAL = "menstrual", gettext_lazy("Heavy menstrual bleeding")
    VOMIT = "vomit", gettext_lazy("Blood in vomit")
    COUGH = "cough", gettext_lazy("Coughing up blood")
    HEAD_INJURY = "head_injury", gettext_lazy("Head injury (a knock or fall on the head)")
    OTHER = "other", gettext_lazy("Other bleeding")


class WarningSign(models.TextChoices):
    """Signs of bleeding in the brain, the rare and dangerous bleed of ITP (readings.guidance)."""

    HEADACHE = "headache", gettext_lazy("A sudden, severe or worsening headache")
    VOMITING = "vomiting", gettext_lazy("Being sick (vomiting)")
    DROWSY = "drowsy", gettext_lazy("Unusual sleepiness or confusion")
    WEAKNESS = "weakness", gettext_lazy("Weakness or numbness in the face, an arm or a leg")
    SPEECH_VISION = "speech_vision", gettext_lazy("Trouble speaking or seeing")
    UNSTEADY = "unsteady", gettext_lazy("Unsteadiness, trouble walking")
    SEIZURE = "seizure", gettext_lazy("A seizure (fit)")


class Resolution(models.TextChoices):
    """How an emergency ended, as a member recorded it later."""

    STOPPED = "stopped", gettext_lazy("The bleeding stopped")
    CARE = "care", gettext_lazy("Got medical help")


class Severity(models.TextChoices):
    # Translators: the severity of a bleed: no bleeding.
    NONE = "none", gettext_lazy("None")
    MILD = "mild", gettext_lazy("Mild")
    MODERATE = "moderate", gettext_lazy("Moderate")
    SEVERE = "severe", gettext_lazy("Severe")
    LIFE_THREATENING = "life_threatening", gettext_lazy("Life-threatening")


SEVERITY_DESCRIPTIONS = {
    Severity.NONE: gettext_lazy("No bleeding you can see, only a mark."),
    Severity.MILD: gettext_lazy(
        "A few bruises or spots, or a little bleeding that stops by itself."
    ),
    Severity.MODERATE: gettext_lazy(
        "Bleeding that needs pressure or first aid to stop, or keeps coming back."
    ),
    Severity.SEVERE: gettext_lazy("Heavy bleeding, or bleeding that needed a doctor or hospital."),
    Severity.LIFE_THREATENING: gettext_lazy(
        "Bleeding that will not stop, or signs of bleeding in the head."
    ),
}


class FirstAid(models.TextChoices):
    STOPPED = "yes", gettext_lazy("Yes, it stopped")
    NOT_STOPPED = "no", gettext_lazy("No, it did not stop")
    STILL_BLEEDING = "still", gettext_lazy("Still bleeding now")


class BleedingEpisode(Entry):
    started_at = models.DateTimeField(gettext_lazy("when it started"))
    kind = models.CharField(gettext_lazy("kind"), max_length=12, choices=BleedingKind.choices)
    body_site = models.CharField(gettext_lazy("where on the body"), max_length=100, blank=True)
    severity = models.CharField(
        gettext_lazy("severity"), max_length=16, choices=Severity.choices, blank=True
    )
    first_aid = models.CharField(
        gettext_lazy("did pressure or first aid stop it?"),
        max_length=5,
        choices=FirstAid.choices,
        blank=True,
    )
    duration_minutes = models.PositiveIntegerField(
        gettext_lazy("how long it lasted (minutes)"), null=True, blank=True
    )
    care_sought = models.BooleanField(
        gettext_lazy("saw a doctor or nurse about it"), null=True, blank=True
    )
    # Codes of WarningSign, in that order: any of them makes the bleed an emergency.
    warning_signs = models.JSONField(
        gettext_lazy("signs of bleeding in the brain"), default=list, blank=True
    )
    note = models.TextField(gettext_lazy("note"), blank=True, max_length=NOTE_MAX_LENGTH)
    # Recorded afterwards, from the emergency notice: the bleeding stopped, or help was got.
    resolution = models.CharField(
        gettext_lazy("what happened then"), max_length=8, choices=Resolution.choices, blank=True
    )
    resolved_at = models.DateTimeField(gettext_lazy("when it was recorded"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # When what makes it dangerous (DANGER_FIELDS) was last logged: when it was logged, or
    # changed to "did not stop", say. The dashboard's emergency window runs from here; an
    # edit of the note does not move it.
    danger_logged_at = models.DateTimeField(default=timezone.now)
    PEOPLE = ("created_by", "resolved_by")
    # What decides how dangerous a bleed is (readings.guidance.bleed_level).
    DANGER_FIELDS = ("kind", "severity", "first_aid", "warning_signs")

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
                condition=Q(duration_minutes__isnull=True)
                | Q(duration_minutes__lte=MAX_DURATION_MINUTES),
                name="episode_duration_range",
            ),
            storable("episode", "started_at", moment=True),
            storable("episode", "resolved_at", moment=True),
            one_per_form("episode"),
            # How it ended is recorded with when it was recorded, or not at all.
            models.CheckConstraint(
                condition=Q(resolution="", resolved_at__isnull=True)
                | (~Q(resolution="") & Q(resolved_at__isnull=False)),
                name="episode_resolution_recorded",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} at {self.started_at:%Y-%m-%d %H:%M}"

    def describe(self, unit: Unit | str) -> str:
        started = formats.date_format(timezone.localtime(self.started_at), "DATETIME_FORMAT")
        # Translators: a bleed in a message, as in "Saved the nosebleed on 3 Nov 2026, 14:05."
        # `kind` is the kind of bleed in lower case ("nosebleed", "blood in urine").
        return _("the %(kind)s on %(date)s") % {
            "kind": self.get_kind_display().lower(),
            "date": started,
        }

    def problems(self):
        errors = {}
        if self.started_at:
            problem = _moment_problem(self.started_at, self.patient)
            if problem:
                errors["started_at"] = date_error(problem)
            elif self.started_at > timezone.now() + CLOCK_SLACK:
                errors["started_at"] = time_error(
                    _("That time is still to come. Enter when it started.")
                )
        if self.duration_minutes is not None and self.duration_minutes > MAX_DURATION_MINUTES:
            errors["duration_minutes"] = ValidationError(TOO_LONG)
        if self.resolution and self.resolved_at is None:
            errors["resolved_at"] = time_error(
                _("Enter when it was recorded that the bleed ended.")
            )
        elif self.resolved_at and not self.resolution:
            errors["resolution"] = ValidationError(_("Say how the bleed ended: stopped or care."))
        elif self.resolved_at and self.started_at and self.resolved_at < self.started_at:
            # Said of the start: the ending was recorded at a real moment; the start was typed.
            ended = formats.date_format(timezone.localtime(self.resolved_at), "DATETIME_FORMAT")
            errors.setdefault(
                "started_at",
                time_error(
                    _("That is after it was recorded as over (%(ended)s). Check the start.")
                    % {"ended": ended}
                ),
            )
        elif self.resolved_at and self.resolved_at > timezone.now() + CLOCK_SLACK:
            errors["resolved_at"] = time_error(_("That time is still to come."))
        signs = self.warning_signs
        if not isinstance(signs, list) or not set(signs) <= set(WarningSign.values):
            errors["warning_signs"] = ValidationError(
                # Translators: `signs` are codes (headache, vomiting…), kept in English.
                _("Choose signs from the list: %(signs)s.")
                % {"signs": ", ".join(WarningSign.values)}
            )
        return errors

    def warning_sign_labels(self) -> list[str]:
        return [WarningSign(code).label for code in self.warning_signs if code in WarningSign]


class Medicine(models.TextChoices):
    # Translators: the name comes before " (": messages name the medicine by the part before
    # it ("Steroids"), so keep a space and a bracket after the name.
    STEROIDS = "steroids", gettext_lazy("Steroids (prednisone, dexamethasone)")
    IVIG = "ivig", gettext_lazy("IVIG (immune globulin)")
    ANTI_D = "anti_d", "Anti-D"
    ELTROMBOPAG = "eltrombopag", "Eltrombopag"
    ROMIPLOSTIM = "romiplostim", "Romiplostim"
    AVATROMBOPAG = "avatrombopag", "Avatrombopag"
    FOSTAMATINIB = "fostamatinib", "Fostamatinib"
    RITUXIMAB = "rituximab", "Rituximab"
    SPLENECTOMY = "splenectomy", gettext_lazy("Splenectomy (spleen removed)")
    # Translators: another medicine or procedure.
    OTHER = "other", gettext_lazy("Other")


# One operation, dated by its course: no dose log (readings.doses).
PROCEDURES = frozenset({Medicine.SPLENECTOMY})


class Treatment(Entry):
    medicine = models.CharField(
        gettext_lazy("medicine or procedure"), max_length=16, choices=Medicine.choices
    )
    other_name = models.CharField(gettext_lazy("name, if other"), max_length=100, blank=True)
    started_on = models.DateField(gettext_lazy("start date"))
    ended_on = models.DateField(
        gettext_lazy("end date"),
        null=True,
        blank=True,
        help_text=gettext_lazy("Leave empty if ongoing."),
    )
    dose = models.CharField(gettext_lazy("dose"), max_length=100, blank=True)
    note = models.TextField(gettext_lazy("note"), blank=True, max_length=NOTE_MAX_LENGTH)

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
            storable("treatment", "started_on"),
            storable("treatment", "ended_on"),
            one_per_form("treatment"),
        ]

    def __str__(self):
        return f"{self.name} from {self.started_on}"

    def describe(self, unit: Unit | str) -> str:
        # Translators: a treatment in a message, as in "Saved Romiplostim from 3 Nov 2026."
        return _("%(treatment)s from %(date)s") % {
            "treatment": self.name,
            "date": formats.date_format(self.started_on, "DATE_FORMAT"),
        }

    def problems(self):
        errors = {}
        patient = self.patient
        if self.started_on and (problem := patient.date_problem(self.started_on)):
            errors["started_on"] = date_error(problem)
        if self.ended_on:
            latest = _years_after(patient.today(), dates.PLANNED_END_YEARS)
            if self.started_on and self.ended_on < self.started_on:
                errors["ended_on"] = date_error(_("The end date is before the start date."))
            elif problem := patient.date_problem(self.ended_on, latest=latest):
                errors["ended_on"] = date_error(problem)
        if self.medicine == Medicine.OTHER and not self.other_name.strip():
            errors["other_name"] = ValidationError(
                _("Enter the name of the medicine or procedure.")
            )
        if not self._state.adding:
            for name, error in self._dose_problems().items():
                errors.setdefault(name, error)
        return errors

    def _dose_problems(self) -> dict[str, ValidationError]:
        """A change that would leave logged doses wrong: another medicine, or dates that no
        longer hold them. The person changes or deletes those doses first."""
        logged = list(self.doses.filter(deleted_at__isnull=True).order_by("given_on"))
        if not logged:
            return {}
        stored = Treatment.objects.filter(pk=self.pk).values_list("medicine", flat=True).first()
        count = ngettext("%(count)s dose", "%(count)s doses", len(logged)) % {"count": len(logged)}
        if stored is not None and self.medicine != stored:
            return {
                "medicine": ValidationError(
                    ngettext(
                        "This treatment has %(count)s dose logged for %(medicine)s: delete "
                        "them first, or add the new medicine as a new treatment.",
                        "This treatment has %(count)s doses logged for %(medicine)s: delete "
                        "them first, or add the new medicine as a new treatment.",
                        len(logged),
                    )
                    % {"count": len(logged), "medicine": Medicine(stored).label}
                )
            }
        outside = [dose.given_on for dose in logged if not self.runs_on(dose.given_on)]
        if not outside or not self.started_on:
            return {}
        days = ", ".join(formats.date_format(day, "DATE_FORMAT") for day in outside[:3])
        field = "started_on" if outside[0] < self.started_on else "ended_on"
        return {
            field: date_error(
                # Translators: `doses` is "3 doses"; `days` the dates of those outside.
                ngettext(
                    "%(outside)s of its %(doses)s would fall outside these dates (%(days)s): "
                    "change or delete them first.",
                    "%(outside)s of its %(doses)s would fall outside these dates (%(days)s): "
                    "change or delete them first.",
                    len(outside),
                )
                % {
                    "outside": len(outside),
                    "doses": count,
                    "days": days + (" …" if len(outside) > 3 else ""),
                }
            )
        }

    def runs_on(self, day: datetime.date) -> bool:
        return self.started_on <= day and (self.ended_on is None or day <= self.ended_on)

    @property
    def name(self) -> str:
        if self.medicine == Medicine.OTHER:
            return self.other_name
        return self.get_medicine_display()


class DoseUnit(models.TextChoices):
    """How a dose is prescribed, as UCUM writes the unit (the label is for people)."""

    MG = "mg", "mg"
    MG_PER_KG = "mg/kg", gettext_lazy("mg/kg (per kg of weight)")
    G_PER_KG = "g/kg", gettext_lazy("g/kg (per kg of weight)")
    UG_PER_KG = "ug/kg", gettext_lazy("µg/kg (micrograms per kg)")
    MG_PER_M2 = "mg/m2", gettext_lazy("mg/m² (per m² of body)")
    NONE = "none", gettext_lazy("No amount (a procedure)")

    @property
    def per_kg(self) -> bool:
        return self.value.endswith("/kg")

    @property
    def short(self) -> str:
        return {"ug/kg": "µg/kg", "mg/m2": "mg/m²", "none": ""}.get(self.value, self.value)


class Route(models.TextChoices):
    BY_MOUTH = "oral", gettext_lazy("By mouth")
    UNDER_SKIN = "subcutaneous", gettext_lazy("Injection under the skin")
    INFUSION = "intravenous", gettext_lazy("Infusion into a vein (drip)")


class HowOften(models.TextChoices):
    # Translators: how often a dose is given, also after the amount: "3 µg/kg once".
    ONCE = "once", gettext_lazy("Once")
    DAILY = "daily", gettext_lazy("Every day")
    TWICE_DAILY = "twice_daily", gettext_lazy("Twice a day")
    THREE_WEEKLY = "3_per_week", gettext_lazy("Three times a week")
    WEEKLY = "weekly", gettext_lazy("Every week")


MAX_WEIGHT_KG = Decimal(400)


class Dose(Entry):
    """A dose given, or a change of dose, in a treatment course: from `given_on`, until the
    course's next dose entry. Per-kg doses carry the weight they were worked out from."""

    PEOPLE = ("created_by", "treatment")  # and the course each row names
    PART_OF = ("treatment",)

    treatment = models.ForeignKey(
        Treatment, models.CASCADE, related_name="doses", verbose_name=gettext_lazy("treatment")
    )
    given_on = models.DateField(gettext_lazy("date of the dose"))
    amount = models.DecimalField(
        gettext_lazy("amount"), max_digits=9, decimal_places=3, null=True, blank=True
    )
    unit = models.CharField(gettext_lazy("unit"), max_length=8, choices=DoseUnit.choices)
    route = models.CharField(
        gettext_lazy("how it is given"), max_length=16, choices=Route.choices, blank=True
    )
    how_often = models.CharField(
        gettext_lazy("how often"), max_length=16, choices=HowOften.choices, blank=True
    )
    weight_kg = models.DecimalField(
        gettext_lazy("weight (kg)"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    weighed_on = models.DateField(gettext_lazy("date of the weight"), null=True, blank=True)
    # The person said an amount outside the medicine's usual range is right (readings.doses).
    unusual_confirmed = models.BooleanField(gettext_lazy("unusual amount confirmed"), default=False)
    note = models.TextField(gettext_lazy("note"), blank=True, max_length=NOTE_MAX_LENGTH)

    class Meta:
        ordering = ["-given_on", "-created_at"]
        indexes = [
            models.Index(
                fields=["patient", "-given_on", "-created_at"], name="dose_patient_newest"
            ),
            models.Index(fields=["treatment", "-given_on"], name="dose_treatment_newest"),
            deleted_index("dose_deleted"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(unit="none", amount__isnull=True) | (~Q(unit="none") & Q(amount__gt=0)),
                name="dose_amount_with_unit",
            ),
            models.CheckConstraint(
                condition=Q(weight_kg__isnull=True)
                | Q(weight_kg__gt=0, weight_kg__lte=MAX_WEIGHT_KG, weighed_on__isnull=False),
                name="dose_weight_dated",
            ),
            models.CheckConstraint(
                condition=~Q(unit__endswith="/kg") | Q(weight_kg__isnull=False),
                name="dose_per_kg_has_weight",
            ),
            storable("dose", "given_on"),
            storable("dose", "weighed_on"),
            one_per_form("dose"),
        ]

    def __str__(self):
        return f"{self.amount_text} from {self.given_on}"

    @property
    def amount_text(self) -> str:
        """ "3 µg/kg", "0.4 g/kg", "no amount"."""
        if self.amount is None:
            return _("no amount")
        amount = formats.number_format(self.amount.normalize(), force_grouping=True)
        return f"{amount} {DoseUnit(self.unit).short}"

    @property
    def total_text(self) -> str:
        """A per-kg dose for its weight: "84 µg for 28 kg"; "" otherwise."""
        unit = DoseUnit(self.unit)
        if not unit.per_kg or self.amount is None or self.weight_kg is None:
            return ""
        total = (self.amount * self.weight_kg).quantize(Decimal("0.01")).normalize()
        weight = self.weight_kg.normalize()
        # Translators: a dose per kg worked out for a weight: "84 µg for 28 kg".
        return _("%(total)s %(unit)s for %(weight)s kg") % {
            "total": formats.number_format(total, force_grouping=True),
            "unit": unit.short.removesuffix("/kg"),
            "weight": formats.number_format(weight),
        }

    @property
    def in_words(self) -> str:
        """The dose without its date: "3 µg/kg every week (84 µg for 28 kg)"."""
        words = self.amount_text
        if self.how_often:
            words += f" {self.get_how_often_display().lower()}"
        if self.total_text:
            words += f" ({self.total_text})"
        return words

    @property
    def from_words(self) -> str:
        """How its date reads: "on" for a single dose, "since" for one that goes on."""
        if self.how_often == HowOften.ONCE:
            # Translators: before the date of a single dose: "on 2 Mar 2026".
            return pgettext("a single dose", "on")
        # Translators: before the date a dose that goes on started: "since 2 Mar 2026".
        return pgettext("a dose that goes on", "since")

    def summary(self) -> str:
        """The dose as a course shows it: "3 µg/kg every week (84 µg for 28 kg), injection
        under the skin, since 2 Mar 2026"."""
        values = {"dose": self.in_words, "date": dates.short_date(self.given_on)}
        if self.route:
            values["route"] = self.get_route_display().lower()
            if self.how_often == HowOften.ONCE:
                return _("%(dose)s, %(route)s, on %(date)s") % values
            return _("%(dose)s, %(route)s, since %(date)s") % values
        if self.how_often == HowOften.ONCE:
            return _("%(dose)s, on %(date)s") % values
        return _("%(dose)s, since %(date)s") % values

    def describe(self, unit: Unit | str) -> str:
        day = formats.date_format(self.given_on, "DATE_FORMAT")
        # Translators: a dose in a message, as in "Saved Romiplostim dose 3 µg/kg on 3 Nov 2026."
        return _("%(treatment)s dose %(amount)s on %(date)s") % {
            "treatment": self.treatment.name,
            "amount": self.amount_text,
            "date": day,
        }

    def problems(self):
        errors = {}
        patient, course = self.patient, self.treatment if self.treatment_id else None
        if course is not None and course.patient_id != patient.pk:
            errors["treatment"] = ValidationError(_("Choose one of this record's treatments."))
            course = None
        elif course is not None and course.medicine in PROCEDURES:
            errors["treatment"] = ValidationError(
                _("%(treatment)s is an operation: it has no doses.") % {"treatment": course.name}
            )
            course = None
        if self.given_on and (problem := patient.date_problem(self.given_on)):
            errors["given_on"] = date_error(problem)
        elif (
            self.given_on
            and course is not None
            and self.deleted_at is None  # a deleted dose is no longer part of the course's log
            and not course.runs_on(self.given_on)
        ):
            errors["given_on"] = date_error(
                # Translators: `dates` is "from 1 Mar 2026 to 4 Apr 2026" or "from 1 Mar 2026".
                _("This treatment ran %(dates)s: the dose date is outside it.")
                % {"dates": course_dates(course)}
            )
        if self.weighed_on and (problem := patient.date_problem(self.weighed_on)):
            errors["weighed_on"] = date_error(problem)
        errors.update(self._amount_problems())
        return errors

    def _amount_problems(self) -> dict[str, ValidationError]:
        errors = {}
        if self.unit == DoseUnit.NONE:
            if self.amount is not None:
                errors["amount"] = ValidationError(_("Choose a unit for this amount."))
        elif self.amount is None or self.amount <= 0:
            errors["amount"] = ValidationError(_("Enter the amount, more than 0."))
        elif self.unit and not self.route:
            errors["route"] = ValidationError(_("Say how it is given."))
        if self.weight_kg is not None and not 0 < self.weight_kg <= MAX_WEIGHT_KG:
            errors["weight_kg"] = ValidationError(
                _("Enter a weight in kg, more than 0 and at most %(most)s.")
                % {"most": formats.number_format(MAX_WEIGHT_KG)}
            )
        elif self.unit in DoseUnit.values and DoseUnit(self.unit).per_kg and not self.weight_kg:
            errors["weight_kg"] = ValidationError(
                _("A dose per kg needs the weight it was worked out from.")
            )
        elif self.weight_kg is not None and not self.weighed_on:
            errors["weighed_on"] = date_error(_("Enter the date of the weight."))
        elif self.weight_kg is None and self.weighed_on:
            errors["weight_kg"] = ValidationError(_("Enter the weight too, or clear its date."))
        return errors


class ClinicReport(models.Model):
    """A report for the care team made from a record (readings.report_data): its period, which
    the next report starts from by default ("since the last report"). One a record a day, the
    period last shown that day; the report itself is drawn afresh from the record each time."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="+")
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    made_on = models.DateField()  # the record's day
    start = models.DateField()
    end = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["patient", "made_on"], name="one_report_a_day"),
            models.CheckConstraint(
                condition=models.Q(start__lte=models.F("end")), name="report_period_in_order"
            ),
        ]

    def __str__(self) -> str:
        return f"Report of {self.start} to {self.end}, made on {self.made_on}"


class ReminderKind(models.TextChoices):
    BLOOD_TEST = "blood_test", gettext_lazy("Blood test")
    DOSE_DAY = "dose_day", gettext_lazy("Dose day")
    CLINIC_VISIT = "clinic_visit", gettext_lazy("Clinic visit")


class Repeat(models.TextChoices):
    NEVER = "never", gettext_lazy("Does not repeat")
    DAYS = "days", gettext_lazy("Every so many days")
    WEEKS = "weeks", gettext_lazy("Every so many weeks")


# The largest "every N" of each repeat: a year, either way.
MAX_EVERY = {Repeat.DAYS: 365, Repeat.WEEKS: 52}
REMINDER_TIME = datetime.time(9, 0)
REMINDER_LABEL_LENGTH = 40


class Reminder(models.Model):
    """A reminder in a record (readings.reminders): a blood test, a dose day or a clinic visit,
    on `first_on` (the patient's local date) at `time_of_day` in the record's zone, once or
    every `every` days or weeks. Members choose for themselves whether and how they get it
    (ReminderChoice); the worker sends it (ReminderDelivery).

    Only occurrences from `scheduled_at` (when the schedule was last set) on are due, so a
    reminder set at noon for 09:00 today does not go off at once. A snooze moves the reminder
    that came to `snoozed_until`: the regular ones between `snoozed_at` and then are not sent.
    A stopped reminder sends nothing more and is no longer listed.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(
        gettext_lazy("what it is for"), max_length=16, choices=ReminderKind.choices
    )
    label = models.CharField(
        gettext_lazy("name (optional)"),
        max_length=REMINDER_LABEL_LENGTH,
        blank=True,
        help_text=gettext_lazy(
            "For example Romiplostim or Dr Patel. Shown on a lock screen only to those "
            "who choose “Show details”."
        ),
    )
    first_on = models.DateField(
        gettext_lazy("date"), help_text=gettext_lazy("The first time, if it repeats.")
    )
    time_of_day = models.TimeField(gettext_lazy("time"), default=REMINDER_TIME)
    repeat = models.CharField(
        # Translators: how a reminder repeats (a noun, a form's label).
        gettext_lazy("repeat"),
        max_length=8,
        choices=Repeat.choices,
        default=Repeat.NEVER,
    )
    every = models.PositiveSmallIntegerField(
        gettext_lazy("every how many days or weeks"), null=True, blank=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Where the e-mail's link points: the address the reminder was set through.
    site_url = models.URLField(max_length=200, editable=False)
    scheduled_at = models.DateTimeField(default=timezone.now)
    snoozed_at = models.DateTimeField(null=True, blank=True)
    snoozed_until = models.DateTimeField(null=True, blank=True)
    stopped_at = models.DateTimeField(null=True, blank=True)
    # The token of the form that added it: a second submit of the same form adds nothing.
    form_token = models.UUIDField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["first_on", "time_of_day", "created_at"]
        indexes = [
            models.Index(
                fields=["patient"], condition=Q(stopped_at__isnull=True), name="reminder_active"
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(repeat=Repeat.NEVER, every__isnull=True)
                | Q(repeat=Repeat.DAYS, every__gte=1, every__lte=MAX_EVERY[Repeat.DAYS])
                | Q(repeat=Repeat.WEEKS, every__gte=1, every__lte=MAX_EVERY[Repeat.WEEKS]),
                name="reminder_repeat_in_range",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=ReminderKind.values), name="reminder_kind_known"
            ),
            models.CheckConstraint(
                condition=Q(snoozed_until__isnull=True, snoozed_at__isnull=True)
                | Q(snoozed_until__gt=models.F("snoozed_at")),
                name="reminder_snooze_in_order",
            ),
            storable("reminder", "first_on"),
            storable("reminder", "scheduled_at", moment=True),
            storable("reminder", "snoozed_at", moment=True),
            storable("reminder", "snoozed_until", moment=True),
            storable("reminder", "stopped_at", moment=True),
            one_per_form("reminder"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} from {self.first_on} at {self.time_of_day:%H:%M}"

    def clean(self):
        errors = self.problems()
        if errors:
            raise ValidationError(errors)

    def problems(self) -> dict[str, ValidationError]:
        """{field: error} for every rule this reminder breaks; the patient must be set."""
        errors = {}
        patient = self.patient
        if self.first_on:
            latest = _years_after(patient.today(), dates.PLANNED_END_YEARS)
            if problem := patient.date_problem(self.first_on, latest=latest):
                errors["first_on"] = date_error(problem)
        if self.repeat == Repeat.NEVER:
            if self.every is not None:
                errors["every"] = ValidationError(
                    _(
                        "Leave this empty for a reminder that does not repeat, or choose how it "
                        "repeats."
                    )
                )
        elif self.repeat in MAX_EVERY:
            most = MAX_EVERY[Repeat(self.repeat)]
            if self.every is None or not 1 <= self.every <= most:
                if self.repeat == Repeat.DAYS:
                    words = _(
                        "Enter how many days between reminders: a whole number from 1 to %(most)s."
                    )
                else:
                    words = _(
                        "Enter how many weeks between reminders: a whole number from 1 to %(most)s."
                    )
                errors["every"] = ValidationError(words % {"most": most})
        return errors

    @property
    def repeats(self) -> bool:
        return self.repeat != Repeat.NEVER

    @property
    def step_days(self) -> int | None:
        """Days between two reminders; None for one that does not repeat."""
        if not self.repeats or not self.every:
            return None
        return self.every * (7 if self.repeat == Repeat.WEEKS else 1)

    @property
    def schedule_words(self) -> str:
        """ "Every 2 weeks from 3 Nov 2026 at 09:00", "On 3 Nov 2026 at 09:00"."""
        day, time = formats.date_format(self.first_on, "DATE_FORMAT"), f"{self.time_of_day:%H:%M}"
        values = {"date": day, "time": time, "count": self.every}
        if not self.repeats:
            return _("On %(date)s at %(time)s") % values
        if self.repeat == Repeat.DAYS:
            words = ngettext(
                "Every day from %(date)s at %(time)s",
                "Every %(count)s days from %(date)s at %(time)s",
                self.every,
            )
        else:
            words = ngettext(
                "Every week from %(date)s at %(time)s",
                "Every %(count)s weeks from %(date)s at %(time)s",
                self.every,
            )
        return words % values


class ReminderChoice(models.Model):
    """What one member gets of one reminder: by e-mail, by push to their devices, and whether
    a lock screen may show what it is for (off: "A reminder from ITP Tracker" only). Members
    get nothing until they choose."""

    reminder = models.ForeignKey(Reminder, on_delete=models.CASCADE, related_name="choices")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    by_email = models.BooleanField(gettext_lazy("by e-mail"), default=False)
    by_push = models.BooleanField(gettext_lazy("on my devices (notifications)"), default=False)
    show_details = models.BooleanField(
        gettext_lazy("show details: what it is for, the name and whose it is"), default=False
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["reminder", "user"], name="reminder_choice_once"),
        ]

    def __str__(self):
        return f"{self.user} ← {self.reminder}"


class Channel(models.TextChoices):
    EMAIL = "email", gettext_lazy("E-mail")
    PUSH = "push", gettext_lazy("Push notification")


# A reminder's row goes the way an alert's does (readings.outbox).
DeliveryStatus = NotificationStatus


class ReminderDelivery(models.Model):
    """One reminder to one member at one due moment by one channel: unique, so that it is sent
    once however many workers run (readings.reminders.send_pending claims rows as
    readings.alerts does). A push row goes to each of the member's devices; `devices_done`
    holds the PushSubscription ids that took it, so a retry goes only to the others."""

    reminder = models.ForeignKey(Reminder, on_delete=models.CASCADE, related_name="deliveries")
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    due_at = models.DateTimeField()
    channel = models.CharField(max_length=8, choices=Channel.choices)
    status = models.CharField(
        max_length=8, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    devices_done = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="reminder_delivery_due"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["reminder", "recipient", "due_at", "channel"], name="reminder_sent_once"
            ),
            models.CheckConstraint(
                condition=Q(channel__in=Channel.values), name="reminder_delivery_channel_known"
            ),
        ]

    def __str__(self):
        return f"{self.reminder} to {self.recipient} at {self.due_at} by {self.channel}"


class PushSubscription(models.Model):
    """A browser that agreed to show a member's reminders (the Push API's subscription): where
    to send (`endpoint`, a push service's address) and the keys to encrypt for it. A push
    service that answers 404 or 410 has forgotten it: it is deleted then."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="push_subscriptions"
    )
    endpoint = models.URLField(max_length=1000, unique=True)
    p256dh = models.CharField(max_length=100)
    auth = models.CharField(max_length=50)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"Device of {self.user} since {self.created_at:%Y-%m-%d}"

    def info(self) -> dict:
        """As the browser gave it, for pywebpush."""
        return {"endpoint": self.endpoint, "keys": {"p256dh": self.p256dh, "auth": self.auth}}


def course_dates(course: Treatment) -> str:
    """ "from 1 Mar 2026 to 4 Apr 2026", or "from 1 Mar 2026" while it goes on."""
    start = formats.date_format(course.started_on, "DATE_FORMAT")
    if course.ended_on is None:
        # Translators: the dates of a treatment that goes on, after its name.
        return _("from %(start)s") % {"start": start}
    # Translators: the dates of a treatment, after its name.
    return _("from %(start)s to %(end)s") % {
        "start": start,
        "end": formats.date_format(course.ended_on, "DATE_FORMAT"),
    }


def _moment_problem(moment: datetime.datetime, patient: Patient) -> str | None:
    """Why an instant cannot be in this record: its date in the record's zone is out of bounds."""
    try:
        day = moment.astimezone(patient.zone).date()
    except OverflowError:  # beyond the years Python holds: as far out as the year written
        day = datetime.date.min if moment.year < dates.EARLIEST_DATE.year else datetime.date.max
    return patient.date_problem(day)


def _years_after(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)
