"""Reminders: when each one is due, snoozing and stopping it, and what it says.

Plain functions on a `Reminder` (readings.models), called by the pages, the worker
(readings.reminder_sending) and the tests alike. Every moment is an aware datetime (any zone in,
UTC out); every date is the patient's local date.

When a reminder is due. Its regular moments are `time_of_day` on `first_on`, and, for one that
repeats, on every `step_days` days after it, read as wall-clock time in the record's zone
(`patient.zone`) each time: 09:00 stays 09:00 when the clocks change, and when the record's
zone changes. A wall-clock time a zone skips (the clocks go forward over it) is read with the
offset from before the change (PEP 495's fold=0), so it lands as long after the change as it
was meant to be after the change's start (02:30 in a 02:00→03:00 gap is 03:30); a time the
zone passes twice is the first of the two. Only moments from `scheduled_at` (when the schedule
was last set) count, so a reminder added at noon for 09:00 today does not go off at once.

A snooze moves the reminder that came to a later moment (`snoozed_until`); regular moments
between the snooze (`snoozed_at`) and then are not sent. A stopped reminder is never due.

A reminder says only what it must on a lock screen (`message`): "A reminder from ITP Tracker",
"Open ITP Tracker to see it.", no name, no label and no kind, unless the member chose to show
details ("Blood test today for Robin", with the label).
"""

import datetime
from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from accounts import dates
from readings.models import Reminder, ReminderKind

# A reminder that came due while no worker ran is sent when one starts if it is at most this
# late; an older one is skipped (the next one is scheduled as usual).
LATE = datetime.timedelta(hours=12)
# How long after a reminder came it can be snoozed ("remind me again in an hour").
SNOOZE_WINDOW = datetime.timedelta(hours=24)

# In the recipient's language: the worker renders a reminder under translation.override
# (readings.reminder_sending).
TITLE = _("A reminder from ITP Tracker")
BODY = _("Open ITP Tracker to see it.")

_TINY = datetime.timedelta(microseconds=1)


# --- When -------------------------------------------------------------------------------------


def wall_moment(day: datetime.date, time: datetime.time, zone: datetime.tzinfo):
    """The instant (UTC) at wall-clock `time` on `day` in `zone`. A skipped time is read with
    the offset from before the change (fold=0), a repeated one is the first; never raises for
    a date Python holds."""
    naive = datetime.datetime.combine(day, time.replace(tzinfo=None, fold=0))
    return naive.replace(tzinfo=zone, fold=0).astimezone(datetime.UTC)


def _occurrence(reminder: Reminder, index: int, zone) -> datetime.datetime | None:
    """The `index`-th regular moment (0: the first), or None beyond the dates we store."""
    if index < 0 or (index > 0 and not reminder.step_days):
        return None
    try:
        day = reminder.first_on + datetime.timedelta(days=index * (reminder.step_days or 0))
    except OverflowError:
        return None
    if day >= dates.STORABLE_UNTIL:
        return None
    return wall_moment(day, reminder.time_of_day, zone)


def _near(reminder: Reminder, moment: datetime.datetime, zone) -> list[datetime.datetime]:
    """The regular moments around `moment`'s local date, in order: enough to find the nearest
    one before and after it (a zone's offset moves a wall time by less than a day)."""
    step = reminder.step_days
    if step is None:
        index = 0
    else:
        day = moment.astimezone(zone).date()
        index = max(0, (day - reminder.first_on).days // step)
    found = (_occurrence(reminder, i, zone) for i in range(index - 1, index + 3))
    return [when for when in found if when is not None]


def regular_after(reminder: Reminder, after: datetime.datetime) -> datetime.datetime | None:
    """The first regular moment strictly after `after` (and from `scheduled_at` on), or None."""
    after = max(after, reminder.scheduled_at - _TINY)
    zone = reminder.patient.zone
    return next((when for when in _near(reminder, after, zone) if when > after), None)


def regular_at_or_before(reminder: Reminder, at: datetime.datetime) -> datetime.datetime | None:
    """The last regular moment at or before `at` (and from `scheduled_at` on), or None."""
    zone = reminder.patient.zone
    found = [when for when in _near(reminder, at, zone) if when <= at]
    if not found or found[-1] < reminder.scheduled_at:
        return None
    return found[-1]


def _snoozed_over(reminder: Reminder, when: datetime.datetime | None) -> bool:
    """A regular moment the snooze swallowed: after the snooze, before it ends."""
    return (
        when is not None
        and reminder.snoozed_until is not None
        and reminder.snoozed_at < when < reminder.snoozed_until
    )


def next_due(reminder: Reminder, after: datetime.datetime) -> datetime.datetime | None:
    """When `reminder` is next due strictly after `after` (UTC), or None (stopped, or a
    one-off that has passed)."""
    if reminder.stopped_at is not None:
        return None
    regular = regular_after(reminder, after)
    if _snoozed_over(reminder, regular):
        regular = regular_after(reminder, reminder.snoozed_until - _TINY)
    found = [regular]
    if reminder.snoozed_until is not None and reminder.snoozed_until > after:
        found.append(reminder.snoozed_until)
    return min((when for when in found if when is not None), default=None)


def previous_due(reminder: Reminder, at: datetime.datetime) -> datetime.datetime | None:
    """The last moment at or before `at` when `reminder` was due, or None."""
    if reminder.stopped_at is not None:
        return None
    regular = regular_at_or_before(reminder, at)
    if _snoozed_over(reminder, regular):
        regular = regular_at_or_before(reminder, reminder.snoozed_at)
    found = [regular]
    if reminder.snoozed_until is not None and reminder.snoozed_until <= at:
        found.append(reminder.snoozed_until)
    return max((when for when in found if when is not None), default=None)


def due_now(reminder: Reminder, now: datetime.datetime) -> datetime.datetime | None:
    """The due moment to send at `now`: the last one, if it is at most LATE old; else None
    (an older one is skipped)."""
    when = previous_due(reminder, now)
    if when is None or now - when > LATE:
        return None
    return when


def came_recently(reminder: Reminder, now: datetime.datetime) -> datetime.datetime | None:
    """When the reminder last came, if within SNOOZE_WINDOW and it is not snoozed now: the one
    a member may snooze."""
    when = previous_due(reminder, now)
    if when is None or now - when > SNOOZE_WINDOW:
        return None
    if reminder.snoozed_until is not None and reminder.snoozed_until > now:
        return None
    return when


# --- Snooze and stop ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SnoozeChoice:
    key: str  # what the form sends: "1h", "3h", "tomorrow"
    label: str  # "In 1 hour", "Tomorrow at 09:00"
    until: datetime.datetime


def snooze_choices(reminder: Reminder, now: datetime.datetime) -> list[SnoozeChoice]:
    """The moments a reminder that came may be put off to: in 1 hour, in 3 hours, tomorrow at
    its own time (the record's clock); [] when it cannot be snoozed now (came_recently)."""
    if came_recently(reminder, now) is None:
        return []
    zone = reminder.patient.zone
    tomorrow = now.astimezone(zone).date() + datetime.timedelta(days=1)
    return [
        SnoozeChoice("1h", _in_hours(1), now + datetime.timedelta(hours=1)),
        SnoozeChoice("3h", _in_hours(3), now + datetime.timedelta(hours=3)),
        SnoozeChoice(
            "tomorrow",
            # Translators: a snooze choice: "Tomorrow at 09:00".
            gettext("Tomorrow at %(time)s") % {"time": f"{reminder.time_of_day:%H:%M}"},
            wall_moment(tomorrow, reminder.time_of_day, zone),
        ),
    ]


def _in_hours(hours: int) -> str:
    # Translators: a snooze choice: remind again in 1 hour, in 3 hours.
    return ngettext("In %(n)s hour", "In %(n)s hours", hours) % {"n": hours}


class CannotSnooze(ValueError):
    """The reminder has not come lately, or the choice is not one of snooze_choices."""


def snooze(reminder: Reminder, key: str, now: datetime.datetime) -> datetime.datetime:
    """Put off the reminder that came until the choice `key` (snooze_choices); saves it and
    returns the new moment. Raises CannotSnooze."""
    choice = next((c for c in snooze_choices(reminder, now) if c.key == key), None)
    if choice is None:
        raise CannotSnooze(key)
    reminder.snoozed_at, reminder.snoozed_until = now, choice.until
    reminder.save(update_fields=["snoozed_at", "snoozed_until"])
    return choice.until


def stop(reminder: Reminder, now: datetime.datetime) -> None:
    """No more of it, for anyone; saved. Stopping twice keeps the first moment."""
    if reminder.stopped_at is None:
        reminder.stopped_at = now
        reminder.save(update_fields=["stopped_at"])


def rescheduled(reminder: Reminder, now: datetime.datetime) -> None:
    """After its date, time or repeat changed (not saved here): due from now on, no snooze."""
    reminder.scheduled_at = now
    reminder.snoozed_at = reminder.snoozed_until = None


def zone_changed(patient, now: datetime.datetime) -> None:
    """After the record's time zone changed: its reminders are due from now on. Today's 09:00
    in the new zone may have passed already, and would otherwise be sent, late, on the day it
    was sent at 09:00 in the old one."""
    Reminder.objects.filter(patient=patient, stopped_at__isnull=True).update(scheduled_at=now)


# --- What it says ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Message:
    title: str
    body: str
    url: str  # the reminders page of the record, a path: "/p/<id>/reminders/"

    def payload(self) -> dict:
        """The push payload, exactly: the service worker shows title and body and opens url."""
        return {"title": self.title, "body": self.body, "url": self.url}


DETAIL_TITLES = {
    ReminderKind.BLOOD_TEST: _("Blood test"),
    # Translators: a reminder's kind: a day a dose is due.
    ReminderKind.DOSE_DAY: _("Dose day"),
    ReminderKind.CLINIC_VISIT: _("Clinic visit"),
}


def message(reminder: Reminder, due_at: datetime.datetime, *, details: bool) -> Message:
    """What a reminder due at `due_at` says. Without `details`, nothing that tells what it is
    for or whose it is: TITLE and BODY. With them: "Blood test today for Robin", "Dose day
    today for Robin: Romiplostim" ("Again: …" for a snoozed one), and the time in the
    record's zone."""
    url = reverse("reminders", args=[reminder.patient_id])
    if not details:
        return Message(str(TITLE), str(BODY), url)
    patient = reminder.patient
    what = str(DETAIL_TITLES[ReminderKind(reminder.kind)])
    words = {"what": what, "lower": what.lower(), "name": patient.name, "label": reminder.label}
    again = reminder.snoozed_until is not None and due_at == reminder.snoozed_until
    if again and reminder.label:
        # Translators: a snoozed reminder's title: "Again: blood test for Robin: at the clinic".
        title = gettext("Again: %(lower)s for %(name)s: %(label)s") % words
    elif again:
        # Translators: a snoozed reminder's title: "Again: blood test for Robin".
        title = gettext("Again: %(lower)s for %(name)s") % words
    elif reminder.label:
        # Translators: a reminder's title: "Dose day today for Robin: Romiplostim".
        title = gettext("%(what)s today for %(name)s: %(label)s") % words
    else:
        # Translators: a reminder's title: "Blood test today for Robin".
        title = gettext("%(what)s today for %(name)s") % words
    # Translators: a reminder's text: "At 09:00, Robin’s time (Europe/London). Open ITP …".
    body = gettext("At %(time)s, %(name)s’s time (%(zone)s). %(open)s") % {
        "time": f"{reminder.time_of_day:%H:%M}",
        "name": patient.name,
        "zone": patient.time_zone_label,
        "open": BODY,
    }
    # One line: an e-mail's subject refuses a line break (a label saved before forms said so).
    return Message(" ".join(title.split()), body, url)
