from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from accounts.access import get_owned_patient_for
from accounts.forms import AccountForm, PatientForm, SignupForm
from accounts.patients import start_record


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("home")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        patient = start_record(user, name=form.patient_name())
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(
            request, f"Welcome, {user.display_name}. Your record for {patient} is ready."
        )
        return redirect("dashboard", patient_id=patient.pk)
    return render(request, "accounts/signup.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def account(request: HttpRequest) -> HttpResponse:
    form = AccountForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Your details are saved.")
        return redirect("account")
    return render(request, "accounts/account.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def add_patient(request: HttpRequest) -> HttpResponse:
    form = PatientForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        patient = start_record(request.user, **form.cleaned_data)
        messages.success(request, f"Added a record for {patient}.")
        return redirect("dashboard", patient_id=patient.pk)
    return render(request, "accounts/patient_form.html", {"form": form, "adding": True})


@login_required
@require_http_methods(["GET", "POST"])
def patient_settings(request: HttpRequest, patient_id) -> HttpResponse:
    patient = get_owned_patient_for(request, patient_id)
    form = PatientForm(request.POST or None, instance=patient)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, f"Saved the details of {patient}.")
        return redirect("dashboard", patient_id=patient.pk)
    ctx = {"form": form, "patient": patient, "adding": False}
    return render(request, "accounts/patient_form.html", ctx)
