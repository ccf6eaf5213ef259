import copy

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import audit, redirects
from accounts.access import get_patient_for, memberships_for
from itptracker.forms import STALE_PAGE
from readings import (
    alerts,
    charts,
    courses,
    dashboard_data,
    entries,
    guidance,
    page_cache,
    report_data,
)
from readings.forms import EndingForm
from readings.history_filter import HistoryFilter
from readings.models import BleedingEpisode, PlateletReading, Resolution, Treatment

HISTORY_PAGE_SIZE = 25


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return render(request, "readings/welcome.html")
    memberships = memberships_for(request)
    if not memberships:
        return redirect("add_patient")
    last_seen = request.session.get("patient_id")
    patient_ids = [str(m.patient_id) for m in memberships]
    patient_id = last_seen if last_seen in patient_ids else patient_ids[0]
    return redirect("dashboard", patient_id=patient_id)


# The dashboard's pieces by name, each a partial of readings/dashboard.html; htmx asks for
# one of them with ?part=.
DASHBOARD_PIECES = {"stats": "stats", "chart": "chart-panel", "table": "counts-table"}


@login_required
@require_GET
def dashboard(request: HttpRequest, patient_id) -> HttpResponse:
    patient, role = get_patient_for(request, patient_id)
    chart = charts.chart_view(request.GET.get("range"), request.GET.get("scale"))
    part = request.GET.get("part", "") if request.htmx else ""
    with_table = part == "table" or request.GET.get("table") == "1"
    pieces = dashboard_pieces(patient, role, chart, with_table, request.user.time_zone)
    action, _words = dashboard_read(part, chart.range, with_table)
    audit.record(request, patient, action, lambda: dashboard_read(part, chart.range, with_table)[1])
    if part in DASHBOARD_PIECES:
        return HttpResponse(pieces[part])
    if request.session.get("patient_id") != str(patient.pk):
        request.session["patient_id"] = str(patient.pk)  # written only when it changes
    ctx = {"patient": patient, "role": role, "pieces": pieces, "return_to": request.path}
    advice = current_advice(request, patient, **pieces["advice_from"])
    # An emergency before the log boxes, the rest after them.
    ctx["advice_now"] = [item for item in advice if guidance.is_emergency([item])]
    ctx["advice_later"] = [item for item in advice if not guidance.is_emergency([item])]
    if role.can_write:
        ctx["count_form"] = entries.KINDS["counts"].form(patient=patient)
        ctx["bleed_form"] = entries.KINDS["bleeds"].form(patient=patient)
    return render(request, "readings/dashboard.html", ctx)


@login_required
@require_GET
def care_team_report(request: HttpRequest, patient_id) -> HttpResponse:
    """The report for the care team, for a period: one page to print or save as PDF."""
    patient, role = get_patient_for(request, patient_id)
    today = timezone.localdate()
    form = report_data.ReportPeriodForm(request.GET, patient=patient, today=today)
    period = form.asked_for()
    ctx = {"patient": patient, "role": role, "form": form, "period": period}
    ctx.update(report_data.build(patient, period, today))
    ctx["made_by"] = str(request.user)
    audit.record(request, patient, audit.VIEWED_REPORT, lambda: str(period))
    return render(request, "readings/report.html", ctx)


@login_required
@require_POST
def care_team_report_printed(request: HttpRequest, patient_id) -> HttpResponse:
    """A report printed or saved as PDF (said by the page as it prints): its period becomes the
    next report's "since the last report"."""
    patient, _role = get_patient_for(request, patient_id)
    form = report_data.PrintedForm(request.POST, patient=patient)
    if not form.is_valid():
        return HttpResponse(status=400)
    period = report_data.Period(form.cleaned_data["start"], form.cleaned_data["end"])
    report_data.remember(patient, request.user, period, timezone.localdate())
    audit.record(request, patient, audit.PRINTED_REPORT, lambda: str(period))
    return HttpResponse(status=204)


def dashboard_read(
    part: str, chart_range: charts.ChartRange, with_table: bool
) -> tuple[audit.Action, str]:
    """What the response shows, in the access log's words: one piece (htmx) or the page."""
    if chart_range.months is None:
        period = _("all time")
    else:
        period = ngettext(
            "the last %(months)s month", "the last %(months)s months", chart_range.months
        ) % {"months": chart_range.months}
    if part == "stats":
        return audit.VIEWED_NUMBERS, ""
    if part == "chart":
        return audit.VIEWED_CHART, period
    if part == "table":
        return audit.VIEWED_TABLE, period
    if with_table:
        # Translators: for the access log: "chart and table of the last 3 months".
        return audit.VIEWED_DASHBOARD, _("chart and table of %(period)s") % {"period": period}
    # Translators: for the access log: "chart of all time".
    return audit.VIEWED_DASHBOARD, _("chart of %(period)s") % {"period": period}


def dashboard_pieces(patient, role, chart, with_table: bool, viewer_zone: str) -> dict:
    """The dashboard's numbers, chart and recent entries, rendered (and kept: page_cache).

    Dates are the record's (its zone is active); times also show in the viewer's own zone.
    """
    today = timezone.localdate()
    zone = timezone.get_current_timezone_name()
    variant = ("dashboard", role, zone, viewer_zone, today, chart.query, with_table)

    def build():
        ctx = {"patient": patient, "role": role, "viewer_zone": viewer_zone}
        ctx["return_to"] = reverse("dashboard", args=[patient.pk])
        ctx.update(dashboard_data.overview(patient, chart, today, with_table=with_table))
        pieces = {
            name: render_to_string(f"readings/dashboard.html#{partial}", ctx)
            for name, partial in {**DASHBOARD_PIECES, "recent": "recent"}.items()
        }
        # What the advice is worked out from. The bleeds are those of the fortnight before
        # now, which holds those of the fortnight before any later view on the same day.
        since = timezone.now() - guidance.PREGNANCY_WINDOW
        episodes = BleedingEpisode.objects.live().filter(patient=patient, started_at__gte=since)
        episodes = episodes.with_people()
        advice_from = {
            "readings": list(PlateletReading.objects.live().filter(patient=patient)[:1]),
            "episodes": list(episodes),
        }
        # No counts or bleeds yet, though a treatment may be logged: the first-run words.
        empty = not ctx["recent"]
        first_run = {"empty": empty, "treatments_logged": ctx["treatments_logged"]}
        return {**pieces, **first_run, "advice_from": advice_from}

    return page_cache.get_or_build(patient, variant, build)


def current_advice(request, patient, readings, episodes) -> list:
    """The advice that still applies: from the latest count and the last fortnight's bleeds.

    Advice that the page already shows at the top (just after a save) is not repeated.
    """
    now = timezone.now()
    episodes = [e for e in episodes if e.started_at >= now - guidance.PREGNANCY_WINDOW]
    advice = guidance.advice_for_patient(patient, readings, episodes, now, request.user)
    shown = {item["title"] for item in request.session.get("advice", [])}
    return [item for item in advice if item.title not in shown]


def entry_kind(slug: str) -> entries.EntryKind:
    if slug not in entries.KINDS:
        raise Http404("No such kind of entry.")
    return entries.KINDS[slug]


def return_url(request: HttpRequest, patient) -> str:
    return redirects.next_url(request, reverse("dashboard", args=[patient.pk]))


def saved_redirect(request, patient, saved: str, advice) -> HttpResponse:
    """After a save: the message, and any advice at the top of the next page.

    An emergency always leads to the dashboard, where it is the first thing shown; with htmx
    the whole page is loaded so that nothing else is in front of it.
    """
    messages.success(request, saved)
    if advice:
        request.session["advice"] = guidance.to_session(advice)
    if guidance.is_emergency(advice):
        url = reverse("dashboard", args=[patient.pk])
        if request.htmx:
            return HttpResponse(status=204, headers={"HX-Redirect": url})
        return redirect(url)
    return redirect(return_url(request, patient))


def quick_add_response(request, patient, role, kind, form, saved=None, entry=None, advice=()):
    """The dashboard's quick-add box, re-rendered in place for htmx."""
    ctx = {"patient": patient, "role": role, f"{kind.noun}_form": form, "advice": advice}
    ctx.update({f"{kind.noun}_saved": saved, "new_entry": entry})
    ctx["return_to"] = reverse("dashboard", args=[patient.pk])
    response = render(request, f"readings/dashboard.html#quick-{kind.noun}", ctx)
    if entry is not None:
        # The dashboard's numbers and chart refresh themselves when they hear this.
        response["HX-Trigger"] = "entrySaved"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def entry_add(request: HttpRequest, patient_id, kind: str) -> HttpResponse:
    patient, role = get_patient_for(request, patient_id, write=True)
    kind = entry_kind(kind)
    # A dose starts from the course it is logged for (?course=, checked by the form).
    initial = {"treatment": request.GET.get("course")}
    form = kind.form(request.POST or None, patient=patient, initial=initial)
    quick = request.htmx and request.POST.get("quick") and kind.quick_add
    if request.method == "POST" and form.is_valid():
        saved = save_new_entry(request, form, patient)
        if saved is not None:
            return added(request, patient, role, kind, *saved, quick=quick)
    if quick:
        return quick_add_response(request, patient, role, kind, form)
    ctx = {"patient": patient, "role": role, "kind": kind, "form": form}
    ctx["return_to"] = return_url(request, patient)
    return render(request, "readings/entry_form.html", ctx)


def save_new_entry(request, form, patient):
    """Save the form's new entry and its alert e-mails (outbox rows) together: (entry, created).

    None when someone logged the same result since the form was checked; the form then asks
    about it, as it would have (readings.duplicates).
    """
    try:
        with transaction.atomic():
            entry, created = entries.create_entry(form, patient, request.user)
            if created:
                site = request.build_absolute_uri("/")
                alerts.enqueue_for_entry(entry, patient, request.user, site)
    except entries.AlreadyLogged as already:
        form.ask_already_logged(already.entry)
        return None
    return entry, created


def added(request, patient, role, kind, entry, created: bool, *, quick) -> HttpResponse:
    """After a new entry: the log, the message and any advice, in the box or the next page."""
    what = entry.describe(patient.preferred_unit)
    if created:
        audit.record(
            request, patient, audit.ADDED_ENTRY, lambda: entry.describe(patient.preferred_unit)
        )
    if created:
        saved = _("Saved %(entry)s.") % {"entry": what}
    else:
        saved = _("Already saved: %(entry)s.") % {"entry": what}
    advice = guidance.advice_for_entry(entry, patient, request.user)
    if quick and not guidance.is_emergency(advice):
        fresh = kind.form(patient=patient)
        return quick_add_response(request, patient, role, kind, fresh, saved, entry, advice)
    return saved_redirect(request, patient, saved, advice)


@login_required
@require_http_methods(["GET", "POST"])
def entry_edit(request: HttpRequest, patient_id, kind: str, entry_id) -> HttpResponse:
    patient, role = get_patient_for(request, patient_id, write=True)
    kind = entry_kind(kind)
    entry = get_object_or_404(kind.model.objects, pk=entry_id, patient=patient)
    before = copy.copy(entry)  # the form changes `entry` as it checks what was typed
    form = kind.form(request.POST or None, instance=entry, patient=patient)
    ctx = {"patient": patient, "role": role, "kind": kind, "entry": entry}
    ctx["return_to"] = return_url(request, patient)
    if entry.is_deleted:  # deleted since the edit link was shown: say so
        ctx.update(form=form, deleted_meanwhile=True)
        status = 409 if request.method == "POST" else 410
        return entry_page(request, before, ctx, status)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():  # the change and any alert it now raises, together
                saved = entries.update_entry(form)
                site = request.build_absolute_uri("/")
                alerts.enqueue_for_entry(saved, patient, request.user, site, before=before)
        except entries.EditConflict as conflict:
            ctx.update(conflict_context(request, patient, kind, conflict.current, form))
            return entry_page(request, before, ctx, 409)
        what = saved.describe(patient.preferred_unit)
        audit.record(
            request, patient, audit.EDITED_ENTRY, lambda: saved.describe(patient.preferred_unit)
        )
        advice = guidance.advice_for_entry(saved, patient, request.user)
        saved_words = _("Saved your changes to %(entry)s.") % {"entry": what}
        return saved_redirect(request, patient, saved_words, advice)
    return entry_page(request, before, {**ctx, "form": form})


def entry_page(request, entry, ctx: dict, status: int = 200) -> HttpResponse:
    """The edit form shows the entry as stored: a read, in the access log (named as it was
    loaded, before the form checked what was typed into it)."""
    patient = ctx["patient"]
    audit.record(
        request, patient, audit.VIEWED_ENTRY, lambda: entry.describe(patient.preferred_unit)
    )
    return render(request, "readings/entry_form.html", ctx, status=status)


def conflict_context(request, patient, kind, current, form) -> dict:
    """Keep what the user typed, show what the other person saved, and let them decide.

    The new form carries the current version, so saving it again is a deliberate choice.
    """
    if current.is_deleted:
        return {"form": form, "deleted_meanwhile": True}
    changes = entries.changes_between(current, form.instance)
    data = request.POST.copy()
    data["version"] = current.version
    retry = kind.form(data, instance=current, patient=patient)
    retry.is_valid()
    return {"form": retry, "entry": current, "changes": changes}


@login_required
@require_http_methods(["GET", "POST"])
def entry_delete(request: HttpRequest, patient_id, kind: str, entry_id) -> HttpResponse:
    patient, role = get_patient_for(request, patient_id, write=True)
    kind = entry_kind(kind)
    entry = get_object_or_404(kind.model.objects.live(), pk=entry_id, patient=patient)
    what = entry.describe(patient.preferred_unit)
    if request.method == "POST":
        if entries.soft_delete(entry):
            audit.record(
                request,
                patient,
                audit.DELETED_ENTRY,
                lambda: entry.describe(patient.preferred_unit),
            )
        request.session["undo"] = {
            "text": _("Deleted %(entry)s.") % {"entry": what},
            "url": reverse("entry_restore", args=[patient.pk, kind.slug, entry.pk]),
            "next": return_url(request, patient),
        }
        return redirect(return_url(request, patient))
    audit.record(
        request, patient, audit.VIEWED_ENTRY, lambda: entry.describe(patient.preferred_unit)
    )
    ctx = {"patient": patient, "role": role, "kind": kind, "entry": entry, "what": what}
    ctx["return_to"] = return_url(request, patient)
    return render(request, "readings/entry_delete.html", ctx)


@login_required
@require_POST
def entry_restore(request: HttpRequest, patient_id, kind: str, entry_id) -> HttpResponse:
    patient, _role = get_patient_for(request, patient_id, write=True)
    kind = entry_kind(kind)
    entry = get_object_or_404(entries.restorable(kind.model), pk=entry_id, patient=patient)
    restored = entries.restore(entry)
    request.session.pop("undo", None)
    what = entry.describe(patient.preferred_unit)
    if restored:
        audit.record(
            request, patient, audit.RESTORED_ENTRY, lambda: entry.describe(patient.preferred_unit)
        )
    messages.success(request, _("Restored %(entry)s.") % {"entry": what})
    return redirect(return_url(request, patient))


@login_required
@require_POST
def episode_resolve(request: HttpRequest, patient_id, entry_id) -> HttpResponse:
    """Record how an emergency ended (it stopped, or medical help was got): kept in the bleed's
    history; the dashboard then shows what to watch for instead of the emergency."""
    patient, _role = get_patient_for(request, patient_id, write=True)
    episode = get_object_or_404(BleedingEpisode.objects.live(), pk=entry_id, patient=patient)
    form = EndingForm(request.POST)
    if not form.is_valid():  # a page out of date, or not ours: the dashboard as it is now
        messages.error(request, STALE_PAGE)
        return redirect("dashboard", patient_id=patient.pk)
    resolution = Resolution(form.cleaned_data["resolution"])
    # The bleed as the member saw it, not as someone may have changed it since.
    episode.version = form.cleaned_data["version"]
    if resolution in guidance.endings_for(episode):
        recorded = entries.resolve(episode, resolution, request.user)
    else:  # not an emergency, already closed, or "stopped" for signs in the brain
        recorded = False
    ended = resolution.label.lower()
    if recorded:
        audit.record(
            request,
            patient,
            audit.EDITED_ENTRY,
            lambda: (
                _("%(entry)s: %(ending)s")
                % {
                    "entry": episode.describe(patient.preferred_unit),
                    "ending": resolution.label.lower(),
                }
            ),
        )
        request.session.pop("advice", None)  # the emergency shown after the save is over
        messages.success(request, _("Recorded: %(ending)s.") % {"ending": ended})
    else:
        episode.refresh_from_db()  # as it is now, if someone else got there first
        messages.info(request, not_recorded(episode, ended, form.cleaned_data["version"]))
    return redirect("dashboard", patient_id=patient.pk)


def not_recorded(episode, ended: str, seen_version: int) -> str:
    if episode.resolution:
        return _("Already recorded: %(ending)s.") % {
            "ending": episode.get_resolution_display().lower()
        }
    if episode.version != seen_version:
        return _(
            "Nothing recorded: someone changed this bleed after your page showed it. Look again."
        )
    return _(
        "Nothing recorded: “%(ending)s” does not apply to this bleed as it is now. Look again."
    ) % {"ending": ended}


@login_required
@require_GET
def history(request: HttpRequest, patient_id) -> HttpResponse:
    patient, role = get_patient_for(request, patient_id)
    filters = HistoryFilter(request.GET, patient=patient)
    kind = entries.KINDS[filters.kind_slug()]
    return_to = f"{request.path}?{filters.query_without_page()}"
    page = request.GET.get("page")
    pieces = history_pieces(patient, (role, request.user.time_zone), kind, filters, page, return_to)
    audit.record(
        request, patient, audit.VIEWED_HISTORY, lambda: filters.describe(pieces["page_number"])
    )
    if request.htmx and request.GET.get("page"):
        return HttpResponse(pieces["rows"])
    ctx = {"patient": patient, "role": role, "kind": kind, "filters": filters, **pieces}
    ctx["return_to"] = return_to
    if role.can_write:
        deleted = entries.restorable(kind.model).filter(patient=patient)
        ctx["deleted"] = deleted.order_by("-deleted_at")[:10]
    return render(request, "readings/history.html", ctx)


def history_pieces(patient, viewer, kind, filters, page_number, return_to) -> dict:
    """One page of history entries, rendered (and kept: page_cache), with the total.

    `viewer` is (role, time zone): what they may do, and the zone their own times show in.
    """
    zone = timezone.get_current_timezone_name()
    role, viewer_zone = viewer

    def build():
        rows = filters.apply(kind.model.objects.live().filter(patient=patient), kind)
        paginator = Paginator(rows.with_people(), HISTORY_PAGE_SIZE)
        page = paginator.get_page(page_number)
        if kind.model is Treatment:  # each course's doses and whether it worked (IWG)
            today = timezone.localdate()
            by_pk = {c.treatment.pk: c for c in courses.courses_for(patient, page, today)}
            for entry in page.object_list:
                entry.course = by_pk[entry.pk]
        ctx = {"patient": patient, "role": role, "kind": kind, "filters": filters, "page": page}
        ctx.update(return_to=return_to, viewer_zone=viewer_zone)
        rendered = render_to_string("readings/history.html#history-page", ctx)
        return {"rows": rendered, "page_number": page.number, "total": paginator.count}

    variant = ("history", role, zone, viewer_zone, return_to, page_number)
    return page_cache.get_or_build(patient, variant, build)


@require_GET
def when_to_get_help(request: HttpRequest) -> HttpResponse:
    return render(request, "readings/help.html", guidance.help_page_context())
