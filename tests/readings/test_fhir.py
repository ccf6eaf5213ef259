"""FHIR R4 out (readings.fhir.bundle) and in (readings.fhir.read, through readings.imports)."""

import datetime
import io
import json
import pathlib
import re
import zipfile
import zoneinfo
from collections import Counter
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from fhir.resources.R4B.bundle import Bundle
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts import audit
from accounts.models import AccessEvent
from readings import fhir, imports, takeout, units
from readings.exports import Selection, csv_lines
from readings.models import Dose, PlateletReading
from readings.units import Comparator, Unit
from tests.clock import NOW, pinned
from tests.conftest import CANARY
from tests.factories import make_episode, make_patient, make_reading, make_treatment, make_user
from tests.readings.test_transfer import export_url, import_url, pending_token

pytestmark = [pytest.mark.django_db, pinned]

# Synthetic patients from Synthea (Apache 2.0: tests/fixtures/fhir/README.md and LICENSE).
FIXTURES = pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "fhir"
UTC = datetime.UTC
# What a count must give back exactly, through FHIR.
EXACT = ("count", "comparator", "drawn_on", "drawn_at")


def parsed(text: str) -> Bundle:
    """The Bundle's JSON read back by the library, its decimals as written."""
    return Bundle.model_validate(json.loads(text, parse_float=Decimal))


def resources(text: str, kind: str) -> list[dict]:
    return [
        entry["resource"]
        for entry in json.loads(text, parse_float=Decimal)["entry"]
        if entry["resource"]["resourceType"] == kind
    ]


def observation(value, unit="10*3/uL", code="10*3/uL", comparator=None, **fields) -> dict:
    quantity = {"value": value, "unit": unit, "system": fhir.UCUM, "code": code}
    if comparator:
        quantity["comparator"] = comparator
    if code is None:
        del quantity["code"], quantity["system"]
    if unit is None:
        del quantity["unit"]
    return {
        "resourceType": "Observation",
        "status": "final",
        "code": {"coding": [{"system": fhir.LOINC, "code": fields.pop("loinc", "777-3")}]},
        "effectiveDateTime": "2026-03-01T08:30:00+01:00",
        "valueQuantity": quantity,
        **fields,
    }


def dumped(resource: dict) -> str:
    # A float's shortest form is the decimal it came from, for the values written here.
    return json.dumps(resource, default=float)


def one_count(resource: dict) -> fhir.FoundCount:
    [found] = fhir.read(dumped(resource)).counts
    return found


def stored(patient) -> list[tuple]:
    return sorted(PlateletReading.objects.filter(patient=patient).values_list(*EXACT), key=repr)


# --- Out --------------------------------------------------------------------------------------


@pytest.fixture
def record():
    owner = make_user()
    patient = make_patient(
        owner,
        name="Sam",
        birth_year=1990,
        diagnosis_date=datetime.date(2024, 5, 6),
        time_zone="America/New_York",
    )
    make_reading(patient, "38.5", drawn_on=datetime.date(2026, 1, 3), lab="City Lab", note="n")
    make_reading(
        patient,
        "1",
        comparator="<",
        drawn_on=datetime.date(2026, 1, 4),
        # 03:00 UTC is still 3 January in New York.
        drawn_at=datetime.datetime(2026, 1, 5, 3, 0, 0, 250, tzinfo=UTC),
    )
    make_reading(patient, "1000", drawn_on=datetime.date(2026, 1, 6), comparator=">")
    make_episode(patient, kind="petechiae", severity="mild", duration_minutes=5, body_site="legs")
    course = make_treatment(
        patient, medicine="romiplostim", started_on=datetime.date(2026, 1, 1), dose="weekly"
    )
    Dose.objects.create(
        patient=patient,
        treatment=course,
        given_on=datetime.date(2026, 1, 2),
        amount=Decimal("3.5"),
        unit="ug/kg",
        route="subcutaneous",
        how_often="weekly",
        weight_kg=Decimal("70"),
        weighed_on=datetime.date(2026, 1, 1),
    )
    make_treatment(patient, medicine="splenectomy", started_on=datetime.date(2025, 6, 1))
    return patient


def test_every_resource_of_the_export_is_valid_fhir(record):
    text = fhir.bundle_json(record)
    bundle = parsed(text)
    assert bundle.type == "collection"
    kinds = [entry.resource.get_resource_type() for entry in bundle.entry]
    # Treatments oldest first, as the CSV file has them: the operation, then the course.
    treatments = ["Procedure", "MedicationStatement"]
    assert kinds == ["Patient", "Condition", *["Observation"] * 4, *treatments]
    # Each entry's fullUrl is its id as a URN, and the subject of the others is the Patient.
    for entry in bundle.entry:
        assert entry.fullUrl == f"urn:uuid:{entry.resource.id}"
    assert {entry.resource.subject.reference for entry in bundle.entry[1:]} == {
        f"urn:uuid:{record.pk}"
    }
    assert CANARY not in text


def test_the_patient_and_the_itp_condition(record):
    text = fhir.bundle_json(record)
    [patient] = resources(text, "Patient")
    assert patient["name"] == [{"text": "Sam"}]
    assert patient["birthDate"] == "1990"  # a year, as the record holds it
    [condition] = resources(text, "Condition")
    assert {(c["system"], c["code"]) for c in condition["code"]["coding"]} == {
        ("http://hl7.org/fhir/sid/icd-10-cm", "D69.3"),
        ("http://snomed.info/sct", "128091003"),
    }
    assert condition["onsetDateTime"] == "2024-05-06"
    assert condition["id"] == resources(fhir.bundle_json(record), "Condition")[0]["id"]


def test_a_record_without_birth_year_or_diagnosis_date_leaves_them_out(db):
    text = fhir.bundle_json(make_patient(make_user()))
    assert "birthDate" not in resources(text, "Patient")[0]
    assert "onsetDateTime" not in resources(text, "Condition")[0]
    parsed(text)


def test_counts_are_laboratory_observations_with_their_exact_values(record):
    text = fhir.bundle_json(record)
    counts = [o for o in resources(text, "Observation") if "valueQuantity" in o]
    assert [o["code"]["coding"][0]["code"] for o in counts] == ["777-3"] * 3
    assert {o["category"][0]["coding"][0]["code"] for o in counts} == {"laboratory"}
    quantities = [o["valueQuantity"] for o in counts]
    assert [(q["value"], q.get("comparator")) for q in quantities] == [
        (Decimal("38.5"), None),
        (1, "<"),
        (1000, ">"),
    ]
    assert {(q["system"], q["code"]) for q in quantities} == {(fhir.UCUM, "10*3/uL")}
    # The JSON numbers as stored: not 38.50, 1.0 or 1000.000.
    assert '"value": 38.5,' in text and '"value": 1,' in text and '"value": 1000,' in text
    # A date alone stays a date; a moment is in the record's offset.
    assert [o["effectiveDateTime"] for o in counts] == [
        "2026-01-03",
        "2026-01-04T22:00:00.000250-05:00",
        "2026-01-06",
    ]
    # The entry's id is its identifier, so that an import knows it.
    reading = PlateletReading.objects.get(patient=record, count=Decimal("38.5"))
    assert counts[0]["identifier"] == [{"system": fhir.ENTRY_ID_SYSTEM, "value": str(reading.pk)}]
    assert counts[0]["performer"] == [{"display": "City Lab"}]
    assert counts[0]["note"] == [{"text": "n"}]


def test_bleeds_and_treatments(record):
    text = fhir.bundle_json(record)
    [bleed] = [o for o in resources(text, "Observation") if "valueQuantity" not in o]
    assert bleed["code"]["coding"] == [
        {"system": fhir.BLEEDING_KIND_SYSTEM, "code": "petechiae", "display": "Petechiae (tiny "
         "red-purple dots)"}
    ]  # fmt: skip
    assert bleed["component"][0]["valueCodeableConcept"]["coding"][0]["code"] == "mild"

    make_episode(record, kind="nosebleed")
    observations = resources(fhir.bundle_json(record), "Observation")
    [nosebleed] = [
        o["code"]["coding"] for o in observations if o["code"].get("text") == "Nosebleed"
    ]
    assert [(c["system"], c["code"]) for c in nosebleed] == [
        (fhir.BLEEDING_KIND_SYSTEM, "nosebleed"),
        ("http://snomed.info/sct", "249366005"),
    ]
    assert bleed["component"][1]["valueQuantity"]["value"] == 5
    assert bleed["bodySite"] == {"text": "legs"}
    [course] = resources(text, "MedicationStatement")
    assert course["medicationCodeableConcept"] == {"text": "Romiplostim"}
    assert course["effectivePeriod"] == {"start": "2026-01-01"}
    assert course["status"] == "active"
    assert course["dosage"][0] == {"text": "weekly"}
    dose = course["dosage"][1]
    assert dose["doseAndRate"][0]["doseQuantity"]["value"] == Decimal("3.5")
    assert dose["doseAndRate"][0]["doseQuantity"]["code"] == "ug/kg"
    assert dose["route"] == {"text": "Injection under the skin"}
    [operation] = resources(text, "Procedure")
    assert operation["performedDateTime"] == "2025-06-01"


def test_a_selection_exports_only_its_kinds_and_dates(record):
    counts = Selection(("counts",), since=datetime.date(2026, 1, 4))
    kinds = [
        e["resource"]["resourceType"] for e in json.loads(fhir.bundle_json(record, counts))["entry"]
    ]
    assert kinds == ["Patient", "Condition", "Observation", "Observation"]


def test_deleted_entries_are_not_exported(record):
    PlateletReading.objects.filter(patient=record).update(deleted_at=NOW)
    counts = [o for o in resources(fhir.bundle_json(record), "Observation") if "valueQuantity" in o]
    assert counts == []


# --- In: units, codes, values -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "unit", "code", "count", "entered_unit"),
    [
        (45, "10*3/uL", "10*3/uL", "45", Unit.E9_PER_L),
        (45, "10*9/L", "10*9/L", "45", Unit.E9_PER_L),
        (45000, "/uL", "/uL", "45", Unit.PER_UL),
        (45000, "/mm3", "/mm3", "45", Unit.PER_UL),
        (1500, "per mm3", "/mm3", "1.5", Unit.PER_UL),
        (Decimal("38.5"), "K/uL", "K/uL", "38.5", Unit.E9_PER_L),
        # As real portals write the unit, without a code.
        (45, "K/uL", None, "45", Unit.E9_PER_L),
        (45, "10^3/uL", None, "45", Unit.E9_PER_L),
        (45, "10^9/L", None, "45", Unit.E9_PER_L),
        (45, "x10E3/uL", None, "45", Unit.E9_PER_L),
        (45, "×10³/µL", None, "45", Unit.E9_PER_L),
        (12345, "/uL", None, "12.345", Unit.PER_UL),
    ],
)
def test_units_convert_exactly(value, unit, code, count, entered_unit):
    found = one_count(observation(value, unit=unit, code=code))
    assert found.error == ""
    assert found.count == units.Count(Decimal(count), unit=entered_unit)
    assert found.notice == ""
    # What it keeps as typed reads back to the same count (our CSV import checks that).
    assert units.parse_count(found.entered_text, entered_unit).value == Decimal(count)


@pytest.mark.parametrize(
    ("unit", "code", "problem"),
    [
        ("g/dL", "g/dL", "Its unit, “g/dL”, is not one we read"),
        ("cells", None, "Its unit, “cells”, is not one we read"),
        (None, None, "It gives no unit, and a count is never read without one."),
        ("/uL", "10*3/uL", "Its unit code “10*3/uL” and unit “/uL” disagree."),
    ],
)
def test_an_unknown_or_contradictory_unit_is_the_counts_error_never_a_guess(unit, code, problem):
    found = one_count(observation(45, unit=unit, code=code))
    assert problem in found.error
    assert found.count is None


@pytest.mark.parametrize("comparator", ["<", "<=", ">=", ">"])
def test_comparators_are_kept(comparator):
    found = one_count(observation(10, comparator=comparator))
    assert found.count.comparator == Comparator(comparator)
    assert found.count.value == 10


@pytest.mark.parametrize(
    ("value", "comparator", "problem"),
    [
        (0, "<", str(units.BELOW_ZERO)),
        (Decimal("0.0001"), "<", str(units.BELOW_ZERO)),  # kept as "<0", which is no count
        (-1, None, "is not a platelet count"),
        (2001, None, "is not a platelet count"),
        (500, None, "is under 1,000 per µL"),
    ],
)
def test_values_that_are_not_counts(value, comparator, problem):
    unit = "/uL" if value == 500 else "10*3/uL"
    found = one_count(observation(value, unit=unit, code=unit, comparator=comparator))
    assert problem in found.error


@pytest.mark.parametrize(
    ("value", "unit", "language", "problem"),
    [
        (
            Decimal("1e-30"),
            "10*9/L",
            "en-gb",
            "1E-30 10*9/L is under 1 platelet per µL: check the number and unit the file gives.",
        ),
        (
            Decimal("0.0005"),  # rounded half up, 1 per µL: twice the file's number
            "10*9/L",
            "en-gb",
            "0.0005 10*9/L is under 1 platelet per µL: check the number and unit the file gives.",
        ),
        (
            Decimal("0.0004"),
            "10*3/uL",
            "es",
            "0.0004 10*3/uL es menos de 1 plaqueta por µL: revise el número y la unidad que "
            "da el archivo.",
        ),
    ],
)
def test_a_count_under_1_per_ul_but_not_0_is_the_counts_error(value, unit, language, problem):
    text = dumped(observation(value, unit=unit, code=unit))
    with translation.override(language):
        [found] = fhir.read(text).counts
    assert (found.error, found.count, found.notice) == (problem, None, "")


@pytest.mark.parametrize(
    ("value", "kept"), [(0, "0"), (Decimal("0.001"), "0.001"), (Decimal("0.0015"), "0.002")]
)
def test_a_zero_as_written_or_a_count_of_1_per_ul_or_more_is_read(value, kept):
    found = one_count(observation(value))
    assert (found.error, found.count.value) == ("", Decimal(kept))


@pytest.mark.parametrize("loinc", ["777-3", "26515-7", "778-1"])
def test_platelet_codes_are_read(loinc):
    assert one_count(observation(45, loinc=loinc)).count.value == 45


def test_other_observations_and_resources_are_counted_as_skipped():
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {"resource": observation(45)},
            {"resource": observation(5, loinc="718-7")},  # haemoglobin
            {"resource": observation(6, loinc="718-7")},
            {"resource": {"resourceType": "Patient"}},
            {"resource": observation(7, status="entered-in-error")},
        ],
    }
    contents = fhir.read(json.dumps(bundle))
    assert [found.number for found in contents.counts] == [1]
    assert fhir.skipped_text(contents.skipped) == (
        "2 other Observation, 1 Patient and 1 platelet count entered in error"
    )


def test_more_decimals_than_are_kept_are_said():
    found = one_count(observation(Decimal("392.2240341549635")))
    assert found.count.value == Decimal("392.224")
    assert found.notice == (
        "392.2240341549635 10*3/uL kept as 392.224 ×10⁹/L: counts are kept to whole platelets "
        "per µL."
    )
    found = one_count(observation(Decimal("45000.5"), unit="/uL", code="/uL"))
    assert found.count.value == Decimal("45.001")
    assert "45000.5 /uL kept as 45.001 ×10⁹/L" in found.notice


def test_the_value_is_read_as_written_not_through_a_float():
    text = '{"resourceType": "Observation", "status": "final", "code": {"coding": [{"system": '
    text += '"http://loinc.org", "code": "777-3"}]}, "effectiveDateTime": "2026-03-01", '
    text += '"valueQuantity": {"value": 150.0005, "code": "10*3/uL"}}'
    [found] = fhir.read(text).counts
    # Its binary float is just under 150.0005: read through one, it would be kept as 150.000.
    assert "150.0005 10*3/uL kept as 150.001" in found.notice


def test_a_huge_exponent_is_refused_without_writing_the_number_out():
    text = dumped(observation(45)).replace('"value": 45', '"value": 1E+999999999')
    [found] = fhir.read(text).counts
    assert found.error == "1E+999999999 10*3/uL is not a platelet count (0 to 2,000 ×10⁹/L)."


@pytest.mark.parametrize(
    ("when", "day", "moment"),
    [
        ({"effectiveDateTime": "2026-03-01"}, datetime.date(2026, 3, 1), None),
        (
            {"effectiveDateTime": "2026-03-01T08:30:00+01:00"},
            None,
            datetime.datetime(2026, 3, 1, 7, 30, tzinfo=UTC),
        ),
        (
            {"effectivePeriod": {"start": "2026-03-01T08:30:00-05:00"}},
            None,
            datetime.datetime(2026, 3, 1, 13, 30, tzinfo=UTC),
        ),
        (
            {"issued": "2026-03-01T08:30:00.043+00:00"},
            None,
            datetime.datetime(2026, 3, 1, 8, 30, 0, 43000, tzinfo=UTC),
        ),
    ],
)
def test_when_the_blood_was_taken(when, day, moment):
    resource = observation(45)
    del resource["effectiveDateTime"]
    found = one_count({**resource, **when})
    assert (found.day, found.moment) == (day, moment)


@pytest.mark.parametrize(
    ("when", "problem"),
    [
        ({"effectiveDateTime": "2026-03"}, "does not give the day"),
        ({}, "does not say when the blood was taken"),
    ],
)
def test_a_count_without_a_day(when, problem):
    resource = observation(45)
    del resource["effectiveDateTime"]
    assert problem in one_count({**resource, **when}).error


@pytest.mark.parametrize(
    ("when", "problem"),
    [
        ("0001-01-01T00:00:00+14:00", "That date cannot be a date of this record."),
        ("1899-12-31", "1900"),
        ("2026-11-12", "future"),
    ],
)
def test_a_date_the_record_cannot_hold_is_the_counts_error(when, problem):
    patient = make_patient(make_user(), time_zone="America/New_York")
    [row] = imports.make_plan(dumped(observation(45, effectiveDateTime=when)), patient).rows
    assert problem in row.error


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("{not json", "This file is not JSON we can read"),
        ('{"resourceType": "Patient"}', "is not a FHIR Bundle or Observation"),
        ("[1, 2]", "is not a FHIR Bundle or Observation"),
        (
            json.dumps({"resourceType": "Bundle"}),
            "This file is not a valid FHIR Bundle: it has no “type”.",
        ),
        (
            json.dumps({"resourceType": "Bundle", "type": "collection", "entry": 5}),
            "This file is not a valid FHIR Bundle: its “entry” is not as FHIR R4 writes it.",
        ),
        (
            json.dumps(
                {
                    "resourceType": "Bundle",
                    "type": "collection",
                    "entry": [{"resource": observation(45)}, {"fullUrl": 5}],
                }
            ),
            "This file is not a valid FHIR Bundle: entry 2 has a “fullUrl” that is not as FHIR R4 "
            "writes it.",
        ),
        ('{"a":' * 5000 + "1" + "}" * 5000, "it nests too deeply"),
        (
            json.dumps({"resourceType": "Observation", "valueString": 5}),
            "This file holds no platelet counts (LOINC 777-3, 26515-7 or 778-1), so there is "
            "nothing to bring in. It holds: 1 invalid Observation.",
        ),
    ],
)
def test_a_file_that_is_not_fhir_is_refused_with_a_message(text, problem):
    with pytest.raises(fhir.FileError) as refused:
        fhir.read(text)
    assert problem in refused.value.message


@pytest.mark.parametrize(
    ("text", "language", "problem"),
    [
        (
            '{"resourceType": "Bundle", x}',
            "en-gb",
            "This file is not JSON we can read: the problem is at line 1, column 28.",
        ),
        (
            '{"resourceType": "Bundle", x}',
            "es",
            "Este archivo no es un JSON que podamos leer: el problema está en la línea 1, "
            "columna 28.",
        ),
        (
            '{\n  "resourceType": "Bundle",\n  "type": "collection",\n}',
            "en-gb",
            "This file is not JSON we can read: the problem is at line 4, column 1.",
        ),
        ('{"value": ' + "1" * 5000 + "}", "en-gb", "This file is not JSON we can read."),
        ('{"value": ' + "1" * 5000 + "}", "es", "Este archivo no es un JSON que podamos leer."),
    ],
)
def test_json_that_cannot_be_read_says_where_in_our_words(text, language, problem):
    with translation.override(language), pytest.raises(fhir.FileError) as refused:
        fhir.read(text)
    assert refused.value.message == problem


# --- In: one entry that is not valid FHIR ------------------------------------------------------


def bundle_of(*resources) -> str:
    entries = [{"resource": resource} for resource in resources]
    return dumped({"resourceType": "Bundle", "type": "collection", "entry": entries})


ENCOUNTER = {"resourceType": "Encounter", "status": "finished", "class": {"code": "AMB"}}


@pytest.mark.parametrize(
    ("fields", "number", "english", "spanish"),
    [
        (
            {"effectiveDateTime": "2026-10-01T24:00:00Z"},
            None,
            "Its date and time, “2026-10-01T24:00:00Z”, is not a FHIR date and time.",
            "Su fecha y hora, «2026-10-01T24:00:00Z», no es una fecha y hora FHIR.",
        ),
        (
            {"effectiveDateTime": "2026-02-29"},
            None,
            "Its date, “2026-02-29”, is not a FHIR date.",
            "Su fecha, «2026-02-29», no es una fecha FHIR.",
        ),
        (
            {"effectiveDateTime": "2026-02-30T10:00"},
            None,
            "Its date and time, “2026-02-30T10:00”, is not a FHIR date and time.",
            "Su fecha y hora, «2026-02-30T10:00», no es una fecha y hora FHIR.",
        ),
        (
            {"effectiveDateTime": None, "issued": "2026-10-01T25:10:00"},
            None,
            "Its date and time, “2026-10-01T25:10:00”, is not a FHIR date and time.",
            "Su fecha y hora, «2026-10-01T25:10:00», no es una fecha y hora FHIR.",
        ),
        (
            {"effectivePeriod": {"start": "2026-10-01", "end": "2026-10-1"}},
            None,
            "Its date, “2026-10-1”, is not a FHIR date.",
            "Su fecha, «2026-10-1», no es una fecha FHIR.",
        ),
        *[
            (
                {},
                number,
                "Its number is not a number FHIR allows.",
                "Su número no es un número que FHIR admita.",
            )
            for number in ("NaN", "Infinity", "-Infinity", '"abc"')
        ],
        (
            {"performer": [{"display": 5}]},
            None,
            "Its “performer.display” is not as FHIR R4 writes it.",
            "Su «performer.display» no es como lo escribe FHIR R4.",
        ),
    ],
)
def test_a_platelet_count_that_is_not_valid_fhir_is_its_entrys_problem(
    fields, number, english, spanish
):
    """The other entries still come in; the problem names the field in our words, never the
    library's English text or pydantic's place (entry.0.resource…)."""
    bad = {**observation(44), **fields}
    bad = {name: value for name, value in bad.items() if value is not None}
    text = bundle_of(observation(45, effectiveDateTime="2026-10-02"), ENCOUNTER, bad)
    if number:
        text = text.replace('"value": 44', f'"value": {number}')
    patient = make_patient(make_user(), time_zone="Europe/Madrid")
    for language, problem in (("en-gb", english), ("es", spanish)):
        with translation.override(language):
            plan = imports.make_plan(text, patient)
        assert [row.number for row in plan.new] == [1]
        assert [(row.number, row.error) for row in plan.errors] == [(3, problem)]
        assert plan.skipped == Counter({"Encounter": 1})


@pytest.mark.parametrize(
    ("resource", "skipped"),
    [
        ({**ENCOUNTER, "status": 5}, (fhir.INVALID, "Encounter")),
        ({"resourceType": "Nonsense"}, (fhir.INVALID, "Nonsense")),
        ({"resourceType": "Quantity", "value": 1}, (fhir.INVALID, "Quantity")),
        ({"resourceType": 5}, (fhir.INVALID, "")),
        ({"resourceType": "x" * 10_000}, (fhir.INVALID, "")),
        ("just text", (fhir.INVALID, "")),
        (
            observation(5, loinc="718-7", effectiveDateTime="2026-10-01T00:10:00"),
            (fhir.INVALID, "Observation"),
        ),
        (observation(5, loinc="718-7"), fhir.OTHER_OBSERVATION),
        (
            observation(45, status="entered-in-error", effectiveDateTime="nonsense"),
            (fhir.MARKED, "entered-in-error"),
        ),
        (ENCOUNTER, "Encounter"),
    ],
)
def test_an_entry_that_is_no_platelet_count_is_skipped_valid_or_not(resource, skipped):
    contents = fhir.read(bundle_of(observation(45), resource))
    assert [found.error for found in contents.counts] == [""]
    assert contents.skipped == Counter({skipped: 1})


@pytest.mark.parametrize(
    ("skipped", "english", "spanish"),
    [
        (
            {(fhir.INVALID, "Encounter"): 1},
            "1 invalid Encounter",
            "1 Encounter con errores de FHIR",
        ),
        (
            {(fhir.INVALID, "Encounter"): 3},
            "3 invalid Encounter",
            "3 Encounter con errores de FHIR",
        ),
        (
            {(fhir.INVALID, ""): 1},
            "1 entry without a FHIR resource type",
            "1 entrada sin un tipo de recurso FHIR",
        ),
        (
            {(fhir.INVALID, ""): 2},
            "2 entries without a FHIR resource type",
            "2 entradas sin un tipo de recurso FHIR",
        ),
    ],
)
def test_invalid_entries_are_worded_by_their_number(skipped, english, spanish):
    assert fhir.skipped_text(Counter(skipped)) == english
    with translation.override("es"):
        assert fhir.skipped_text(Counter(skipped)) == spanish


@pytest.mark.parametrize(
    ("fields", "written"),
    [
        ({"effectiveDateTime": "2026-11-01T00:10:00"}, "2026-11-01T00:10:00"),
        ({"effectiveDateTime": "2026-11-01T23:59"}, "2026-11-01T23:59"),
        (
            {"effectiveDateTime": None, "effectivePeriod": {"start": "2026-11-01T23:30:00.5"}},
            "2026-11-01T23:30:00.5",
        ),
        (
            {
                "effectiveDateTime": None,
                "effectivePeriod": {"start": "2026-11-01T08:00:00", "end": "2026-11-02T09:00"},
            },
            "2026-11-01T08:00:00",
        ),
        # Only `issued` says when: its day.
        ({"effectiveDateTime": None, "issued": "2026-11-01T23:45:00"}, "2026-11-01T23:45:00"),
        (
            {"effectiveDateTime": None, "effectivePeriod": {}, "issued": "2026-11-01T07:00"},
            "2026-11-01T07:00",
        ),
    ],
)
@pytest.mark.parametrize("zone", ["Pacific/Kiritimati", "Pacific/Pago_Pago", "UTC"])
def test_a_time_without_an_offset_keeps_its_day_as_written_and_no_time(fields, written, zone):
    """The lab's local day: no offset is guessed, so the day never moves, whatever the
    record's zone."""
    resource = {**observation(45), **fields}
    resource = {name: value for name, value in resource.items() if value is not None}
    found = one_count(resource)
    assert (found.error, found.day, found.moment) == ("", datetime.date(2026, 11, 1), None)
    assert found.time_left_out == (
        f"Its time, “{written}”, gives no offset (like +01:00 or Z), so only its day is kept."
    )
    patient = make_patient(make_user(), time_zone=zone)
    [row] = imports.make_plan(dumped(resource), patient).new
    assert (row.values["drawn_on"], row.values["drawn_at"]) == (datetime.date(2026, 11, 1), None)
    assert row.notice == found.time_left_out and not row.rounded


@pytest.mark.parametrize(
    "effective",
    [
        {"effectiveDateTime": "2026-11-01"},
        {"effectiveDateTime": "2026-11-01T07:00:00-05:00"},
        {"effectiveDateTime": None, "effectivePeriod": {"start": "2026-11-01"}},
    ],
)
def test_an_issued_time_without_an_offset_beside_the_effective_one_is_not_read(effective):
    """Portals that leave out offsets leave them out everywhere: `issued`, when the result was
    released, is not when the blood was taken, and does not stop the count coming in."""
    resource = {**observation(45), **effective, "issued": "2026-11-02T10:00:00"}
    found = one_count({name: value for name, value in resource.items() if value is not None})
    assert (found.error, found.time_left_out) == ("", "")
    assert (found.day or found.moment.date()) == datetime.date(2026, 11, 1)


def test_a_time_with_its_offset_is_not_cut():
    found = one_count(observation(45, effectiveDateTime="2026-11-01T00:10:00Z"))
    assert (found.day, found.time_left_out) == (None, "")
    assert found.moment == datetime.datetime(2026, 11, 1, 0, 10, tzinfo=UTC)


def test_the_preview_of_a_file_with_bad_entries_in_spanish(client, cast):
    cast.editor.language = "es"
    cast.editor.save()
    text = bundle_of(
        observation(45, effectiveDateTime="2026-10-01"),
        observation(46, effectiveDateTime="2026-10-02T08:15:00"),
        observation(47),
        {**ENCOUNTER, "status": 5},
        {**ENCOUNTER, "status": 6},
    ).replace('"value": 47', '"value": NaN')
    client.force_login(cast.editor)
    response = client.post(import_url(cast.patient), {"file": upload(text)})
    page = client.get(response["Location"]).content.decode()
    assert "Entrada 3</span> Su número no es un número que FHIR admita." in page
    assert "Se omite lo siguiente: 2 Encounter con errores de FHIR." in page
    assert (
        "Su hora, «2026-10-02T08:15:00», no da su desfase (como +01:00 o Z), así que solo se "
        "guarda su día."
    ) in page
    assert "más decimales" not in page  # a time cut to its day is no count kept to fewer places
    assert "pydantic" not in page and "regex" not in page and "entry.2" not in page


@pytest.mark.parametrize("language", ["en-gb", "es"])
def test_a_fhir_preview_speaks_of_entries_not_rows(client, cast, language):
    cast.editor.language = language
    cast.editor.save()
    text = bundle_of(
        observation(45, effectiveDateTime="2026-10-01"),
        observation(45, effectiveDateTime="2026-10-01"),
        observation(47, effectiveDateTime="2026-10-1"),
    )
    client.force_login(cast.editor)
    response = client.post(import_url(cast.patient), {"file": upload(text)})
    page = client.get(response["Location"]).content.decode()
    words = {
        "en-gb": [
            "The same result as entry 1.",
            "<strong>1</strong> entry with a problem",
            ">Entries with a problem</h2>",
            "Left out 1 entry with problems, as you chose: 3.",
        ],
        "es": [
            "El mismo resultado que la entrada 1.",
            "<strong>1</strong> entrada con un problema",
            ">Entradas con un problema</h2>",
            "Se ha dejado fuera 1 entrada con problemas, como eligió: 3.",
        ],
    }[language]
    main = page.split("<main", 1)[1].split("</main>", 1)[0]
    assert all(text in main for text in words[:3])
    text = re.sub(r"<[^>]*>", " ", main)  # the words shown, not class names (import-rows)
    assert not re.search(r"\b(rows?|filas?)\b", text, re.IGNORECASE)
    token = pending_token(response)
    confirm = reverse("import_confirm", args=[cast.patient.pk, token])
    done = client.post(confirm, {"skip_errors": "yes"})
    assert words[3] in client.get(done["Location"]).content.decode()


FHIR_XML = (
    '\ufeff\n  <?xml version="1.0" encoding="UTF-8"?>\n<Bundle xmlns="http://hl7.org/fhir">'
    '<type value="collection"/></Bundle>'
)
IN_XML = "This is a FHIR file in XML, and ITP Tracker reads FHIR in JSON."
IN_XML_ES = "Es un archivo FHIR en XML, e ITP Tracker lee FHIR en JSON."
NOT_CSV = "This file is XML or a web page, not a CSV file or a FHIR JSON file."
NOT_CSV_ES = "Este archivo es XML o una página web, no un archivo CSV ni un archivo FHIR JSON."


@pytest.mark.parametrize(
    ("text", "language", "problem"),
    [
        (FHIR_XML, "en-gb", IN_XML),
        (FHIR_XML, "es", IN_XML_ES),
        ("<Observation xmlns='http://hl7.org/fhir'><status value='final'/>", "en-gb", IN_XML),
        ('<?xml version="1.0"?><results><count>45</count></results>', "en-gb", NOT_CSV),
        ("<!DOCTYPE html>\n<html><body>Sign in</body></html>", "en-gb", NOT_CSV),
        ("<html lang='es'><body>Inicie sesión</body></html>", "es", NOT_CSV_ES),
        ("<!-- export -->\n<Bundle/>", "en-gb", NOT_CSV),
    ],
)
def test_xml_and_html_are_named_before_the_csv_path_reads_them(text, language, problem):
    with translation.override(language), pytest.raises(imports.ImportFileError) as refused:
        imports.read_source(text)
    assert problem in refused.value.message


@pytest.mark.parametrize("text", ["<10,2026-01-01\n<5,2026-01-02\n", "<=5;2026-01-01\n"])
def test_a_sheet_whose_first_cell_is_a_count_below_is_still_a_sheet(text):
    assert fhir.markup_problem(text) is None
    assert isinstance(imports.read_source(text), imports.Table)


def test_a_fhir_xml_upload_is_refused_on_the_upload_page(client, cast):
    client.force_login(cast.owner)
    response = client.post(import_url(cast.patient), {"file": upload(FHIR_XML, "portal.xml")})
    assert response.status_code == 200
    page = response.content.decode()
    assert IN_XML in page and "download your results as FHIR JSON" in page
    assert "only one column" not in page


# --- In: the real portal files ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "counts"),
    [
        ("Clemente_Kreiger_1484a42d-0eaf-4654-9cbf-6b050a5cd73b.json", 2),
        ("Antonio_Castellanos_6d2eba67-5b4a-403f-a29f-e6da3f1ea963.json", 2),
        ("Cleo_Friesen_59907280-53b1-4677-92b9-83c1332a08b3.json", 8),
        ("Jordan_Cruickshank_5de38439-d320-46d3-854d-3c098e88de4c.json", 3),
    ],
)
def test_synthea_bundles(name, counts):
    text = (FIXTURES / name).read_text()
    entries = len(json.loads(text)["entry"])
    patient = make_patient(make_user(), time_zone="Europe/London")
    plan = imports.make_plan(text, patient)
    assert plan.is_fhir
    assert (len(plan.new), plan.errors, plan.duplicates) == (counts, [], [])
    assert sum(plan.skipped.values()) == entries - counts
    assert plan.skipped["Encounter"] and plan.skipped[fhir.OTHER_OBSERVATION]
    # Each value has more decimals than are kept, and says so.
    assert all(row.notice for row in plan.new)
    imports.import_file(text, patient, patient_owner(patient))
    assert PlateletReading.objects.filter(patient=patient).count() == counts
    # The second time, every count is already there.
    again = imports.make_plan(text, patient)
    assert (len(again.new), len(again.duplicates)) == (0, counts)


def patient_owner(patient):
    return patient.memberships.get().user


def test_k_per_ul_in_a_synthea_bundle():
    text = (FIXTURES / "Jordan_Cruickshank_5de38439-d320-46d3-854d-3c098e88de4c.json").read_text()
    patient = make_patient(make_user(), time_zone="UTC")
    rows = imports.make_plan(text, patient).new
    assert [(r.values["drawn_on"], r.values["count"]) for r in rows] == [
        (datetime.date(2011, 7, 25), Decimal("180.061")),
        (datetime.date(2016, 11, 7), Decimal("392.380")),
        (datetime.date(2017, 6, 24), Decimal("189.642")),
    ]
    assert rows[2].notice.startswith("189.64223091570517 K/uL kept as 189.642")


# --- Round trip -------------------------------------------------------------------------------


@st.composite
def counts(draw, zone):
    value = draw(st.decimals(0, 2000, places=3, allow_nan=False, allow_infinity=False))
    comparator = draw(st.sampled_from(Comparator)) if value else Comparator.EXACT
    moment = draw(
        st.none()
        | st.datetimes(
            datetime.datetime(1990, 1, 1),
            datetime.datetime(2026, 11, 1),
            timezones=st.just(UTC),
        )
    )
    day = moment.astimezone(zone).date() if moment else draw(
        st.dates(datetime.date(1990, 1, 1), datetime.date(2026, 11, 1))
    )  # fmt: skip
    return {"count": value, "comparator": comparator.value, "drawn_on": day, "drawn_at": moment}


ZONES = ["UTC", "America/New_York", "Asia/Kolkata", "Pacific/Kiritimati", "America/St_Johns"]


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data(), zone=st.sampled_from(ZONES))
def test_export_then_import_gives_back_every_count_exactly(db, data, zone):
    owner = make_user()
    source = make_patient(owner, time_zone=zone)
    target = make_patient(owner, time_zone=zone)
    rows = data.draw(st.lists(counts(zoneinfo.ZoneInfo(zone)), min_size=1, max_size=6))
    PlateletReading.objects.bulk_create(
        PlateletReading(patient=source, entered_text="x", entered_unit="e9/L", **row)
        for row in rows
    )
    text = fhir.bundle_json(source)

    # Into the same record: every count is already there.
    again = imports.make_plan(text, source)
    assert (again.new, again.errors, len(again.duplicates)) == ([], [], len(rows))
    # Into an empty record: every count, exactly.
    plan = imports.import_file(text, target, owner)
    assert plan.errors == [] and plan.duplicates == []
    assert stored(target) == stored(source)


def test_into_a_record_in_another_zone_the_moment_is_kept_and_takes_that_zones_date(record):
    tokyo = make_patient(make_user(), time_zone="Asia/Tokyo")
    imports.import_file(fhir.bundle_json(record), tokyo, tokyo.memberships.get().user)
    timed = PlateletReading.objects.get(patient=tokyo, drawn_at__isnull=False)
    assert timed.drawn_at == datetime.datetime(2026, 1, 5, 3, 0, 0, 250, tzinfo=UTC)
    assert timed.drawn_on == datetime.date(2026, 1, 5)  # 12:00 on the 5th in Tokyo


def test_a_count_read_from_fhir_exports_as_csv_and_imports_back(db):
    patient = make_patient(make_user())
    text = (FIXTURES / "Clemente_Kreiger_1484a42d-0eaf-4654-9cbf-6b050a5cd73b.json").read_text()
    imports.import_file(text, patient, patient_owner(patient))
    # Its entered_text reads back to its count, as our CSV import checks.
    csv_text = "".join(csv_lines(patient, Selection(("counts",)), UTC)).lstrip("\ufeff")
    other = make_patient(make_user())
    assert imports.make_plan(csv_text, other).errors == []


# --- The pages ----------------------------------------------------------------------------------


def test_the_export_page_downloads_fhir(client, cast):
    make_reading(cast.patient, "45", user=cast.owner)
    client.force_login(cast.viewer)  # a viewer may download, as the CSV
    response = client.get(export_url(cast.patient, layout="fhir", what="all"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/fhir+json; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="itp-fhir-sam-all-2026-11-10.fhir.json"'
    )
    assert response["Cache-Control"] == "no-store"
    text = b"".join(response.streaming_content).decode()
    assert len(parsed(text).entry) == 3
    assert CANARY not in text
    event = AccessEvent.objects.get(patient=cast.patient, action=audit.EXPORTED)
    assert event.detail == "counts, bleeds, treatments, doses, everything, as FHIR R4"


def test_strangers_cannot_download_fhir(client, cast):
    client.force_login(cast.stranger)
    assert client.get(export_url(cast.patient, layout="fhir", what="all")).status_code == 404


def upload(text: str, name="portal.json"):
    return SimpleUploadedFile(name, text.encode(), "application/fhir+json")


def test_upload_preview_confirm_a_portal_file(client, cast):
    text = (FIXTURES / "Jordan_Cruickshank_5de38439-d320-46d3-854d-3c098e88de4c.json").read_text()
    client.force_login(cast.editor)
    response = client.post(import_url(cast.patient), {"file": upload(text)})
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "<strong>3</strong> new entries to bring in: 3 counts" in page
    assert "From a FHIR file, only platelet counts are brought in." in page
    assert "Skipped: 195 other Observation, 32 Claim, 19 Encounter," in page
    assert "3 counts have more decimal places than ITP Tracker keeps" in page
    assert "Entry 184</span> The count of 189.642 ×10⁹/L from 24 Jun 2017. " in page
    assert "189.64223091570517 K/uL kept as 189.642 ×10⁹/L" in page
    assert PlateletReading.objects.filter(patient=cast.patient).count() == 0

    token = pending_token(response)
    done = client.post(reverse("import_confirm", args=[cast.patient.pk, token]))
    assert done["Location"] == reverse("history", args=[cast.patient.pk]) + "?show=counts"
    assert "Brought in 3 counts." in client.get(done["Location"]).content.decode()
    saved = PlateletReading.objects.filter(patient=cast.patient)
    assert {(r.count, r.created_by) for r in saved} == {
        (Decimal("180.061"), cast.editor),
        (Decimal("392.380"), cast.editor),
        (Decimal("189.642"), cast.editor),
    }


def test_the_preview_in_spanish(client, cast):
    cast.editor.language = "es"
    cast.editor.save()
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {"resource": {"resourceType": "Patient"}},
            {"resource": observation(Decimal("38.55"), effectiveDateTime="2026-03-01")},
            {"resource": observation(Decimal("12.3456"), effectiveDateTime="2026-03-02")},
        ],
    }
    client.force_login(cast.editor)
    response = client.post(import_url(cast.patient), {"file": upload(dumped(bundle))})
    page = client.get(response["Location"]).content.decode()
    assert "De un archivo FHIR solo se importan los recuentos de plaquetas." in page
    assert "Se omite lo siguiente: 1 Patient." in page
    assert "1 recuento tiene más decimales de los que guarda ITP Tracker" in page
    assert "Entrada 3</span>" in page
    assert "12.3456 10*3/uL se guarda como 12,346 ×10⁹/L" in page


def test_a_count_with_a_problem_is_listed_by_its_entry(client, cast):
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {"resource": {"resourceType": "Patient"}},
            {"resource": observation(45, unit="g/dL", code="g/dL")},
        ],
    }
    client.force_login(cast.owner)
    response = client.post(import_url(cast.patient), {"file": upload(json.dumps(bundle))})
    page = client.get(response["Location"]).content.decode()
    assert "Entry 2</span> Its unit, “g/dL”, is not one we read" in page
    assert "these counts cannot be read as they are" in page
    assert "/confirm/" not in page


def test_a_bundle_that_is_not_valid_fhir_is_refused_on_the_upload_page(client, cast):
    client.force_login(cast.owner)
    response = client.post(import_url(cast.patient), {"file": upload('{"resourceType": "Bundle"}')})
    assert response.status_code == 200
    assert "This file is not a valid FHIR Bundle: it has no “type”." in response.content.decode()


def test_viewers_get_403_and_strangers_404_for_a_fhir_import(client, cast):
    text = json.dumps(observation(45))
    client.force_login(cast.viewer)
    assert client.post(import_url(cast.patient), {"file": upload(text)}).status_code == 403
    client.force_login(cast.stranger)
    assert client.post(import_url(cast.patient), {"file": upload(text)}).status_code == 404
    assert PlateletReading.objects.filter(patient=cast.patient).count() == 0


def test_our_own_fhir_file_reimports_as_duplicates(client, cast):
    make_reading(cast.patient, "45", user=cast.owner)
    client.force_login(cast.owner)
    text = b"".join(
        client.get(export_url(cast.patient, layout="fhir", what="all")).streaming_content
    ).decode()
    response = client.post(import_url(cast.patient), {"file": upload(text)})
    page = client.get(response["Location"]).content.decode()
    assert "<strong>1</strong> already in the history" in page
    assert "Skipped: 1 Patient and 1 Condition." in page


# --- Takeout ------------------------------------------------------------------------------------


def test_the_takeout_zip_holds_each_records_bundle(cast):
    make_reading(cast.patient, "45", user=cast.owner)
    archive = zipfile.ZipFile(io.BytesIO(takeout.build_zip(cast.owner)))
    text = archive.read(f"{takeout._folder(cast.patient)}/history.fhir.json").decode()
    assert len(parsed(text).entry) == 3
    assert "history.fhir.json" in archive.read("README.txt").decode()


def test_the_bundle_is_the_same_in_every_language(record):
    """Like the exact CSV file: one record, one file, whatever the page's language."""

    def made(text):
        return {key: value for key, value in json.loads(text).items() if key != "timestamp"}

    english = made(fhir.bundle_json(record))
    with translation.override("es"):
        assert made(fhir.bundle_json(record)) == english


@pytest.mark.parametrize(
    "text",
    [
        '{"resourceType": "Bundle", "type": "collection"}',
        json.dumps({"resourceType": "Bundle", "type": "collection",
                    "entry": [{"resource": {"resourceType": "Patient", "id": "p"}}]}),
        '[{"resourceType": "Bundle", "type": "collection"}]',
    ],
)  # fmt: skip
def test_a_file_without_platelet_counts_says_so(text):
    assert fhir.is_json(text)
    with pytest.raises(fhir.FileError):
        fhir.read(text)


@pytest.mark.parametrize(
    ("skipped", "english", "spanish"),
    [
        (
            {fhir.OTHER_OBSERVATION: 8, "MedicationStatement": 3},
            "8 other Observation and 3 MedicationStatement",
            "8 otras Observation y 3 MedicationStatement",
        ),
        ({fhir.OTHER_OBSERVATION: 1}, "1 other Observation", "1 otra Observation"),
        (
            {(fhir.MARKED, "cancelled"): 2},
            "2 cancelled platelet counts",
            "2 recuentos de plaquetas cancelados",
        ),
        (
            {(fhir.MARKED, "entered-in-error"): 1},
            "1 platelet count entered in error",
            "1 recuento de plaquetas introducido por error",
        ),
        ({fhir.EMPTY_ENTRY: 1}, "1 empty entry", "1 entrada vacía"),
        ({fhir.EMPTY_ENTRY: 2}, "2 empty entries", "2 entradas vacías"),
    ],
)
def test_skipped_words_agree_with_their_number(skipped, english, spanish):
    assert fhir.skipped_text(Counter(skipped)) == english
    with translation.override("es"):
        assert fhir.skipped_text(Counter(skipped)) == spanish


def test_skipped_counts_are_grouped_as_the_language_writes_them():
    skipped = Counter({"Encounter": 12000, "Claim": 3})
    assert fhir.skipped_text(skipped) == "12,000 Encounter and 3 Claim"
    with translation.override("es"):
        assert fhir.skipped_text(skipped).startswith("12.000 Encounter")
