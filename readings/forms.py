"""Forms for logging entries. They return domain values: counts in ×10⁹/L, aware datetimes.

Dates and times are the record's: read and shown in the patient's time zone, whoever fills
the form in (accounts.dates). The rules on the values are the models' (`problems()`), which
Django's model validation runs after each form's own cleaning.
"""

import datetime
import uuid

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from accounts import dates
from itptracker.forms import DateInput, PlainErrors, TimeInput, WholeNumberField
from readings import doses, duplicates, units
from readings.models import (
    MAX_DURATION_MINUTES,
    NOTE_MAX_LENGTH,
    PROCEDURES,
    SEVERITY_DESCRIPTIONS,
    TOO_LONG,
    BleedingEpisode,
    BleedingKind,
    Dose,
    DoseUnit,
    FirstAid,
    HowOften,
    Medicine,
    PlateletReading,
    Resolution,
    Route,
    Severity,
    Treatment,
    WarningSign,
    course_dates,
    lf_line_breaks,
)


def check_date_range(form, since: str, until: str) -> None:
    """A From and a To of `form`: each a date of `form.patient`'s record (accounts.dates), and
    the To not before the From."""
    for name in (since, until):
        day = form.cleaned_data.get(name)
        if day is not None and (problem := form.patient.date_problem(day)):
            form.add_error(name, problem)
    first, last = form.cleaned_data.get(since), form.cleaned_data.get(until)
    if first and last and first > last:
        form.add_error(until, _("The end date is before the start date."))


class NoteField(forms.CharField):
    """A note, its line breaks counted as the box counted them (models.lf_line_breaks)."""

    def to_python(self, value):
        return lf_line_breaks(super().to_python(value))


# The largest version a database stores (PositiveIntegerField); a larger one from a page is
# not ours.
MAX_VERSION = 2**31 - 1


class EntryForm(PlainErrors, forms.ModelForm):
    """What every entry form shares: a one-time token, the version being edited, a note."""

    note = NoteField(
        label=gettext_lazy("Note"),
        help_text=gettext_lazy("Optional."),
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={
            "max_length": gettext_lazy(
                "A note can hold up to %(limit_value)s characters; this one has %(show_value)s."
            )
        },
    )
    form_token = forms.UUIDField(widget=forms.HiddenInput, required=False)
    version = forms.IntegerField(
        widget=forms.HiddenInput, required=False, min_value=1, max_value=MAX_VERSION
    )
    # The few fields the dashboard's quick-add box shows; the rest keep their defaults.
    quick_fields: tuple[str, ...] = ()
    # The model's moment field, and the form's date and time fields that make it.
    moment_fields: tuple[str, str, str] | None = None
    slug: str  # the kind of entry, as in readings.entries.KINDS

    def __init__(self, *args, patient, **kwargs):
        # Ids of the kind's own ("id_counts_drawn_on"): the dashboard shows the count and the
        # bleed forms on one page, and each has a one-time token and a version.
        kwargs.setdefault("auto_id", f"id_{self.slug}_%s")
        super().__init__(*args, **kwargs)
        self.patient = patient
        # The two moments a time can be when the clocks go back, once asked (dates.Fold).
        self.fold_choices: tuple[dates.Fold, ...] = ()
        # An entry already logged with the same result, once asked (readings.duplicates).
        self.same_result = None
        self.instance.patient = patient  # the model's rules read the record's bounds
        if self.instance._state.adding:
            self.fields["form_token"].initial = uuid.uuid4()
        else:
            self.fields["version"].initial = self.instance.version
        if self.moment_fields:
            moment, day, time = self.moment_fields
            stored = getattr(self.instance, moment)
            if stored is not None:
                local = stored.astimezone(patient.zone)
                if day not in self.initial:  # a count keeps its own date (drawn_on)
                    self.fields[day].initial = local.date()
                self.fields[time].initial = local.time().replace(second=0, microsecond=0)

    def bound_quick_fields(self):
        return [self[name] for name in self.quick_fields]

    def errors_outside_quick_fields(self) -> list[str]:
        """Errors of fields the quick-add box does not show (sent by an old or foreign page):
        said in the box all the same, or it would refuse without a word."""
        shown = {*self.quick_fields, NON_FIELD_ERRORS}
        return [
            message
            for name, errors in self.errors.items()
            if name not in shown
            for message in errors
        ]

    def blank_key(self) -> str:
        """For a blank new-entry form, what its quick-add fields show (label, choices and an
        initial value such as today's date or the patient's unit), as a key to keep their HTML
        by (templates/readings/quick_add.html); "" for a form holding what someone typed or
        saved, which is never kept."""
        if self.is_bound or not self.instance._state.adding:
            return ""
        shown = [self[name] for name in self.quick_fields]
        return repr(
            [
                (f.auto_id, f.value(), str(f.label), str(f.help_text), f.field.widget.attrs)
                for f in shown
            ]
        )

    def read_moment(self) -> datetime.datetime | None:
        """The instant the date and time fields give, in the record's zone; None without both.

        An edit that changes neither keeps the stored instant to the second. A time the clocks
        skipped is refused; one they passed twice is asked about (`fold_choices`).
        """
        moment, day_field, time_field = self.moment_fields
        day, time = self.cleaned_data.get(day_field), self.cleaned_data.get(time_field)
        if day is None or time is None:
            return None
        if problem := self.patient.date_problem(day):
            # A count's date is a model field, whose own rule reports it; a bleed's is not.
            if day_field not in self._meta.fields:
                self.add_error(day_field, problem)
            return None
        unchanged = not {day_field, time_field} & set(self.changed_data)
        if not self.instance._state.adding and unchanged:
            return getattr(self.instance, moment)
        fold = self.data.get("time_fold")
        try:
            return dates.local_moment(day, time, self.patient.zone, _fold(fold))
        except dates.AmbiguousTime as question:
            self.fold_choices = question.folds
            self.add_error(time_field, question.message)
        except dates.TimeProblem as problem:
            self.add_error(time_field, problem.message)
        return None

    def _post_clean(self):
        super()._post_clean()
        if self.instance._state.adding and not self.errors:
            same = self.unconfirmed_same_result()
            if same is not None:
                self.ask_already_logged(same)

    def unconfirmed_same_result(self):
        """A live entry with the same result as this new one, that the person has not said to
        save beside (readings.duplicates); None if there is none."""
        token = self.cleaned_data.get("form_token")
        model = self._meta.model
        if token and model.objects.filter(form_token=token, patient=self.patient).exists():
            return None  # the same form sent again: saving finds the entry it made (entries.py)
        values = {name: getattr(self.instance, name) for name in duplicates.FIELDS[self.slug]}
        same = duplicates.first_same_result(model, self.patient, self.slug, values)
        if same is None or self.data.get("confirm_duplicate") == str(same.pk):
            return None
        if token and same.form_token == token:
            return None  # a double tap whose first half was saved since the check above
        return same

    def ask_already_logged(self, same) -> None:
        """Ask before saving a second entry with the same result as `same`."""
        self.same_result = same
        logged = formats.date_format(timezone.localtime(same.created_at), "MONTH_DAY_FORMAT")
        what = same.describe(self.patient.preferred_unit)
        if same.created_by:
            message = _("Already logged by %(name)s on %(date)s: %(entry)s. Save another?")
        else:
            message = _("Already logged by a former member on %(date)s: %(entry)s. Save another?")
        name = same.created_by.display_name if same.created_by else ""
        self.add_error(None, message % {"name": name, "date": logged, "entry": what})

    def _update_errors(self, errors):
        # The model's rules name its own fields (drawn_at, started_at); show each error on the
        # form field the person typed it in: a date problem on the date, a time one on the time.
        # A field the form already refused says why once: the model saw no value for it.
        if not hasattr(errors, "error_dict"):
            return super()._update_errors(errors)
        moment, day_field, time_field = self.moment_fields or (None, None, None)
        remapped = {}
        for name, messages in errors.error_dict.items():
            for message in messages:
                target = name
                if name == moment:
                    target = time_field if message.code == "time" else day_field
                elif name not in self.fields:  # a rule on a field the form does not show
                    target = NON_FIELD_ERRORS
                if target == NON_FIELD_ERRORS or target not in self.errors:
                    remapped.setdefault(target, []).append(message)
        return super()._update_errors(ValidationError(remapped))


def _plain(value) -> str | None:
    """A stored decimal as typed: 2.000 -> "2", 31.50 -> "31.5", 100 -> "100"."""
    return None if value is None else f"{value.normalize():f}"


def _is_uuid(value) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


def _fold(value: str | None) -> int | None:
    return int(value) if value in ("0", "1") else None


class ReadingForm(EntryForm):
    what_to_enter = {
        "count_text": gettext_noop("Enter the platelet count from the result, like 45 or 45,000."),
        "unit": gettext_noop("Choose the unit printed on the result."),
        "drawn_on": gettext_noop("Enter the date of the blood test."),
    }
    count_text = forms.CharField(
        label=gettext_lazy("Platelet count"),
        max_length=units.MAX_INPUT_LENGTH,
        help_text=gettext_lazy("As on your result, like 45 or 45,000."),
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    unit = forms.ChoiceField(
        label=gettext_lazy("Unit on the result"),
        choices=[
            (units.Unit.E9_PER_L.value, gettext_lazy("×10⁹/L, K/µL or G/L (like 45)")),
            (units.Unit.PER_UL.value, gettext_lazy("per µL or per mm³ (like 45,000)")),
        ],
        widget=forms.RadioSelect,
    )
    drawn_time = forms.TimeField(
        label=gettext_lazy("Time of the blood test"),
        required=False,
        help_text=gettext_lazy("Optional."),
        widget=TimeInput(),
    )

    class Meta:
        model = PlateletReading
        fields = ("drawn_on", "lab", "note")
        labels = {
            "drawn_on": gettext_lazy("Date of the blood test"),
            "lab": gettext_lazy("Lab or clinic"),
        }
        help_texts = {"lab": gettext_lazy("Optional.")}
        widgets = {"drawn_on": DateInput()}

    slug = "counts"
    field_order = ("count_text", "unit", "drawn_on", "drawn_time", "lab", "note")
    quick_fields = ("count_text", "unit", "drawn_on")
    moment_fields = ("drawn_at", "drawn_on", "drawn_time")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The readings to choose from when the count can be read more than one way.
        self.count_choices: tuple[units.Count, ...] = ()
        self.count: units.Count | None = None
        reading = self.instance
        if reading._state.adding:
            self.fields["drawn_on"].initial = self.patient.today()
            self.fields["unit"].initial = self.patient.preferred_unit
        else:
            self.fields["count_text"].initial = reading.entered_text
            self.fields["unit"].initial = reading.entered_unit

    def clean(self):
        cleaned = super().clean()
        text, unit = cleaned.get("count_text"), cleaned.get("unit")
        if self._count_unchanged():
            # What was confirmed when it was logged stands: a note edit never asks again, and
            # never reads the text anew (and differently).
            reading = self.instance
            self.count = units.Count(
                reading.count,
                units.Comparator(reading.comparator),
                unit=units.Unit(reading.entered_unit),
            )
        elif text and unit:
            self._read_count(text, units.Unit(unit))
        if self.count is not None:
            self.instance.count = self.count.value
            self.instance.comparator = self.count.comparator.value
        # The model's rules see the moment before the form saves it.
        self.instance.drawn_at = self.read_moment()
        return cleaned

    def _count_unchanged(self) -> bool:
        return not self.instance._state.adding and not {"count_text", "unit"} & set(
            self.changed_data
        )

    def _read_count(self, text: str, unit: units.Unit) -> None:
        try:
            self.count = units.parse_count(text, unit)
        except units.NeedsConfirmation as question:
            chosen = self.data.get("confirm_suggestion")
            picked = [choice for choice in question.choices if choice.key == chosen]
            if picked:
                self.count = picked[0]
            else:
                self.count_choices = question.choices
                self.add_error("count_text", question.message)
        except units.CountError as error:
            self.add_error("count_text", error.message)

    def choice_labels(self) -> list[tuple[str, str]]:
        """(value, label) for each reading to choose from: "Yes, I meant 45 ×10⁹/L (…)"."""
        if len(self.count_choices) == 1:
            choice = self.count_choices[0]
            return [(choice.key, _("Yes, I meant %(count)s") % {"count": choice})]
        return [
            (choice.key, _("I meant %(count)s") % {"count": choice})
            for choice in self.count_choices
        ]

    def save(self, commit=True):
        reading = super().save(commit=False)
        reading.entered_text = self.cleaned_data["count_text"].strip()
        reading.entered_unit = self.count.unit.value
        if commit:
            reading.save()
        return reading


class EpisodeForm(EntryForm):
    what_to_enter = {
        "kind": gettext_noop("Choose the kind of bleeding."),
        "started_on": gettext_noop("Enter the date it started."),
        "started_time": gettext_noop(
            "Enter the time it started, like 14:30 (about when, if unsure)."
        ),
    }
    started_on = forms.DateField(
        label=gettext_lazy("Date it started"),
        widget=DateInput(),
    )
    started_time = forms.TimeField(
        label=gettext_lazy("Time it started"),
        widget=TimeInput(),
    )
    care_sought = forms.TypedChoiceField(
        label=gettext_lazy("Did you see a doctor or nurse about it?"),
        choices=[
            ("", gettext_lazy("Not recorded")),
            ("yes", gettext_lazy("Yes")),
            ("no", gettext_lazy("No")),
        ],
        coerce=lambda value: value == "yes",
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
    )

    class Meta:
        model = BleedingEpisode
        fields = (
            "kind",
            "severity",
            "first_aid",
            "warning_signs",
            "body_site",
            "duration_minutes",
            "note",
        )
        labels = {
            "kind": gettext_lazy("What kind of bleeding?"),
            "severity": gettext_lazy("How bad was it?"),
            "first_aid": gettext_lazy("Did pressure or first aid stop it?"),
            "body_site": gettext_lazy("Where on the body?"),
        }
        help_texts = {"body_site": gettext_lazy("Optional. For example: left shin, nose.")}
        widgets = {
            "kind": forms.RadioSelect(attrs={"class": "tap-choices"}),
            "severity": forms.RadioSelect(attrs={"class": "tap-choices"}),
            "first_aid": forms.RadioSelect(attrs={"class": "tap-choices"}),
        }

    slug = "bleeds"
    duration_minutes = WholeNumberField(
        label=gettext_lazy("How long did it last? (minutes)"),
        help_text=gettext_lazy("Optional."),
        required=False,
        min_value=0,
        max_value=MAX_DURATION_MINUTES,
        error_messages={"max_value": TOO_LONG},
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 0}),
    )
    warning_signs = forms.MultipleChoiceField(
        label=gettext_lazy("Any signs of bleeding in the brain?"),
        help_text=gettext_lazy(
            "Tick any you see, above all after a knock to the head. Any of them is an emergency."
        ),
        choices=WarningSign.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    field_order = ("kind", "started_on", "started_time", "severity", "first_aid", "warning_signs")
    quick_fields = ("kind", "first_aid", "started_on", "started_time", "warning_signs")
    moment_fields = ("started_at", "started_on", "started_time")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = BleedingKind.choices
        self.fields["severity"].choices = [("", _("Not recorded"))] + [
            (
                value,
                # Translators: a severity and what it means: "Mild: A few bruises or spots…".
                _("%(severity)s: %(meaning)s")
                % {"severity": label, "meaning": SEVERITY_DESCRIPTIONS[Severity(value)]},
            )
            for value, label in Severity.choices
        ]
        self.fields["first_aid"].choices = [("", _("Not recorded")), *FirstAid.choices]
        episode = self.instance
        if episode._state.adding:
            now = timezone.now().astimezone(self.patient.zone)
            self.fields["started_on"].initial = now.date()
            self.fields["started_time"].initial = now.time().replace(second=0, microsecond=0)
        elif episode.care_sought is not None:
            self.fields["care_sought"].initial = "yes" if episode.care_sought else "no"

    def clean_warning_signs(self) -> list[str]:
        # Stored in the list's order, however they were sent.
        chosen = set(self.cleaned_data["warning_signs"])
        return [code for code in WarningSign.values if code in chosen]

    def clean(self):
        cleaned = super().clean()
        self.instance.started_at = self.read_moment()
        return cleaned

    def save(self, commit=True):
        episode = super().save(commit=False)
        episode.care_sought = self.cleaned_data["care_sought"]
        if commit:
            episode.save()
        return episode


class TreatmentForm(EntryForm):
    slug = "treatments"
    what_to_enter = {
        "medicine": gettext_noop("Choose the medicine or procedure."),
        "started_on": gettext_noop("Enter the date the treatment started."),
    }

    class Meta:
        model = Treatment
        fields = ("medicine", "other_name", "started_on", "ended_on", "dose", "note")
        labels = {
            "medicine": gettext_lazy("Medicine or procedure"),
            "other_name": gettext_lazy("Name, if other"),
            "started_on": gettext_lazy("Start date"),
            "ended_on": gettext_lazy("End date"),
            "dose": gettext_lazy("Dose"),
        }
        help_texts = {
            "ended_on": gettext_lazy("Leave empty while it is still going on."),
            "dose": gettext_lazy("Optional. For example: 50 mg a day."),
        }
        widgets = {
            "started_on": DateInput(),
            "ended_on": DateInput(),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["medicine"].choices = [("", _("Choose one")), *Medicine.choices]
        if self.instance._state.adding:
            self.fields["started_on"].initial = self.patient.today()


class AmountField(forms.DecimalField):
    """An amount or a weight as typed, read as the import reads it (doses.read_amount): a
    decimal comma is understood, "1,000" is asked about, "1e3" is refused."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        whole = self.max_digits - self.decimal_places
        try:
            return doses.read_amount(str(value), places=self.decimal_places, whole=whole)
        except doses.AmountError as error:
            # Translators: `problem` ends the sentence, as in "“1,000” could be 1000 or 1.000…"
            # (readings/doses.py, AmountError).
            message = _("“%(value)s” %(problem)s.") % {"value": value, "problem": error}
            raise ValidationError(message, code="invalid") from None


class CourseField(forms.ModelChoiceField):
    """One of the record's courses. Anything else, such as text that is no id or a NUL
    character (no page of ours sends them), is just not one of them: the model field's own
    checks would answer in Django's words."""

    def to_python(self, value):
        if value not in self.empty_values and not _is_uuid(value):
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)


class DoseForm(EntryForm):
    """A dose of one of the record's courses. A new dose starts as the course's last one (or the
    medicine's usual unit and route, and the latest weight logged), dated today: logging this
    week's injection is opening the form and saving it."""

    slug = "doses"
    what_to_enter = {
        "treatment": gettext_noop("Choose the treatment this dose is part of."),
        "given_on": gettext_noop("Enter the date of the dose."),
        "unit": gettext_noop("Choose the unit of the dose, as prescribed."),
    }

    class Meta:
        model = Dose
        fields = (
            "treatment",
            "given_on",
            "amount",
            "unit",
            "route",
            "how_often",
            "weight_kg",
            "weighed_on",
            "note",
        )
        labels = {
            "treatment": gettext_lazy("Treatment"),
            "given_on": gettext_lazy("Date of the dose"),
            "amount": gettext_lazy("Amount"),
            "unit": gettext_lazy("Unit"),
            "route": gettext_lazy("How it is given"),
            "how_often": gettext_lazy("How often"),
            "weight_kg": gettext_lazy("Weight (kg)"),
            "weighed_on": gettext_lazy("Date of the weight"),
        }
        help_texts = {
            "given_on": gettext_lazy("The day it was given, or the day a new dose started."),
            "amount": gettext_lazy("As prescribed, like 3 or 0.4."),
            "how_often": gettext_lazy("Optional."),
            "weight_kg": gettext_lazy("For a dose per kg: the weight it was worked out from."),
        }
        widgets = {
            "given_on": DateInput(),
            "weighed_on": DateInput(),
            "amount": forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
            "weight_kg": forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
            "route": forms.RadioSelect,
        }
        field_classes = {"treatment": CourseField, "amount": AmountField, "weight_kg": AmountField}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        courses = (
            Treatment.objects.live().filter(patient=self.patient).exclude(medicine__in=PROCEDURES)
        )
        treatment = self.fields["treatment"]
        treatment.queryset = courses
        treatment.empty_label = _("Choose one")
        treatment.label_from_instance = lambda course: f"{course.name} {course_dates(course)}"
        self.fields["unit"].choices = [("", _("Choose one")), *DoseUnit.choices]
        if not courses.exists():
            treatment.help_text = _("Add the treatment first: a dose belongs to a course.")
        self.fields["how_often"].choices = [("", _("Not said")), *HowOften.choices]
        self.fields["route"].choices = Route.choices
        # (value, label, field) of the box that says an unusual dose is right, once asked.
        self.unusual_choice: tuple[str, str, str] | None = None
        if self.instance._state.adding and not self.is_bound:
            self._start_from(courses, self.initial.get("treatment"))
        elif not self.is_bound:  # as it was typed: 75, not the stored 75.000
            dose = self.instance
            self.initial.update(amount=_plain(dose.amount), weight_kg=_plain(dose.weight_kg))

    def _start_from(self, courses, course_id) -> None:
        course = courses.filter(pk=course_id).first() if _is_uuid(course_id) else None
        self.initial["given_on"] = self.patient.today()
        self.initial["treatment"] = course.pk if course else None
        if course is None:
            return
        last = course.doses.live().order_by("-given_on", "-created_at").first()
        if last is not None:
            for name in ("unit", "route", "how_often", "weighed_on"):
                self.initial[name] = getattr(last, name)
            self.initial.update(amount=_plain(last.amount), weight_kg=_plain(last.weight_kg))
            return
        self.initial["unit"] = doses.units_for(course.medicine)[0]
        self.initial["route"] = doses.route_for(course.medicine)
        self.initial["how_often"] = doses.how_often_for(course.medicine)
        weighed = (
            Dose.objects.live()
            .filter(patient=self.patient, weight_kg__isnull=False)
            .order_by("-weighed_on", "-created_at")
            .first()
        )
        if weighed is not None:
            self.initial.update(weight_kg=_plain(weighed.weight_kg), weighed_on=weighed.weighed_on)

    def clean(self):
        cleaned = super().clean()
        asked = ("treatment", "amount", "unit", "route")
        course, amount, unit, route = (cleaned.get(name) for name in asked)
        if not self.instance._state.adding and not set(asked) & set(self.changed_data):
            return cleaned  # what was confirmed when it was logged stands
        self.instance.unusual_confirmed = False
        if course is None or not unit:
            return cleaned
        question = doses.question(course.medicine, unit, amount, route)
        key = f"{_plain(amount) or '-'} {unit} {route}"
        if question and self.data.get("confirm_unusual") == key:
            self.instance.unusual_confirmed = True
        elif question:
            shown = _("no amount")
            if amount is not None:
                number = formats.number_format(amount.normalize(), force_grouping=True)
                shown = f"{number} {DoseUnit(unit).short}"
            about_route = doses.question(course.medicine, unit, amount) is None
            if about_route:
                shown = Route(route).label.lower()
            field = "route" if about_route else "amount"
            # Translators: `dose` is an amount ("3 mg") or a way of giving ("by mouth").
            self.unusual_choice = (key, _("Yes, %(dose)s is right") % {"dose": shown}, field)
            self.add_error(field, _("%(question)s Check it.") % {"question": question})
        return cleaned


class EndingForm(forms.Form):
    """How an emergency ended, for the bleed as the page showed it (its version)."""

    resolution = forms.ChoiceField(choices=Resolution.choices)
    version = forms.IntegerField(min_value=1, max_value=MAX_VERSION)
