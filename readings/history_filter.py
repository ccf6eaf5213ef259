"""Filters for the history page: which kind of entry, which dates, which kind of bleed."""

from django import forms
from django.utils.formats import date_format
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from itptracker.forms import DateInput, PlainErrors
from readings.forms import check_date_range
from readings.models import BleedingKind


class HistoryFilter(PlainErrors, forms.Form):
    show = forms.ChoiceField(
        # Translators: what the history shows: counts, bleeds…
        label=gettext_lazy("Show"),
        choices=[
            ("counts", gettext_lazy("Counts")),
            ("bleeds", gettext_lazy("Bleeds")),
            ("treatments", gettext_lazy("Treatments")),
            ("doses", gettext_lazy("Doses")),
        ],
        required=False,
    )
    # Translators: the first date the history shows.
    since = forms.DateField(label=gettext_lazy("From"), required=False, widget=DateInput())
    # Translators: the last date the history shows.
    until = forms.DateField(label=gettext_lazy("To"), required=False, widget=DateInput())
    bleed_kind = forms.ChoiceField(
        label=gettext_lazy("Kind of bleed"),
        choices=[("", gettext_lazy("All kinds")), *BleedingKind.choices],
        required=False,
    )

    def __init__(self, *args, patient, **kwargs):
        super().__init__(*args, **kwargs)
        self.patient = patient
        self.is_valid()

    def clean(self):
        cleaned = super().clean()
        check_date_range(self, "since", "until")
        return cleaned

    def kind_slug(self) -> str:
        return self.cleaned_data.get("show") or "counts"

    def apply(self, rows, kind):
        """Narrow a queryset of `kind` entries; invalid filters are ignored, not fatal."""
        data = self.cleaned_data
        date_lookup = f"{kind.date_field}__date" if kind.slug == "bleeds" else kind.date_field
        if data.get("since"):
            rows = rows.filter(**{f"{date_lookup}__gte": data["since"]})
        if data.get("until"):
            rows = rows.filter(**{f"{date_lookup}__lte": data["until"]})
        if kind.slug == "bleeds" and data.get("bleed_kind"):
            rows = rows.filter(kind=data["bleed_kind"])
        return rows

    def describe(self, page_number: int) -> str:
        """Words for the access log, as `apply` narrows the rows:
        "bleeds, only nosebleed, from 1 Jan 2026 to 31 Jan 2026, page 2"."""
        data, kind = self.cleaned_data, self.kind_slug()
        # Translators: for the access log, what the history showed: "bleeds", "doses".
        words = [
            {
                "counts": _("counts"),
                "bleeds": _("bleeds"),
                "treatments": _("treatments"),
                "doses": _("doses"),
            }[kind]
        ]
        if kind == "bleeds" and data.get("bleed_kind"):
            only = BleedingKind(data["bleed_kind"]).label.lower()
            words.append(_("only %(kind)s") % {"kind": only})
        since, until = (
            date_format(data[name], "DATE_FORMAT") if data.get(name) else None
            for name in ("since", "until")
        )
        if since and until:
            words.append(_("from %(start)s to %(end)s") % {"start": since, "end": until})
        elif since:
            words.append(_("from %(start)s") % {"start": since})
        elif until:
            # Translators: for the access log: the history up to a date, "to 31 Jan 2026".
            words.append(_("to %(end)s") % {"end": until})
        if page_number > 1:
            words.append(_("page %(number)s") % {"number": page_number})
        return ", ".join(words)

    def query_without_page(self) -> str:
        """The filters as a query string, for paging links."""
        params = {name: self.data.get(name, "") for name in self.fields}
        return urlencode({name: value for name, value in params.items() if value})
