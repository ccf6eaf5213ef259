"""The forms of the download and import pages: what to download, the file, how to read a
sheet (its columns, separator, unit and date order)."""

from django import forms
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from itptracker.forms import DateInput, PlainErrors
from readings import exports, imports, sheet_dates
from readings.entries import KINDS
from readings.forms import check_date_range
from readings.pending_imports import PendingImport
from readings.units import LOINC_PLATELET_COUNT, Unit

MAX_COLUMN_CHOICES = 50
# A file of treatments carries their doses, which name them: it imports whole.
WITH_THEIR_PARTS = {"treatments": ("treatments", "doses")}
# In forms the separators go by name: a tab does not survive an HTML attribute well.
SEPARATOR_NAMES = {",": "comma", ";": "semicolon", "\t": "tab"}
SEPARATOR_MARKS = {name: mark for mark, name in SEPARATOR_NAMES.items()}


def _filled(message, **values):
    """A lazy message with its placeholders filled when it is shown, in that moment's language."""
    return lazy(lambda: str(message) % values, str)()


# What a download is for: to read in a spreadsheet (readings.sheets), or the exact file that
# an import reads back (readings.exports).
# FHIR: a FHIR R4 Bundle for a clinic's or hospital's system (readings.fhir).
SHEETS, EXACT, FHIR = "sheets", "exact", "fhir"


class ExportForm(PlainErrors, forms.Form):
    what_to_enter = {"what": _("Choose what to download.")}
    layout = forms.ChoiceField(
        label=_("What is the file for?"),
        choices=[
            (
                SHEETS,
                _(
                    "To read, sort or print in a spreadsheet (Excel, LibreOffice, Numbers, Google "
                    "Sheets): a file for each kind, with plain headings"
                ),
            ),
            (
                EXACT,
                _(
                    "To bring back into ITP Tracker, or into another app: one file with every "
                    "detail, in ITP Tracker’s own columns"
                ),
            ),
            (
                FHIR,
                _(
                    "FHIR R4 (for clinicians' systems): counts, bleeds and treatments in the "
                    "format hospital and clinic systems read (JSON)"
                ),
            ),
        ],
        initial=SHEETS,
        # Links from before there was a choice name only `what`: they get the file they got.
        required=False,
        widget=forms.RadioSelect,
    )
    what = forms.ChoiceField(
        label=_("What to download"),
        choices=[
            ("all", _("Everything: counts, bleeds, treatments and doses")),
            ("counts", _("Counts only")),
            ("bleeds", _("Bleeds only")),
            ("treatments", _("Treatments and their doses")),
        ],
        initial="all",
        widget=forms.RadioSelect,
    )
    since = forms.DateField(
        # Translators: the first day of the dates to download ("From … To …").
        label=_("From"),
        required=False,
        help_text=_("Optional. Leave both dates empty to download everything."),
        widget=DateInput(),
    )
    until = forms.DateField(
        # Translators: the last day of the dates to download ("From … To …").
        label=_("To"),
        required=False,
        help_text=_("Optional."),
        widget=DateInput(),
    )

    def __init__(self, *args, patient, **kwargs):
        super().__init__(*args, **kwargs)
        self.patient = patient

    def clean(self):
        cleaned = super().clean()
        check_date_range(self, "since", "until")
        return cleaned

    def clean_layout(self) -> str:
        return self.cleaned_data["layout"] or EXACT

    def selection(self) -> exports.Selection:
        what = self.cleaned_data["what"]
        slugs = tuple(KINDS) if what == "all" else WITH_THEIR_PARTS.get(what, (what,))
        return exports.Selection(slugs, self.cleaned_data["since"], self.cleaned_data["until"])


class UploadForm(PlainErrors, forms.Form):
    file = forms.FileField(
        label=_("Your file"),
        help_text=_filled(
            _(
                "A file downloaded from ITP Tracker, a sheet with a date column and a count "
                "column, or a FHIR file (JSON) from a patient portal. Up to %(size)s."
            ),
            size=imports.MAX_UPLOAD_TEXT,
        ),
        allow_empty_file=True,  # an empty file gets our own message, in read_upload
        error_messages={
            "required": _("Choose a file first."),
            "invalid": _("Choose a file first."),
        },
        widget=forms.ClearableFileInput(
            attrs={"accept": ".csv,.txt,text/csv,.json,application/json,application/fhir+json"}
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        try:
            self.text = imports.read_upload(upload)
            imports.read_source(self.text)
        except imports.ImportFileError as problem:
            raise forms.ValidationError(problem.message) from None
        return upload


class SheetForm(PlainErrors, forms.Form):
    """Which columns of a simple sheet hold the date and the count, and how they are written."""

    what_to_enter = {
        "separator": _("Choose what separates the values in the file."),
        "date_column": _("Choose the column that holds the dates."),
        "date_format": _("Choose how the dates are written."),
        "count_column": _("Choose the column that holds the platelet counts."),
        "unit": _("Choose the unit of the counts."),
    }

    separator = forms.ChoiceField(
        label=_("Values are separated by"),
        choices=[(SEPARATOR_NAMES[mark], label) for mark, label in imports.SEPARATORS.items()],
        widget=forms.RadioSelect,
    )
    has_header = forms.BooleanField(label=_("The first row holds column names"), required=False)
    date_column = forms.TypedChoiceField(label=_("Column with the date"), coerce=int)
    date_format = forms.ChoiceField(
        label=_("How the dates are written"),
        choices=[
            (
                name,
                _filled(
                    # Translators: a way of writing dates, and an example: "DD/MM/YYYY (like
                    # 31/01/2026)".
                    _("%(date_format)s (like %(example)s)"),
                    date_format=lazy(imports.date_format_label, str)(name),
                    example=imports.DATE_EXAMPLES[name],
                ),
            )
            for name in imports.DATE_FORMATS
        ],
        widget=forms.RadioSelect,
    )
    count_column = forms.TypedChoiceField(label=_("Column with the platelet count"), coerce=int)
    unit = forms.ChoiceField(
        label=_("Unit of the counts"),
        choices=[
            (Unit.E9_PER_L.value, _("×10⁹/L, K/µL or G/L (like 45)")),
            (Unit.PER_UL.value, _("per µL or per mm³ (like 45,000)")),
        ],
        widget=forms.RadioSelect,
        help_text=_("A count that names its unit, like “45 K/µL”, is read in that unit."),
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
            (
                index,
                # Translators: a column of the uploaded file, by its letter and its first cell:
                # Column B (“Platelets”).
                gettext("Column %(letter)s (“%(name)s”)")
                % {"letter": imports.column_letter(index), "name": _short(name)},
            )
            for index, name in enumerate(self.table.first[:MAX_COLUMN_CHOICES])
        ]
        for name in ("date_column", "count_column"):
            self.fields[name].choices = [("", gettext("Choose a column")), *columns]

    def clean_separator(self):
        if self.separator_problem:
            raise forms.ValidationError(self.separator_problem)
        return self.cleaned_data["separator"]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("date_column") is not None and (
            cleaned.get("date_column") == cleaned.get("count_column")
        ):
            self.add_error(
                "count_column", gettext("Choose a different column from the date column.")
            )
        return cleaned

    def options(self) -> imports.SheetOptions:
        separator = SEPARATOR_MARKS[self.cleaned_data["separator"]]
        return imports.SheetOptions(**{**self.cleaned_data, "separator": separator})

    def remember(self, pending: PendingImport) -> None:
        pending.options = self.options()

    @staticmethod
    def initial_from(options: imports.SheetOptions) -> dict:
        return {**options.as_dict(), "separator": SEPARATOR_NAMES[options.separator]}

    @classmethod
    def first_guess(cls, table: imports.Table, patient) -> dict:
        """Likely columns, by their names, and the date format if only one fits."""
        names = [name.strip().lower() for name in table.first]
        date_column = _find(names, ("date", "datum", "fecha", "day", "when"))
        count_column = _find(
            names,
            (LOINC_PLATELET_COUNT, "platelet", "plt", "count", "value", "result", "plaqueta"),
        )
        initial = {"separator": SEPARATOR_NAMES[table.separator], "has_header": True}
        initial["date_column"] = date_column
        initial.update({"count_column": count_column, "unit": patient.preferred_unit})
        if date_column is not None:
            initial["date_format"] = imports.guess_date_format(table, date_column)
        return initial


class DateOrderForm(PlainErrors, forms.Form):
    """How our own file, re-saved by a spreadsheet, writes its dates, when its rows do not say."""

    what_to_enter = {"date_order": _("Choose how the dates in this file are written.")}

    date_order = forms.ChoiceField(
        label=_("How are the dates in this file written?"),
        choices=list(sheet_dates.ORDERS.items()),
        widget=forms.RadioSelect,
    )

    def remember(self, pending: PendingImport) -> None:
        pending.date_order = self.cleaned_data["date_order"]


def _find(names: list[str], words: tuple[str, ...]) -> int | None:
    return next(
        (index for index, name in enumerate(names) if any(word in name for word in words)), None
    )


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= 30 else text[:29] + "…"
