"""The reminder forms: a reminder's schedule, and what a member gets of it.

The rules on the values are the model's (`Reminder.problems()`: dates of the record, "every N"
within its range), run by Django's model validation after the fields' own cleaning; the form
adds only what depends on the moment it is sent (a one-off that has already passed).
"""

import uuid

from django import forms
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from itptracker.forms import DateInput, PlainErrors, TimeInput, WholeNumberField
from readings import reminders
from readings.models import Reminder, ReminderChoice, ReminderKind, Repeat

SCHEDULE_FIELDS = ("first_on", "time_of_day", "repeat", "every")


class ReminderForm(PlainErrors, forms.ModelForm):
    what_to_enter = {
        "kind": _("Choose what the reminder is for."),
        "first_on": _("Enter the date of the reminder, like 2026-11-20."),
        "time_of_day": _("Enter the time of the reminder, like 09:00."),
        "repeat": _("Choose whether the reminder repeats."),
    }
    # Checked by the model's rules (1–365 days, 1–52 weeks), in words that say the range.
    every = WholeNumberField(
        label=_("Every how many days or weeks"),
        required=False,
        help_text=_("Only if it repeats: 1 to 365 days, or 1 to 52 weeks."),
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 1, "max": 365}),
    )
    form_token = forms.UUIDField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Reminder
        fields = ("kind", "label", "first_on", "time_of_day", "repeat", "every")
        labels = {"kind": _("What it is for"), "first_on": _("Date"), "time_of_day": _("Time")}
        widgets = {
            "kind": forms.RadioSelect,
            "first_on": DateInput,
            "time_of_day": TimeInput,
        }

    def __init__(self, *args, patient, **kwargs):
        super().__init__(*args, **kwargs)
        self.patient = patient
        self.instance.patient = patient  # the model's rules read the record's bounds
        self.fields["kind"].choices = ReminderKind.choices
        self.fields["repeat"].choices = Repeat.choices
        # Translators: under a reminder's time: "On Robin’s clock, in Europe/London."
        self.fields["time_of_day"].help_text = gettext("On %(name)s’s clock, in %(zone)s.") % {
            "name": patient.name,
            "zone": patient.time_zone_label,
        }
        if self.instance._state.adding:
            self.fields["form_token"].initial = uuid.uuid4()
            self.fields["first_on"].initial = patient.today()
        else:
            del self.fields["form_token"]

    @property
    def schedule_changed(self) -> bool:
        return self.instance._state.adding or bool(set(self.changed_data) & set(SCHEDULE_FIELDS))

    def clean_label(self) -> str:
        # One line: it becomes an e-mail's subject and a notification's title, where a line
        # break is refused (the e-mail would never go).
        return " ".join(self.cleaned_data["label"].split())

    def clean(self):
        data = super().clean()
        day, time = data.get("first_on"), data.get("time_of_day")
        once = data.get("repeat") == Repeat.NEVER
        if (
            once
            and day
            and time
            and self.schedule_changed
            and reminders.wall_moment(day, time, self.patient.zone) <= timezone.now()
        ):
            self.add_error(
                "time_of_day",
                gettext("That time has passed. Choose a date and time still to come."),
            )
        return data


class ReminderChoiceForm(forms.ModelForm):
    """What one member gets of a reminder; push only where the site can send it."""

    class Meta:
        model = ReminderChoice
        fields = ("by_email", "by_push", "show_details")
        labels = {
            "by_email": _("Send it to me by e-mail"),
            "by_push": _("Send it to my devices where I chose “Get reminders on this device”"),
            "show_details": _(
                "Show what it is for and whose it is (on a lock screen too). "
                "Without this, it says only “A reminder from ITP Tracker”."
            ),
        }

    def __init__(self, *args, push: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not push:
            del self.fields["by_push"]
