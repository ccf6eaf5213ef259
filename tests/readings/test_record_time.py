"""One instant, the same day for everyone: a record's dates and times are the patient's.

A record lives in its time zone (Patient.time_zone). Members anywhere read and write its dates
as the patient's local dates; a time is an instant shown in that zone; "the future" is after
now there; editing another field never moves the instant (accounts.dates).
"""

import datetime
import re
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import Patient, Role, User
from readings import imports
from readings.models import BleedingEpisode, PlateletReading
from tests.clock import pinned
from tests.factories import add_member, make_episode, make_patient, make_user
from tests.html_forms import form_values

pytestmark = [pytest.mark.django_db, pinned]

UTC = datetime.UTC
LONDON, NEW_YORK, TOKYO = "Europe/London", "America/New_York", "Asia/Tokyo"
ZONES = [
    "Pacific/Kiritimati",
    "Asia/Tokyo",
    "Europe/London",
    "America/New_York",
    "Pacific/Pago_Pago",
]


def family(patient_zone: str, *member_zones: str) -> tuple[Patient, list[User]]:
    """A record in `patient_zone`, its owner there, and a member who logs in each other zone."""
    owner = make_user(time_zone=patient_zone)
    patient = make_patient(owner, name="Sam")
    members = [owner]
    for zone in member_zones:
        member = make_user(time_zone=zone)
        add_member(patient, member, Role.EDITOR)
        members.append(member)
    return patient, members


def add(client, patient, slug, **data):
    return client.post(reverse("entry_add", args=[patient.pk, slug]), data)


def edit_page(client, entry, kind):
    return client.get(reverse("entry_edit", args=[entry.patient_id, kind, entry.pk]))


def resubmit_with(client, entry, kind, **changes):
    """Open the edit form as a browser would, change some fields, save."""
    values = form_values(edit_page(client, entry, kind).content.decode())
    url = reverse("entry_edit", args=[entry.patient_id, kind, entry.pk])
    return client.post(url, {**values, **changes})


def test_a_new_record_lives_in_its_owners_time_zone(client):
    owner = make_user(time_zone=TOKYO)
    client.force_login(owner)
    client.post(reverse("add_patient"), {"name": "Leo", "preferred_unit": "e9/L"})
    assert Patient.objects.get(name="Leo").time_zone == TOKYO


def test_editing_a_note_from_another_zone_never_moves_the_instant(client, time_machine):
    """The reproduction: London logs 10 Mar 01:30; New York changes only the note."""
    time_machine.move_to(datetime.datetime(2026, 3, 20, 12, tzinfo=UTC))
    patient, (owner, caregiver) = family(LONDON, NEW_YORK)
    client.force_login(owner)
    add(client, patient, "counts", count_text="45", unit="e9/L", drawn_on="2026-03-10",
        drawn_time="01:30")  # fmt: skip
    reading = PlateletReading.objects.get()
    assert reading.drawn_at == datetime.datetime(2026, 3, 10, 1, 30, tzinfo=UTC)
    client.force_login(caregiver)
    response = resubmit_with(client, reading, "counts", note="After IVIG")
    assert response.status_code == 302
    reading.refresh_from_db()
    assert reading.note == "After IVIG"
    assert (reading.drawn_on, reading.drawn_at) == (
        datetime.date(2026, 3, 10),
        datetime.datetime(2026, 3, 10, 1, 30, tzinfo=UTC),
    )


def test_the_edit_form_shows_the_records_time_and_the_viewers_beside_it(client, time_machine):
    time_machine.move_to(datetime.datetime(2026, 3, 20, 12, tzinfo=UTC))
    patient, (owner, caregiver) = family(LONDON, NEW_YORK)
    client.force_login(owner)
    add(client, patient, "counts", count_text="45", unit="e9/L", drawn_on="2026-03-10",
        drawn_time="01:30")  # fmt: skip
    client.force_login(caregiver)
    page = edit_page(client, PlateletReading.objects.get(), "counts").content.decode()
    assert form_values(page)["drawn_time"] == "01:30"
    assert "Dates and times are Sam’s, in Europe/London" in page
    history = client.get(reverse("history", args=[patient.pk])).content.decode()
    assert "Blood test on 10 Mar 2026 at 01:30 (21:30 on 9 Mar your time)" in history


def test_a_bleed_logged_with_seconds_keeps_them_when_its_note_is_edited(client):
    patient, (owner,) = family(LONDON)
    started = datetime.datetime(2026, 11, 2, 9, 30, 27, 500, tzinfo=UTC)
    episode = make_episode(patient, started_at=started)
    client.force_login(owner)
    assert resubmit_with(client, episode, "bleeds", note="ice pack").status_code == 302
    episode.refresh_from_db()
    assert (episode.note, episode.started_at) == ("ice pack", started)


@pytest.mark.parametrize(
    ("patient_zone", "member_zone", "now", "drawn_on", "allowed"),
    [
        # 02:00 on 30 Nov in London is 21:00 on 29 Nov in New York: 30 Nov is today.
        (LONDON, NEW_YORK, "2026-11-30T02:00Z", "2026-11-30", True),
        # 20:00 on 30 Nov in London is 05:00 on 1 Dec in Tokyo: 1 Dec is still to come.
        (LONDON, TOKYO, "2026-11-30T20:00Z", "2026-12-01", False),
        (LONDON, TOKYO, "2026-11-30T20:00Z", "2026-11-30", True),
        ("Pacific/Kiritimati", "Pacific/Pago_Pago", "2026-11-30T10:00Z", "2026-12-01", True),
        ("Pacific/Pago_Pago", "Pacific/Kiritimati", "2026-11-30T10:00Z", "2026-11-30", False),
    ],
)
def test_the_future_is_after_now_where_the_patient_lives(
    client, time_machine, patient_zone, member_zone, now, drawn_on, allowed
):
    time_machine.move_to(datetime.datetime.fromisoformat(now))
    patient, (_, member) = family(patient_zone, member_zone)
    client.force_login(member)
    response = add(client, patient, "counts", count_text="45", unit="e9/L", drawn_on=drawn_on)
    assert PlateletReading.objects.exists() is allowed
    if not allowed:
        assert "That date is in the future." in response.content.decode()


def test_a_new_forms_today_is_the_patients(client, time_machine):
    time_machine.move_to(datetime.datetime(2026, 11, 30, 20, tzinfo=UTC))
    patient, (_, member) = family(LONDON, TOKYO)  # 1 Dec already in Tokyo
    client.force_login(member)
    page = client.get(reverse("entry_add", args=[patient.pk, "counts"])).content.decode()
    assert form_values(page)["drawn_on"] == "2026-11-30"


def test_a_time_the_clocks_skipped_is_refused(client):
    patient, (owner,) = family(LONDON)
    client.force_login(owner)
    response = add(client, patient, "bleeds", kind="nosebleed", started_on="2026-03-29",
                   started_time="01:30")  # fmt: skip
    assert not BleedingEpisode.objects.exists()
    assert "01:30 did not happen on 29 Mar 2026: the clocks went forward then." in (
        response.content.decode()
    )


def test_a_time_that_happened_twice_is_asked_about_and_kept_as_chosen(client):
    patient, (owner,) = family(LONDON)
    client.force_login(owner)
    data = {"kind": "nosebleed", "started_on": "2026-10-25", "started_time": "01:30"}
    asked = add(client, patient, "bleeds", **data).content.decode()
    assert not BleedingEpisode.objects.exists()
    assert "01:30 happened twice on 25 Oct 2026" in asked
    assert "The first 01:30, before the clocks went back (BST, UTC+01:00)" in asked
    assert "The second 01:30, after the clocks went back (GMT, UTC+00:00)" in asked
    token = form_values(asked)["form_token"]
    add(client, patient, "bleeds", **data, form_token=token, time_fold="1")
    assert BleedingEpisode.objects.get().started_at == datetime.datetime(
        2026, 10, 25, 1, 30, tzinfo=UTC
    )
    BleedingEpisode.objects.all().delete()
    add(client, patient, "bleeds", **data, time_fold="0")
    assert BleedingEpisode.objects.get().started_at == datetime.datetime(
        2026, 10, 25, 0, 30, tzinfo=UTC
    )


def test_an_import_refuses_a_skipped_time_and_asks_for_a_repeated_ones_offset(db):
    patient, _ = family(LONDON)
    text = (
        "kind,id,started_at,bleed_kind,body_site,severity,first_aid,duration_minutes,"
        "care_sought,note\r\n"
        "bleed,,2026-03-29T01:30:00,nosebleed,,,,,,\r\n"
        "bleed,,2026-10-25T01:30:00,nosebleed,,,,,,\r\n"
        "bleed,,2026-10-25T01:30:00+00:00,gums,,,,,,\r\n"
    )
    skipped, repeated, with_offset = imports.make_plan(text, patient).rows
    assert "01:30 did not happen on 29 Mar 2026" in skipped.error
    assert repeated.error == (
        "started_at: 01:30 happened twice on 25 Oct 2026, when the clocks went back. Write "
        "which one with its offset: 2026-10-25T01:30:00+01:00 (the first) or "
        "2026-10-25T01:30:00+00:00 (the second)."
    )
    assert with_offset.error == ""


def test_setting_time_zone_does_not_change_the_models():
    with override_settings(TIME_ZONE="Asia/Tokyo"):
        call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def test_a_new_account_takes_the_time_zone_setting_when_it_is_made(db, settings):
    settings.TIME_ZONE = "Asia/Tokyo"
    user = User.objects.create_user("tokyo@example.com", "pw-long-enough", display_name="T")
    assert user.time_zone == "Asia/Tokyo"


# --- The property: writer, editor and viewer anywhere ----------------------------------------


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    zones=st.tuples(*[st.sampled_from(ZONES)] * 5),
    day=st.dates(datetime.date(2024, 1, 1), datetime.date(2026, 11, 8)),
    time=st.times().map(lambda t: t.replace(second=0, microsecond=0)),
    kind=st.sampled_from(["counts", "bleeds"]),
)
def test_add_edit_export_import_keep_the_instant_and_the_local_date(client, zones, day, time, kind):
    """Across the five zones (the patient, and whoever writes, edits, downloads and imports)."""
    patient_zone, writer_zone, editor_zone, viewer_zone, importer_zone = zones
    patient, (_, writer, editor, viewer, importer) = family(
        patient_zone, writer_zone, editor_zone, viewer_zone, importer_zone
    )
    zone = ZoneInfo(patient_zone)
    wall = datetime.datetime.combine(day, time)
    if wall.replace(tzinfo=zone).astimezone(UTC).astimezone(zone).replace(tzinfo=None) != wall:
        return  # a time the clocks skipped there: refused, as tested above
    client.force_login(writer)
    fold = {"time_fold": "0"}
    if kind == "counts":
        add(client, patient, kind, count_text="45", unit="e9/L", drawn_on=day.isoformat(),
            drawn_time=f"{time:%H:%M}", **fold)  # fmt: skip
        entry = PlateletReading.objects.get(patient=patient)
        moment, local_day = entry.drawn_at, entry.drawn_on
    else:
        add(client, patient, kind, kind="nosebleed", started_on=day.isoformat(),
            started_time=f"{time:%H:%M}", **fold)  # fmt: skip
        entry = BleedingEpisode.objects.get(patient=patient)
        moment, local_day = entry.started_at, entry.started_at.astimezone(zone).date()
    assert moment.astimezone(zone).replace(tzinfo=None, fold=0) == wall
    assert local_day == day

    client.force_login(editor)
    assert resubmit_with(client, entry, kind, note="changed").status_code == 302
    entry.refresh_from_db()
    assert (entry.note, getattr(entry, "drawn_at", None) or entry.started_at) == ("changed", moment)

    client.force_login(viewer)
    text = b"".join(
        client.get(reverse("export_history", args=[patient.pk]), {"what": kind}).streaming_content
    ).decode("utf-8-sig")
    other = make_patient(importer, name="Copy", time_zone=patient_zone)
    client.force_login(importer)
    plan = imports.import_file(text, other, importer)
    assert plan.errors == []
    copy = type(entry).objects.get(patient=other)
    copied_moment = getattr(copy, "drawn_at", None) or copy.started_at
    assert copied_moment == moment
    if kind == "counts":
        assert copy.drawn_on == day
    else:
        assert copy.started_at.astimezone(zone).date() == day
    assert re.search(r"[+-]\d\d:\d\d", text)  # moments carry their offset
