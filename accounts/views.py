from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from accounts import invitations, mfa
from accounts.forms import AccountForm, PatientForm, SignupForm
from accounts.models import Patient
from accounts.patients import start_record


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("home")
    invitation = invitations.pending(request.session)  # arriving from an invitation link
    invited_email = invitation.email if invitation else None
    form = SignupForm(request.POST or None, invited_email=invited_email)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        name = form.patient_name()
        patient = start_record(user, name=name) if name else None
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        if invitation is not None:
            return redirect("invitation_accept")
        messages.success(
            request, f"Welcome, {user.display_name}. Your record for {patient} is ready."
        )
        return redirect("dashboard", patient_id=patient.pk)
    return render(request, "accounts/signup.html", {"form": form, "invitation": invitation})


@login_required
@require_http_methods(["GET", "POST"])
def account(request: HttpRequest) -> HttpResponse:
    form = AccountForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            form.save()
            if "display_name" in form.changed_data:
                # Their records' pages name who entered what (readings.page_cache).
                records = request.user.memberships.values_list("patient_id", flat=True)
                Patient.objects.mark_changed(*records)
        messages.success(request, "Your details are saved.")
        return redirect("account")
    ctx = {"form": form, "two_factor": mfa.has_two_factor(request.user)}
    return render(request, "accounts/account.html", ctx)


@login_required
@require_http_methods(["GET", "POST"])
def add_patient(request: HttpRequest) -> HttpResponse:
    form = PatientForm(request.POST or None, instance=Patient(time_zone=request.user.time_zone))
    if request.method == "POST" and form.is_valid():
        patient = start_record(request.user, **form.cleaned_data)
        messages.success(request, f"Added a record for {patient}.")
        return redirect("dashboard", patient_id=patient.pk)
    return render(request, "accounts/patient_form.html", {"form": form, "adding": True})


@login_required
@require_POST
def log_out_everywhere(request: HttpRequest) -> HttpResponse:
    """End every session of this user, on every device, this one included."""
    request.user.sessions_generation += 1
    request.user.save(update_fields=["sessions_generation"])
    logout(request)
    messages.success(request, "You are logged out on every device, this one too.")
    return redirect("login")
