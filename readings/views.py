from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from accounts.access import get_patient_for, memberships_of


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return render(request, "readings/welcome.html")
    memberships = list(memberships_of(request.user))
    if not memberships:
        return redirect("add_patient")
    last_seen = request.session.get("patient_id")
    patient_ids = [str(m.patient_id) for m in memberships]
    patient_id = last_seen if last_seen in patient_ids else patient_ids[0]
    return redirect("dashboard", patient_id=patient_id)


@login_required
@require_GET
def dashboard(request: HttpRequest, patient_id) -> HttpResponse:
    patient, role = get_patient_for(request, patient_id)
    request.session["patient_id"] = str(patient.pk)
    return render(request, "readings/dashboard.html", {"patient": patient, "role": role})


@require_GET
def when_to_get_help(request: HttpRequest) -> HttpResponse:
    return render(request, "readings/help.html")
