from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import audit, invitations, mfa, takeout
from accounts.forms import AccountForm, DeleteAccountForm, PatientForm, SignupForm
from accounts.models import Patient
from accounts.patients import start_record
from readings import page_cache


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
                page_cache.changed_author(request.user)
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


@login_required
@require_GET
def download_my_data(request: HttpRequest) -> HttpResponse:
    """Every record the user owns, and their account, as one ZIP."""
    archive = takeout.build_zip(request.user)
    for patient in takeout.owned_patients(request.user):
        audit.record(request, patient, audit.EXPORTED, "everything, in the account download")
    filename = f"itp-tracker-{timezone.localdate().isoformat()}.zip"
    return HttpResponse(
        archive,
        content_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@login_required
@require_http_methods(["GET", "POST"])
def delete_account(request: HttpRequest) -> HttpResponse:
    form = DeleteAccountForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        deleted = takeout.delete_account(request.user)
        logout(request)
        also = f" The records of {', '.join(deleted)} are deleted too." if deleted else ""
        messages.success(request, f"Your account is deleted.{also} Take care.")
        return redirect("home")
    owned = takeout.owned_patients(request.user)
    shared = {p.pk for p in owned if p.memberships.filter(role="owner").count() > 1}
    ctx = {"form": form, "sole": [p for p in owned if p.pk not in shared]}
    ctx["kept"] = [p for p in owned if p.pk in shared]
    return render(request, "accounts/delete_account.html", ctx)
