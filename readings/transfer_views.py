"""The pages that take a history out (CSV or FHIR download) and bring one in (upload, check,
confirm).

Their forms are in readings.transfer_forms; the uploaded file waits between the check and the
confirm in readings.pending_imports.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import audit
from accounts.access import get_patient_for
from readings import exports, fhir, imports, sheets
from readings.entries import KINDS
from readings.pending_imports import PendingImport
from readings.transfer_forms import (
    EXACT,
    FHIR,
    SHEETS,
    DateOrderForm,
    ExportForm,
    SheetForm,
    UploadForm,
)

PREVIEW_ROWS = 20
PREVIEW_ERRORS = 50


def expired(request, patient) -> HttpResponse:
    messages.error(
        request, _("That upload has expired or was already used. Choose the file again.")
    )
    return redirect("import_history", patient_id=patient.pk)


# --- Export -----------------------------------------------------------------------------------


@login_required
@require_GET
def export_history(request: HttpRequest, patient_id) -> HttpResponse:
    patient, role = get_patient_for(request, patient_id)
    form = ExportForm(request.GET or None, patient=patient)
    if form.is_valid():
        return export_file(request, patient, form.selection(), form.cleaned_data["layout"])
    return render(request, "readings/export.html", {"patient": patient, "role": role, "form": form})


def export_file(
    request: HttpRequest, patient, selection: exports.Selection, layout: str
) -> HttpResponse:
    """Every export of health data goes through here: the one place to write it to the log.

    Streams the file; the rows are read in chunks while it downloads (a FHIR Bundle is made
    whole first: the library validates it as one object).
    """
    audit.record(request, patient, audit.EXPORTED, lambda: selection.describe() + LOGGED_AS[layout])
    tz = timezone.get_current_timezone()
    download = WRITERS[layout](patient, selection, tz)
    response = StreamingHttpResponse(download.chunks, content_type=download.content_type)
    name = export_file_name(patient, selection, layout, download.extension)
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=name)
    return response


# How each layout is written, what the access log adds about it, and the word its file's name
# takes.
WRITERS = {SHEETS: sheets.download, EXACT: exports.download, FHIR: fhir.download}
LOGGED_AS = {SHEETS: ", to read in a spreadsheet", EXACT: "", FHIR: ", as FHIR R4"}
NAMED_AS = {SHEETS: "spreadsheet", EXACT: "history", FHIR: "fhir"}


def export_file_name(patient, selection: exports.Selection, layout: str, extension: str) -> str:
    """Like itp-history-sam-all-2026-11-10.csv, itp-spreadsheet-sam-treatments-2026-11-10.zip
    or itp-fhir-sam-all-2026-11-10.fhir.json: the kind chosen names the file, though its parts
    come with it (a course's doses)."""
    what = "all" if set(selection.slugs) == set(KINDS) else selection.slugs[0]
    name = slugify(patient.name) or "record"
    return f"itp-{NAMED_AS[layout]}-{name}-{what}-{timezone.localdate().isoformat()}.{extension}"


# --- Import -----------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def import_history(request: HttpRequest, patient_id) -> HttpResponse:
    patient, role = get_patient_for(request, patient_id, write=True)
    posted = request.method == "POST"
    form = UploadForm(request.POST, request.FILES) if posted else UploadForm()
    if posted and form.is_valid():
        name = form.cleaned_data["file"].name[:200]
        pending = PendingImport.save_new(request, patient, name, form.text)
        return redirect("import_preview", patient_id=patient.pk, token=pending.token)
    ctx = {"patient": patient, "role": role, "form": form}
    ctx.update(max_rows=imports.MAX_ROWS, max_size=imports.MAX_UPLOAD_TEXT)
    return render(request, "readings/import.html", ctx)


@login_required
@require_http_methods(["GET", "POST"])
def import_preview(request: HttpRequest, patient_id, token: str) -> HttpResponse:
    patient, role = get_patient_for(request, patient_id, write=True)
    pending = PendingImport.load(request, patient, token)
    if pending is None:
        return expired(request, patient)
    source = imports.read_source(pending.text, pending.options and pending.options.separator)
    form = reading_form(request, pending, source, patient)
    if request.method == "POST" and form is not None and form.is_valid():
        form.remember(pending)
        pending.save(request, patient)
        return redirect("import_preview", patient_id=patient.pk, token=token)
    ctx = {"patient": patient, "role": role, "pending": pending}
    if form is not None:
        ctx["order_form" if source.is_ours else "sheet_form"] = form
    if form is None or source.is_ours or (pending.options and request.method == "GET"):
        # The preview tells which rows the history already holds: a read of the record.
        audit.record(request, patient, audit.COMPARED_FILE, f"“{pending.file_name}”")
        ctx.update(preview_context(source, patient, pending))
    return render(request, "readings/import_preview.html", ctx)


def reading_form(request, pending: PendingImport, source, patient) -> forms.Form | None:
    """What the person says about how to read the file: a simple sheet's columns, or the order
    of day and month in our own file's dates. A FHIR file says it all itself: None."""
    if isinstance(source, fhir.Contents):
        return None
    if source.is_ours:
        return DateOrderForm(request.POST or None, initial={"date_order": pending.date_order})
    if request.method == "POST":
        return SheetForm(request.POST, text=pending.text, table=source)
    if pending.options:
        initial = SheetForm.initial_from(pending.options)
    else:
        initial = SheetForm.first_guess(source, patient)
    return SheetForm(initial=initial, text=pending.text, table=source)


def preview_context(source, patient, pending: PendingImport) -> dict:
    """What the preview shows: totals, and the first few rows of each sort."""
    try:
        plan = imports.plan_source(source, patient, pending.options, pending.date_order)
    except imports.ImportFileError as problem:
        return {"file_problem": problem.message}
    if plan.date_question:
        return {"date_question": plan.date_question}
    new, duplicates, errors = plan.new, plan.duplicates, plan.errors
    return {
        "plan": plan,
        "new_rows": [(row.number, row.describe(patient), row.notice) for row in new[:PREVIEW_ROWS]],
        "new_count": len(new),
        "new_by_kind": imports.describe_kinds(plan.new_by_kind()),
        "duplicates": [
            (row.number, row.describe(patient), row.duplicate) for row in duplicates[:PREVIEW_ROWS]
        ],
        "duplicate_count": len(duplicates),
        "in_history_count": len(plan.in_history),
        "repeat_count": len(plan.repeats),
        "errors": [(row.number, row.error) for row in errors[:PREVIEW_ERRORS]],
        "error_count": len(errors),
        **(fhir_context(plan) if plan.is_fhir else {"row_label": _("Row")}),
    }


def fhir_context(plan: imports.Plan) -> dict:
    """A FHIR file's entries are numbered as the Bundle lists them; what else it holds is
    skipped, and counts kept to fewer decimal places are counted."""
    return {
        "row_label": _("Entry"),
        "skipped": fhir.skipped_text(plan.skipped),
        "kept_count": sum(1 for row in plan.new if row.rounded),
    }


@login_required
@require_POST
def import_confirm(request: HttpRequest, patient_id, token: str) -> HttpResponse:
    patient, _role = get_patient_for(request, patient_id, write=True)
    pending = PendingImport.load(request, patient, token)
    if pending is None:
        return expired(request, patient)
    skip_errors = request.POST.get("skip_errors") == "yes"
    try:
        plan = imports.import_file(
            pending.text,
            patient,
            request.user,
            pending.options,
            date_order=pending.date_order,
            skip_errors=skip_errors,
            site_url=request.build_absolute_uri("/"),
        )
    except imports.ImportFileError as problem:
        messages.error(request, problem.message)
        return redirect("import_preview", patient_id=patient.pk, token=token)
    if plan.date_question or (plan.errors and not skip_errors):
        messages.error(request, _("Nothing was brought in: some rows have problems."))
        return redirect("import_preview", patient_id=patient.pk, token=token)
    pending.forget()
    audit.record(request, patient, audit.IMPORTED, lambda: imported_message(plan))
    messages.success(request, imported_message(plan))
    first_kind = next(iter(plan.new_by_kind()), "counts")
    return redirect(reverse("history", args=[patient.pk]) + f"?show={first_kind}")


def imported_message(plan: imports.Plan) -> str:
    brought = imports.describe_kinds(plan.new_by_kind())
    if plan.new:
        text = _("Brought in %(what)s.") % {"what": brought}
    else:
        text = _("Nothing new to bring in.")
    if skipped := len(plan.in_history):
        text += " " + ngettext(
            "Skipped %(count)s already in the history.",
            "Skipped %(count)s already in the history.",
            skipped,
        ) % {"count": number_format(skipped, force_grouping=True)}
    if repeats := len(plan.repeats):
        text += " " + ngettext(
            "Skipped %(count)s repeated in the file.",
            "Skipped %(count)s repeated in the file.",
            repeats,
        ) % {"count": number_format(repeats, force_grouping=True)}
    if plan.errors:
        numbers = [str(row.number) for row in plan.errors]
        shown = ", ".join(numbers[:20])
        if len(numbers) > 20:
            more = number_format(len(numbers) - 20, force_grouping=True)
            # Translators: row numbers, then how many more rows: "3, 5, 8 and 40 more".
            shown = _("%(rows)s and %(count)s more") % {"rows": shown, "count": more}
        left_out = (
            ngettext(
                "Left out %(count)s entry with problems, as you chose: %(rows)s.",
                "Left out %(count)s entries with problems, as you chose: %(rows)s.",
                len(numbers),
            )
            if plan.is_fhir
            else ngettext(
                "Left out %(count)s row with problems, as you chose: %(rows)s.",
                "Left out %(count)s rows with problems, as you chose: %(rows)s.",
                len(numbers),
            )
        )
        text += " " + left_out % {
            "count": number_format(len(numbers), force_grouping=True),
            "rows": shown,
        }
    return text


@login_required
@require_POST
def import_cancel(request: HttpRequest, patient_id, token: str) -> HttpResponse:
    patient, _role = get_patient_for(request, patient_id, write=True)
    pending = PendingImport.load(request, patient, token)
    if pending is not None:
        pending.forget()
    messages.success(request, _("Cancelled. Nothing was brought in and the file is forgotten."))
    return redirect("import_history", patient_id=patient.pk)
