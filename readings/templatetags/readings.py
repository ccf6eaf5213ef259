import datetime
import re

from django import template
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import dates
from readings import pwa, stats, units
from readings.entries import KIND_OF_MODEL

register = template.Library()


@register.filter
def count_in(reading, patient) -> str:
    """A reading's count in the patient's preferred unit: "45 ×10⁹/L" or "45,000 per µL"."""
    return reading.shown_in(patient.preferred_unit)


@register.filter
def clock(moment) -> str:
    """A moment's clock time in the record's zone (the active one): "09:30", or "01:30 GMT"
    where that clock time happened twice that day, so that the two can be told apart."""
    return dates.clock(moment, timezone.get_current_timezone())


@register.filter
def for_viewer(moment, viewer_zone: str) -> str:
    """The viewer's own clock time for `moment`, where their zone's differs from the record's
    (the active one): " (20:30 your time)", " (20:30 on 9 Mar your time)"; else ""."""
    if moment is None or not viewer_zone:
        return ""
    here = timezone.localtime(moment)
    there = moment.astimezone(dates.zone_named(viewer_zone))
    if here.utcoffset() == there.utcoffset():
        return ""
    if there.date() == here.date():
        # Translators: after a time in the record's zone: "14:30 (20:30 your time)".
        return " " + _("(%(time)s your time)") % {"time": f"{there:%H:%M}"}
    day = formats.date_format(there, "MONTH_DAY_FORMAT")
    # Translators: after a time in the record's zone: "23:30 (05:30 on 9 Mar your time)".
    return " " + _("(%(time)s on %(date)s your time)") % {"time": f"{there:%H:%M}", "date": day}


@register.filter
def entry_kind(entry) -> str:
    return KIND_OF_MODEL[type(entry)].slug


# Translators: words that tell one row's links from another's, as in "Edit count from 3 Nov
# 2026" read out by a screen reader.
ENTRY_TITLES = {
    "counts": gettext_lazy("count from %(date)s"),
    "bleeds": gettext_lazy("bleed from %(date)s"),
    "treatments": gettext_lazy("treatment from %(date)s"),
    "doses": gettext_lazy("dose from %(date)s"),
}


@register.filter
def entry_title(entry) -> str:
    """Words that tell one row's links from another's: "count from 3 Nov 2026"."""
    kind = KIND_OF_MODEL[type(entry)]
    day = getattr(entry, kind.date_field)
    if isinstance(day, datetime.datetime):
        day = timezone.localtime(day)
    return ENTRY_TITLES[kind.slug] % {"date": formats.date_format(day, "DATE_FORMAT")}


@register.filter
def change_in(summary, patient) -> str:
    """The change since the previous count in the patient's unit: "Down 7 ×10⁹/L"."""
    unit = units.Unit(patient.preferred_unit)
    return stats.change_words(summary.previous, summary.latest, unit)


@register.filter
def tel_href(phone: str) -> str:
    """A phone number as a link's address, "tel:+442079460000": the page shows the number as
    it was typed, but a tel: address holds no spaces or brackets (RFC 3966)."""
    return "tel:" + re.sub(r"(?!^\+)\D", "", phone.strip())


@register.inclusion_tag("readings/offline_parts.html")
def offline_parts() -> dict:
    """For the offline page: the emergency advice a quick bleed can call for, with the rule
    that calls for it (readings.pwa.emergency_rule), read by static/js/offline.js."""
    return {
        "rule": pwa.emergency_rule(),
        "emergency_advice": [(advice,) for advice in pwa.emergency_advice()],
    }
