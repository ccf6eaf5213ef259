"""The moment the tests live at, so that none depends on the hour or day it runs.

Late evening UTC on purpose: it is already the next day in Tokyo and Kiritimati, still the
previous evening in New York, which is where a "today" computed in the wrong zone shows.
A module whose tests read the clock sets `pytestmark = pinned`; a test that needs another
moment asks for time-machine's `time_machine` fixture and calls `move_to()` or `shift()`.
"""

import datetime

import pytest

NOW = datetime.datetime(2026, 11, 10, 22, 30, tzinfo=datetime.UTC)
pinned = pytest.mark.time_machine(NOW)
