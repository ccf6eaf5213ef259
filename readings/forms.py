"""Forms for logging entries. They return domain values: counts in ×10⁹/L, aware datetimes."""

import datetime
import uuid

from django import forms
from django.utils import timezone

from readings import units
from readings.models import (
    SEVERITY_DESCRIPTIONS,
    BleedingEpisode,
    BleedingKind,
    FirstAid,
    Medicine,
    PlateletReading,
    Severity,
    Treatment,
)

FUTURE = "That date is in the future. Enter the date it happened."


def local_datetime(day: datetime.date, time: datetime.time) -> datetime.datetime:
    """A date and time as the user sees them, in their own time zone, made aware."""
    return timezone.make_aware(datetime.datetime.combine(day, time))


class NewEntryField(forms.BoundField):
    """A field of a blank form for a new entry, its group (label, help, widget) kept once drawn.

    Such a field shows only what the code puts there: its label, choices and an initial value
    such as today's date or the patient's unit. So its HTML is kept per process for each
    value. The dashboard's two quick-add boxes draw 7 groups with 15 radio buttons on every
    view, which otherwise cost more than the rest of the page together. Forms holding what a
    user typed or saved (bound, or editing an entry) are drawn afresh and never kept.
    """

    kept: dict[tuple, str] = {}
    MAX_KEPT = 1000

    def as_field_group(self):
        if self.form.is_bound or not self.form.instance._state.adding:
            return super().as_field_group()
        key = (type(self.form), self.form.prefix, self.form.auto_id, self.name, repr(self.value()))
        html = self.kept.get(key)
        if html is None:
            if len(self.kept) >= self.MAX_KEPT:  # initial times change by the minute
                self.kept.clear()
            html = self.kept[key] = super().as_field_group()
        return html


class EntryForm(forms.ModelForm):
    """What every entry form shares: a one-time token and the version being edited."""

    bound_field_class = NewEntryField

    form_token = forms.UUIDField(widget=forms.HiddenInput, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    # The few fields the dashboard's quick-add box shows; the rest keep their defaults.
    quick_fields: tuple[str, ...] = ()

    def __init__(self, *args, patient, **kwargs):
        super().__init__(*args, **kwargs)
        self.patient = patient
        if self.instance._state.adding:
            self.fields["form_token"].initial = uuid.uuid4()
        else:
            self.fields["version"].initial = self.instance.version

    def bound_quick_fields(self):
        return [self[name] for name in self.quick_fields]

    def check_not_future(self, field: str, day: datetime.date | None) -> None:
        if day is not None and day > timezone.localdate():
            self.add_error(field, FUTURE)


class ReadingForm(EntryForm):
    count_text = forms.CharField(
        label="Platelet count",
        max_length=units.MAX_INPUT_LENGTH,
        help_text="As on your blood test result, like 45 or 45,000.",
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    unit = forms.ChoiceField(
        label="Unit on the result",
        choices=[
            (units.Unit.E9_PER_L.value, "×10⁹/L, K/µL or G/L (like 45)"),
            (units.Unit.PER_UL.value, "per µL or per mm³ (like 45,000)"),
        ],
        widget=forms.RadioSelect,
    )
    drawn_time = forms.TimeField(
        label="Time of the blood test",
        required=False,
        help_text="Optional.",
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )

    class Meta:
        model = PlateletReading
        fields = ("drawn_on", "lab", "note")
        labels = {"drawn_on": "Date of the blood test", "lab": "Lab or clinic", "note": "Note"}
        help_texts = {"lab": "Optional.", "note": "Optional."}
        widgets = {
            "drawn_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "note": forms.Textarea(attrs={"rows": 2}),
        }

    field_order = ("count_text", "unit", "drawn_on", "drawn_time", "lab", "note")
    quick_fields = ("count_text", "unit", "drawn_on")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The readings to choose from when the count can be read more than one way.
        self.count_choices: tuple[units.Count, ...] = ()
        reading = self.instance
        if reading._state.adding:
            self.fields["drawn_on"].initial = timezone.localdate()
            self.fields["unit"].initial = self.patient.preferred_unit
        else:
            self.fields["count_text"].initial = reading.entered_text
            self.fields["unit"].initial = reading.entered_unit
            if reading.drawn_at:
                self.fields["drawn_time"].initial = timezone.localtime(reading.drawn_at).time()

    def clean_drawn_on(self):
        day = self.cleaned_data["drawn_on"]
        self.check_not_future("drawn_on", day)
        return day

    def clean(self):
        cleaned = super().clean()
        text, unit = cleaned.get("count_text"), cleaned.get("unit")
        if text and unit:
            self._read_count(text, units.Unit(unit))
        day, time = cleaned.get("drawn_on"), cleaned.get("drawn_time")
        if day and time and local_datetime(day, time) > timezone.now():
            self.add_error(
                "drawn_time", "That time is still to come. Enter when the blood was taken."
            )
        return cleaned

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
            return [(self.count_choices[0].key, f"Yes, I meant {self.count_choices[0]}")]
        return [(choice.key, f"I meant {choice}") for choice in self.count_choices]

    def save(self, commit=True):
        reading = super().save(commit=False)
        reading.count = self.count.value
        reading.comparator = self.count.comparator
        reading.entered_text = self.cleaned_data["count_text"].strip()
        reading.entered_unit = self.count.unit.value
        time = self.cleaned_data.get("drawn_time")
        reading.drawn_at = local_datetime(reading.drawn_on, time) if time else None
        if commit:
            reading.save()
        return reading


class EpisodeForm(EntryForm):
    started_on = forms.DateField(
        label="Date it started",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    started_time = forms.TimeField(
        label="Time it started",
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    care_sought = forms.TypedChoiceField(
        label="Did you see a doctor or nurse about it?",
        choices=[("", "Not recorded"), ("yes", "Yes"), ("no", "No")],
        coerce=lambda value: value == "yes",
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
    )

    class Meta:
        model = BleedingEpisode
        fields = ("kind", "severity", "first_aid", "body_site", "duration_minutes", "note")
        labels = {
            "kind": "What kind of bleeding?",
            "severity": "How bad was it?",
            "first_aid": "Did pressure or first aid stop it?",
            "body_site": "Where on the body?",
            "duration_minutes": "How long did it last? (minutes)",
            "note": "Note",
        }
        help_texts = {
            "body_site": "Optional. For example: left shin, nose.",
            "duration_minutes": "Optional.",
            "note": "Optional.",
        }
        widgets = {
            "kind": forms.RadioSelect(attrs={"class": "tap-choices"}),
            "severity": forms.RadioSelect(attrs={"class": "tap-choices"}),
            "first_aid": forms.RadioSelect(attrs={"class": "tap-choices"}),
            "duration_minutes": forms.NumberInput(attrs={"inputmode": "numeric", "min": 0}),
            "note": forms.Textarea(attrs={"rows": 2}),
        }

    field_order = ("kind", "started_on", "started_time", "severity", "first_aid")
    quick_fields = ("kind", "first_aid", "started_on", "started_time")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = BleedingKind.choices
        self.fields["severity"].choices = [("", "Not recorded")] + [
            (value, f"{label}: {SEVERITY_DESCRIPTIONS[Severity(value)]}")
            for value, label in Severity.choices
        ]
        self.fields["first_aid"].choices = [("", "Not recorded"), *FirstAid.choices]
        episode = self.instance
        started = timezone.localtime(episode.started_at or timezone.now())
        self.fields["started_on"].initial = started.date()
        self.fields["started_time"].initial = started.time().replace(second=0, microsecond=0)
        if not episode._state.adding and episode.care_sought is not None:
            self.fields["care_sought"].initial = "yes" if episode.care_sought else "no"

    def clean(self):
        cleaned = super().clean()
        day, time = cleaned.get("started_on"), cleaned.get("started_time")
        self.check_not_future("started_on", day)
        if day and time and "started_on" not in self.errors:
            started_at = local_datetime(day, time)
            if started_at > timezone.now() + datetime.timedelta(minutes=5):
                self.add_error("started_time", "That time is still to come. Enter when it started.")
            cleaned["started_at"] = started_at
        return cleaned

    def save(self, commit=True):
        episode = super().save(commit=False)
        episode.started_at = self.cleaned_data["started_at"]
        episode.care_sought = self.cleaned_data["care_sought"]
        if commit:
            episode.save()
        return episode


class TreatmentForm(EntryForm):
    class Meta:
        model = Treatment
        fields = ("medicine", "other_name", "started_on", "ended_on", "dose", "note")
        labels = {
            "medicine": "Medicine or procedure",
            "other_name": "Name, if other",
            "started_on": "Start date",
            "ended_on": "End date",
            "dose": "Dose",
            "note": "Note",
        }
        help_texts = {
            "ended_on": "Leave empty while it is still going on.",
            "dose": "Optional. For example: 50 mg a day.",
            "note": "Optional.",
        }
        widgets = {
            "started_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "ended_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "note": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["medicine"].choices = [("", "Choose one"), *Medicine.choices]
        if self.instance._state.adding:
            self.fields["started_on"].initial = timezone.localdate()

    def clean(self):
        cleaned = super().clean()
        started, ended = cleaned.get("started_on"), cleaned.get("ended_on")
        self.check_not_future("started_on", started)
        if started and ended and ended < started:
            self.add_error("ended_on", "The end date is before the start date.")
        if cleaned.get("medicine") == Medicine.OTHER and not cleaned.get("other_name", "").strip():
            self.add_error("other_name", "Enter the name of the medicine or procedure.")
        return cleaned
