"""The installable app: its manifest, its service worker and the page shown without a signal.

- `/manifest.webmanifest`: what a browser needs to install the site as an app (name, icons at
  192 and 512 px and a maskable one, colours, `start_url` on the dashboard, standalone).
- `/sw.js`: the service worker (templates/readings/sw.js, Workbox's libraries from npm). It is
  served from the root so that its scope is the whole site. It keeps only the app's static
  files and the offline page (PRECACHE), never a page or a response with health data (those
  are `no-store`); it keeps a count or a bleed logged without a signal until it can be sent.
- `/offline/`: what a page that cannot load shows instead. Rendered for no one in particular
  (no name, no record): the worker stores it for everyone who uses the device, in the language
  of the page that installed the worker (the worker's version changes with it).

Logging out clears what the worker holds: the response carries `Clear-Site-Data`
(accounts.views).
"""

import hashlib
import json
from functools import cache
from types import SimpleNamespace

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import ManifestStaticFilesStorage, staticfiles_storage
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render, resolve_url
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import get_language, gettext
from django.views.decorators.http import require_GET

from accounts.models import Patient
from readings import guidance
from readings.entries import KINDS
from readings.models import BleedingKind, FirstAid

# Light and dark, as app.css draws the page (--bg).
THEME_LIGHT = "#fbfaf8"
THEME_DARK = "#121214"

QUICK_KINDS = [kind for kind in KINDS.values() if kind.quick_add]

# Workbox's browser builds, in the order they need each other (Makefile copies them).
WORKBOX = [
    f"vendor/workbox/workbox-{name}.prod.js"
    for name in ("core", "routing", "strategies", "precaching", "background-sync")
]

# What the worker keeps: the files every page uses, so that the offline page and a page
# opened again without a signal look and work as they do online. Plotly is left out (3.5 MB):
# no chart is drawn without the data, which is never kept.
PRECACHE_STATIC = [
    "css/app.css",
    "js/menu.js",
    "js/offline.js",
    "django_htmx/htmx-2.min.js",
    "img/favicon.svg",
    "img/icon-192.png",
    "img/icon-512.png",
    "img/icon-maskable-512.png",
]


@require_GET
def manifest(request: HttpRequest) -> HttpResponse:
    icon = {"type": "image/png"}
    data = {
        "name": "ITP Tracker",
        "short_name": "ITP Tracker",
        "description": gettext(
            "Log platelet counts and bleeds, see the trend, know when to get help."
        ),
        "lang": get_language(),
        "id": "/",
        "start_url": reverse("home"),
        "scope": "/",
        "display": "standalone",
        "background_color": THEME_LIGHT,
        "theme_color": THEME_LIGHT,
        "icons": [
            {**icon, "src": static("img/icon-192.png"), "sizes": "192x192"},
            {**icon, "src": static("img/icon-512.png"), "sizes": "512x512"},
            {
                **icon,
                "src": static("img/icon-maskable-512.png"),
                "sizes": "512x512",
                "purpose": "maskable",
            },
        ],
    }
    response = JsonResponse(data, json_dumps_params={"indent": 2})
    response["Content-Type"] = "application/manifest+json"
    response["Cache-Control"] = "no-cache"
    return response


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    ctx = {
        "workbox": [static(path) for path in WORKBOX],
        "precache": json.dumps(precache_entries()),
        "offline_url": reverse("offline"),
        "login_path": resolve_url(settings.LOGIN_URL),
        "icon": static("img/icon-192.png"),
    }
    response = render(request, "readings/sw.js", ctx, content_type="text/javascript")
    # The browser asks again on every visit (at most once a day without this); a new version
    # of any static file is a new worker, so an update is never a day late.
    response["Cache-Control"] = "no-cache"
    return response


@require_GET
def offline(request: HttpRequest) -> HttpResponse:
    """The page a navigation without a signal gets. No user, no record: it is stored once
    for every account on the device. The page's script finds the record in the address."""
    return HttpResponse(offline_page())


def offline_page() -> str:
    """The offline page's HTML. Rendered without the request: no user, and no form token of
    anyone's in a page kept for everyone. The page's script sets the record's date, time and
    unit in the boxes, and a new one-time token."""
    ctx = {kind.noun + "_form": _timeless(kind.form(patient=Patient())) for kind in QUICK_KINDS}
    return render_to_string("readings/offline.html", ctx)


# What a blank form fills in from the clock or at random: left empty in a page that must be
# the same at every render (its digest is the worker's version).
CHANGING_FIELDS = ("form_token", "drawn_on", "started_on", "started_time")


def _timeless(form):
    for name in CHANGING_FIELDS:
        if name in form.fields:
            form.fields[name].initial = None
    return form


def precache_entries() -> list[dict]:
    """Workbox's precache list: [{"url": str, "revision": str | None}]. A hashed file name
    (the deploy's manifest storage) is its own revision; otherwise the file's digest is."""
    paths = [*PRECACHE_STATIC, *WORKBOX]
    entries = [{"url": static(path), "revision": _revision(path)} for path in paths]
    page = reverse("offline")
    return [*entries, {"url": page, "revision": _offline_revision()}]


def _revision(path: str) -> str | None:
    if isinstance(staticfiles_storage, ManifestStaticFilesStorage):
        return None
    return _digest(finders.find(path))


@cache
def _digest(file_path: str) -> str:
    with open(file_path, "rb") as file:
        return hashlib.file_digest(file, "sha256").hexdigest()[:16]


def _offline_revision() -> str:
    """A new worker whenever the offline page changes, whatever changed it."""
    return hashlib.sha256(offline_page().encode()).hexdigest()[:16]


def emergency_rule() -> dict:
    """Which answers in a quick "Log a bleed" make it an emergency, for the page to say so at
    once when it cannot reach the server, each with the title of the advice it calls for:
    {"warning_signs": title | "", "first_aid": {value: title}, "kinds": {value: title}}.
    Worked out from readings.guidance.bleed_level, the server's own rule (its table of kind ×
    severity), so the two cannot disagree on what the box can say. The titles are in the
    active language, as the page's advice is (worked out once for each language)."""
    return _emergency_rule(get_language())


@cache
def _emergency_rule(language: str | None) -> dict:
    emergency = {str(advice.title): advice for advice in emergency_advice()}
    return {
        "warning_signs": _title(_level(warning_signs=["any"]), emergency),
        "first_aid": _answers("first_aid", FirstAid.values, emergency),
        "kinds": _answers("kind", BleedingKind.values, emergency),
    }


@cache
def emergency_advice() -> tuple:
    """The emergency advice (guidance.Advice) a quick bleed's answers can call for."""
    found = [_level(warning_signs=["any"])]
    found += [_level(first_aid=value) for value in FirstAid.values]
    found += [_level(kind=value) for value in BleedingKind.values]
    return tuple(dict.fromkeys(a for a in found if a.level is guidance.Level.EMERGENCY))


def _level(**answers):
    blank = {"kind": BleedingKind.OTHER, "severity": "", "warning_signs": [], "first_aid": ""}
    return guidance.bleed_level(SimpleNamespace(**{**blank, **answers})).advice


def _title(advice, emergency: dict) -> str:
    return str(advice.title) if str(advice.title) in emergency else ""


def _answers(field: str, values, emergency: dict) -> dict[str, str]:
    titles = {value: _title(_level(**{field: value}), emergency) for value in values}
    return {value: title for value, title in titles.items() if title}
