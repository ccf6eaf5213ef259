"""The same result logged twice: asked about in the forms, skipped by the import, one rule."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from readings import duplicates, imports
from readings.models import BleedingEpisode, PlateletReading, Treatment
from tests.clock import NOW, pinned
from tests.html_forms import form_values
from tests.readings.test_imports import sheet

pytestmark = [pytest.mark.django_db, pinned]

UTC = datetime.UTC
COUNT = {"count_text": "45", "unit": "e9/L", "drawn_on": "2026-11-02"}


def add(client, patient, slug, **data):
    return client.post(reverse("entry_add", args=[patient.pk, slug]), data)


# --- The rule ------------------------------------------------------------------------------


def count(day="2026-11-02", value="45", comparator="", at=None):
    return {
        "drawn_on": datetime.date.fromisoformat(day),
        "count": Decimal(value),
        "comparator": comparator,
        "drawn_at": at,
    }


def bleed(kind="nosebleed", minutes=0, **danger):
    start = datetime.datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    values = {"severity": "", "first_aid": "", "warning_signs": [], "resolution": "", **danger}
    return {"kind": kind, "started_at": start + datetime.timedelta(minutes=minutes), **values}


def treatment(medicine="ivig", name="", day="2026-11-02"):
    return {
        "medicine": medicine,
        "other_name": name,
        "started_on": datetime.date.fromisoformat(day),
    }


NINE = datetime.datetime(2026, 11, 2, 9, tzinfo=UTC)
TEN = datetime.datetime(2026, 11, 2, 10, tzinfo=UTC)


@pytest.mark.parametrize(
    ("slug", "one", "other", "same"),
    [
        ("counts", count(), count(), True),
        ("counts", count(value="45.0"), count(value="45"), True),
        ("counts", count(at=NINE), count(), True),  # one without a time
        ("counts", count(at=NINE), count(at=NINE), True),
        ("counts", count(at=NINE), count(at=TEN), False),  # two tests that day
        ("counts", count(), count(value="46"), False),
        ("counts", count(), count(comparator="<"), False),
        ("counts", count(), count(day="2026-11-03"), False),
        ("bleeds", bleed(), bleed(minutes=30), True),
        ("bleeds", bleed(), bleed(minutes=-30), True),
        ("bleeds", bleed(), bleed(minutes=31), False),
        ("bleeds", bleed(), bleed("gums"), False),
        # More known about the danger is news: it did not stop after all, or signs came on.
        ("bleeds", bleed(first_aid="yes"), bleed(first_aid="no"), False),
        ("bleeds", bleed(severity="mild"), bleed(severity="severe"), False),
        ("bleeds", bleed("head_injury"), bleed("head_injury", warning_signs=["headache"]), False),
        ("bleeds", bleed(warning_signs=["seizure"]), bleed(warning_signs=["seizure"]), True),
        (
            "bleeds",
            bleed(warning_signs=["vomiting", "headache"]),
            bleed(warning_signs=["headache", "vomiting"]),
            True,
        ),
        # Still bleeding again after it had stopped: a new emergency.
        ("bleeds", bleed(first_aid="still", resolution="stopped"), bleed(first_aid="still"), False),
        ("treatments", treatment(), treatment(), True),
        ("treatments", treatment("other", "Dapsone"), treatment("other", " dapsone "), True),
        ("treatments", treatment("other", "Dapsone"), treatment("other", "Danazol"), False),
        ("treatments", treatment(), treatment(day="2026-11-03"), False),
    ],
)
def test_the_same_result(slug, one, other, same):
    assert duplicates.same_result(slug, one, other) is same
    assert duplicates.same_result(slug, other, one) is same
    found = duplicates.Found(slug, [(other, "it")])
    assert (found.find(one) == "it") is same


def test_a_lookup_prefers_a_live_entry_over_a_deleted_one():
    found = duplicates.Found("bleeds", [(bleed(minutes=5), False), (bleed(minutes=10), True)])
    assert found.find(bleed()) is True


# --- The forms ask ---------------------------------------------------------------------------


def test_two_caregivers_logging_the_same_result_are_asked_before_a_second_entry(client, cast):
    client.force_login(cast.editor)
    add(client, cast.patient, "counts", **COUNT)
    client.force_login(cast.owner)
    asked = add(client, cast.patient, "counts", **COUNT).content.decode()
    assert PlateletReading.objects.count() == 1
    logged_on = f"{NOW:%-d %b}"
    assert (
        f"Already logged by Eddie Editor on {logged_on}: the count of 45 ×10⁹/L from 2 Nov 2026. "
        "Save another?"
    ) in asked
    values = form_values(asked)
    assert values.get("confirm_duplicate") is None  # not ticked for them
    first = PlateletReading.objects.get()
    add(client, cast.patient, "counts", **{**values, "confirm_duplicate": str(first.pk)})
    assert PlateletReading.objects.count() == 2


def test_the_quick_add_asks_too(client, cast):
    client.force_login(cast.owner)
    add(client, cast.patient, "counts", **COUNT)
    box = client.post(
        reverse("entry_add", args=[cast.patient.pk, "counts"]),
        {**COUNT, "quick": "1"},
        HTTP_HX_REQUEST="true",
    ).content.decode()
    assert "Already logged by Olive Owner" in box and 'name="confirm_duplicate"' in box
    assert PlateletReading.objects.count() == 1


@pytest.mark.parametrize(
    ("slug", "first", "second"),
    [
        (
            "bleeds",
            {"kind": "nosebleed", "started_on": "2026-11-02", "started_time": "09:00"},
            {"kind": "nosebleed", "started_on": "2026-11-02", "started_time": "09:20"},
        ),
        (
            "treatments",
            {"medicine": "ivig", "started_on": "2026-11-02"},
            {"medicine": "ivig", "started_on": "2026-11-02", "dose": "1 g/kg"},
        ),
    ],
)
def test_bleeds_and_treatments_are_asked_about_too(client, cast, slug, first, second):
    client.force_login(cast.owner)
    add(client, cast.patient, slug, **first)
    assert "Save another?" in add(client, cast.patient, slug, **second).content.decode()
    model = {"bleeds": BleedingEpisode, "treatments": Treatment}[slug]
    assert model.objects.count() == 1


def test_a_double_tap_is_still_one_quiet_entry_not_a_question(client, cast):
    client.force_login(cast.owner)
    page = client.get(reverse("entry_add", args=[cast.patient.pk, "counts"])).content.decode()
    token = form_values(page)["form_token"]
    add(client, cast.patient, "counts", **COUNT, form_token=token)
    again = add(client, cast.patient, "counts", **COUNT, form_token=token)
    assert again.status_code == 302
    assert PlateletReading.objects.count() == 1


def test_a_deleted_entry_is_no_reason_to_ask(client, cast):
    client.force_login(cast.owner)
    add(client, cast.patient, "counts", **COUNT)
    reading = PlateletReading.objects.get()
    client.post(reverse("entry_delete", args=[cast.patient.pk, "counts", reading.pk]))
    assert add(client, cast.patient, "counts", **COUNT).status_code == 302
    assert PlateletReading.objects.live().count() == 1


# --- The import skips the same rows ------------------------------------------------------------


def test_a_sheet_row_the_form_logged_is_skipped(client, cast):
    client.force_login(cast.owner)
    add(client, cast.patient, "counts", **COUNT, drawn_time="09:00")
    plan = imports.make_plan("Date,Count\n2026-11-02,45\n2026-11-02,46\n", cast.patient, sheet(""))
    assert [row.duplicate for row in plan.rows] == [imports.ALREADY_THERE, ""]


def test_a_bleed_in_our_file_minutes_from_one_logged_is_skipped(client, cast):
    client.force_login(cast.owner)
    add(client, cast.patient, "bleeds", kind="gums", started_on="2026-11-02", started_time="09:00")
    text = (
        "kind,id,started_at,bleed_kind,body_site,severity,first_aid,duration_minutes,"
        "care_sought,note\r\n"
        "bleed,,2026-11-02T09:10:00+00:00,gums,,,,,,from the other phone\r\n"
        "bleed,,2026-11-02T11:00:00+00:00,gums,,,,,,a second bleed\r\n"
    )
    plan = imports.make_plan(text, cast.patient)
    assert [row.duplicate for row in plan.rows] == [imports.ALREADY_THERE, ""]


def bleed_when() -> dict:
    return {"started_on": NOW.date().isoformat(), "started_time": "21:00"}


BLEEDS = (
    "kind,id,started_at,bleed_kind,body_site,severity,first_aid,duration_minutes,"
    "care_sought,note\r\n"
)


@pytest.mark.parametrize(
    ("first_id", "second_id", "second"),
    [
        ("", "", "The same result as row 2."),  # typed twice by hand: one result
        ("7f1c2a8e-5b0e-4a55-9d55-0e8f3c2b1a01", "", "The same result as row 2."),
        # Two entries the record kept on purpose ("save another"), each with its id: both.
        (
            "7f1c2a8e-5b0e-4a55-9d55-0e8f3c2b1a01",
            "7f1c2a8e-5b0e-4a55-9d55-0e8f3c2b1a02",
            "",
        ),
    ],
)
def test_the_same_result_twice_in_one_of_our_files(cast, first_id, second_id, second):
    text = (
        "kind,id,drawn_on,drawn_at,count_e9_per_l,comparator,entered_text,entered_unit,lab,note\r\n"
        f"count,{first_id},2026-11-02,,45,,45,e9/L,,\r\n"
        f"count,{second_id},2026-11-02,,45,,45,e9/L,,\r\n"
    )
    plan = imports.make_plan(text, cast.patient)
    assert [row.duplicate for row in plan.rows] == ["", second]


def test_bleeds_twice_by_hand_in_one_file_differ_only_if_the_danger_differs(cast):
    text = BLEEDS + (
        "bleed,,2026-11-02T09:00:00+00:00,gums,,mild,,,,\r\n"
        "bleed,,2026-11-02T09:05:00+00:00,gums,,mild,,,,\r\n"
        "bleed,,2026-11-02T09:10:00+00:00,gums,,mild,no,,,it did not stop after all\r\n"
    )
    plan = imports.make_plan(text, cast.patient)
    assert [row.duplicate for row in plan.rows] == ["", "The same result as row 2.", ""]


def test_a_form_stores_brain_signs_in_one_order_however_they_were_sent(client, cast):
    client.force_login(cast.owner)
    signs = {"warning_signs": ["vomiting", "headache"]}
    add(client, cast.patient, "bleeds", kind="head_injury", **bleed_when(), **signs)
    assert BleedingEpisode.objects.get().warning_signs == ["headache", "vomiting"]
