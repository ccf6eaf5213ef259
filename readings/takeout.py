"""A person's data out (one ZIP), and a person's data gone (their account, and what only they own).

Both are about the records a person owns and their entries, so they live beside the entries;
the two views at the end only confirm and call the plain functions above them.
"""

import csv
import datetime
import io
import zipfile
import zoneinfo

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods

from accounts import audit, mfa, sessions
from accounts.forms import DeleteAccountForm
from accounts.memberships import other_owners
from accounts.models import AccessEvent, CareMembership, Invitation, Patient, Role
from readings import fhir, page_cache, sheets
from readings.entries import KINDS
from readings.exports import Selection, csv_lines, escape_cell

DELETED_ACTOR = "A deleted account"

README = gettext_lazy("""Your ITP Tracker data
=====================

Made on {made} for {email}.

account.csv         Your account: e-mail address, name, time zone, when you joined and
                    whether two-factor sign-in is on.
Then one folder for each record you own:
  record.csv        The record's details: name, year of birth, diagnosis date, time zone,
                    unit, the alert threshold your clinician set, the care team's phone
                    number.
  history.csv       Every count, bleed, treatment and dose, one per row (the "kind" column
                    says which), with every detail: the file "Download my history" gives
                    to bring back in. Dates and times are ISO 8601, in the record's time
                    zone with its offset; counts are in x10^9/L and as typed. It can be
                    brought back in with "Bring in history".
  history.fhir.json The same counts, bleeds, treatments and doses as one FHIR R4 Bundle
                    (JSON), the format clinic and hospital systems read: "FHIR R4" in
                    "Download my history" gives the same file. Its counts can be brought
                    back in with "Bring in history" too.
  counts.csv, bleeds.csv, treatments.csv, doses.csv
                    The same entries to read in a spreadsheet: a file for each kind, oldest
                    first, with headings and answers in words, as "Download my history"
                    gives them for a spreadsheet. Times are clock times where the patient
                    lives (the time zone is in the heading).
  members.csv       Who can see or change the record, and their role.
  invitations.csv   Invitations sent, and what became of them.
  access_log.csv    Who looked at, exported or changed the record, and when: the same
                    look again within ten minutes is one row, with how many times and
                    the last time.

The files are UTF-8 CSV. Cells that start with = + - @ are prefixed with ' so that
spreadsheets do not run them as formulas.
""")


def owned_patients(user) -> list[Patient]:
    return list(
        Patient.objects.filter(memberships__user=user, memberships__role=Role.OWNER).order_by(
            "name", "created_at"
        )
    )


def _csv(header: list[str], rows) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow([escape_cell("" if value is None else str(value)) for value in row])
    return "\ufeff" + out.getvalue()


def _folder(patient: Patient) -> str:
    safe = "".join(c if c.isalnum() else "-" for c in patient.name).strip("-") or "record"
    return f"{safe}-{str(patient.pk)[:8]}"


def _record_files(patient: Patient) -> dict[str, str]:
    """A record's files; its dates and times are in the record's own time zone."""
    tz = patient.zone
    record = _csv(
        ["id", "name", "birth_year", "diagnosis_date", "time_zone", "preferred_unit",
         "alert_threshold", "care_team_phone", "pregnant", "created_at"],
        [[patient.pk, patient.name, patient.birth_year, patient.diagnosis_date, patient.time_zone,
          patient.preferred_unit, patient.alert_threshold, patient.care_team_phone,
          "yes" if patient.pregnant else "no", patient.created_at.astimezone(tz).isoformat()]],
    )  # fmt: skip
    members = _csv(
        ["name", "email", "role", "since"],
        CareMembership.objects.filter(patient=patient)
        .order_by("created_at")
        .values_list("user__display_name", "user__email", "role", "created_at"),
    )
    invitations = _csv(
        ["email", "role", "sent_at", "expires_at", "accepted_at", "cancelled_at"],
        Invitation.objects.filter(patient=patient)
        .order_by("sent_at")
        .values_list("email", "role", "sent_at", "expires_at", "accepted_at", "revoked_at"),
    )
    log = _csv(
        ["when", "who", "what", "detail", "times", "last"],
        AccessEvent.objects.filter(patient=patient)
        .order_by("created_at")
        .values_list("created_at", "actor_name", "action", "detail", "times", "last_at"),
    )
    everything = Selection(tuple(KINDS))
    history = "".join(csv_lines(patient, everything, tz))
    to_read = sheets.files(patient, everything, tz)
    readable = {name: "".join(lines) for name, lines in to_read.items()}
    return {
        "record.csv": record,
        "history.csv": history,
        "history.fhir.json": fhir.bundle_json(patient),
        **readable,
        "members.csv": members,
        "invitations.csv": invitations,
        "access_log.csv": log,
    }


def build_zip(user) -> bytes:
    """Every record the user owns, and their account, as one ZIP with a README."""
    out = io.BytesIO()
    # Every file dated alike, on the user's own clock (zipfile would take the server's, per file).
    made = timezone.localtime(timezone=zoneinfo.ZoneInfo(user.time_zone))
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zipped:
        archive = _Dated(zipped, made)
        archive.writestr("README.txt", README.format(made=made.date(), email=user.email))
        archive.writestr(
            "account.csv",
            _csv(
                ["email", "name", "time_zone", "joined", "two_factor"],
                [
                    [
                        user.email,
                        user.display_name,
                        user.time_zone,
                        user.date_joined.isoformat(),
                        "on" if mfa.has_two_factor(user) else "off",
                    ]
                ],
            ),  # fmt: skip
        )
        for patient in owned_patients(user):
            for name, content in _record_files(patient).items():
                archive.writestr(f"{_folder(patient)}/{name}", content)
    return out.getvalue()


class _Dated:
    """A ZIP being written whose files all bear the time `made`."""

    def __init__(self, archive: zipfile.ZipFile, made: datetime.datetime):
        self.archive, self.date_time = archive, made.timetuple()[:6]

    def writestr(self, name: str, content: str) -> None:
        info = zipfile.ZipInfo(name, date_time=self.date_time)
        info.compress_type = zipfile.ZIP_DEFLATED
        self.archive.writestr(info, content)


@transaction.atomic
def delete_account_of(user) -> list[str]:
    """Delete the user. Records they alone own go with all their entries; records with other
    owners stay with them. Returns the names of the records deleted."""
    owned = CareMembership.objects.filter(user=user, role=Role.OWNER).values("patient_id")
    # Locked, so that two co-owners deleting their accounts at once cannot both leave the
    # record to the other and so orphan it.
    patients = list(Patient.objects.select_for_update().filter(pk__in=owned).order_by("pk"))
    sole = [patient for patient in patients if not other_owners(patient, user)]
    # Entries, memberships, invitations, the access log and queued e-mails go with each record.
    Patient.objects.filter(pk__in=[patient.pk for patient in sole]).delete()
    # Invitations to this person, and the open ones they sent, name them: they go too.
    Invitation.objects.filter(
        Q(email__iexact=user.email) | Q(created_by=user, accepted_at__isnull=True)
    ).delete()
    # In records that stay, the log keeps what happened but no longer who it was.
    AccessEvent.objects.filter(actor=user).update(actor=None, actor_name=DELETED_ACTOR)
    # Their entries in the records that stay now say "a former member".
    page_cache.changed_author(user)
    user.delete()
    deleted_ids = [patient.pk for patient in sole]
    transaction.on_commit(lambda: page_cache.forget(*deleted_ids))
    return [patient.name for patient in sole]


# --- The pages ------------------------------------------------------------------------------


@login_required
@require_GET
def download_my_data(request: HttpRequest) -> HttpResponse:
    """Every record the user owns, and their account, as one ZIP."""
    archive = build_zip(request.user)
    for patient in owned_patients(request.user):
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
        deleted = delete_account_of(request.user)
        logout(request)
        if deleted:
            # Translators: %(names)s are the names of the records, separated by commas.
            done = ngettext(
                "Your account is deleted. The records of %(names)s are deleted too. Take care.",
                "Your account is deleted. The records of %(names)s are deleted too. Take care.",
                len(deleted),
            ) % {"names": ", ".join(deleted)}
        else:
            done = gettext("Your account is deleted. Take care.")
        messages.success(request, done)
        return sessions.forget_device(redirect("home"))
    owned = owned_patients(request.user)
    shared = {p.pk for p in owned if other_owners(p, request.user)}
    ctx = {"form": form, "sole": [p for p in owned if p.pk not in shared]}
    ctx["kept"] = [p for p in owned if p.pk in shared]
    return render(request, "accounts/delete_account.html", ctx)
