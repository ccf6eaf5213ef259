"""The access log: who viewed, exported or changed a patient's record, and when.

Every response that shows health data calls `record(request, patient, audit.VIEWED_CHART,
"all time")` once, after the access check: whole pages and the pieces htmx loads alike, so
nobody can read the record unseen. It costs one statement per request, whatever the page
lists. The owner reads the log on the sharing page (accounts/sharing.py).

Reads fold (READS): the same member reading the same thing (same action and detail) of the
same record within one ten-minute window of the clock (22:30–22:40, 22:40–22:50, …) adds to
one line, which keeps the count and the first and last time: a chart refreshed twenty times
is one line, "20 times", not twenty. Windows are fixed rather than sliding so that a unique
key can hold them: one INSERT … ON CONFLICT DO UPDATE, atomic on SQLite and PostgreSQL, so
two workers recording the same read at once make one line and count both. Changes are
never folded: each is a line of its own.
"""

import datetime
from collections.abc import Callable

from django.conf import settings
from django.db import connection
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy

from accounts.models import AccessAction, AccessEvent, Patient

Action = AccessAction

VIEWED_DASHBOARD = Action.VIEWED_DASHBOARD
VIEWED_NUMBERS = Action.VIEWED_NUMBERS
VIEWED_CHART = Action.VIEWED_CHART
VIEWED_TABLE = Action.VIEWED_TABLE
VIEWED_HISTORY = Action.VIEWED_HISTORY
VIEWED_ENTRY = Action.VIEWED_ENTRY
VIEWED_DETAILS = Action.VIEWED_DETAILS
VIEWED_ACCESS_LOG = Action.VIEWED_ACCESS_LOG
VIEWED_REPORT = Action.VIEWED_REPORT
PRINTED_REPORT = Action.PRINTED_REPORT
VIEWED_REMINDERS = Action.VIEWED_REMINDERS
COMPARED_FILE = Action.COMPARED_FILE
EXPORTED = Action.EXPORTED
IMPORTED = Action.IMPORTED
ADDED_ENTRY = Action.ADDED_ENTRY
EDITED_ENTRY = Action.EDITED_ENTRY
DELETED_ENTRY = Action.DELETED_ENTRY
RESTORED_ENTRY = Action.RESTORED_ENTRY
CHANGED_DETAILS = Action.CHANGED_DETAILS
ADDED_REMINDER = Action.ADDED_REMINDER
CHANGED_REMINDER = Action.CHANGED_REMINDER
SNOOZED_REMINDER = Action.SNOOZED_REMINDER
STOPPED_REMINDER = Action.STOPPED_REMINDER
INVITED = Action.INVITED
RESENT_INVITATION = Action.RESENT_INVITATION
CANCELLED_INVITATION = Action.CANCELLED_INVITATION
JOINED = Action.JOINED
CHANGED_ROLE = Action.CHANGED_ROLE
REMOVED_MEMBER = Action.REMOVED_MEMBER
LEFT = Action.LEFT

# What a member looked at or took away, as opposed to what they changed: folded, and what
# an owner may hide of their own when reading the log.
READS = frozenset(
    {
        VIEWED_DASHBOARD,
        VIEWED_NUMBERS,
        VIEWED_CHART,
        VIEWED_TABLE,
        VIEWED_HISTORY,
        VIEWED_ENTRY,
        VIEWED_DETAILS,
        VIEWED_REPORT,
        PRINTED_REPORT,
        VIEWED_ACCESS_LOG,
        VIEWED_REMINDERS,
        COMPARED_FILE,
        EXPORTED,
    }
)
FOLD_WINDOW = datetime.timedelta(minutes=10)

_NAME_LENGTH = AccessEvent._meta.get_field("actor_name").max_length
SOMEONE_NOT_SIGNED_IN = gettext_lazy("Someone not signed in")
_DETAIL_LENGTH = AccessEvent._meta.get_field("detail").max_length
# The unique key the folding statement meets on (the model's access_event_one_line_per_window).
_FOLD_KEY = ("patient", "actor", "action", "detail", "window_start")


def record(
    request_or_user, patient: Patient, action: Action, detail: str | Callable[[], str] = ""
) -> None:
    """Add a line to `patient`'s access log, or count one more read on the line of the same
    read in this window; the actor is the request's user (or a user).

    The line is written in the site's language (settings.LANGUAGE_CODE), whoever acts and in
    whatever language their page is: one log reads one way ("8.5 ×10⁹/L" is never "8,5" in
    one line and "8.5" in the next), and the same look in two languages folds into one line.
    So `detail` is a function that words it (called in that language), or a lazy text.
    """
    user = getattr(request_or_user, "user", request_or_user)
    actor = user if user is not None and user.is_authenticated else None
    with translation.override(settings.LANGUAGE_CODE):
        name = (actor.display_name or actor.email) if actor else str(SOMEONE_NOT_SIGNED_IN)
        detail = str(detail() if callable(detail) else detail)
    action, now = Action(action), timezone.now()
    line = {
        "patient": patient.pk,
        "actor": actor.pk if actor else None,
        "actor_name": name[:_NAME_LENGTH],
        "action": action.value,
        "detail": _shorten(detail, _DETAIL_LENGTH),
        "created_at": now,
        "last_at": now,
        "times": 1,
        "window_start": window_start(now) if action in READS and actor else None,
    }
    _insert_or_fold(line)


def window_start(moment: datetime.datetime) -> datetime.datetime:
    step = int(FOLD_WINDOW.total_seconds())
    return datetime.datetime.fromtimestamp(int(moment.timestamp()) // step * step, datetime.UTC)


def _insert_or_fold(line: dict) -> None:
    """One statement, atomic on both databases. A line without a window (a change) never
    meets the key: NULLs are distinct in unique keys on SQLite and PostgreSQL alike."""
    opts = AccessEvent._meta
    quote = connection.ops.quote_name
    fields = [opts.get_field(name) for name in line]
    column = {field.name: quote(field.column) for field in fields}
    table, times, last = quote(opts.db_table), column["times"], column["last_at"]
    columns, values = ", ".join(column.values()), ", ".join(["%s"] * len(fields))
    key = ", ".join(column[name] for name in _FOLD_KEY)
    # Two workers may finish in either order: the line keeps the later time.
    later = (
        f"CASE WHEN excluded.{last} > {table}.{last} THEN excluded.{last} ELSE {table}.{last} END"
    )
    sql = (
        f"INSERT INTO {table} ({columns}) VALUES ({values}) "  # noqa: S608 - only the model's names
        f"ON CONFLICT ({key}) DO UPDATE SET {times} = {table}.{times} + 1, {last} = {later}"
    )
    params = [field.get_db_prep_save(line[field.name], connection) for field in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _shorten(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


def events_for(patient: Patient, *, hide_reads_of=None):
    """The log, newest first; without `hide_reads_of`'s own reads when given (an owner who
    wants to see what others did). Each line shows the name as it was and, while the account
    exists, its address: a name is typed by its owner and proves nothing (anyone can call
    themselves "Alex")."""
    events = AccessEvent.objects.filter(patient=patient).select_related("actor")
    if hide_reads_of is not None:
        events = events.exclude(actor=hide_reads_of, action__in=READS)
    return events.order_by("-created_at", "-id")
