"""The sharing pages: members and their roles, invitations, leaving, alerts and the access log.

Every patient-scoped view starts with accounts.access (a stranger gets 404, a member without
the right gets 403). Memberships are read from the database on every request, so a removal
or a role change applies to the very next request of that person, on every worker. The rules
of a membership change are in accounts.memberships.
"""

import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.mail import send_mail
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import audit, email_limits, invitations, mfa
from accounts.access import get_owned_patient_for, get_patient_for
from accounts.forms import AlertsForm, InviteForm, RoleForm
from accounts.invitations import InvitationError, Problem
from accounts.memberships import (
    LastOwnerError,
    describe_member,
    member_of,
    members_of,
    other_owners,
    update_membership,
)
from accounts.models import CareMembership, Invitation, Role, language_for
from accounts.patients import MAX_OWNED_RECORDS, TooManyRecords

log = logging.getLogger(__name__)

ACCESS_LOG_PAGE_SIZE = 50


# --- The sharing page ----------------------------------------------------------------------------


@login_required
@require_GET
def sharing(request: HttpRequest, patient_id) -> HttpResponse:
    patient, role = get_patient_for(request, patient_id)
    members = members_of(patient)
    me = next((m for m in members if m.user_id == request.user.pk), None)
    if me is None:  # removed between the two queries
        raise Http404("No such patient.")
    ctx = {"patient": patient, "role": role, "me": me, "alerts_form": AlertsForm(instance=me)}
    if role.is_owner:
        ctx["members"] = members
        ctx["two_factor"] = mfa.users_with_two_factor([m.user_id for m in members])
        ctx["invitations"] = invitations.open_invitations(patient).order_by("-sent_at")
        ctx["roles"] = [Role.VIEWER, Role.EDITOR, Role.OWNER]
    else:
        ctx["owners"] = [m for m in members if m.role == Role.OWNER]
    return render(request, "accounts/sharing.html", ctx)


@login_required
@require_http_methods(["GET", "POST"])
def invite(request: HttpRequest, patient_id) -> HttpResponse:
    patient, role = get_owned_patient_for(request, patient_id)
    form = InviteForm(request.POST or None, patient=patient)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        if problem := email_problem(request, email):
            form.add_error(None, problem)
        else:
            sent = invitations.invite(patient, email, form.cleaned_role(), request.user)
            action = audit.RESENT_INVITATION if sent.replaced else audit.INVITED
            audit.record(request, patient, action, lambda: describe_invitation(sent.invitation))
            send_invitation(request, sent)
            return redirect("sharing", patient_id=patient.pk)
    ctx = {"patient": patient, "role": role, "form": form}
    return render(request, "accounts/sharing_invite.html", ctx)


@login_required
@require_POST
def invitation_resend(request: HttpRequest, patient_id, invitation_id) -> HttpResponse:
    patient, _role = get_owned_patient_for(request, patient_id)
    invitation = get_object_or_404(Invitation, pk=invitation_id, patient=patient)
    if problem := email_problem(request, invitation.email):
        messages.error(request, problem)
        return redirect("sharing", patient_id=patient.pk)
    try:
        sent = invitations.resend(invitation)
    except InvitationError:
        messages.error(request, already_closed(invitation))
        return redirect("sharing", patient_id=patient.pk)
    audit.record(request, patient, audit.RESENT_INVITATION, lambda: describe_invitation(invitation))
    send_invitation(request, sent)
    return redirect("sharing", patient_id=patient.pk)


@login_required
@require_POST
def invitation_cancel(request: HttpRequest, patient_id, invitation_id) -> HttpResponse:
    patient, _role = get_owned_patient_for(request, patient_id)
    invitation = get_object_or_404(Invitation, pk=invitation_id, patient=patient)
    if invitations.cancel(invitation):
        audit.record(
            request, patient, audit.CANCELLED_INVITATION, lambda: describe_invitation(invitation)
        )
        messages.success(
            request,
            _("Cancelled the invitation to %(email)s. Its link no longer works.")
            % {"email": invitation.email},
        )
    else:
        messages.error(request, already_closed(invitation))
    return redirect("sharing", patient_id=patient.pk)


@login_required
@require_POST
def member_role(request: HttpRequest, patient_id, membership_id: int) -> HttpResponse:
    patient, _role = get_owned_patient_for(request, patient_id)
    member = member_of(patient, membership_id)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose what they can do."))
        return redirect("sharing", patient_id=patient.pk)
    before, after = Role(member.role), form.cleaned_role()
    try:
        update_membership(patient, member.pk, after)
    except LastOwnerError:
        messages.error(
            request,
            _("%(name)s’s record needs an owner. Make someone else an owner first.")
            % {"name": patient.name},
        )
        return redirect("sharing", patient_id=patient.pk)
    except TooManyRecords:
        messages.error(
            request,
            ngettext(
                "%(name)s already owns %(count)d record, the most one account can. They can "
                "log for this record as an editor instead.",
                "%(name)s already owns %(count)d records, the most one account can. They can "
                "log for this record as an editor instead.",
                MAX_OWNED_RECORDS,
            )
            % {"name": member.user.display_name, "count": MAX_OWNED_RECORDS},
        )
        return redirect("sharing", patient_id=patient.pk)
    if before != after:
        audit.record(
            request,
            patient,
            audit.CHANGED_ROLE,
            lambda: f"{describe_member(member)}: {before.label} → {after.label}",
        )
    # Translators: a member's name and their new access, like "Sam: can view."
    words = _("%(name)s: %(role)s.")
    role = after.label.lower()
    messages.success(request, words % {"name": member.user.display_name, "role": role})
    return redirect("sharing", patient_id=patient.pk)


@login_required
@require_http_methods(["GET", "POST"])
def member_remove(request: HttpRequest, patient_id, membership_id: int) -> HttpResponse:
    patient, role = get_owned_patient_for(request, patient_id)
    member = member_of(patient, membership_id)
    ctx = {"patient": patient, "role": role, "member": member}
    if request.method == "POST":
        try:
            update_membership(patient, member.pk, None)
        except LastOwnerError:
            ctx["last_owner"] = True
            return render(request, "accounts/sharing_remove.html", ctx, status=409)
        audit.record(request, patient, audit.REMOVED_MEMBER, lambda: describe_member(member))
        messages.success(
            request,
            _("Removed %(member)s. They can no longer open %(name)s’s record.")
            % {"member": member.user.display_name, "name": patient.name},
        )
        if member.user_id == request.user.pk:
            return redirect("home")
        return redirect("sharing", patient_id=patient.pk)
    return render(request, "accounts/sharing_remove.html", ctx)


@login_required
@require_http_methods(["GET", "POST"])
def leave(request: HttpRequest, patient_id) -> HttpResponse:
    patient, role = get_patient_for(request, patient_id)
    me = get_object_or_404(CareMembership, patient=patient, user=request.user)
    ctx = {"patient": patient, "role": role, "me": me}
    ctx["last_owner"] = role.is_owner and not other_owners(patient, request.user)
    if request.method == "POST":
        try:
            update_membership(patient, me.pk, None)
        except LastOwnerError:
            ctx["last_owner"] = True
            return render(request, "accounts/sharing_leave.html", ctx, status=409)
        audit.record(request, patient, audit.LEFT, role.label)
        if request.session.get("patient_id") == str(patient.pk):
            del request.session["patient_id"]
        messages.success(request, _("You left %(name)s’s record.") % {"name": patient.name})
        return redirect("home")
    return render(request, "accounts/sharing_leave.html", ctx)


@login_required
@require_POST
def alerts(request: HttpRequest, patient_id) -> HttpResponse:
    """A member's own e-mail alerts: anyone with access may choose theirs, viewers too."""
    patient, _role = get_patient_for(request, patient_id)
    me = get_object_or_404(CareMembership, patient=patient, user=request.user)
    form = AlertsForm(request.POST, instance=me)
    if form.is_valid():
        form.save()
        messages.success(request, _("Saved your e-mail alerts."))
    return redirect(f"{reverse('sharing', args=[patient.pk])}#alerts-heading")


@login_required
@require_GET
def access_log(request: HttpRequest, patient_id) -> HttpResponse:
    """The log, newest first; an owner may leave out what they looked at themselves (a plain
    GET form, so it works without JavaScript and the filter stays in the paging links)."""
    patient, role = get_owned_patient_for(request, patient_id)
    hide_mine = request.GET.get("mine") == "hide"
    events = audit.events_for(patient, hide_reads_of=request.user if hide_mine else None)
    page = Paginator(events, ACCESS_LOG_PAGE_SIZE).get_page(request.GET.get("page"))
    ctx = {"patient": patient, "role": role, "page": page, "hide_mine": hide_mine}
    ctx["log_language"] = settings.LANGUAGE_CODE  # what the details are written in (audit)
    response = render(request, "accounts/access_log.html", ctx)
    # The log names the entries that were changed, so reading it is a read of the record;
    # written after the page is drawn, which shows the log as it stood when opened.
    audit.record(request, patient, audit.VIEWED_ACCESS_LOG, lambda: page_words(page.number))
    return response


def page_words(number: int) -> str:
    # Translators: which page of the access log was read, in the log's own line.
    return _("page %(number)d") % {"number": number} if number > 1 else ""


# --- Invitation e-mails --------------------------------------------------------------------------


def already_closed(invitation: Invitation) -> str:
    return _("The invitation to %(email)s was already accepted or cancelled.") % {
        "email": invitation.email
    }


def describe_invitation(invitation: Invitation) -> str:
    # The access log starts each detail with a capital: the address, as typed, comes second.
    return f"{Role(invitation.role).label}: {invitation.email}"


def email_problem(request: HttpRequest, address: str) -> str | None:
    """Why the signed-in member may not make us e-mail `address` now; None, and the e-mail is
    counted (accounts.email_limits), when they may."""
    if request.user.email_verified_at is None:
        return _(
            "First confirm your own e-mail address: open the link we sent to %(email)s, or ask "
            "for a new one on your account page."
        ) % {"email": request.user.email}
    return email_limits.refusal(request, address)


def send_invitation(request: HttpRequest, sent: invitations.Sent) -> bool:
    """E-mail the link (the token exists only here and in the e-mail) and say how it went."""
    invitation = sent.invitation
    ctx = {
        "invitation": invitation,
        "inviter": request.user,
        "role": Role(invitation.role),
        "link": request.build_absolute_uri(reverse("invitation", args=[sent.token])),
        "days": invitations.INVITATION_LIFETIME.days,
    }
    # In the language of the account the address has, else the inviter's own (the page's).
    with translation.override(language_for(invitation.email)):
        subject = " ".join(render_to_string("emails/invitation_subject.txt", ctx).split())
        body = render_to_string("emails/invitation.txt", ctx)
    try:
        send_mail(subject, body, None, [invitation.email])
    except Exception:  # noqa: BLE001 - the invitation is kept; the owner can resend
        log.exception("Could not send the invitation e-mail %s", invitation.pk)
        messages.warning(
            request,
            _(
                "The invitation to %(email)s is saved, but the e-mail could not be sent. "
                "Try “Send again” in a while."
            )
            % {"email": invitation.email},
        )
        return False
    messages.success(
        request,
        ngettext(
            "Sent an invitation to %(email)s. The link works for %(days)d day.",
            "Sent an invitation to %(email)s. The link works for %(days)d days.",
            ctx["days"],
        )
        % {"email": invitation.email, "days": ctx["days"]},
    )
    return True


# --- Following the link --------------------------------------------------------------------------


@require_GET
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """The link from the e-mail: remember it, then continue at an address without the token."""
    try:
        invitations.remember(request.session, token)
    except InvitationError as error:
        return invalid_invitation(request, error)
    return redirect("invitation_accept")


@require_http_methods(["GET", "POST"])
def invitation_accept(request: HttpRequest) -> HttpResponse:
    """Accept (POST, signed in with the invited address) the invitation this browser opened."""
    token_hash = invitations.pending_hash(request.session) or ""
    # Alerts are offered here, emergencies ticked: a caregiver is often invited for them.
    data = request.POST if request.method == "POST" else None
    alerts_form = AlertsForm(data, initial={"notify_emergency": True})
    try:
        pending = invitations.find(token_hash)
        if request.user.is_authenticated:
            invitations.check_recipient(pending, request.user)
            if request.method == "POST" and alerts_form.is_valid():
                alerts = alerts_form.cleaned_data
                return joined(request, invitations.accept(token_hash, request.user, alerts))
    except InvitationError as error:
        return invalid_invitation(request, error)
    ctx = {"invitation": pending, "alerts_form": alerts_form}
    return render(request, "accounts/invitation.html", ctx)


def joined(request: HttpRequest, membership: CareMembership) -> HttpResponse:
    invitations.forget(request.session)
    patient = membership.patient
    audit.record(request, patient, audit.JOINED, Role(membership.role).label)
    messages.success(request, _("You can now open %(name)s’s record.") % {"name": patient.name})
    return redirect("dashboard", patient_id=patient.pk)


INVALID_STATUS = {
    Problem.UNKNOWN: 404,
    Problem.EXPIRED: 410,
    Problem.USED: 410,
    Problem.CANCELLED: 410,
    Problem.WRONG_EMAIL: 403,
}


def invalid_invitation(request: HttpRequest, error: InvitationError) -> HttpResponse:
    """A clear page, and no access. Says nothing about the record to whoever holds the link."""
    if error.problem is not Problem.WRONG_EMAIL:
        invitations.forget(request.session)
    ctx = {"problem": error.problem.value}
    if error.problem is Problem.WRONG_EMAIL:
        ctx["invited"] = invitations.masked(error.invitation.email)
    return render(
        request, "accounts/invitation_invalid.html", ctx, status=INVALID_STATUS[error.problem]
    )
