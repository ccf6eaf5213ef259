"""Views for logging in with a second factor, and for turning it on and off."""

from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login

from accounts import mfa, redirects, sessions
from accounts.forms import CodeForm, LoginForm, PasswordCheckForm
from accounts.models import User

PENDING_USER = "mfa_pending_user"
PENDING_NEXT = "mfa_pending_next"
PENDING_REMEMBER = "mfa_pending_remember"
BACKEND = "django.contrib.auth.backends.ModelBackend"


def next_url(request: HttpRequest) -> str:
    return redirects.next_url(request, reverse("home"))


@require_http_methods(["GET", "POST"])
def login(request: HttpRequest) -> HttpResponse:
    """The password step. With two-factor sign-in on, nobody is logged in until the code step."""
    if request.user.is_authenticated:
        return redirect(next_url(request))
    form = LoginForm(request, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.get_user()
        if not mfa.has_two_factor(user):
            auth_login(request, user)
            if form.cleaned_data["remember"]:
                sessions.remember(request.session)
            return redirect(next_url(request))
        request.session[PENDING_USER] = user.pk
        request.session[PENDING_NEXT] = next_url(request)
        request.session[PENDING_REMEMBER] = form.cleaned_data["remember"]
        return redirect("login_code")
    return render(request, "registration/login.html", {"form": form, "next": next_url(request)})


@require_http_methods(["GET", "POST"])
def login_code(request: HttpRequest) -> HttpResponse:
    user = User.objects.filter(pk=request.session.get(PENDING_USER), is_active=True).first()
    if user is None:
        return redirect("login")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = mfa.verify(user, form.cleaned_data["code"])
        if device is not None:
            target = request.session.get(PENDING_NEXT) or reverse("home")
            remembered = request.session.get(PENDING_REMEMBER, False)
            auth_login(request, user, backend=BACKEND)
            otp_login(request, device)
            if remembered:
                sessions.remember(request.session)
            return redirect(target)
        form.add_error("code", wrong_code_message(user))
    return render(request, "registration/login_code.html", {"form": form})


def wrong_code_message(user) -> str:
    if mfa.too_many_wrong_codes(user):
        return _("Too many wrong codes. Wait 15 minutes, then try again.")
    return _("That code is not right. Check the app and type the 6 digits shown now.")


@login_required
@require_http_methods(["GET", "POST"])
def two_factor(request: HttpRequest) -> HttpResponse:
    """Status, and set-up: scan the QR code, then prove it works with one code."""
    if mfa.has_two_factor(request.user):
        return render(request, "accounts/two_factor.html", {"enabled": True})
    device = mfa.pending_device(request.user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if mfa.confirm(device, form.cleaned_data["code"]):
            codes = mfa.new_recovery_codes(request.user)
            messages.success(request, _("Two-factor sign-in is on."))
            return render(request, "accounts/two_factor.html", {"enabled": True, "codes": codes})
        form.add_error(
            "code", _("That code is not right. Check the app and try the code shown now.")
        )
    ctx = {"form": form, "qr_code": mfa.qr_code_data_url(device)}
    ctx["secret"] = mfa.secret_for_typing(device)
    return render(request, "accounts/two_factor.html", ctx)


@login_required
@require_POST
def recovery_codes(request: HttpRequest) -> HttpResponse:
    if not mfa.has_two_factor(request.user):
        return redirect("two_factor")
    codes = mfa.new_recovery_codes(request.user)
    messages.success(request, _("New recovery codes made. The old ones no longer work."))
    return render(request, "accounts/two_factor.html", {"enabled": True, "codes": codes})


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_off(request: HttpRequest) -> HttpResponse:
    form = PasswordCheckForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        mfa.turn_off(request.user)
        messages.success(request, _("Two-factor sign-in is off."))
        return redirect("account")
    return render(request, "accounts/two_factor_off.html", {"form": form})
