"""The record's details page (owners only): name, year of birth, diagnosis date, time zone, unit,
the clinician's threshold and the care team's phone number.

It lives beside the entries because two of its rules read them: the year of birth may not be
after the earliest entry, and a new time zone asks what becomes of the times already logged
(`LoggedTimesForm`):
- "same moment" (the family moved, or travels): every entry stays at the moment it happened
  and shows in the new zone's clock; a count whose time falls on another day there takes
  that day, so that its time is always on its date;
- "same clock time" (the old zone was wrong all along): every date and clock time stays as
  typed, and the moments behind them move.
Either way, no entry may end up breaking its own rules (a time in the future, a clock time
the new zone skipped, a start after its recorded ending): the change is refused, naming the
entries, and nothing moves. Every moved entry's version goes up, so that an edit form opened
before the change is refused rather than saving the old moment back.
"""

import datetime
from dataclasses import dataclass, field

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import models, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods

from accounts import audit, dates
from accounts.access import get_owned_patient_for
from accounts.forms import PatientForm
from accounts.models import Patient
from itptracker.forms import PlainErrors
from readings import reminders
from readings.models import BleedingEpisode, Dose, PlateletReading, Treatment

SAME_MOMENT = "moment"
SAME_CLOCK = "clock"


class LoggedTimesForm(PlainErrors, forms.Form):
    logged_times = forms.ChoiceField(
        label=gettext_lazy("If you change the time zone: the times already logged"),
        choices=[
            (
                SAME_MOMENT,
                gettext_lazy(
                    "We moved, or are travelling: keep each entry at the moment it happened"
                ),
            ),
            (
                SAME_CLOCK,
                gettext_lazy(
                    "The old time zone was wrong: keep the clock times as they were typed"
                ),
            ),
        ],
        widget=forms.RadioSelect,
        required=False,
        help_text=gettext_lazy("Only asked when the time zone changes."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def patient_settings(request: HttpRequest, patient_id) -> HttpResponse:
    patient, _role = get_owned_patient_for(request, patient_id)
    old_zone = patient.time_zone
    earliest = earliest_entry(patient)
    form = PatientForm(request.POST or None, instance=patient, earliest_entry=earliest)
    times = LoggedTimesForm(request.POST or None) if has_times(patient) else None
    if request.method == "POST" and form.is_valid() and (times is None or times.is_valid()):
        plan = zone_change(patient, old_zone, form, times)
        if plan.ok:
            with transaction.atomic():
                form.save()
                plan.apply()
                if patient.time_zone != old_zone:
                    reminders.zone_changed(patient, timezone.now())
                Patient.objects.mark_changed(patient.pk)
            audit.record(request, patient, audit.CHANGED_DETAILS)
            saved = _("Saved the details of %(name)s.") % {"name": patient}
            messages.success(request, f"{saved}{plan.said}")
            return redirect("dashboard", patient_id=patient.pk)
    audit.record(request, patient, audit.VIEWED_DETAILS)
    ctx = {"form": form, "times_form": times, "patient": patient, "adding": False}
    return render(request, "accounts/patient_form.html", ctx)


def earliest_entry(patient: Patient) -> datetime.date | None:
    """The date of the record's earliest entry (deleted ones too: they can be restored)."""
    days = [
        *PlateletReading.objects.filter(patient=patient).aggregate(models.Min("drawn_on")).values(),
        *Treatment.objects.filter(patient=patient).aggregate(models.Min("started_on")).values(),
        # A dose's weight may be older than the dose.
        *Dose.objects.filter(patient=patient)
        .aggregate(models.Min("given_on"), models.Min("weighed_on"))
        .values(),
    ]
    first_bleed = BleedingEpisode.objects.filter(patient=patient).order_by("started_at").first()
    found = [day for day in days if day]
    if first_bleed:
        found.append(first_bleed.started_at.astimezone(patient.zone).date())
    return min(found, default=None)


def has_times(patient: Patient) -> bool:
    """Whether the record holds a moment that a new time zone could read differently."""
    timed = PlateletReading.objects.filter(patient=patient, drawn_at__isnull=False)
    return timed.exists() or BleedingEpisode.objects.filter(patient=patient).exists()


@dataclass
class ZoneChange:
    """What a new time zone does to the entries: the moves, or why it cannot be done."""

    moves: list[tuple[object, dict]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    said: str = ""  # for the success message, with a leading space

    @property
    def ok(self) -> bool:
        return not self.problems

    def apply(self) -> None:
        for entry, changes in self.moves:
            type(entry).objects.filter(pk=entry.pk).update(
                **changes, version=models.F("version") + 1
            )


def zone_change(patient: Patient, old_zone_name: str, form, times) -> ZoneChange:
    """The plan for `patient`, whose details `form` now holds its new zone. The reason goes on
    the form (on `times`, the question about logged times, when the record has any) when the
    person must choose, or when the change would break an entry."""
    if patient.time_zone == old_zone_name:
        return ZoneChange()
    keep = times.cleaned_data["logged_times"] if times is not None else SAME_MOMENT
    if not keep:
        times.add_error("logged_times", _("Choose what happens to the times already logged."))
        return ZoneChange(problems=["no choice"])
    plan = plan_moves(patient, dates.zone_named(old_zone_name), keep)
    if plan.problems:
        count = len(plan.problems)
        shown = "; ".join(problem.rstrip(".") for problem in plan.problems[:3])
        if count > 3:
            # Translators: after the first three problems: "…; and 2 more".
            shown += _("; and %(count)s more") % {"count": count - 3}
        if times is not None:
            words = ngettext(
                "%(count)s entry would not be right in that time zone (%(problems)s). Choose "
                "the other way, or correct those entries first.",
                "%(count)s entries would not be right in that time zone (%(problems)s). Choose "
                "the other way, or correct those entries first.",
                count,
            )
        else:
            words = ngettext(
                "%(count)s entry would not be right in that time zone (%(problems)s). Correct "
                "those entries first.",
                "%(count)s entries would not be right in that time zone (%(problems)s). Correct "
                "those entries first.",
                count,
            )
        (times or form).add_error(
            "logged_times" if times is not None else "time_zone",
            words % {"count": count, "problems": shown},
        )
    zone = patient.time_zone_label
    if times is None:
        plan.said = ""
    elif keep == SAME_MOMENT:
        plan.said = " " + _(
            "Entries with a time keep their moments and now show in %(zone)s time."
        ) % {"zone": zone}
    else:
        plan.said = " " + _(
            "Entries with a time keep their dates and clock times, now read as %(zone)s time."
        ) % {"zone": zone}
    return plan


def plan_moves(patient: Patient, old: datetime.tzinfo, keep: str) -> ZoneChange:
    """Every entry of the record, deleted ones too (they can be restored), as `keep` would
    have it in the record's new zone (`patient.zone`), checked against its own rules: a date
    that is today where the record was may still be tomorrow in the new zone."""
    plan = ZoneChange()
    for model in (PlateletReading, BleedingEpisode, Treatment, Dose):
        for entry in model.objects.filter(patient=patient):
            what = entry.describe(patient.preferred_unit)
            try:
                changes = _moved(entry, keep, old, patient.zone)
            except dates.TimeProblem as problem:
                plan.problems.append(
                    _("%(entry)s: %(problem)s") % {"entry": what, "problem": problem}
                )
                continue
            entry.patient = patient  # the rules read the record's new zone
            for name, value in changes.items():
                setattr(entry, name, value)
            if errors := entry.problems():
                message = next(iter(errors.values())).messages[0]
                plan.problems.append(
                    _("%(entry)s: %(problem)s") % {"entry": what, "problem": message}
                )
            elif changes:
                plan.moves.append((entry, changes))
    return plan


def _moved(entry, keep: str, old: datetime.tzinfo, new: datetime.tzinfo) -> dict:
    """The fields of `entry` that change; raises TimeProblem for a clock time `new` skips."""
    if isinstance(entry, Treatment | Dose) or getattr(entry, "drawn_at", True) is None:
        return {}  # dates only: they stay
    if isinstance(entry, BleedingEpisode) and keep == SAME_MOMENT:
        return {}  # a moment with no date of its own
    if isinstance(entry, PlateletReading):
        if keep == SAME_MOMENT:
            changes = {"drawn_on": entry.drawn_at.astimezone(new).date()}
        else:
            clock = entry.drawn_at.astimezone(old).time()
            changes = {"drawn_at": dates.local_moment(entry.drawn_on, clock, new, fold=0)}
    else:
        wall = entry.started_at.astimezone(old)
        changes = {"started_at": dates.local_moment(wall.date(), wall.time(), new, fold=0)}
    # Of a clock time the new zone passes twice, the first (fold=0): the earlier reading.
    return {name: value for name, value in changes.items() if getattr(entry, name) != value}
