"""A new time zone for a record: the person chooses what becomes of the times already logged,
and no entry is left breaking its own rules (readings/record_details.py)."""

import datetime
import zoneinfo

import pytest
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from readings.models import BleedingEpisode, PlateletReading
from readings.record_details import SAME_CLOCK, SAME_MOMENT
from tests.clock import NOW, pinned
from tests.factories import make_episode, make_reading, make_treatment
from tests.readings.test_consistency import edit_note
from tests.readings.test_record_time import ZONES

pytestmark = [pytest.mark.django_db, pinned]

UTC = datetime.UTC
KIRITIMATI = datetime.timezone(datetime.timedelta(hours=14))
LATE = datetime.datetime(2026, 10, 28, 23, 30, tzinfo=UTC)  # 23:30 GMT in London


def change_zone(client, cast, zone: str, keep: str | None = None):
    data = {"name": "Sam", "preferred_unit": "e9/L", "time_zone": zone}
    if keep:
        data["logged_times"] = keep
    client.force_login(cast.owner)
    return client.post(reverse("patient_settings", args=[cast.patient.pk]), data, follow=True)


def in_london(cast):
    cast.patient.time_zone = "Europe/London"
    cast.patient.save()
    reading = make_reading(cast.patient, "45", drawn_on=LATE.date(), drawn_at=LATE)
    episode = make_episode(cast.patient, started_at=LATE)
    return reading, episode


def zone_of(cast) -> str:
    cast.patient.refresh_from_db()
    return cast.patient.time_zone


def test_with_times_logged_a_new_zone_asks_what_becomes_of_them(client, cast):
    reading, _ = in_london(cast)
    page = change_zone(client, cast, "Pacific/Kiritimati").content.decode()
    assert "Choose what happens to the times already logged." in page
    assert zone_of(cast) == "Europe/London"
    reading.refresh_from_db()
    assert reading.version == 1


def test_without_times_logged_nothing_is_asked(client, cast):
    make_reading(cast.patient, "45")  # a date, no time
    page = change_zone(client, cast, "Pacific/Kiritimati").content.decode()
    assert "Saved the details of Sam." in page
    assert zone_of(cast) == "Pacific/Kiritimati"


def test_same_clock_keeps_dates_and_clock_times_and_moves_the_moments(client, cast):
    reading, episode = in_london(cast)
    page = change_zone(client, cast, "Pacific/Kiritimati", SAME_CLOCK).content.decode()
    assert "Entries with a time keep their dates and clock times" in page
    reading.refresh_from_db()
    episode.refresh_from_db()
    assert reading.drawn_at == datetime.datetime(2026, 10, 28, 23, 30, tzinfo=KIRITIMATI)
    assert episode.started_at == datetime.datetime(2026, 10, 28, 23, 30, tzinfo=KIRITIMATI)
    assert (reading.version, episode.version) == (2, 2)  # an edit opened before is refused
    history = client.get(reverse("history", args=[cast.patient.pk])).content.decode()
    assert "Blood test on 28 Oct 2026 at 23:30" in history
    assert edit_note(client, reading, "counts").status_code == 302


def test_same_moment_keeps_the_moments_and_a_count_takes_its_new_date(client, cast):
    reading, episode = in_london(cast)
    page = change_zone(client, cast, "Pacific/Kiritimati", SAME_MOMENT).content.decode()
    assert "Entries with a time keep their moments" in page
    reading.refresh_from_db()
    episode.refresh_from_db()
    assert (reading.drawn_at, episode.started_at) == (LATE, LATE)
    assert reading.drawn_on == datetime.date(2026, 10, 29)  # 13:30 on 29 Oct in Kiritimati
    history = client.get(reverse("history", args=[cast.patient.pk])).content.decode()
    assert "Blood test on 29 Oct 2026 at 13:30" in history
    assert edit_note(client, reading, "counts").status_code == 302


@pytest.mark.parametrize(
    ("old", "new", "moment", "says"),
    [
        # Logged just now in New York: the same clock time in Honolulu is still to come.
        ("America/New_York", "Pacific/Honolulu", NOW - datetime.timedelta(minutes=10), "come"),
        # 02:30 on 8 Mar 2026 in London: New York's clocks skipped 02:30 that night.
        (
            "Europe/London",
            "America/New_York",
            datetime.datetime(2026, 3, 8, 2, 30, tzinfo=UTC),
            "did not happen on 8 Mar 2026",
        ),
    ],
)
def test_same_clock_is_refused_when_an_entry_would_break_its_rules(
    client, cast, old, new, moment, says
):
    cast.patient.time_zone = old
    cast.patient.save()
    local = moment.astimezone(zoneinfo.ZoneInfo(old))
    reading = make_reading(cast.patient, "45", drawn_on=local.date(), drawn_at=moment)
    episode = make_episode(cast.patient, started_at=moment)
    page = change_zone(client, cast, new, SAME_CLOCK).content.decode()
    assert "2 entries would not be right in that time zone" in page and says in page
    assert "Choose the other way, or correct those entries first." in page
    assert zone_of(cast) == old
    reading.refresh_from_db()
    episode.refresh_from_db()
    assert (reading.drawn_at, episode.started_at, reading.version) == (moment, moment, 1)
    # The other way works.
    assert "keep their moments" in change_zone(client, cast, new, SAME_MOMENT).content.decode()
    assert zone_of(cast) == new


def test_same_clock_is_refused_when_a_bleed_would_start_after_its_recorded_ending(client, cast):
    cast.patient.time_zone = "America/New_York"
    cast.patient.save()
    started = NOW - datetime.timedelta(hours=10)
    make_episode(
        cast.patient,
        first_aid="no",
        started_at=started,
        resolution="stopped",
        resolved_at=started + datetime.timedelta(hours=1),
    )
    page = change_zone(client, cast, "Pacific/Honolulu", SAME_CLOCK).content.decode()
    assert "after it was recorded as over" in page
    assert zone_of(cast) == "America/New_York"


KIRITIMATI_TODAY = datetime.date(2026, 11, 11)  # NOW there; still 10 Nov in Honolulu


@pytest.mark.parametrize(
    "make",
    [
        lambda patient: make_reading(patient, "45", drawn_on=KIRITIMATI_TODAY),
        lambda patient: make_treatment(patient, started_on=KIRITIMATI_TODAY),
        lambda patient: make_reading(
            patient, "45", drawn_on=KIRITIMATI_TODAY, deleted_at=timezone.now()
        ),
    ],
    ids=["count without a time", "treatment", "deleted count"],
)
def test_a_date_that_would_be_tomorrow_in_the_new_zone_refuses_the_change(client, cast, make):
    cast.patient.time_zone = "Pacific/Kiritimati"
    cast.patient.save()
    make(cast.patient)
    page = change_zone(client, cast, "Pacific/Honolulu").content.decode()
    assert "1 entry would not be right in that time zone" in page
    assert "That date is in the future." in page and "Correct those entries first." in page
    assert zone_of(cast) == "Pacific/Kiritimati"


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    old=st.sampled_from(ZONES),
    new=st.sampled_from(ZONES),
    keep=st.sampled_from([SAME_MOMENT, SAME_CLOCK]),
    ages=st.lists(st.integers(0, 60 * 24 * 400), min_size=1, max_size=4),
)
def test_any_change_keeps_every_entry_within_its_rules_or_changes_nothing(
    client, cast, old, new, keep, ages
):
    PlateletReading.objects.all().delete()
    BleedingEpisode.objects.all().delete()
    cast.patient.time_zone = old
    cast.patient.save()
    for minutes in ages:
        moment = timezone.now() - datetime.timedelta(minutes=minutes)
        local = moment.astimezone(zoneinfo.ZoneInfo(old))
        make_reading(cast.patient, "45", drawn_on=local.date(), drawn_at=moment)
        make_episode(cast.patient, started_at=moment)
    before = {r.pk: (r.drawn_on, r.drawn_at) for r in PlateletReading.objects.all()}
    walls = {
        r.pk: r.drawn_at.astimezone(zoneinfo.ZoneInfo(old)).replace(tzinfo=None)
        for r in PlateletReading.objects.all()
    }

    change_zone(client, cast, new, keep)

    cast.patient.refresh_from_db()
    readings = list(PlateletReading.objects.all())
    if cast.patient.time_zone == old:  # refused: nothing moved
        assert {r.pk: (r.drawn_on, r.drawn_at) for r in readings} == before
        return
    zone = zoneinfo.ZoneInfo(new)
    for reading in readings:
        reading.patient = cast.patient
        assert reading.problems() == {}
        assert reading.drawn_at.astimezone(zone).date() == reading.drawn_on
        if keep == SAME_MOMENT:
            assert reading.drawn_at == before[reading.pk][1]
        else:
            assert reading.drawn_at.astimezone(zone).replace(tzinfo=None) == walls[reading.pk]
    for episode in BleedingEpisode.objects.all():
        episode.patient = cast.patient
        assert episode.problems() == {}
