"""The record's details page (owners only): name, year of birth, diagnosis date, time zone, unit,
the clinician's threshold and the care team's phone number.

It lives beside the entries because two of its rules read them: the year of birth may not be
after the earliest entry, and a new time zone keeps every date and clock time already logged.
A record's dates and times are its patient's wall clock (accounts.dates): a family that first
kept the default zone, or that moves, still sees each test at the time on its report. The
moments behind them move with the zone; every entry's version goes up, so that an edit form
opened before the change is refused rather than saving the old moment back.
"""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import models, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from accounts import audit, dates
from accounts.access import get_owned_patient_for
from accounts.forms import PatientForm
from accounts.models import Patient
from readings.models import BleedingEpisode, PlateletReading, Treatment


@login_required
@require_http_methods(["GET", "POST"])
def patient_settings(request: HttpRequest, patient_id) -> HttpResponse:
    patient = get_owned_patient_for(request, patient_id)
    old_zone = patient.time_zone
    earliest = earliest_entry(patient)
    form = PatientForm(request.POST or None, instance=patient, earliest_entry=earliest)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            form.save()
            kept = keep_clock_times(patient, old_zone) if patient.time_zone != old_zone else 0
            Patient.objects.mark_changed(patient.pk)
        audit.record(request, patient, audit.CHANGED_DETAILS)
        saved = f"Saved the details of {patient}."
        if kept:
            saved += (
                f" The {kept} entries with a time keep their dates and clock times, now read "
                f"as {patient.time_zone_label} time."
            )
        messages.success(request, saved)
        return redirect("dashboard", patient_id=patient.pk)
    ctx = {"form": form, "patient": patient, "adding": False}
    return render(request, "accounts/patient_form.html", ctx)


def earliest_entry(patient: Patient) -> datetime.date | None:
    """The date of the record's earliest entry (deleted ones too: they can be restored)."""
    days = [
        PlateletReading.objects.filter(patient=patient).aggregate(day=models.Min("drawn_on")),
        Treatment.objects.filter(patient=patient).aggregate(day=models.Min("started_on")),
    ]
    first_bleed = BleedingEpisode.objects.filter(patient=patient).order_by("started_at").first()
    found = [day["day"] for day in days if day["day"]]
    if first_bleed:
        found.append(first_bleed.started_at.astimezone(patient.zone).date())
    return min(found, default=None)


def keep_clock_times(patient: Patient, old_zone_name: str) -> int:
    """Read every timed entry's clock time, as it was logged in `old_zone_name`, in the record's
    zone now: the dates and clock times stay, the moments move. Returns how many moved."""
    old, new = dates.zone_named(old_zone_name), patient.zone
    moved = 0
    for reading in PlateletReading.objects.filter(patient=patient, drawn_at__isnull=False):
        clock = reading.drawn_at.astimezone(old).time()
        moved += _move(reading, "drawn_at", datetime.datetime.combine(reading.drawn_on, clock, new))
    for episode in BleedingEpisode.objects.filter(patient=patient):
        wall = episode.started_at.astimezone(old).replace(tzinfo=new)
        moved += _move(episode, "started_at", wall)
    return moved


def _move(entry, field: str, moment: datetime.datetime) -> int:
    if moment == getattr(entry, field):
        return 0
    type(entry).objects.filter(pk=entry.pk).update(
        **{field: moment}, version=models.F("version") + 1
    )
    return 1
