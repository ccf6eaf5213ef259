"""The reminders page of a record, and a member's devices for push (readings.reminders).

Every member who can view sees the reminders and chooses what they get of each (by e-mail, by
push, with details or not); members who can log add, change, snooze and stop them. A device is
its owner's alone: `/account/push/` adds the browser's subscription for the person signed in,
and only they can remove it.
"""

import base64
import binascii
import contextlib
import json
import re
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import audit, redirects
from accounts.access import get_patient_for
from readings import reminder_sending, reminders
from readings.models import PushSubscription, Reminder, ReminderChoice
from readings.reminder_forms import ReminderChoiceForm, ReminderForm


@dataclass
class Row:
    reminder: Reminder
    next_due: datetime | None
    came: datetime | None  # when it last came, while it can be snoozed
    snoozed_until: datetime | None
    snooze_choices: list
    choice_form: ReminderChoiceForm


def rows_for(patient, user, can_write: bool, now: datetime) -> list[Row]:
    active = list(Reminder.objects.filter(patient=patient, stopped_at__isnull=True))
    mine = {c.reminder_id: c for c in ReminderChoice.objects.filter(reminder__in=active, user=user)}
    push = reminder_sending.push_enabled()
    rows = []
    for reminder in active:
        reminder.patient = patient
        snoozed = reminder.snoozed_until if (reminder.snoozed_until or now) > now else None
        choice = mine.get(reminder.pk) or ReminderChoice(reminder=reminder, user=user)
        rows.append(
            Row(
                reminder,
                reminders.next_due(reminder, now),
                reminders.came_recently(reminder, now),
                snoozed,
                reminders.snooze_choices(reminder, now) if can_write else [],
                ReminderChoiceForm(instance=choice, push=push, auto_id=f"id_{reminder.pk}_%s"),
            )
        )
    return rows


@login_required
@require_GET
def reminder_list(request: HttpRequest, patient_id) -> HttpResponse:
    patient, role = get_patient_for(request, patient_id)
    ctx = {
        "patient": patient,
        "role": role,
        "rows": rows_for(patient, request.user, role.can_write, timezone.now()),
        "push_key": settings.VAPID_PUBLIC_KEY if reminder_sending.push_enabled() else "",
        "devices": PushSubscription.objects.filter(user=request.user),
    }
    audit.record(request, patient, audit.VIEWED_REMINDERS)
    return render(request, "readings/reminders.html", ctx)


@login_required
@require_http_methods(["GET", "POST"])
def reminder_add(request: HttpRequest, patient_id) -> HttpResponse:
    patient, role = get_patient_for(request, patient_id, write=True)
    form = ReminderForm(request.POST or None, patient=patient)
    push = reminder_sending.push_enabled()
    mine = ReminderChoiceForm(
        request.POST or None, prefix="mine", push=push, initial={"by_email": True, "by_push": push}
    )
    if request.method == "POST" and form.is_valid() and mine.is_valid():
        token = form.cleaned_data.get("form_token")
        if not token or not Reminder.objects.filter(patient=patient, form_token=token).exists():
            # The same form sent twice at once: the other request saved it.
            with contextlib.suppress(IntegrityError):
                save_new(request, patient, form, mine, token)
        messages.success(request, gettext("Added the reminder."))
        return redirect("reminders", patient_id=patient.pk)
    ctx = {"patient": patient, "role": role, "form": form, "mine": mine, "adding": True}
    return render(request, "readings/reminder_form.html", ctx)


def save_new(request, patient, form, mine, token) -> Reminder:
    with transaction.atomic():
        reminder = form.save(commit=False)
        reminder.created_by, reminder.form_token = request.user, token
        reminder.site_url = request.build_absolute_uri("/")
        reminder.save()
        choice = mine.save(commit=False)
        choice.reminder, choice.user = reminder, request.user
        choice.save()
        audit.record(request, patient, audit.ADDED_REMINDER, describe(reminder))
        reminder_sending.schedule_for(reminder)
    return reminder


@login_required
@require_http_methods(["GET", "POST"])
def reminder_edit(request: HttpRequest, patient_id, reminder_id) -> HttpResponse:
    patient, role = get_patient_for(request, patient_id, write=True)
    reminder = active_reminder(patient, reminder_id)
    form = ReminderForm(request.POST or None, instance=reminder, patient=patient)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            if form.schedule_changed:
                reminders.rescheduled(reminder, timezone.now())
            form.save()
            audit.record(request, patient, audit.CHANGED_REMINDER, describe(reminder))
            reminder_sending.schedule_for(reminder)
        messages.success(request, gettext("Saved the reminder."))
        return redirect("reminders", patient_id=patient.pk)
    if request.method == "GET":
        audit.record(request, patient, audit.VIEWED_REMINDERS, describe(reminder))
    ctx = {"patient": patient, "role": role, "form": form, "reminder": reminder}
    return render(request, "readings/reminder_form.html", ctx)


@login_required
@require_POST
def reminder_snooze(request: HttpRequest, patient_id, reminder_id) -> HttpResponse:
    patient, _ = get_patient_for(request, patient_id, write=True)
    reminder = active_reminder(patient, reminder_id)
    try:
        with transaction.atomic():
            until = reminders.snooze(reminder, request.POST.get("until", ""), timezone.now())
            audit.record(request, patient, audit.SNOOZED_REMINDER, describe(reminder))
            reminder_sending.schedule_for(reminder)
    except reminders.CannotSnooze:
        messages.error(request, gettext("This reminder cannot be put off now. Reload the page."))
    else:
        local = timezone.localtime(until)
        when = ", ".join(
            formats.date_format(local, name) for name in ("MONTH_DAY_FORMAT", "TIME_FORMAT")
        )
        # Translators: after a snooze: "It will remind you again on 30 Nov, 10:15."
        messages.success(request, gettext("It will remind you again on %(when)s.") % {"when": when})
    return redirect("reminders", patient_id=patient.pk)


@login_required
@require_POST
def reminder_stop(request: HttpRequest, patient_id, reminder_id) -> HttpResponse:
    patient, _ = get_patient_for(request, patient_id, write=True)
    reminder = active_reminder(patient, reminder_id)
    with transaction.atomic():
        reminders.stop(reminder, timezone.now())
        audit.record(request, patient, audit.STOPPED_REMINDER, describe(reminder))
    messages.success(request, gettext("Stopped the reminder. Nobody will get it any more."))
    return redirect("reminders", patient_id=patient.pk)


@login_required
@require_POST
def reminder_choice(request: HttpRequest, patient_id, reminder_id) -> HttpResponse:
    """A member's own choice of what they get of a reminder: viewers choose theirs too."""
    patient, _ = get_patient_for(request, patient_id)
    reminder = active_reminder(patient, reminder_id)
    choice = ReminderChoice.objects.filter(reminder=reminder, user=request.user).first()
    choice = choice or ReminderChoice(reminder=reminder, user=request.user)
    form = ReminderChoiceForm(request.POST, instance=choice, push=reminder_sending.push_enabled())
    if form.is_valid():
        form.save()
        messages.success(request, gettext("Saved what you get of this reminder."))
    return redirect(f"{reverse('reminders', args=[patient.pk])}#reminder-{reminder.pk}")


def active_reminder(patient, reminder_id) -> Reminder:
    reminder = get_object_or_404(Reminder, pk=reminder_id, patient=patient, stopped_at__isnull=True)
    reminder.patient = patient
    return reminder


def describe(reminder: Reminder) -> str:
    """For the access log: "Blood test, every 2 weeks from 3 Nov 2026 at 09:00"."""
    words = reminder.schedule_words
    return f"{reminder.get_kind_display()}, {words[0].lower()}{words[1:]}"


# --- Devices (Web Push) --------------------------------------------------------------------------

# The push services of the browsers that support Web Push, by host: the worker sends only
# there, never to an address someone made up (a page inside our own network, say).
PUSH_SERVICES = (
    "fcm.googleapis.com",  # Chrome, Edge on Android, Samsung Internet, Opera
    "android.googleapis.com",
    "push.services.mozilla.com",  # Firefox
    "push.apple.com",  # Safari
    "notify.windows.com",  # Edge on Windows
)
# Devices one person keeps at most: the oldest goes when one more is added.
MAX_DEVICES = 20
MAX_BODY = 4096


class BadSubscription(ValueError):
    pass


def read_subscription(data) -> dict:
    """The fields of a PushSubscription from the browser's `subscription.toJSON()`; raises
    BadSubscription for anything else."""
    if not isinstance(data, dict) or not isinstance(data.get("keys"), dict):
        raise BadSubscription("Not a push subscription.")
    endpoint = data.get("endpoint")
    if not isinstance(endpoint, str) or len(endpoint) > 1000:
        raise BadSubscription("No endpoint.")
    parts = urlsplit(endpoint)
    host = (parts.hostname or "").lower()
    # The address as a whole is the host we check, nothing that another URL reader could take
    # for another host: no user part, port, backslash or space ("https://127.0.0.1\\@fcm…").
    plain = parts.netloc.lower() == host and not re.search(r"[\\\s]", endpoint)
    if (
        parts.scheme != "https"
        or not plain
        or not any(host == service or host.endswith("." + service) for service in PUSH_SERVICES)
    ):
        raise BadSubscription("Not a push service we send to.")
    keys = {name: data["keys"].get(name) for name in ("p256dh", "auth")}
    for name, size in (("p256dh", 65), ("auth", 16)):
        if not isinstance(keys[name], str) or len(_b64url(keys[name])) != size:
            raise BadSubscription(f"A bad {name} key.")
    return {"endpoint": endpoint, "p256dh": keys["p256dh"], "auth": keys["auth"]}


def _b64url(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        return b""


@login_required
@require_POST
def push_subscribe(request: HttpRequest) -> HttpResponse:
    """This browser, for the person signed in (JSON from static/js/push.js)."""
    if not reminder_sending.push_enabled():
        return JsonResponse({"error": "This site does not send to devices."}, status=404)
    try:
        if len(request.body) > MAX_BODY:
            raise BadSubscription("Too large.")
        fields = read_subscription(json.loads(request.body))
    except (ValueError, BadSubscription):
        return JsonResponse({"error": "This browser sent something we cannot use."}, status=400)
    with transaction.atomic():
        endpoint = fields.pop("endpoint")
        # A device is its owner's alone: logging out drops the browser's subscription
        # (Clear-Site-Data), so another account on it gets another address.
        if PushSubscription.objects.filter(endpoint=endpoint).exclude(user=request.user).exists():
            return JsonResponse({"error": "This device is set up for another account."}, status=409)
        PushSubscription.objects.update_or_create(
            endpoint=endpoint,
            defaults={**fields, "user": request.user, "created_at": timezone.now()},
        )
        mine = PushSubscription.objects.filter(user=request.user).order_by("-created_at", "-id")
        extra = list(mine.values_list("pk", flat=True)[MAX_DEVICES:])
        PushSubscription.objects.filter(pk__in=extra).delete()
    return JsonResponse({"saved": True}, status=201)


@login_required
@require_POST
def push_unsubscribe(request: HttpRequest) -> HttpResponse:
    """Stop sending to a device of one's own: by its endpoint (this browser, from push.js) or
    by its number (the list on the reminders page). Another person's device is not found."""
    mine = PushSubscription.objects.filter(user=request.user)
    if endpoint := request.POST.get("endpoint"):
        mine.filter(endpoint=endpoint).delete()
    elif (device := request.POST.get("device", "")).isdigit():
        mine.filter(pk=int(device)).delete()
    if request.headers.get("Accept") == "application/json":
        return HttpResponse(status=204)
    messages.success(request, gettext("Reminders will no longer go to that device."))
    return redirect(redirects.next_url(request, reverse("home")))
