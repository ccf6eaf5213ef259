"""The IWG response of a treatment course (readings/responses.py), on hand-worked cases.

Each case: counts as (day from the start, count as written), bleeds as days; the course starts
on day 0 (1 Mar 2026). R needs >= 30 and double the baseline, CR >= 100, each on two counts at
least 7 days apart with every count between meeting it and no bleed between.
"""

import datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from readings import responses
from readings.models import BleedingEpisode, PlateletReading, Treatment
from readings.responses import Level, in_words, response_for_course
from readings.units import Comparator
from tests.clock import pinned

UTC = datetime.UTC
START = datetime.date(2026, 3, 1)


def day(offset: int) -> datetime.date:
    return START + datetime.timedelta(days=offset)


def reading(offset: int, written: str, number: int = 0) -> PlateletReading:
    comparator = next((c for c in (">=", "<=", "<", ">") if written.startswith(c)), "")
    return PlateletReading(
        pk=number,
        drawn_on=day(offset),
        count=Decimal(written[len(comparator) :]),
        comparator=Comparator(comparator),
    )


def judge(counts, bleeds=(), start=0, end=None):
    course = Treatment(medicine="steroids", started_on=day(start), ended_on=end and day(end))
    readings = [reading(offset, written, n) for n, (offset, written) in enumerate(counts)]
    episodes = [
        BleedingEpisode(
            kind="nosebleed", started_at=datetime.datetime.combine(day(d), datetime.time(9), UTC)
        )
        for d in bleeds
    ]
    return response_for_course(course, readings, episodes, UTC)


CASES = [
    # Steroids, CR: baseline 12; 110 on day 7, 150 on day 14 (7 days apart): CR and R from day 7.
    ("steroids CR", [(0, "12"), (7, "110"), (14, "150")], (), None, Level.COMPLETE, 7, 7, None),
    # R: baseline 10 doubles to 20; 35 and 40 are >= 30 and >= 20.
    ("R only", [(0, "10"), (7, "35"), (14, "40")], (), None, Level.RESPONSE, 7, None, None),
    # Not doubled: baseline 20 needs 40; 35 and 38 are >= 30 but < 40: NR.
    ("not doubled", [(0, "20"), (7, "35"), (14, "38")], (), None, Level.NONE, None, None, None),
    # A bleed on day 10 falls between the two counts: no confirmed R.
    ("bleed spoils", [(0, "10"), (7, "50"), (14, "55")], (10,), None, Level.NONE, None, None, None),
    # Exactly 7 days apart (day 3 and day 10): confirmed, R from day 3.
    ("7 days apart", [(0, "10"), (3, "40"), (10, "40")], (), None, Level.RESPONSE, 3, None, None),
    # 6 days apart only: too few counts to judge.
    ("6 days apart", [(0, "10"), (3, "40"), (9, "40")], (), None, Level.TOO_FEW, None, None, None),
    # Baseline "<10" counts as 10: doubling asks 20, R asks 30: 30 and 31 make R.
    ("<10 baseline", [(0, "<10"), (7, "30"), (14, "31")], (), None, Level.RESPONSE, 7, None, None),
    # The only earlier count is 20 days before the start (outside 14): no baseline, no CR.
    (
        "no baseline",
        [(-20, "10"), (7, "60"), (14, "70")],
        (),
        None,
        Level.NO_BASELINE,
        None,
        None,
        None,
    ),
    # No baseline, but CR needs none: 120 and 130.
    ("no baseline CR", [(7, "120"), (14, "130")], (), None, Level.COMPLETE, 7, 7, None),
    # One count only.
    ("one count", [(0, "10"), (7, "60")], (), None, Level.TOO_FEW, None, None, None),
    # Course ended on day 10; R confirmed days 7-14, then 20 (day 30) and 18 (day 33), 3 days
    # apart and both < 30: lost on day 30, after the course ended.
    (
        "lost after end",
        [(0, "15"), (7, "45"), (14, "50"), (30, "20"), (33, "18")],
        (),
        10,
        Level.RESPONSE,
        7,
        None,
        30,
    ),
    # Still running (no end): the same as a course that ended.
    ("running", [(0, "12"), (7, "110"), (14, "150")], (), None, Level.COMPLETE, 7, 7, None),
    # Two counts on day 7, one failing: the run breaks; day 14 has no later partner: NR.
    (
        "same day",
        [(0, "10"), (7, "40"), (7, "25"), (14, "45")],
        (),
        None,
        Level.NONE,
        None,
        None,
        None,
    ),
    # CR confirmed days 7-14, then a bleed on day 20: lost on day 20.
    (
        "CR lost by bleed",
        [(0, "20"), (7, "120"), (14, "130")],
        (20,),
        None,
        Level.COMPLETE,
        7,
        7,
        20,
    ),
    # ">100" meets 100 at its least: CR.
    (">100 counts", [(0, "5"), (7, ">100"), (14, ">100")], (), None, Level.COMPLETE, 7, 7, None),
    # "<50" is never known to be 30 or more: NR.
    ("<50 counts", [(0, "5"), (7, "<50"), (14, "<50")], (), None, Level.NONE, None, None, None),
    # One failing count between passing ones is not a loss (two in a row are needed).
    (
        "one dip",
        [(0, "10"), (7, "40"), (14, "45"), (20, "25"), (27, "50")],
        (),
        None,
        Level.RESPONSE,
        7,
        None,
        None,
    ),
]


@pytest.mark.parametrize(
    ("name", "counts", "bleeds", "end", "best", "response_day", "complete_day", "lost_day"),
    CASES,
    ids=[case[0] for case in CASES],
)
def test_hand_worked_cases(name, counts, bleeds, end, best, response_day, complete_day, lost_day):
    result = judge(counts, bleeds, end=end)
    assert result.best is best
    assert (result.response_day, result.complete_day) == (response_day, complete_day)
    assert result.lost_on == (day(lost_day) if lost_day is not None else None)


def test_overlapping_courses_are_each_judged_on_their_own_dates():
    counts = [(0, "10"), (7, "40"), (14, "45")]
    first, second = judge(counts), judge(counts, start=5)
    assert (first.best, first.response_day) == (Level.RESPONSE, 7)
    assert (second.best, second.response_day) == (Level.RESPONSE, 2)  # baseline: day 0's 10


def test_a_deleted_count_does_not_count():
    counts = [(0, "12"), (7, "110"), (14, "150")]
    readings = [reading(offset, written, n) for n, (offset, written) in enumerate(counts)]
    readings[2].deleted_at = datetime.datetime(2026, 4, 1, tzinfo=UTC)
    course = Treatment(medicine="steroids", started_on=START)
    assert response_for_course(course, readings, [], UTC).best is Level.TOO_FEW


RANK = {Level.TOO_FEW: 0, Level.NO_BASELINE: 1, Level.NONE: 1, Level.RESPONSE: 2, Level.COMPLETE: 3}
count_texts = st.sampled_from(["<10", "5", "12", "25", "30", "45", "99", "100", "150", ">100"])
series = st.lists(st.tuples(st.integers(-14, 60), count_texts), min_size=1, max_size=12)


@given(counts=series, extra=st.tuples(st.integers(-400, -15), count_texts))
def test_a_count_outside_the_course_never_changes_its_response(counts, extra):
    assert judge([*counts, extra]) == judge(counts)


@given(counts=series, data=st.data())
def test_removing_a_count_that_met_the_levels_never_improves_the_response(counts, data):
    # A count after the start that meets CR (and so R): not the baseline, which sets the bar.
    met = [i for i, (d, text) in enumerate(counts) if d > 0 and text in ("100", "150", ">100")]
    if not met:
        return
    index = data.draw(st.sampled_from(met))
    before, after = judge(counts), judge(counts[:index] + counts[index + 1 :])
    assert RANK[after.best] <= RANK[before.best]


@pytest.mark.parametrize(
    ("counts", "words"),
    [
        (
            [(0, "12"), (7, "110"), (14, "150")],
            "complete response (CR: 100 ×10⁹/L or more) from day 7",
        ),
        ([(0, "10"), (7, "35"), (14, "40")], "no complete response (CR: 100 ×10⁹/L or more) yet"),
        ([(0, "20"), (7, "35"), (14, "38")], "No response (NR) so far"),
        ([(0, "10"), (7, "60")], "Not enough counts yet"),
        ([(7, "60"), (14, "70")], "No count from the start of this treatment"),
    ],
)
def test_the_response_in_words(counts, words):
    assert words in in_words(judge(counts))


@pinned
def test_the_dashboard_shows_how_each_current_course_is_working(client, cast):
    from django.urls import reverse
    from django.utils import timezone

    from tests.factories import make_reading, make_treatment

    today = timezone.localdate()
    started = today - datetime.timedelta(days=20)
    make_treatment(cast.patient, medicine="eltrombopag", started_on=started)
    for offset, count in [(0, "12"), (7, "45"), (14, "50")]:
        make_reading(cast.patient, count, drawn_on=started + datetime.timedelta(days=offset))
    client.force_login(cast.viewer)
    html = client.get(reverse("dashboard", args=[cast.patient.pk])).content.decode()
    assert "Response (R: 30 ×10⁹/L or more and double the start) from day 7" in html


@pinned
def test_the_history_says_how_each_course_worked(client, cast):
    from django.urls import reverse
    from django.utils import timezone

    from tests.factories import make_reading, make_treatment

    started = timezone.localdate() - datetime.timedelta(days=60)
    make_treatment(
        cast.patient,
        medicine="steroids",
        started_on=started,
        ended_on=started + datetime.timedelta(days=20),
    )
    for offset, count in [(0, "12"), (7, "110"), (14, "150")]:
        make_reading(cast.patient, count, drawn_on=started + datetime.timedelta(days=offset))
    client.force_login(cast.viewer)
    url = reverse("history", args=[cast.patient.pk])
    html = client.get(url, {"show": "treatments"}).content.decode()
    assert "complete response (CR: 100 ×10⁹/L or more) from day 7" in html


def test_a_cr_lost_while_r_holds_says_which_was_lost():
    # Baseline 20 (R needs 40); CR on days 3 and 10 (120, 130); then 80 (day 20) and 70 (day
    # 27): both fail 100, 7 days apart: CR lost on day 20. Both still meet R: R stands.
    result = judge([(0, "20"), (3, "120"), (10, "130"), (20, "80"), (27, "70")])
    assert (result.best, result.lost_on) == (Level.COMPLETE, day(20))
    assert [run.lost for run in result.response_runs] == [None]
    assert in_words(result) == (
        "Response (R: 30 ×10⁹/L or more and double the start) from day 3; complete response "
        "(CR: 100 ×10⁹/L or more) from day 3, lost on 21 Mar 2026."
    )


def test_a_response_lost_to_a_bleed_and_reached_again():
    # Baseline 10 (R needs 30); 40 and 45 on days 7 and 14: R from day 7. A bleed on day 20:
    # lost on day 20. Then 50 and 55 on days 30 and 37, no bleed between: reached again.
    result = judge([(0, "10"), (7, "40"), (14, "45"), (30, "50"), (37, "55")], bleeds=(20,))
    assert [(run.first, run.lost) for run in result.response_runs] == [
        (day(7), day(20)),
        (day(30), None),
    ]
    assert "from day 7, lost on 21 Mar 2026, reached again from day 30;" in in_words(result)


# The rules read plainly, count by count (the search in responses.py skips ahead): the two
# must find the same runs.
def plain_runs(counts, bleeds, meets):
    def confirmed(after):
        for index, first in enumerate(after):
            if not meets(first):
                continue
            for later in after[index + 1 :]:
                if not meets(later):
                    break
                if later.drawn_on - first.drawn_on >= datetime.timedelta(days=7):
                    if any(first.drawn_on <= day <= later.drawn_on for day in bleeds):
                        break
                    return first.drawn_on, later.drawn_on
        return None

    def lost(confirmed_on):
        by_counts, run_start = None, None
        for reading in (r for r in counts if r.drawn_on > confirmed_on):
            if meets(reading):
                run_start = None
                continue
            run_start = run_start or reading.drawn_on
            if reading.drawn_on - run_start > datetime.timedelta(days=1):
                by_counts = run_start
                break
        by_bleed = next((day for day in bleeds if day > confirmed_on), None)
        return min((d for d in (by_counts, by_bleed) if d is not None), default=None)

    runs, remaining = [], counts
    while (found := confirmed(remaining)) is not None:
        runs.append((*found, lost(found[1])))
        if runs[-1][2] is None:
            break
        remaining = [r for r in counts if r.drawn_on > runs[-1][2]]
    return runs


@given(
    counts=st.lists(st.tuples(st.integers(1, 120), count_texts), min_size=2, max_size=40),
    bleeds=st.lists(st.integers(1, 120), max_size=8),
)
def test_the_search_finds_the_runs_the_rules_read_plainly_find(counts, bleeds):
    result = judge([(0, "12"), *counts], bleeds)
    readings = sorted(
        (reading(offset, written, n) for n, (offset, written) in enumerate(counts)),
        key=lambda r: (r.drawn_on, r.pk),
    )
    bleed_days = sorted(day(d) for d in bleeds)
    complete = plain_runs(readings, bleed_days, lambda r: responses._at_least(r, Decimal(100)))
    assert [(r.first, r.confirmed, r.lost) for r in result.complete_runs] == complete
    # R: 30 or more and double the baseline of 12; a CR that came first stands for it.
    response = plain_runs(readings, bleed_days, lambda r: responses._meets_response(r, 24))
    if result.complete_runs and (not response or response[0][0] > result.complete_runs[0].first):
        response = complete
    assert [(r.first, r.confirmed, r.lost) for r in result.response_runs] == response
