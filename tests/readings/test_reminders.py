"""Reminders' schedule, in the record's zone: when each is due, snooze, stop, what it says."""

import datetime
import zoneinfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from readings import reminders
from readings.models import Reminder, ReminderKind, Repeat
from tests.clock import NOW, pinned

pytestmark = [pytest.mark.django_db, pinned]

UTC = datetime.UTC
LONG_AGO = datetime.datetime(2000, 1, 1, tzinfo=UTC)


def at(text: str) -> datetime.datetime:
    """An instant written in UTC: "2026-03-08 13:00"."""
    return datetime.datetime.fromisoformat(text).replace(tzinfo=UTC)


def reminder_in(cast, zone: str, first_on: str, time="09:00", repeat=Repeat.NEVER, every=None,
                **fields) -> Reminder:  # fmt: skip
    """A reminder of the cast's record (set in `zone`), not saved, scheduled long ago."""
    patient = cast.patient
    patient.time_zone = zone
    fields.setdefault("scheduled_at", LONG_AGO)
    return Reminder(
        patient=patient,
        kind=fields.pop("kind", ReminderKind.BLOOD_TEST),
        first_on=datetime.date.fromisoformat(first_on),
        time_of_day=datetime.time.fromisoformat(time),
        repeat=repeat,
        every=every,
        site_url="https://itp.example.org/",
        **fields,
    )


# --- When: tables in real zones ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "first_on", "time", "after", "expected"),
    [
        # New York, clocks forward on Sun 8 Mar 2026: 09:00 EST is 14:00 UTC, 09:00 EDT 13:00.
        ("America/New_York", "2026-03-06", "09:00", "2026-03-07 14:00", "2026-03-08 13:00"),
        ("America/New_York", "2026-03-06", "09:00", "2026-03-07 13:59", "2026-03-07 14:00"),
        ("America/New_York", "2026-03-06", "09:00", "2026-03-08 13:00", "2026-03-09 13:00"),
        # ... and back on Sun 1 Nov 2026.
        ("America/New_York", "2026-10-20", "09:00", "2026-10-31 13:00", "2026-11-01 14:00"),
        ("America/New_York", "2026-10-20", "09:00", "2026-11-01 14:00", "2026-11-02 14:00"),
        # 02:30 on 8 Mar 2026 never happened in New York: read with EST's offset, 03:30 EDT.
        ("America/New_York", "2026-03-06", "02:30", "2026-03-08 00:00", "2026-03-08 07:30"),
        # 01:30 on 1 Nov happened twice: the first (EDT).
        ("America/New_York", "2026-10-20", "01:30", "2026-11-01 00:00", "2026-11-01 05:30"),
        # Kiritimati is UTC+14: 09:00 on 12 Nov there is 19:00 on 11 Nov in UTC.
        ("Pacific/Kiritimati", "2026-11-01", "09:00", "2026-11-10 22:30", "2026-11-11 19:00"),
        # Lord Howe moves by 30 minutes (UTC+10:30, +11 from Sun 4 Oct 2026 at 02:00).
        ("Australia/Lord_Howe", "2026-10-01", "09:00", "2026-10-02 22:30", "2026-10-03 22:00"),
        ("Australia/Lord_Howe", "2026-10-01", "09:00", "2026-10-02 22:29", "2026-10-02 22:30"),
        # 02:15 on 4 Oct is in its half-hour gap: 02:45 LHDT.
        ("Australia/Lord_Howe", "2026-10-01", "02:15", "2026-10-03 12:00", "2026-10-03 15:45"),
    ],
)
def test_daily_reminders_stay_at_their_clock_time(cast, zone, first_on, time, after, expected):
    reminder = reminder_in(cast, zone, first_on, time, Repeat.DAYS, 1)
    assert reminders.next_due(reminder, at(after)) == at(expected)


def test_every_two_weeks(cast):
    reminder = reminder_in(cast, "Europe/London", "2026-11-02", "09:00", Repeat.WEEKS, 2)
    first = reminders.next_due(reminder, NOW)
    second = reminders.next_due(reminder, first)
    assert (first, second) == (at("2026-11-16 09:00"), at("2026-11-30 09:00"))
    assert reminders.previous_due(reminder, NOW) == at("2026-11-02 09:00")


def test_a_reminder_that_starts_later_is_first_due_on_its_date(cast):
    reminder = reminder_in(cast, "Europe/Paris", "2027-01-04", "08:15", Repeat.DAYS, 3)
    assert reminders.next_due(reminder, NOW) == at("2027-01-04 07:15")
    assert reminders.previous_due(reminder, NOW) is None


def test_a_one_off_is_due_once(cast):
    reminder = reminder_in(cast, "UTC", "2026-11-12", "10:00")
    assert reminders.next_due(reminder, NOW) == at("2026-11-12 10:00")
    assert reminders.next_due(reminder, at("2026-11-12 10:00")) is None
    assert reminders.previous_due(reminder, at("2026-12-01 00:00")) == at("2026-11-12 10:00")


def test_only_moments_from_when_it_was_set_count(cast):
    """Set at 22:30 for 09:00 daily: today's 09:00 has passed and is not due."""
    reminder = reminder_in(cast, "UTC", "2026-11-01", "09:00", Repeat.DAYS, 1, scheduled_at=NOW)
    assert reminders.previous_due(reminder, NOW) is None
    assert reminders.due_now(reminder, NOW) is None
    assert reminders.next_due(reminder, NOW) == at("2026-11-11 09:00")


def test_the_record_zone_decides_not_the_sites(cast, settings):
    settings.TIME_ZONE = "Pacific/Kiritimati"
    reminder = reminder_in(cast, "America/Los_Angeles", "2026-11-01", "09:00", Repeat.DAYS, 1)
    assert reminders.next_due(reminder, NOW) == at("2026-11-11 17:00")


# --- Due now, late, stopped -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        ("2026-11-10 09:00", "2026-11-10 09:00"),  # on time
        ("2026-11-10 20:59", "2026-11-10 09:00"),  # 11 h 59 late: still sent
        ("2026-11-10 21:01", None),  # more than 12 h late: skipped
        ("2026-11-10 08:59", None),  # yesterday's is too late, today's still to come
    ],
)
def test_what_is_due_now(cast, now, expected):
    reminder = reminder_in(cast, "UTC", "2026-11-01", "09:00", Repeat.DAYS, 1)
    assert reminders.due_now(reminder, at(now)) == (expected and at(expected))


def test_a_stopped_reminder_is_never_due(cast):
    reminder = reminder_in(cast, "UTC", "2026-11-01", "22:30", Repeat.DAYS, 1)
    reminder.save()
    assert reminders.due_now(reminder, NOW) == NOW
    reminders.stop(reminder, NOW)
    reminder.refresh_from_db()
    assert reminder.stopped_at == NOW
    assert reminders.due_now(reminder, NOW) is None
    assert reminders.next_due(reminder, NOW) is None
    reminders.stop(reminder, NOW + datetime.timedelta(hours=1))
    reminder.refresh_from_db()
    assert reminder.stopped_at == NOW  # the first stop stands


# --- Snooze -----------------------------------------------------------------------------------


def test_snooze_for_an_hour_brings_it_back_once(cast):
    reminder = reminder_in(cast, "UTC", "2026-11-01", "22:00", Repeat.DAYS, 1)
    reminder.save()
    assert [c.key for c in reminders.snooze_choices(reminder, NOW)] == ["1h", "3h", "tomorrow"]
    until = reminders.snooze(reminder, "1h", NOW)
    assert until == at("2026-11-10 23:30")
    reminder.refresh_from_db()
    assert reminders.next_due(reminder, NOW) == until
    assert reminders.due_now(reminder, until) == until
    assert reminders.next_due(reminder, until) == at("2026-11-11 22:00")
    assert reminders.snooze_choices(reminder, NOW) == []  # already snoozed


def test_snooze_until_tomorrow_is_at_its_own_time_in_the_records_zone(cast):
    # 22:30 UTC is 11:30 on 11 Nov in Auckland: tomorrow there is 12 Nov.
    reminder = reminder_in(cast, "Pacific/Auckland", "2026-11-04", "09:00", Repeat.WEEKS, 1)
    assert reminders.previous_due(reminder, NOW) == at("2026-11-10 20:00")
    choice = {c.key: c for c in reminders.snooze_choices(reminder, NOW)}["tomorrow"]
    assert choice.label == "Tomorrow at 09:00"
    assert choice.until == at("2026-11-11 20:00")  # 09:00 NZDT on 12 Nov


def test_a_snooze_swallows_the_regular_reminder_it_covers(cast):
    """It came at 09:00 yesterday; at 08:30 today it is put off 3 hours: no 09:00 today."""
    reminder = reminder_in(cast, "UTC", "2026-11-01", "09:00", Repeat.DAYS, 1)
    reminder.save()
    morning = at("2026-11-11 08:30")
    until = reminders.snooze(reminder, "3h", morning)
    assert reminders.next_due(reminder, morning) == until == at("2026-11-11 11:30")
    assert reminders.previous_due(reminder, at("2026-11-11 10:00")) == at("2026-11-10 09:00")
    assert reminders.due_now(reminder, at("2026-11-11 09:00")) is None
    assert reminders.next_due(reminder, until) == at("2026-11-12 09:00")


def test_a_reminder_that_has_not_come_cannot_be_snoozed(cast):
    reminder = reminder_in(cast, "UTC", "2026-12-01", "09:00")
    reminder.save()
    assert reminders.snooze_choices(reminder, NOW) == []
    with pytest.raises(reminders.CannotSnooze):
        reminders.snooze(reminder, "1h", NOW)
    came = reminder_in(cast, "UTC", "2026-11-10", "09:00")
    came.save()
    with pytest.raises(reminders.CannotSnooze):
        reminders.snooze(came, "next year", NOW)
    came.refresh_from_db()
    assert came.snoozed_until is None


# --- What it says -----------------------------------------------------------------------------


def test_by_default_it_says_nothing_about_what_or_whose(cast):
    reminder = reminder_in(cast, "UTC", "2026-11-10", kind=ReminderKind.DOSE_DAY,
                           label="Romiplostim")  # fmt: skip
    said = reminders.message(reminder, NOW, details=False)
    assert said.payload() == {
        "title": "A reminder from ITP Tracker",
        "body": "Open ITP Tracker to see it.",
        "url": f"/p/{cast.patient.pk}/reminders/",
    }


def test_with_details_it_names_the_kind_the_person_and_the_label(cast):
    reminder = reminder_in(cast, "Europe/London", "2026-11-10", kind=ReminderKind.DOSE_DAY,
                           label="Romiplostim")  # fmt: skip
    said = reminders.message(reminder, NOW, details=True)
    assert said.title == "Dose day today for Sam: Romiplostim"
    assert said.body == "At 09:00, Sam’s time (Europe/London). Open ITP Tracker to see it."
    blood = reminder_in(cast, "UTC", "2026-11-10")
    assert reminders.message(blood, NOW, details=True).title == "Blood test today for Sam"


# --- The property -----------------------------------------------------------------------------

ZONES = ["UTC", "America/New_York", "Pacific/Kiritimati", "Australia/Lord_Howe",
         "Europe/London", "America/Santiago", "Asia/Kolkata", "Pacific/Chatham"]  # fmt: skip


@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    zone=st.sampled_from(ZONES),
    first_on=st.dates(datetime.date(2000, 1, 1), datetime.date(2030, 12, 31)),
    time=st.times().map(lambda t: t.replace(second=0, microsecond=0)),
    repeat=st.sampled_from([Repeat.NEVER, Repeat.DAYS, Repeat.WEEKS]),
    every=st.integers(1, 52),
    after=st.datetimes(
        datetime.datetime(1999, 1, 1), datetime.datetime(2032, 1, 1), timezones=st.just(UTC)
    ),
)
def test_next_due_is_after_and_at_the_chosen_clock_time(cast, zone, first_on, time, repeat,
                                                         every, after):  # fmt: skip
    reminder = reminder_in(cast, zone, first_on.isoformat(), time.isoformat(), repeat,
                           None if repeat == Repeat.NEVER else every)  # fmt: skip
    due = reminders.next_due(reminder, after)
    if due is None:
        assert repeat == Repeat.NEVER
        assert reminders.wall_moment(first_on, time, zoneinfo.ZoneInfo(zone)) <= after
        return
    assert due > after
    local = due.astimezone(zoneinfo.ZoneInfo(zone))
    # At the chosen clock time, unless the zone skipped it that day (then just after the gap).
    assert (
        local.time() == time
        or reminders.wall_moment(local.date(), time, zoneinfo.ZoneInfo(zone)) == due
        or reminders.wall_moment(
            local.date() - datetime.timedelta(days=1), time, zoneinfo.ZoneInfo(zone)
        )
        == due
    )
    # Nothing was skipped between: the one before it is at or before `after`.
    before = reminders.previous_due(reminder, due - datetime.timedelta(microseconds=1))
    assert before is None or before <= after
    # And it is one of the reminder's days.
    day = (due.astimezone(zoneinfo.ZoneInfo(zone)) - datetime.timedelta(hours=0)).date()
    assert reminders.previous_due(reminder, due) == due
    assert day >= first_on
