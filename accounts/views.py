import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.i18n import set_language

from accounts import email_limits, invitations, mfa, sessions, verification
from accounts.forms import AccountForm, PasswordResetForm, PatientForm, SignupForm
from accounts.models import Patient, normalise_email
from accounts.patients import TooManyRecords, start_own_record, start_record, too_many_records
from accounts.two_factor import BACKEND

log = logging.getLogger(__name__)

# The account this browser just signed up for: its confirmation link, opened here, logs in.
SIGNED_UP = "signed_up_user"


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    """Sign-up answers the same whether or not the address has an account ("check your
    e-mail"); only the e-mail differs: a confirmation link, or a note to the owner."""
    if request.user.is_authenticated:
        return redirect("home")
    invitation = invitations.pending(request.session)  # arriving from an invitation link
    invited_email = normalise_email(invitation.email) if invitation else None
    form = SignupForm(request.POST or None, invited_email=invited_email)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        # Every sign-up e-mails the address: counted first (per client and per address);
        # past the limit nothing is made or sent, behind the same page.
        if email_limits.may_send(request, email):
            return signed_up(request, form, email, invited_email)
        remember_sign_up(request, None, email)
        return redirect("signup_sent")
    return render(request, "accounts/signup.html", {"form": form, "invitation": invitation})


def signed_up(request: HttpRequest, form: SignupForm, email: str, invited_email) -> HttpResponse:
    saved = form.save_new()
    user, new = saved or (None, False)
    if new and (name := form.patient_name()):
        start_record(user, name=name)
    if new and email == invited_email:
        verification.mark_verified(user)  # the invitation's link proved the address
        login(request, user, backend=BACKEND)
        return redirect("invitation_accept")
    remember_sign_up(request, user, email)
    try:  # the link for an account to confirm; for a confirmed one, the note that someone tried
        if user is None:
            verification.send_signup_attempt(request, email)
        else:
            verification.send_link(request, user)
    except Exception:  # noqa: BLE001 - the person can sign up again for a new link
        log.exception("Could not send the sign-up e-mail")
    return redirect("signup_sent")


def remember_sign_up(request: HttpRequest, user, email: str) -> None:
    """Which account, with which password, this browser signed up (None: none it may open)."""
    mark = [user.pk, verification.password_mark(user)] if user is not None else None
    request.session[SIGNED_UP] = mark
    request.session["signup_email"] = email


@require_GET
def signup_sent(request: HttpRequest) -> HttpResponse:
    ctx = {"email": request.session.get("signup_email", "")}
    return render(request, "accounts/signup_sent.html", ctx)


@require_GET
def verify_email(request: HttpRequest, token: str) -> HttpResponse:
    """The link from the confirmation e-mail. In the browser that signed up with the account's
    current password, it also logs in. A new account's link opened anywhere else asks for a new
    password: whoever typed the one it has may not be the person who reads the address."""
    confirmed = verification.confirm(token)
    if confirmed is None:
        ctx = {"days": verification.LINK_LIFETIME.days}
        return render(request, "accounts/verify_email_invalid.html", ctx, status=400)
    user, was_new = confirmed
    messages.success(request, _("Thank you: %(email)s is confirmed.") % {"email": user.email})
    if request.user.is_authenticated:
        return redirect("home")
    if request.session.pop(SIGNED_UP, None) == [user.pk, verification.password_mark(user)]:
        login(request, user, backend=BACKEND)
        return redirect("home")
    if not was_new:
        return redirect("login")
    user.set_unusable_password()
    user.save(update_fields=["password"])
    messages.info(request, _("Choose a password for your account."))
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return redirect("password_reset_confirm", uidb64=uid, token=token)


@login_required
@require_POST
def resend_verification(request: HttpRequest) -> HttpResponse:
    if request.user.email_verified_at is not None:
        messages.info(request, _("Your e-mail address is already confirmed."))
        return redirect("account")
    if problem := email_limits.refusal(request, request.user.email):
        messages.error(request, problem)
        return redirect("account")
    try:
        verification.send_link(request, request.user)
        messages.success(
            request, _("We sent a new link to %(email)s.") % {"email": request.user.email}
        )
    except Exception:  # noqa: BLE001 - they can ask again
        log.exception("Could not send a confirmation link")
        messages.error(request, _("The e-mail could not be sent just now. Try again in a while."))
    return redirect("account")


@login_required
@require_http_methods(["GET", "POST"])
def account(request: HttpRequest) -> HttpResponse:
    form = AccountForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            user = form.save()
            if "language" in form.changed_data:
                chosen = user.language or translation.get_language_from_request(request)
                translation.activate(chosen)
            if "display_name" in form.changed_data:
                # Their records' pages name who entered what (readings.page_cache).
                records = request.user.memberships.values_list("patient_id", flat=True)
                Patient.objects.mark_changed(*records)
        messages.success(request, _("Your details are saved."))
        return redirect("account")
    ctx = {"form": form, "two_factor": mfa.has_two_factor(request.user)}
    return render(request, "accounts/account.html", ctx)


@login_required
@require_http_methods(["GET", "POST"])
def add_patient(request: HttpRequest) -> HttpResponse:
    form = PatientForm(request.POST or None, instance=Patient(time_zone=request.user.time_zone))
    if request.method == "POST" and form.is_valid():
        try:
            patient = start_own_record(request.user, **form.cleaned_data)
        except TooManyRecords:
            form.add_error(None, too_many_records())
        else:
            messages.success(request, _("Added a record for %(name)s.") % {"name": patient})
            return redirect("dashboard", patient_id=patient.pk)
    return render(request, "accounts/patient_form.html", {"form": form, "adding": True})


@login_required
@require_POST
def log_out_everywhere(request: HttpRequest) -> HttpResponse:
    """End every session of this user, on every device, this one included."""
    request.user.sessions_generation += 1
    request.user.save(update_fields=["sessions_generation"])
    logout(request)
    messages.success(request, _("You are logged out on every device, this one too."))
    return sessions.forget_device(redirect("login"))


class PasswordReset(auth_views.PasswordResetView):
    """Django's reset page, its e-mails counted like every other (accounts.email_limits): past
    a limit nothing is sent, behind the same "check your e-mail" page."""

    form_class = PasswordResetForm

    def form_valid(self, form):
        if email_limits.may_send(self.request, form.cleaned_data["email"]):
            return super().form_valid(form)
        return redirect(self.get_success_url())


@require_POST
def choose_language(request: HttpRequest) -> HttpResponse:
    """The language switch at the foot of every page: Django's set_language (the cookie, then
    back to `next`), and the account's own setting for a signed-in member, which wins on every
    device they sign in on."""
    response = set_language(request)
    language = request.POST.get("language", "")
    if request.user.is_authenticated and language in dict(settings.LANGUAGES):
        request.user.language = language
        request.user.save(update_fields=["language"])
    return response
