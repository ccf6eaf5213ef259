"""The dangers of issue 13, through the pages: the full form, quick add, an edit and an import,
logged by the owner or an editor and read by everyone else; and how an emergency is closed.

The level of every kind × severity × first-aid answer is tested as a table in test_guidance;
here each way in is shown to reach it.
"""

import uuid
from datetime import UTC, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from itptracker.forms import STALE_PAGE
from readings import exports, imports
from readings.entries import KINDS
from readings.models import BleedingEpisode
from tests.clock import pinned
from tests.factories import make_episode, make_patient, make_reading
from tests.html_forms import bleed_fields, first_alert, form_values

pytestmark = [pytest.mark.django_db, pinned]

HTMX = {"HX-Request": "true"}
BIKE = "fell off bike, hit head, now severe headache and vomiting"
BRAIN = "Signs of bleeding in the brain are an emergency"
HEAD_TODAY = "A knock to the head: get checked today"
TODAY = "Tell your care team today"
VERY_LOW = "A very low count: make sure your care team knows"
STILL_BLEEDING = "Bleeding that does not stop is an emergency"


def log_bleed(client, cast, actor, quick=False, **data):
    client.force_login(getattr(cast, actor))
    fields = bleed_fields(**{"kind": "other", **data})
    url = reverse("entry_add", args=[cast.patient.pk, "bleeds"])
    if quick:
        return client.post(url, {**fields, "quick": "1"}, headers=HTMX)
    return client.post(url, fields, follow=True)


def page_after(response, client) -> str:
    """The page a person sees after saving: the dashboard (full form) or the quick-add reply."""
    if response.status_code == 204:  # an emergency from quick add reloads the dashboard
        return client.get(response["HX-Redirect"]).content.decode()
    return response.content.decode()


def main_of(html: str) -> str:
    return html[html.index('<main id="main"') :]


# --- The parent's report: "fell off bike, hit head, now severe headache and vomiting" ------------


@pytest.mark.parametrize("quick", [False, True], ids=["full form", "quick add"])
@pytest.mark.parametrize("actor", ["owner", "editor"])
@pytest.mark.parametrize("kind", ["other", "head_injury"])
def test_signs_of_a_brain_bleed_are_an_emergency_shown_first(client, cast, actor, quick, kind):
    cast.patient.care_team_phone = "+44 20 7946 0000"
    cast.patient.save()
    response = log_bleed(
        client, cast, actor, quick, kind=kind, note=BIKE, warning_signs=["headache", "vomiting"]
    )
    main = main_of(page_after(response, client))
    assert main.index('role="alert"') < main.index("<h1")
    alert = first_alert(main)
    assert BRAIN in alert
    assert "with signs of bleeding in the brain." in alert
    assert 'href="tel:+442079460000"' in alert
    episode = BleedingEpisode.objects.get()
    assert episode.warning_signs == ["headache", "vomiting"]


@pytest.mark.parametrize(
    ("data", "title", "reason"),
    [
        ({"kind": "head_injury"}, HEAD_TODAY, "You logged a head injury."),
        ({"kind": "other", "severity": "severe"}, TODAY, "You logged bleeding marked as severe."),
        (
            {"kind": "stool", "severity": "severe"},
            TODAY,
            "You logged blood in the stool marked as severe.",
        ),
        (
            {"kind": "menstrual", "severity": "severe"},
            TODAY,
            "You logged heavy menstrual bleeding marked as severe.",
        ),
        ({"kind": "vomit"}, TODAY, "You logged blood in vomit."),
        ({"kind": "cough"}, TODAY, "You logged coughing up blood."),
    ],
)
@pytest.mark.parametrize("quick", [False, True], ids=["full form", "quick add"])
def test_bleeds_for_the_care_team_today_say_so(client, cast, data, title, reason, quick):
    html = page_after(log_bleed(client, cast, "owner", quick, **data), client)
    assert title in html and reason in html
    assert "Contact your care team today" in html  # the level, in words
    assert 'role="alert"' not in html  # not an emergency


def test_the_full_form_and_quick_add_both_offer_every_brain_sign(client, cast):
    client.force_login(cast.owner)
    dashboard = client.get(reverse("dashboard", args=[cast.patient.pk])).content.decode()
    full = client.get(reverse("entry_add", args=[cast.patient.pk, "bleeds"])).content.decode()
    for html in (dashboard, full):
        for label in ("Being sick (vomiting)", "A seizure (fit)", "Trouble speaking or seeing"):
            assert label in html
        assert "Head injury (a knock or fall on the head)" in html


# --- A very low count without a threshold --------------------------------------------------------


@pytest.mark.parametrize("text", ["<10", "8", "19", "15000 /uL"])
def test_a_very_low_count_without_a_threshold_says_to_tell_the_care_team(client, cast, text):
    client.force_login(cast.owner)
    count, _, unit = text.partition(" ")
    data = {
        "count_text": count,
        "unit": unit or "e9/L",
        "drawn_on": timezone.localdate().isoformat(),
        "form_token": str(uuid.uuid4()),
    }
    html = client.post(
        reverse("entry_add", args=[cast.patient.pk, "counts"]), data, follow=True
    ).content.decode()
    assert VERY_LOW in html
    assert "St. Jude" in html  # the source of the number 20, shown with it
    settings_url = reverse("patient_settings", args=[cast.patient.pk])
    assert f'href="{settings_url}#id_alert_threshold"' in html


def test_only_the_owner_is_offered_the_threshold_link(client, cast):
    make_reading(cast.patient, "10", comparator="<", entered_text="<10")
    for actor, offered in [("owner", True), ("editor", False), ("viewer", False)]:
        client.force_login(getattr(cast, actor))
        html = client.get(reverse("dashboard", args=[cast.patient.pk])).content.decode()
        assert VERY_LOW in html
        assert ("Save the threshold your care team gave" in html) is offered


@pytest.mark.parametrize(("count", "comparator"), [("20", ""), ("45", ""), ("10", ">")])
def test_a_count_not_known_to_be_below_20_gets_no_very_low_advice(client, cast, count, comparator):
    make_reading(cast.patient, count, comparator=comparator, entered_text=comparator + count)
    client.force_login(cast.owner)
    html = client.get(reverse("dashboard", args=[cast.patient.pk])).content.decode()
    assert VERY_LOW not in html


def test_with_a_threshold_the_clinicians_number_speaks_instead(client, cast):
    cast.patient.alert_threshold = 30
    cast.patient.save()
    make_reading(cast.patient, "8")
    client.force_login(cast.owner)
    html = client.get(reverse("dashboard", args=[cast.patient.pk])).content.decode()
    assert "Below the threshold your clinician set" in html and VERY_LOW not in html


# --- An edit and an import ------------------------------------------------------------------------


def test_an_edit_to_did_not_stop_shows_the_emergency(client, cast):
    log_bleed(client, cast, "editor", kind="nosebleed", first_aid="yes")
    episode = BleedingEpisode.objects.get()
    url = reverse("entry_edit", args=[cast.patient.pk, "bleeds", episode.pk])
    values = form_values(client.get(url).content.decode())
    html = client.post(url, {**values, "first_aid": "no"}, follow=True).content.decode()
    assert "Bleeding that does not stop is an emergency" in html
    assert "You logged a nosebleed that first aid did not stop." in html


def test_an_imported_recent_emergency_is_on_the_dashboard(client, cast):
    source = make_patient(cast.owner, name="Elsewhere")
    make_episode(source, kind="head_injury", warning_signs=["drowsy"])
    text = "".join(exports.csv_lines(source, exports.Selection(tuple(KINDS)), UTC))
    imports.import_file(text, cast.patient, cast.owner)
    client.force_login(cast.viewer)
    html = client.get(reverse("dashboard", args=[cast.patient.pk])).content.decode()
    assert BRAIN in html
    assert "Olive Owner logged a head injury with signs of bleeding in the brain." in html


# --- Who logged it --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reader", "who"),
    [("editor", "you logged"), ("owner", "Eddie Editor logged"), ("viewer", "Eddie Editor logged")],
)
def test_the_advice_says_who_logged_the_bleed(client, cast, reader, who):
    log_bleed(client, cast, "editor", kind="nosebleed", first_aid="no")
    client.force_login(getattr(cast, reader))
    html = client.get(reverse("dashboard", args=[cast.patient.pk])).content.decode()
    assert f"{who} a nosebleed that first aid did not stop." in html
    assert "your child" not in html.lower()
    if reader != "editor":
        assert "you logged" not in html.lower()


def test_a_bleed_whose_author_left_says_someone(client, cast):
    log_bleed(client, cast, "editor", kind="nosebleed", first_aid="no")
    cast.editor.delete()
    client.force_login(cast.viewer)
    html = client.get(reverse("dashboard", args=[cast.patient.pk])).content.decode()
    assert "Someone logged a nosebleed that first aid did not stop." in html


# --- Closing an emergency truthfully --------------------------------------------------------------


def resolve(client, cast, episode, resolution):
    """Press an ending button of a page that showed `episode` as it is in memory."""
    url = reverse("episode_resolve", args=[cast.patient.pk, episode.pk])
    return client.post(url, {"resolution": resolution, "version": episode.version}, follow=True)


@pytest.mark.parametrize(
    ("resolution", "words"),
    [("stopped", "the bleeding stopped"), ("care", "got medical help")],
)
def test_recording_how_an_emergency_ended_shows_what_to_watch_for(client, cast, resolution, words):
    log_bleed(client, cast, "owner", kind="nosebleed", first_aid="still")
    episode = BleedingEpisode.objects.get()
    client.force_login(cast.editor)
    html = resolve(client, cast, episode, resolution).content.decode()
    assert 'role="alert"' not in html
    assert "After the bleeding: what to watch for" in html
    assert f"Since then: {words}." in html
    # The record stays true: still bleeding when logged, and how it ended is kept beside it.
    episode.refresh_from_db()
    assert episode.first_aid == "still"
    assert (episode.resolution, episode.resolved_by) == (resolution, cast.editor)
    assert timezone.now() - timedelta(seconds=5) < episode.resolved_at <= timezone.now()
    history = client.get(
        reverse("history", args=[cast.patient.pk]), {"show": "bleeds"}
    ).content.decode()
    assert "by Eddie Editor" in history
    # For every member, not only the one who recorded it.
    client.force_login(cast.viewer)
    viewer_page = client.get(reverse("dashboard", args=[cast.patient.pk])).content.decode()
    assert "After the bleeding: what to watch for" in viewer_page
    assert BRAIN not in viewer_page and 'role="alert"' not in viewer_page


def test_the_emergency_offers_the_ending_buttons_only_to_members_who_log(client, cast):
    log_bleed(client, cast, "owner", kind="nosebleed", first_aid="no")
    for actor, offered in [("owner", True), ("editor", True), ("viewer", False)]:
        client.force_login(getattr(cast, actor))
        html = client.get(reverse("dashboard", args=[cast.patient.pk])).content.decode()
        assert ("The bleeding has stopped" in html) is offered
        assert ("We have got medical help" in html) is offered


@pytest.mark.parametrize(
    "data",
    [
        {"resolution": "", "version": "1"},
        {"resolution": "maybe", "version": "1"},
        {"resolution": "STOPPED", "version": "1"},
        {"resolution": "stopped"},
        {"resolution": "stopped", "version": "one"},
        {"resolution": "stopped", "version": "0"},
        {"resolution": "stopped", "version": str(2**31)},
        {"resolution": "stopped", "version": "9" * 40},
    ],
    ids=str,
)
def test_an_unknown_ending_or_version_changes_nothing(client, cast, data):
    episode = make_episode(cast.patient, first_aid="no")
    client.force_login(cast.owner)
    url = reverse("episode_resolve", args=[cast.patient.pk, episode.pk])
    response = client.post(url, data, follow=True)
    assert response.redirect_chain == [(reverse("dashboard", args=[cast.patient.pk]), 302)]
    assert str(STALE_PAGE) in response.content.decode()
    episode.refresh_from_db()
    assert episode.resolution == "" and episode.resolved_at is None


def test_a_deleted_bleed_cannot_be_closed(client, cast):
    episode = make_episode(cast.patient, first_aid="no", deleted_at=timezone.now())
    client.force_login(cast.owner)
    assert resolve(client, cast, episode, "stopped").status_code == 404


def test_how_it_ended_survives_an_export_and_import(cast):
    episode = make_episode(cast.patient, first_aid="no", warning_signs=["seizure"])
    episode.resolution, episode.resolved_at = "care", timezone.now()
    episode.save()
    text = "".join(exports.csv_lines(cast.patient, exports.Selection(("bleeds",)), UTC))
    target = make_patient(cast.owner, name="Copy")
    imports.import_file(text, target, cast.owner)
    copy = BleedingEpisode.objects.get(patient=target)
    assert (copy.warning_signs, copy.resolution, copy.resolved_at) == (
        ["seizure"],
        "care",
        episode.resolved_at,
    )


# --- What a recorded ending may and may not do --------------------------------------------------


def dashboard_of(client, cast, actor) -> str:
    client.force_login(getattr(cast, actor))
    return client.get(reverse("dashboard", args=[cast.patient.pk])).content.decode()


def test_signs_in_the_brain_can_only_be_closed_by_getting_medical_help(client, cast):
    log_bleed(client, cast, "owner", kind="head_injury", warning_signs=["drowsy"])
    episode = BleedingEpisode.objects.get()
    page = dashboard_of(client, cast, "owner")
    assert "We have got medical help" in page and "The bleeding has stopped" not in page
    assert "Later: have you got medical help?" in page
    html = resolve(client, cast, episode, "stopped").content.decode()
    assert "Nothing recorded" in html and BRAIN in html
    episode.refresh_from_db()
    assert episode.resolution == ""


@pytest.mark.parametrize(
    "data", [{"first_aid": "yes"}, {"kind": "gums"}, {"kind": "head_injury"}], ids=str
)
def test_a_bleed_that_is_not_an_emergency_cannot_be_closed(client, cast, data):
    log_bleed(client, cast, "owner", **{"kind": "nosebleed", **data})
    episode = BleedingEpisode.objects.get()
    html = resolve(client, cast, episode, "care").content.decode()
    assert "Nothing recorded" in html
    episode.refresh_from_db()
    assert (episode.resolution, episode.resolved_at) == ("", None)


def test_an_ending_is_recorded_once(client, cast):
    log_bleed(client, cast, "owner", kind="nosebleed", first_aid="no")
    episode = BleedingEpisode.objects.get()
    resolve(client, cast, episode, "care")
    client.force_login(cast.editor)
    html = resolve(client, cast, episode, "stopped").content.decode()
    assert "Already recorded: got medical help." in html
    episode.refresh_from_db()
    assert (episode.resolution, episode.resolved_by) == ("care", cast.owner)


def test_an_ending_pressed_on_a_page_older_than_an_edit_records_nothing(client, cast):
    log_bleed(client, cast, "owner", kind="nosebleed", first_aid="no")
    as_shown = BleedingEpisode.objects.get()
    client.force_login(cast.editor)
    edit(client, as_shown, severity="severe")  # still an emergency, but not the one shown
    client.force_login(cast.owner)
    html = resolve(client, cast, as_shown, "stopped").content.decode()
    assert "someone changed this bleed after your page showed it" in html
    now = BleedingEpisode.objects.get()
    assert (now.resolution, now.resolved_at, now.version) == ("", None, as_shown.version + 1)
    assert STILL_BLEEDING in html  # still shown, with buttons for the bleed as it is now
    assert f'name="version" value="{now.version}"' in html


def edit(client, episode, **changes):
    url = reverse("entry_edit", args=[episode.patient_id, "bleeds", episode.pk])
    values = form_values(client.get(url).content.decode())
    return client.post(url, {**values, **changes}, follow=True)


@pytest.mark.parametrize(
    ("changes", "reopened"),
    [
        ({"first_aid": "still"}, True),
        ({"warning_signs": ["seizure"]}, True),
        ({"kind": "gums"}, True),
        ({"note": "we went to A&E"}, False),
        ({"body_site": "left nostril"}, False),
    ],
)
def test_changing_how_dangerous_a_closed_bleed_was_reopens_it(client, cast, changes, reopened):
    log_bleed(client, cast, "editor", kind="nosebleed", first_aid="no")
    episode = BleedingEpisode.objects.get()
    resolve(client, cast, episode, "stopped")
    edit(client, episode, **changes)
    episode.refresh_from_db()
    assert (episode.resolution == "") is reopened
    viewer_page = dashboard_of(client, cast, "viewer")
    assert ('role="alert"' in viewer_page) is reopened
    assert ("After the bleeding: what to watch for" in viewer_page) is not reopened


@pytest.mark.parametrize(
    ("changes", "shown_after_49_hours"),
    [({"note": "we pressed for 20 minutes"}, False), ({"first_aid": "no"}, True)],
    ids=["note", "danger"],
)
def test_only_an_edit_of_the_danger_restarts_its_48_hours(
    client, cast, time_machine, changes, shown_after_49_hours
):
    log_bleed(client, cast, "owner", kind="nosebleed", first_aid="still")
    time_machine.shift(timedelta(hours=47))
    client.force_login(cast.editor)  # a new sign-in: the owner's session has timed out
    edit(client, BleedingEpisode.objects.get(), **changes)
    assert BleedingEpisode.objects.get().version == 2
    assert 'role="alert"' in dashboard_of(client, cast, "viewer")
    time_machine.shift(timedelta(hours=2))
    assert ('role="alert"' in dashboard_of(client, cast, "viewer")) is shown_after_49_hours


def test_an_edit_that_puts_the_start_after_the_recorded_ending_is_refused_in_words(client, cast):
    log_bleed(client, cast, "owner", kind="nosebleed", first_aid="no")
    episode = BleedingEpisode.objects.get()
    resolve(client, cast, episode, "stopped")
    later = timezone.localtime() + timedelta(minutes=3)  # inside the clock's slack
    response = edit(client, episode, started_time=later.strftime("%H:%M"))
    assert response.status_code == 200
    assert "after it was recorded as over" in response.content.decode()


def test_the_ending_buttons_say_which_bleed_they_close(client, cast):
    log_bleed(client, cast, "owner", kind="nosebleed", first_aid="no")
    episode = BleedingEpisode.objects.get()
    page = dashboard_of(client, cast, "owner")
    labelled = f'aria-labelledby="ending-{episode.pk} reason-{episode.pk}"'
    assert labelled in page
    assert f'id="reason-{episode.pk}"' in page and f'id="ending-{episode.pk}"' in page


# --- More known is news; late news is shown to everyone -------------------------------------------


@pytest.mark.parametrize("quick", [False, True], ids=["full form", "quick add"])
def test_signs_logged_after_a_head_injury_was_logged_are_an_emergency_not_a_duplicate(
    client, cast, quick
):
    log_bleed(client, cast, "editor", quick, kind="head_injury")
    response = log_bleed(client, cast, "owner", quick, kind="head_injury", warning_signs=["drowsy"])
    assert BleedingEpisode.objects.count() == 2
    assert BRAIN in page_after(response, client)


def test_an_import_row_with_signs_is_not_skipped_as_a_duplicate(cast):
    make_episode(cast.patient, kind="head_injury")
    source = make_patient(cast.owner, name="Elsewhere")
    make_episode(source, kind="head_injury", warning_signs=["headache", "seizure"])
    text = "".join(exports.csv_lines(source, exports.Selection(("bleeds",)), UTC))
    plan = imports.import_file(text, cast.patient, cast.owner)
    assert len(plan.new) == 1 and plan.duplicates == []
    assert BleedingEpisode.objects.filter(patient=cast.patient).count() == 2


def test_a_bleed_of_days_ago_logged_now_with_signs_is_on_every_dashboard(client, cast):
    started = timezone.localtime() - timedelta(hours=60)
    log_bleed(
        client,
        cast,
        "editor",
        kind="other",
        warning_signs=["drowsy"],
        started_on=started.date().isoformat(),
        started_time=started.strftime("%H:%M"),
    )
    for actor in ("owner", "viewer"):
        assert BRAIN in dashboard_of(client, cast, actor)


def test_a_bleed_typed_up_from_last_year_is_history_not_an_emergency(client, cast):
    html = log_bleed(
        client, cast, "owner", kind="gums", first_aid="no", started_on="2025-05-01"
    ).content.decode()
    assert "Saved" in html and 'role="alert"' not in html
    assert 'role="alert"' not in dashboard_of(client, cast, "viewer")
