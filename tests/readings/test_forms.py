import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from readings.forms import EpisodeForm, ReadingForm, TreatmentForm
from tests.clock import pinned
from tests.factories import make_patient

pytestmark = [pytest.mark.django_db, pinned]

TODAY = timezone.localdate
TOMORROW = lambda: timezone.localdate() + datetime.timedelta(days=1)  # noqa: E731


@pytest.fixture
def patient():
    return make_patient(name="Sam")


def reading_form(patient, **data):
    data = {"count_text": "45", "unit": "e9/L", "drawn_on": TODAY().isoformat(), **data}
    return ReadingForm(data, patient=patient)


def test_a_plain_count_is_stored_in_e9_per_litre_with_what_was_typed(patient):
    form = reading_form(patient, count_text="45 K/uL")
    assert form.is_valid(), form.errors
    reading = form.save(commit=False)
    assert (reading.count, reading.comparator) == (Decimal(45), "")
    assert (reading.entered_text, reading.entered_unit) == ("45 K/uL", "e9/L")


def test_a_count_per_microlitre_is_converted(patient):
    form = reading_form(patient, count_text="45000", unit="/uL")
    assert form.is_valid(), form.errors
    assert form.save(commit=False).count == Decimal(45)


def test_below_detection_is_never_stored_as_zero(patient):
    form = reading_form(patient, count_text="<10")
    assert form.is_valid(), form.errors
    reading = form.save(commit=False)
    assert (reading.count, reading.comparator) == (Decimal(10), "<")


def test_a_number_that_only_fits_the_other_unit_is_asked_about_not_guessed(patient):
    form = reading_form(patient, count_text="45,000")
    assert not form.is_valid()
    assert form.errors["count_text"] == ["Did you mean 45 ×10⁹/L (45,000 per µL)?"]
    assert form.choice_labels() == [("45|/uL|", "Yes, I meant 45 ×10⁹/L (45,000 per µL)")]


def test_confirming_the_suggestion_saves_it(patient):
    asked = reading_form(patient, count_text="45,000")
    asked.is_valid()
    [(value, _)] = asked.choice_labels()
    form = reading_form(patient, count_text="45,000", confirm_suggestion=value)
    assert form.is_valid(), form.errors
    reading = form.save(commit=False)
    assert (reading.count, reading.entered_text, reading.entered_unit) == (
        Decimal(45),
        "45,000",
        "/uL",
    )


@pytest.mark.parametrize(
    ("text", "unit", "choices"),
    [
        ("1500", "e9/L", ["1500", "1.5"]),
        ("1,500", "e9/L", ["1500", "1.5"]),
        ("1 500", "e9/L", ["1500", "1.5"]),
        ("1.500", "e9/L", ["1.5", "1500"]),
        ("1500", "/uL", ["1.5", "1500"]),
        ("<1,000", "e9/L", ["1000", "1"]),
    ],
)
def test_a_count_that_reads_both_ways_offers_both_and_saves_the_one_chosen(
    patient, text, unit, choices
):
    asked = reading_form(patient, count_text=text, unit=unit)
    assert not asked.is_valid()
    offered = asked.choice_labels()
    assert [value.split("|")[0] for value, _ in offered] == choices
    for value, label in offered:
        assert label.startswith("I meant ")
        form = reading_form(patient, count_text=text, unit=unit, confirm_suggestion=value)
        assert form.is_valid(), form.errors
        assert str(form.save(commit=False).count) == value.split("|")[0]


def test_a_confirmation_for_another_number_does_not_count(patient):
    form = reading_form(patient, count_text="45,000", confirm_suggestion="30|/uL|")
    assert not form.is_valid()
    assert "Did you mean" in form.errors["count_text"][0]


@pytest.mark.parametrize(
    ("text", "unit", "message"),
    [
        ("", "e9/L", ReadingForm.what_to_enter["count_text"]),
        ("lots", "e9/L", "Enter a number, like 45 or 45,000."),
        ("5000000", "e9/L", "A platelet count is between 0 and 2,000"),
        ("-4", "e9/L", "A platelet count is between 0 and 2,000"),
    ],
)
def test_count_errors_are_in_plain_words(patient, text, unit, message):
    form = reading_form(patient, count_text=text, unit=unit)
    assert not form.is_valid()
    assert form.errors["count_text"][0].startswith(message)


def test_a_blood_test_date_in_the_future_is_refused(patient):
    form = reading_form(patient, drawn_on=TOMORROW().isoformat())
    assert form.errors["drawn_on"] == ["That date is in the future. Enter the date it happened."]


def test_a_time_later_today_is_refused(patient, time_machine):
    time_machine.move_to(datetime.datetime(2026, 6, 10, 10, 0, tzinfo=datetime.UTC))
    form = reading_form(patient, drawn_on="2026-06-10", drawn_time="12:00")
    assert "drawn_time" in form.errors
    assert reading_form(patient, drawn_on="2026-06-10", drawn_time="09:00").is_valid()


def test_the_time_is_read_in_the_records_time_zone_whoever_fills_the_form(patient):
    patient.time_zone = "America/New_York"
    with timezone.override("Asia/Tokyo"):  # the person typing lives elsewhere
        form = reading_form(patient, drawn_on="2026-01-15", drawn_time="08:30")
        assert form.is_valid(), form.errors
        reading = form.save(commit=False)
    assert reading.drawn_at == datetime.datetime(2026, 1, 15, 13, 30, tzinfo=datetime.UTC)


def episode_form(patient, **data):
    now = timezone.localtime()
    data = {
        "kind": "nosebleed",
        "started_on": now.date().isoformat(),
        "started_time": now.strftime("%H:%M"),
        **data,
    }
    return EpisodeForm(data, patient=patient)


def test_only_kind_and_time_are_needed_for_a_bleed(patient):
    form = episode_form(patient)
    assert form.is_valid(), form.errors
    episode = form.save(commit=False)
    assert episode.kind == "nosebleed"
    assert episode.severity == "" and episode.care_sought is None


def test_a_bleed_without_kind_is_explained(patient):
    form = episode_form(patient, kind="")
    assert form.errors["kind"] == [EpisodeForm.what_to_enter["kind"]]


def test_a_bleed_in_the_future_is_refused(patient):
    form = episode_form(patient, started_on=TOMORROW().isoformat())
    assert "started_on" in form.errors


def test_a_full_bleed_record(patient):
    form = episode_form(
        patient,
        severity="moderate",
        first_aid="no",
        body_site="nose",
        duration_minutes="25",
        care_sought="yes",
        note="Pressure for 20 minutes",
    )
    assert form.is_valid(), form.errors
    episode = form.save(commit=False)
    assert (episode.first_aid, episode.duration_minutes, episode.care_sought) == ("no", 25, True)


def treatment_form(patient, **data):
    data = {"medicine": "eltrombopag", "started_on": "2026-01-01", **data}
    return TreatmentForm(data, patient=patient)


def test_a_treatment_can_be_ongoing(patient):
    form = treatment_form(patient, dose="50 mg a day")
    assert form.is_valid(), form.errors
    assert form.save(commit=False).ended_on is None


def test_a_treatment_cannot_end_before_it_starts(patient):
    form = treatment_form(patient, ended_on="2025-12-01")
    assert form.errors["ended_on"] == ["The end date is before the start date."]


def test_other_treatment_needs_a_name(patient):
    form = treatment_form(patient, medicine="other")
    assert form.errors["other_name"] == ["Enter the name of the medicine or procedure."]


def test_a_treatment_cannot_start_in_the_future(patient):
    form = treatment_form(patient, started_on=TOMORROW().isoformat())
    assert "started_on" in form.errors


# --- Blank forms' quick-add fields are kept --------------------------------------------------


def test_a_blank_forms_key_follows_what_its_fields_show(patient):
    per_litre = ReadingForm(patient=patient).blank_key()
    assert per_litre == ReadingForm(patient=patient).blank_key()
    patient.preferred_unit = "/uL"
    assert ReadingForm(patient=patient).blank_key() != per_litre
    assert EpisodeForm(patient=patient).blank_key() not in ("", per_litre)


def test_forms_with_what_a_user_typed_or_saved_are_never_kept(patient):
    bound = reading_form(patient, count_text="45", note="private note")
    assert bound.blank_key() == ""
    bound.is_valid()
    saved = bound.save(commit=False)
    saved.patient = patient
    saved.save()
    assert ReadingForm(instance=saved, patient=patient).blank_key() == ""


@pytest.mark.parametrize(
    "make",
    [
        lambda patient, note: reading_form(patient, note=note),
        lambda patient, note: episode_form(patient, note=note),
        lambda patient, note: treatment_form(patient, note=note),
    ],
    ids=["count", "bleed", "treatment"],
)
def test_a_note_holds_5000_characters_and_no_more(patient, make):
    assert make(patient, "x" * 5000).is_valid()
    form = make(patient, "x" * 5001)
    assert form.errors["note"] == ["A note can hold up to 5000 characters; this one has 5001."]
    assert 'maxlength="5000"' in str(form["note"])


@pytest.mark.parametrize("sent_break", ["\r\n", "\r", "\n"])
def test_a_line_break_counts_once_as_the_box_counted_it(patient, sent_break):
    # A browser sends the box's line breaks as CR LF; a note that fitted stays within the limit.
    lines = ["x" * 999] * 5
    form = reading_form(patient, count_text="45", note=sent_break.join(lines))
    assert form.is_valid(), form.errors
    assert form.cleaned_data["note"] == "\n".join(lines)
    assert len(form.cleaned_data["note"]) == 4999
