"""The pages that take a history out (CSV download) and bring one in (upload, check, confirm).

Between the check and the confirm the uploaded file waits on the server, never in the
browser: compressed, in the shared cache (the database cache, or Redis when configured), so
any gunicorn worker can pick it up. Its key is a random token; the entry also names the user
and the record it was uploaded for, and is refused to anyone else. It is forgotten when the
import is done or cancelled, and after an hour in any case.
"""

import secrets
import zlib
from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import audit
from accounts.access import get_patient_for
from itptracker.forms import DateInput, PlainErrors
from readings import exports, imports, sheet_dates
from readings.entries import KINDS
from readings.forms import check_date_range
from readings.units import Unit

PENDING_SECONDS = 60 * 60
PREVIEW_ROWS = 20
PREVIEW_ERRORS = 50
MAX_COLUMN_CHOICES = 50
# In forms the separators go by name: a tab does not survive an HTML attribute well.
SEPARATOR_NAMES = {",": "comma", ";": "semicolon", "\t": "tab"}
SEPARATOR_MARKS = {name: mark for mark, name in SEPARATOR_NAMES.items()}

# --- Forms ------------------------------------------------------------------------------------


class ExportForm(PlainErrors, forms.Form):
    what = forms.ChoiceField(
        label="What to download",
        choices=[
            ("all", "Everything: counts, bleeds and treatments in one file"),
            ("counts", "Counts only"),
            ("bleeds", "Bleeds only"),
            ("treatments", "Treatments only"),
        ],
        initial="all",
        widget=forms.RadioSelect,
    )
    since = forms.DateField(
        label="From",
        required=False,
        help_text="Optional. Leave both dates empty to download everything.",
        widget=DateInput(),
    )
    until = forms.DateField(
        label="To",
        required=False,
        help_text="Optional.",
        widget=DateInput(),
    )

    def __init__(self, *args, patient, **kwargs):
        super().__init__(*args, **kwargs)
        self.patient = patient

    def clean(self):
        cleaned = super().clean()
        check_date_range(self, "since", "until")
        return cleaned

    def selection(self) -> exports.Selection:
        what = self.cleaned_data["what"]
        slugs = tuple(KINDS) if what == "all" else (what,)
        return exports.Selection(slugs, self.cleaned_data["since"], self.cleaned_data["until"])


class UploadForm(PlainErrors, forms.Form):
    file = forms.FileField(
        label="Your CSV file",
        help_text=(
            f"A file downloaded from ITP Tracker, or a sheet with a date column and a count "
            f"column. Up to {imports.MAX_UPLOAD_TEXT}."
        ),
        allow_empty_file=True,  # an empty file gets our own message, in read_upload
        error_messages={"required": "Choose a file first.", "invalid": "Choose a file first."},
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,text/csv"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        try:
            self.text = imports.read_upload(upload)
            self.table = imports.read_table(self.text)
        except imports.ImportFileError as problem:
            raise forms.ValidationError(problem.message) from None
        return upload


class SheetForm(PlainErrors, forms.Form):
    """Which columns of a simple sheet hold the date and the count, and how they are written."""

    separator = forms.ChoiceField(
        label="Values are separated by",
        choices=[(SEPARATOR_NAMES[mark], label) for mark, label in imports.SEPARATORS.items()],
        widget=forms.RadioSelect,
    )
    has_header = forms.BooleanField(label="The first row holds column names", required=False)
    date_column = forms.TypedChoiceField(label="Column with the date", coerce=int)
    date_format = forms.ChoiceField(
        label="How the dates are written",
        choices=[
            (name, f"{name} (like {imports.DATE_EXAMPLES[name]})") for name in imports.DATE_FORMATS
        ],
        widget=forms.RadioSelect,
    )
    count_column = forms.TypedChoiceField(label="Column with the platelet count", coerce=int)
    unit = forms.ChoiceField(
        label="Unit of the counts",
        choices=[
            (Unit.E9_PER_L.value, "×10⁹/L, K/µL or G/L (like 45)"),
            (Unit.PER_UL.value, "per µL or per mm³ (like 45,000)"),
        ],
        widget=forms.RadioSelect,
        help_text="A count that names its unit, like “45 K/µL”, is read in that unit.",
    )

    def __init__(self, *args, text: str, table: imports.Table, **kwargs):
        super().__init__(*args, **kwargs)
        # The columns on offer follow the separator being chosen.
        self.table, self.separator_problem = table, ""
        separator = SEPARATOR_MARKS.get(self.data.get("separator"))
        if separator and separator != table.separator:
            try:
                self.table = imports.read_table(text, separator)
            except imports.ImportFileError as problem:
                self.separator_problem = problem.message
        columns = [
            (index, f"Column {imports.column_letter(index)} (“{_short(name)}”)")
            for index, name in enumerate(self.table.first[:MAX_COLUMN_CHOICES])
        ]
        for name in ("date_column", "count_column"):
            self.fields[name].choices = [("", "Choose a column"), *columns]

    def clean_separator(self):
        if self.separator_problem:
            raise forms.ValidationError(self.separator_problem)
        return self.cleaned_data["separator"]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("date_column") is not None and (
            cleaned.get("date_column") == cleaned.get("count_column")
        ):
            self.add_error("count_column", "Choose a different column from the date column.")
        return cleaned

    def options(self) -> imports.SheetOptions:
        separator = SEPARATOR_MARKS[self.cleaned_data["separator"]]
        return imports.SheetOptions(**{**self.cleaned_data, "separator": separator})

    def remember(self, pending: "PendingImport") -> None:
        pending.options = self.options()

    @staticmethod
    def initial_from(options: imports.SheetOptions) -> dict:
        return {**options.as_dict(), "separator": SEPARATOR_NAMES[options.separator]}

    @classmethod
    def first_guess(cls, table: imports.Table, patient) -> dict:
        """Likely columns, by their names, and the date format if only one fits."""
        names = [name.strip().lower() for name in table.first]
        date_column = _find(names, ("date", "datum", "fecha", "day", "when"))
        count_column = _find(names, ("platelet", "plt", "count", "value", "result"))
        initial = {"separator": SEPARATOR_NAMES[table.separator], "has_header": True}
        initial["date_column"] = date_column
        initial.update({"count_column": count_column, "unit": patient.preferred_unit})
        if date_column is not None:
            initial["date_format"] = imports.guess_date_format(table, date_column)
        return initial


class DateOrderForm(PlainErrors, forms.Form):
    """How our own file, re-saved by a spreadsheet, writes its dates, when its rows do not say."""

    date_order = forms.ChoiceField(
        label="How are the dates in this file written?",
        choices=list(sheet_dates.ORDERS.items()),
        widget=forms.RadioSelect,
    )

    def remember(self, pending: "PendingImport") -> None:
        pending.date_order = self.cleaned_data["date_order"]


def _find(names: list[str], words: tuple[str, ...]) -> int | None:
    return next(
        (index for index, name in enumerate(names) if any(word in name for word in words)), None
    )


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= 30 else text[:29] + "…"


# --- The uploaded file, between the check and the confirm ----------------------------------------


@dataclass
class PendingImport:
    token: str
    file_name: str
    text: str
    options: imports.SheetOptions | None
    date_order: str | None = None  # our own file's, when the person had to say

    @staticmethod
    def _key(token: str) -> str:
        return f"import:{token}"

    @classmethod
    def save_new(cls, request, patient, file_name: str, text: str) -> "PendingImport":
        """Keep a new upload; it replaces any other this user has waiting for this record."""
        pending = cls(secrets.token_urlsafe(24), file_name, text, None)
        latest = f"import-latest:{request.user.pk}:{patient.pk}"
        if previous := cache.get(latest):
            cache.delete(cls._key(previous))
        pending.save(request, patient)
        cache.set(latest, pending.token, PENDING_SECONDS)
        return pending

    def save(self, request, patient) -> None:
        value = {
            "user": str(request.user.pk),
            "patient": str(patient.pk),
            "file_name": self.file_name,
            "data": zlib.compress(self.text.encode(), 6),
            "options": self.options.as_dict() if self.options else None,
            "date_order": self.date_order,
        }
        cache.set(self._key(self.token), value, PENDING_SECONDS)

    @classmethod
    def load(cls, request, patient, token: str) -> "PendingImport | None":
        """The file this user uploaded for this record under `token`, if it is still there."""
        value = cache.get(cls._key(token))
        if not value or (value["user"], value["patient"]) != (
            str(request.user.pk),
            str(patient.pk),
        ):
            return None
        options = value["options"] and imports.SheetOptions(**value["options"])
        text = zlib.decompress(value["data"]).decode()
        return cls(token, value["file_name"], text, options, value["date_order"])

    def forget(self) -> None:
        cache.delete(self._key(self.token))


def expired(request, patient) -> HttpResponse:
    messages.error(request, "That upload has expired or was already used. Choose the file again.")
    return redirect("import_history", patient_id=patient.pk)


# --- Export -----------------------------------------------------------------------------------


@login_required
@require_GET
def export_history(request: HttpRequest, patient_id) -> HttpResponse:
    patient, role = get_patient_for(request, patient_id)
    form = ExportForm(request.GET or None, patient=patient)
    if form.is_valid():
        return export_csv(request, patient, form.selection())
    return render(request, "readings/export.html", {"patient": patient, "role": role, "form": form})


def export_csv(request: HttpRequest, patient, selection: exports.Selection) -> HttpResponse:
    """Every export of health data goes through here: the one place to write it to the log.

    Streams the file; the rows are read in chunks while it downloads.
    """
    audit.record(request, patient, audit.EXPORTED, selection.describe())
    tz = timezone.get_current_timezone()
    lines = exports.csv_lines(patient, selection, tz)
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=export_file_name(patient, selection)
    )
    return response


def export_file_name(patient, selection: exports.Selection) -> str:
    what = "-".join(selection.slugs) if len(selection.slugs) == 1 else "all"
    name = slugify(patient.name) or "record"
    return f"itp-history-{name}-{what}-{timezone.localdate().isoformat()}.csv"


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
    table = imports.read_table(pending.text, pending.options and pending.options.separator)
    form = reading_form(request, pending, table, patient)
    if request.method == "POST" and form.is_valid():
        form.remember(pending)
        pending.save(request, patient)
        return redirect("import_preview", patient_id=patient.pk, token=token)
    ctx = {"patient": patient, "role": role, "pending": pending}
    ctx["order_form" if table.is_ours else "sheet_form"] = form
    if table.is_ours or (pending.options and request.method == "GET"):
        # The preview tells which rows the history already holds: a read of the record.
        audit.record(request, patient, audit.COMPARED_FILE, pending.file_name)
        ctx.update(preview_context(table, patient, pending))
    return render(request, "readings/import_preview.html", ctx)


def reading_form(request, pending: PendingImport, table, patient) -> forms.Form:
    """What the person says about how to read the file: a simple sheet's columns, or the order
    of day and month in our own file's dates."""
    if table.is_ours:
        return DateOrderForm(request.POST or None, initial={"date_order": pending.date_order})
    if request.method == "POST":
        return SheetForm(request.POST, text=pending.text, table=table)
    if pending.options:
        initial = SheetForm.initial_from(pending.options)
    else:
        initial = SheetForm.first_guess(table, patient)
    return SheetForm(initial=initial, text=pending.text, table=table)


def preview_context(table, patient, pending: PendingImport) -> dict:
    """What the preview shows: totals, and the first few rows of each sort."""
    try:
        plan = imports.plan_table(table, patient, pending.options, pending.date_order)
    except imports.ImportFileError as problem:
        return {"file_problem": problem.message}
    if plan.date_question:
        return {"date_question": plan.date_question}
    new, duplicates, errors = plan.new, plan.duplicates, plan.errors
    return {
        "plan": plan,
        "new_rows": [(row.number, row.describe(patient)) for row in new[:PREVIEW_ROWS]],
        "new_count": len(new),
        "new_by_kind": imports.describe_kinds(plan.new_by_kind()),
        "duplicates": [
            (row.number, row.describe(patient), row.duplicate) for row in duplicates[:PREVIEW_ROWS]
        ],
        "duplicate_count": len(duplicates),
        "errors": [(row.number, row.error) for row in errors[:PREVIEW_ERRORS]],
        "error_count": len(errors),
    }


@login_required
@require_POST
def import_confirm(request: HttpRequest, patient_id, token: str) -> HttpResponse:
    patient, _ = get_patient_for(request, patient_id, write=True)
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
        messages.error(request, "Nothing was brought in: some rows have problems.")
        return redirect("import_preview", patient_id=patient.pk, token=token)
    pending.forget()
    audit.record(request, patient, audit.IMPORTED, imported_message(plan))
    messages.success(request, imported_message(plan))
    first_kind = next(iter(plan.new_by_kind()), "counts")
    return redirect(reverse("history", args=[patient.pk]) + f"?show={first_kind}")


def imported_message(plan: imports.Plan) -> str:
    brought = imports.describe_kinds(plan.new_by_kind())
    text = f"Brought in {brought}." if plan.new else "Nothing new to bring in."
    if skipped := len(plan.duplicates):
        text += f" Skipped {skipped:,} already in the history."
    if plan.errors:
        numbers = [str(row.number) for row in plan.errors]
        shown = ", ".join(numbers[:20])
        if len(numbers) > 20:
            shown += f" and {len(numbers) - 20:,} more"
        rows = "row" if len(numbers) == 1 else "rows"
        text += f" Left out {len(numbers):,} {rows} with problems, as you chose: {shown}."
    return text


@login_required
@require_POST
def import_cancel(request: HttpRequest, patient_id, token: str) -> HttpResponse:
    patient, _ = get_patient_for(request, patient_id, write=True)
    pending = PendingImport.load(request, patient, token)
    if pending is not None:
        pending.forget()
    messages.success(request, "Cancelled. Nothing was brought in and the file is forgotten.")
    return redirect("import_history", patient_id=patient.pk)
