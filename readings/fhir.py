"""FHIR R4 out and in: a record as a Bundle for clinicians' systems, and the platelet counts of
a patient portal's Bundle.

The models are fhir.resources' R4B package (FHIR 4.3.0): the library has no R4 (4.0.1) one,
and HL7's R4B is R4 unchanged for every resource used here (Bundle, Patient, Condition,
Observation, MedicationStatement, Procedure; https://hl7.org/fhir/R4B/diff.html), so what we
write is valid R4 and what R4 writes is read.

Out (`bundle_json`): a Bundle of type "collection" holding
- the Patient: the record's name, and its year of birth as a year-precision birthDate;
- a Condition for ITP, ICD-10-CM D69.3 and SNOMED CT 128091003 (Autoimmune thrombocytopenia,
  synonym "Primary ITP (immune thrombocytopenia)"), with the diagnosis date as its onset;
- each live count as a laboratory Observation, LOINC 777-3, in UCUM 10*3/uL (= ×10⁹/L, the
  number the app stores), with its comparator, at its moment in the record's offset or on its
  date alone;
- each bleed as an Observation (not a Condition: a bleed is an event at a moment, reported by
  the patient, and a clinician's problem list would drown in nosebleeds), its kind and
  severity coded in code systems of ours, with SNOMED CT too where its code was confirmed
  (BLEED_SNOMED);
- each treatment as a MedicationStatement (its logged doses as dosage), and an operation
  (splenectomy) as a Procedure.
Every entry's fullUrl is `urn:uuid:<its id>`, and an entry's id is also its identifier under
ENTRY_ID_SYSTEM, which is how an import recognises entries it already holds.

In (`read`): a Bundle, or one Observation, as JSON. The Bundle around the entries is validated
by the library, and each entry's resource on its own with the library's model for its type, so
that one bad entry does not refuse the file: a platelet count (LOINC 777-3, 26515-7, 778-1, as
its code says, valid or not) that is not valid FHIR is that count's error, naming the field in
our words; any other invalid entry is skipped as invalid. Counts are read with their unit,
converted exactly to ×10⁹/L (`UNITS`; an unknown unit is the count's error, never a guess), their
comparator and their moment, or date: a time written without its offset (as portals write the
lab's local time) keeps only its day, exactly as written, since guessing an offset could move
it. Everything else is counted by type, to be listed as skipped.
"""

import datetime
import json
import re
import uuid
from collections import Counter
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

import pydantic
from django.utils import timezone, translation
from django.utils.formats import number_format
from django.utils.text import Truncator, get_text_list
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.resource import Resource

from readings import units
from readings.entries import KINDS
from readings.exports import MODEL_FIELDS, Download, Selection, entries_of
from readings.models import (
    PROCEDURES,
    BleedingKind,
    Dose,
    DoseUnit,
    Severity,
    Treatment,
)
from readings.units import Comparator, Unit

CONTENT_TYPE = "application/fhir+json; charset=utf-8"
EXTENSION = "fhir.json"

# Our own identifier and code systems (no registered URL of ours exists to root them in).
ENTRY_ID_SYSTEM = "urn:itp-tracker:entry-id"
RECORD_ID_SYSTEM = "urn:itp-tracker:record-id"
BLEEDING_KIND_SYSTEM = "urn:itp-tracker:bleeding-kind"
BLEEDING_SEVERITY_SYSTEM = "urn:itp-tracker:bleeding-severity"
OBSERVATION_PART_SYSTEM = "urn:itp-tracker:observation-part"

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
ICD_10_CM = "http://hl7.org/fhir/sid/icd-10-cm"
SNOMED_CT = "http://snomed.info/sct"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
CONDITION_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
CONDITION_VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
CONDITION_CATEGORY = "http://terminology.hl7.org/CodeSystem/condition-category"

PLATELET_COUNT = {
    "system": LOINC,
    "code": units.LOINC_PLATELET_COUNT,
    "display": "Platelets [#/volume] in Blood by Automated count",
}
# The LOINC codes an import reads as a platelet count: automated count, count in blood (any
# method), manual count.
PLATELET_CODES = frozenset({units.LOINC_PLATELET_COUNT, "26515-7", "778-1"})
ITP_CODES = [
    {"system": ICD_10_CM, "code": "D69.3", "display": "Immune thrombocytopenic purpura"},
    # tx.fhir.org's SNOMED CT browser: 128091003 "Autoimmune thrombocytopenia (disorder)",
    # synonym "Primary ITP (immune thrombocytopenia)"; 32273002 (ITP) is no longer active.
    {"system": SNOMED_CT, "code": "128091003", "display": "Autoimmune thrombocytopenia"},
]
# The bleeds whose SNOMED CT code more than one independent source agreed on (OMOP's
# vocabulary, a published FHIR ConceptMap, ICD-10 maps: R04.0, R31.9); the other kinds go in
# our own code system only.
BLEED_SNOMED = {
    BleedingKind.NOSEBLEED: {
        "system": SNOMED_CT,
        "code": "249366005",
        "display": "Bleeding from nose",
    },
    BleedingKind.URINE: {"system": SNOMED_CT, "code": "34436003", "display": "Blood in urine"},
}
E9_PER_L_CODE = "10*3/uL"  # UCUM: 10³ per µL is 10⁹ per L, the app's unit, and the usual code
E9_PER_L_SHOWN = "10³/µL"

# Units an import reads, as written folded by `_fold` (UCUM codes, and what portals print as
# the unit's text), each with the power of ten that turns its numbers into ×10⁹/L and the
# unit it counts as. Anything else is the count's error: the unit is never guessed.
UNITS = {
    **dict.fromkeys(
        ("10*3/ul", "10^3/ul", "x10^3/ul", "x10e3/ul", "10e3/ul", "k/ul", "thou/ul"),
        (0, Unit.E9_PER_L),
    ),
    **dict.fromkeys(("10*9/l", "10^9/l", "x10^9/l", "x10e9/l", "g/l"), (0, Unit.E9_PER_L)),
    **dict.fromkeys(("/ul", "/mm3", "/mm^3", "{cells}/ul", "cells/ul"), (-3, Unit.PER_UL)),
}
# Whole platelets per µL: the app keeps counts in ×10⁹/L to 3 decimal places.
KEPT_PLACES = Decimal(10) ** -units.MAX_DECIMAL_PLACES

_SUPERSCRIPTS = str.maketrans({"³": "^3", "⁹": "^9", "µ": "u", "μ": "u", "×": "x"})


# --- Out ----------------------------------------------------------------------------------------


def download(patient, selection: Selection, tz: datetime.tzinfo) -> Download:
    """The Bundle as a file to send (readings.transfer_views.export_file)."""
    return Download(EXTENSION, CONTENT_TYPE, iter([bundle_json(patient, selection, tz)]))


def bundle_json(patient, selection: Selection | None = None, tz=None) -> str:
    """The record (its entries in `selection`, all by default) as FHIR JSON; times in `tz`,
    the record's own zone by default."""
    return bundle(patient, selection, tz).model_dump_json(indent=2)


def bundle(patient, selection: Selection | None = None, tz=None) -> Bundle:
    """The record as a validated Bundle (see the module's docstring for what it holds). Its
    words (codes' displays, dose texts) are English whatever the page's language, so that one
    record gives one file, as the exact CSV file does."""
    with translation.override("en-gb"):
        return _bundle(patient, selection, tz)


def _bundle(patient, selection: Selection | None, tz) -> Bundle:
    selection = selection or Selection(tuple(KINDS))
    tz = tz or patient.zone
    subject = {"reference": _urn(patient.pk)}
    resources = [_patient(patient), _condition(patient, subject)]
    if "counts" in selection.slugs:
        rows = entries_of(KINDS["counts"], patient, selection, tz)
        resources += [_count(row, subject, tz) for row in rows]
    if "bleeds" in selection.slugs:
        rows = entries_of(KINDS["bleeds"], patient, selection, tz)
        resources += [_bleed(row, subject, tz) for row in rows]
    if "treatments" in selection.slugs:
        resources += _treatments(patient, selection, subject, tz)
    return Bundle.model_validate(
        {
            "resourceType": "Bundle",
            "type": "collection",
            "timestamp": timezone.now().astimezone(tz).isoformat(),
            "entry": [
                {"fullUrl": _urn(resource["id"]), "resource": resource} for resource in resources
            ],
        }
    )


def _urn(pk) -> str:
    return f"urn:uuid:{pk}"


def _when(day: datetime.date | None, moment: datetime.datetime | None, tz) -> str | None:
    """A FHIR dateTime: the moment in `tz`'s offset, else the date alone."""
    if moment is not None:
        return moment.astimezone(tz).isoformat()
    return day.isoformat() if day else None


def _number(value: Decimal) -> Decimal:
    """The stored value without its padding zeros (38.500 -> 38.5, 1.000 -> 1): fhir.resources
    writes an integral Decimal as a JSON integer and any other as a float, whose shortest form
    is the decimal itself for up to 15 significant digits (counts have 7, doses 9)."""
    return value.normalize()


def _about_entry(kind: str, pk, subject: dict, note: str) -> dict:
    """What every resource made from an entry has: its id (also as our identifier, which an
    import recognises), the patient, and the entry's note."""
    return {
        "resourceType": kind,
        "id": str(pk),
        "identifier": [{"system": ENTRY_ID_SYSTEM, "value": str(pk)}],
        "subject": subject,
        "note": [{"text": note}] if note else [],
    }


def _patient(patient) -> dict:
    return {
        "resourceType": "Patient",
        "id": str(patient.pk),
        "identifier": [{"system": RECORD_ID_SYSTEM, "value": str(patient.pk)}],
        "name": [{"text": patient.name}],
        "birthDate": str(patient.birth_year) if patient.birth_year else None,
    }


def _condition(patient, subject: dict) -> dict:
    return {
        "resourceType": "Condition",
        # Stable across downloads: one Condition per record.
        "id": str(uuid.uuid5(patient.pk, "itp-condition")),
        "clinicalStatus": {"coding": [{"system": CONDITION_CLINICAL, "code": "active"}]},
        "verificationStatus": {"coding": [{"system": CONDITION_VERIFICATION, "code": "confirmed"}]},
        "category": [{"coding": [{"system": CONDITION_CATEGORY, "code": "problem-list-item"}]}],
        "code": {"coding": ITP_CODES, "text": "Immune thrombocytopenia (ITP)"},
        "subject": subject,
        "onsetDateTime": _when(patient.diagnosis_date, None, None),
    }


def _count(row: dict, subject: dict, tz) -> dict:
    quantity = {
        "value": _number(row["count"]),
        "comparator": row["comparator"] or None,
        "unit": E9_PER_L_SHOWN,
        "system": UCUM,
        "code": E9_PER_L_CODE,
    }
    return {
        **_about_entry("Observation", row["id"], subject, row["note"]),
        "status": "final",
        "category": [{"coding": [{"system": OBSERVATION_CATEGORY, "code": "laboratory"}]}],
        "code": {"coding": [PLATELET_COUNT], "text": "Platelet count"},
        "effectiveDateTime": _when(row["drawn_on"], row["drawn_at"], tz),
        "valueQuantity": quantity,
        "performer": [{"display": row["lab"]}] if row["lab"] else None,
    }


def _coded(system: str, choices, value: str) -> dict:
    label = str(choices(value).label)
    return {"coding": [{"system": system, "code": value, "display": label}], "text": label}


def _bleed_kind(kind: str) -> dict:
    code = _coded(BLEEDING_KIND_SYSTEM, BleedingKind, kind)
    if kind in BLEED_SNOMED:
        code["coding"].append(BLEED_SNOMED[kind])
    return code


def _bleed(row: dict, subject: dict, tz) -> dict:
    parts = []
    if row["severity"]:
        parts.append(
            {
                "code": {"coding": [{"system": OBSERVATION_PART_SYSTEM, "code": "severity"}]},
                "valueCodeableConcept": _coded(BLEEDING_SEVERITY_SYSTEM, Severity, row["severity"]),
            }
        )
    if row["duration_minutes"] is not None:
        minutes = {"value": row["duration_minutes"], "unit": "min", "system": UCUM, "code": "min"}
        parts.append(
            {
                "code": {"coding": [{"system": OBSERVATION_PART_SYSTEM, "code": "duration"}]},
                "valueQuantity": minutes,
            }
        )
    return {
        **_about_entry("Observation", row["id"], subject, row["note"]),
        "status": "final",
        "code": _bleed_kind(row["kind"]),
        "effectiveDateTime": _when(None, row["started_at"], tz),
        "bodySite": {"text": row["body_site"]} if row["body_site"] else None,
        "component": parts,
    }


def _treatments(patient, selection: Selection, subject: dict, tz) -> list[dict]:
    doses: dict[uuid.UUID, list[Dose]] = {}
    if "doses" in selection.slugs:
        for row in entries_of(KINDS["doses"], patient, selection, tz):
            doses.setdefault(row["treatment_id"], []).append(_entry(Dose, "doses", row))
    courses = entries_of(KINDS["treatments"], patient, selection, tz)
    return [
        _course(_entry(Treatment, "treatments", row), doses.get(row["id"], []), subject, patient)
        for row in courses
    ]


def _entry(model, slug: str, row: dict):
    """An unsaved model instance from entries_of's values, for its words (name, summary)."""
    return model(id=row["id"], note=row["note"], **{n: row[n] for n in MODEL_FIELDS[slug]})


def _course(course: Treatment, doses: list[Dose], subject: dict, patient) -> dict:
    if course.medicine in PROCEDURES:
        return {
            **_about_entry("Procedure", course.pk, subject, course.note),
            "status": "completed",
            "code": {"text": course.name},
            "performedDateTime": course.started_on.isoformat(),
        }
    over = course.ended_on is not None and course.ended_on < patient.today()
    dosage = [{"text": course.dose}] if course.dose else []
    dosage += [_dosage(dose) for dose in doses]
    return {
        **_about_entry("MedicationStatement", course.pk, subject, course.note),
        "status": "completed" if over else "active",
        "medicationCodeableConcept": {"text": course.name},
        "effectivePeriod": {
            "start": course.started_on.isoformat(),
            "end": course.ended_on.isoformat() if course.ended_on else None,
        },
        "dosage": dosage,
    }


def _dosage(dose: Dose) -> dict:
    """One logged dose: its words, route and amount (DoseUnit's values are UCUM codes)."""
    dosage = {"text": dose.summary()}
    if dose.route:
        dosage["route"] = {"text": dose.get_route_display()}
    if dose.unit != DoseUnit.NONE and dose.amount is not None:
        amount = {"value": _number(dose.amount), "unit": DoseUnit(dose.unit).short}
        amount.update(system=UCUM, code=dose.unit)
        dosage["doseAndRate"] = [{"doseQuantity": amount}]
    return dosage


# --- In -----------------------------------------------------------------------------------------


class FileError(ValueError):
    """The file as a whole cannot be read as FHIR. The message is for the person."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class FoundCount:
    """A platelet count of the file, read; `error` says why it cannot be, if it cannot."""

    number: int  # its entry's place in the Bundle, from 1
    entry_id: uuid.UUID | None = None  # our identifier: the file came from ITP Tracker
    count: units.Count | None = None  # in ×10⁹/L, as kept
    entered_text: str = ""  # the kept count in the file's unit, like "392.224 10*9/L"
    notice: str = ""  # what became of a value kept to fewer decimal places
    time_left_out: str = ""  # what became of a time without an offset: only its day is kept
    day: datetime.date | None = None  # a date without a time
    moment: datetime.datetime | None = None  # aware, with the file's offset
    lab: str = ""
    note: str = ""
    error: str = ""


# What Contents.skipped counts besides a resource type as it is ("Encounter"): (why, what) pairs,
# worded by `skipped_text` to agree with their number.
OTHER_OBSERVATION = ("other", "Observation")  # an Observation that is no platelet count
EMPTY_ENTRY = ("empty", "")
MARKED = "marked"  # (MARKED, "entered-in-error"): a platelet count marked so
INVALID = "invalid"  # (INVALID, "Encounter"): not valid FHIR, and no platelet count ("": no type)


@dataclass
class Contents:
    counts: list[FoundCount]
    # {"Encounter": 41, OTHER_OBSERVATION: 12, (MARKED, "cancelled"): 1, …}
    skipped: Counter = field(default_factory=Counter)


def is_json(text: str) -> bool:
    """Whether an uploaded text is JSON (so FHIR) rather than CSV: an object or a list at its
    start (a list is no FHIR resource: `read` says so, rather than the CSV path reading it)."""
    return text.lstrip("\ufeff \t\r\n").startswith(("{", "["))


# The start of an XML or HTML document: a declaration, a doctype, a comment or an element (never
# a sheet's first cell, such as "<10" or "<=5").
_MARKUP = re.compile(r"<(\?xml|!doctype|!--|[a-z][\w.:-]*[\s/>])", re.IGNORECASE)
_FHIR_NAMESPACE = re.compile(r"""xmlns\s*=\s*["']http://hl7\.org/fhir["']""")


def markup_problem(text: str) -> str | None:
    """Why an uploaded text in XML or HTML cannot be read (FHIR in XML, or another document),
    for the person; None when it does not start as XML or HTML."""
    start = text.lstrip("\ufeff \t\r\n")
    if not _MARKUP.match(start):
        return None
    if _FHIR_NAMESPACE.search(start[:4096]):
        return _(
            "This is a FHIR file in XML, and ITP Tracker reads FHIR in JSON. From your patient "
            "portal, download your results as FHIR JSON."
        )
    return _(
        "This file is XML or a web page, not a CSV file or a FHIR JSON file. Bring in a CSV "
        "file, or your results downloaded as FHIR JSON."
    )


def read(text: str) -> Contents:
    """The platelet counts of a FHIR Bundle or Observation in JSON (each with its error, if it
    cannot be read), and what else it holds.

    Raises FileError when the text is not JSON, not a Bundle or Observation, a Bundle whose
    shell (its fields, and its entries' own fields, not their resources) is not valid FHIR, or a
    file without a platelet count.
    """
    try:
        # Decimals as written: 392.2240341549635 must not pass through a float.
        data = json.loads(text.lstrip("\ufeff"), parse_float=Decimal)
    except RecursionError:
        raise FileError(_("This file is not JSON we can read (it nests too deeply).")) from None
    except json.JSONDecodeError as error:
        # Where, not the parser's English words for what.
        where = {"line": error.lineno, "column": error.colno}
        raise FileError(
            _(
                "This file is not JSON we can read: the problem is at line %(line)s, "
                "column %(column)s."
            )
            % where
        ) from None
    except ValueError:  # a whole number too long for Python to read
        raise FileError(_("This file is not JSON we can read.")) from None
    kind = data.get("resourceType") if isinstance(data, dict) else None
    if kind not in ("Bundle", "Observation"):
        raise FileError(
            _(
                "This JSON file is not a FHIR Bundle or Observation. From a patient portal, "
                "download your results as FHIR (JSON)."
            )
        )
    contents = Contents([])
    resources = _entries(data) if kind == "Bundle" else [data]
    for number, resource in enumerate(resources, start=1):
        _sort_entry(contents, number, resource)
    if not contents.counts:
        raise FileError(
            _(
                "This file holds no platelet counts (LOINC 777-3, 26515-7 or 778-1), so there "
                "is nothing to bring in. It holds: %(skipped)s."
            )
            % {"skipped": skipped_text(contents.skipped) or _("no entries")}
        )
    return contents


def _entries(bundle: dict) -> list:
    """The resources of a Bundle's entries, as JSON (None for an entry without one). FileError
    when the Bundle around them is not valid FHIR: each resource is validated on its own, so
    that one bad entry does not refuse the file."""
    entries = bundle.get("entry")
    shell = dict(bundle)
    if isinstance(entries, list):
        shell["entry"] = [
            {key: value for key, value in entry.items() if key != "resource"}
            if isinstance(entry, dict)
            else entry
            for entry in entries
        ]
    try:
        Bundle.model_validate(shell)
    except pydantic.ValidationError as error:
        raise FileError(_bundle_problem(error)) from None
    except (TypeError, ValueError, RecursionError):  # what else the library lets through
        raise FileError(_("This file is not valid FHIR R4.")) from None
    return [entry.get("resource") for entry in entries or []]


def _bundle_problem(error: pydantic.ValidationError) -> str:
    """The first problem of a Bundle's shell in our words: which field (of which entry)."""
    problem = error.errors()[0]
    loc = problem["loc"]
    where = {"field": _field(loc)}
    if loc[:1] == ("entry",) and len(loc) > 2:  # ("entry", 1, "fullUrl")
        where.update(number=loc[1] + 1, field=_field(loc[2:]))
        return (
            _(
                "This file is not a valid FHIR Bundle: entry %(number)s has a “%(field)s” that "
                "is not as FHIR R4 writes it."
            )
            % where
        )
    if "missing" in problem["type"]:
        return _("This file is not a valid FHIR Bundle: it has no “%(field)s”.") % where
    return (
        _("This file is not a valid FHIR Bundle: its “%(field)s” is not as FHIR R4 writes it.")
        % where
    )


def _field(loc: tuple) -> str:
    """A field named as FHIR JSON names it ("valueQuantity.value"), from a pydantic location
    (whose numbers are places in lists)."""
    return ".".join(part for part in loc if isinstance(part, str))


# A resource type as FHIR names them; anything else in resourceType is shown as no name.
_RESOURCE_TYPE = re.compile(r"[A-Z][A-Za-z]{0,63}")


def _sort_entry(contents: Contents, number: int, resource) -> None:
    """Read one entry's resource (JSON) into `contents`: a platelet count (or its error), or
    one more skipped of its kind, invalid or not."""
    if resource is None:
        contents.skipped[EMPTY_ENTRY] += 1
    elif not _is_platelet_count(resource):
        kind = resource.get("resourceType") if isinstance(resource, dict) else None
        kind = kind if isinstance(kind, str) and _RESOURCE_TYPE.fullmatch(kind) else ""
        try:
            _validated(resource)
        except ValueError:
            contents.skipped[INVALID, kind] += 1
            return
        contents.skipped[OTHER_OBSERVATION if kind == "Observation" else kind] += 1
    elif resource.get("status") in ("entered-in-error", "cancelled"):
        contents.skipped[MARKED, resource["status"]] += 1
    else:
        contents.counts.append(_read_count(number, resource))


def _validated(resource):
    """The resource as the library's model of its type. ValueError (pydantic's
    ValidationError is one) when it is not valid FHIR R4, or of no resource type it has."""
    kind = resource.get("resourceType") if isinstance(resource, dict) else None
    if not isinstance(kind, str) or not _RESOURCE_TYPE.fullmatch(kind):
        raise ValueError(kind)
    model = get_fhir_model_class(kind)  # ValueError for a type the library does not have
    if not issubclass(model, Resource):  # a data type, like Quantity
        raise ValueError(kind)
    try:
        return model.model_validate(resource)
    except (TypeError, RecursionError) as error:  # what else the library lets through
        raise ValueError(kind) from error


def _is_platelet_count(resource) -> bool:
    """Whether a resource, valid FHIR or not, is a platelet count: an Observation coded with
    one of PLATELET_CODES in LOINC (or in no system)."""
    if not isinstance(resource, dict) or resource.get("resourceType") != "Observation":
        return False
    code = resource.get("code")
    codings = code.get("coding") if isinstance(code, dict) else None
    return isinstance(codings, list) and any(
        isinstance(coding, dict)
        and coding.get("system") in (LOINC, None)
        and isinstance(coding.get("code"), str)
        and coding["code"] in PLATELET_CODES
        for coding in codings
    )


# A text of the file quoted in a message is cut to 40 characters and "…": a file can hold a
# million characters.
SHOWN_CHARS = 41
# A time without the offset FHIR requires, as portals write the lab's local time (a time that
# is no time, like 24:00 or 25:10, is not one: the field stays not valid FHIR).
_LOCAL_TIME = re.compile(
    r"(\d{4}-\d{2}-\d{2})T(?:[01]\d|2[0-3]):[0-5]\d(?::(?:[0-5]\d|60)(?:\.\d+)?)?"
)
_DATE_FIELDS = ("effectiveDateTime", "effectivePeriod", "issued")


def _read_count(number: int, resource: dict) -> FoundCount:
    found = FoundCount(number)
    day_only, cut = _days_of_local_times(resource)
    try:
        observation = _validated(day_only)
    except pydantic.ValidationError as error:
        found.error = _count_problem(error, resource)
        return found
    except ValueError:
        found.error = _("It is not a valid FHIR Observation.")
        return found
    found.entry_id = _our_id(observation)
    try:
        found.day, found.moment = _effective(observation)
        _read_value(found, observation.valueQuantity)
    except ValueError as error:
        found.error = str(error)
        return found
    read_from = (
        "effectiveDateTime" if observation.effectiveDateTime is not None else "effectivePeriod"
    )
    if found.day and read_from in cut:
        found.time_left_out = _(
            "Its time, “%(time)s”, gives no offset (like +01:00 or Z), so only its day is kept."
        ) % {"time": Truncator(cut[read_from]).chars(SHOWN_CHARS)}
    performers = [p.display for p in observation.performer or [] if p.display]
    found.lab = performers[0] if performers else ""
    found.note = "\n\n".join(note.text for note in observation.note or [] if note.text)
    return found


def _days_of_local_times(observation: dict) -> tuple[dict, dict[str, str]]:
    """The observation with each effective time that has no offset cut to its day, exactly as
    written (no offset is guessed, so no day moves), and the times cut, by field:
    {"effectiveDateTime": "2026-12-01T00:10:00"} (effectivePeriod's start as
    "effectivePeriod"; its end, never read, is cut unsaid). An `issued` without an offset goes:
    unread beside an effective time, else its day stands as the effectiveDateTime (an instant
    cannot be a day)."""
    observation = dict(observation)
    cut = {}
    issued = observation.get("issued")
    if isinstance(issued, str) and (local := _LOCAL_TIME.fullmatch(issued)):
        del observation["issued"]
        period = observation.get("effectivePeriod")
        if "effectiveDateTime" not in observation and not (
            isinstance(period, dict) and period.get("start")
        ):
            observation.pop("effectivePeriod", None)
            observation["effectiveDateTime"] = issued
    when = observation.get("effectiveDateTime")
    if isinstance(when, str) and (local := _LOCAL_TIME.fullmatch(when)):
        observation["effectiveDateTime"] = local[1]
        cut["effectiveDateTime"] = when
    if isinstance(observation.get("effectivePeriod"), dict):
        period = observation["effectivePeriod"] = dict(observation["effectivePeriod"])
        for end in ("start", "end"):
            if isinstance(period.get(end), str) and (local := _LOCAL_TIME.fullmatch(period[end])):
                period[end] = local[1]
                if end == "start":
                    cut["effectivePeriod"] = local[0]  # the whole text, as written
    return observation, cut


def _count_problem(error: pydantic.ValidationError, resource: dict) -> str:
    """The first problem of a platelet count that is not valid FHIR, in our words: which field,
    and a date as the file writes it (`resource`, before any time was cut to its day)."""
    problem = error.errors()[0]
    loc = problem["loc"]
    written = _at(resource, loc)
    if loc[:1] and loc[0] in _DATE_FIELDS and isinstance(written, str):
        return _date_problem(written)
    if loc[:2] == ("valueQuantity", "value"):
        return _("Its number is not a number FHIR allows.")
    if "missing" in problem["type"]:
        return _("It has no “%(field)s”, which FHIR R4 requires.") % {"field": _field(loc)}
    return _("Its “%(field)s” is not as FHIR R4 writes it.") % {"field": _field(loc)}


def _at(data, loc: tuple):
    """The value at a pydantic location in JSON data, or None."""
    for part in loc:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return None
    return data


def _date_problem(when: str) -> str:
    shown = {"date": Truncator(when).chars(SHOWN_CHARS)}
    if "T" in when:
        return _("Its date and time, “%(date)s”, is not a FHIR date and time.") % shown
    return _("Its date, “%(date)s”, is not a FHIR date.") % shown


def _our_id(observation) -> uuid.UUID | None:
    for identifier in observation.identifier or []:
        if identifier.system == ENTRY_ID_SYSTEM:
            try:
                return uuid.UUID(identifier.value)
            except (TypeError, ValueError):
                return None
    return None


def _effective(observation) -> tuple[datetime.date | None, datetime.datetime | None]:
    """When the blood was taken: effectiveDateTime, else effectivePeriod.start, else issued;
    a moment with its offset, or a whole date. ValueError when none says so to the day."""
    when = observation.effectiveDateTime
    if when is None and observation.effectivePeriod is not None:
        when = observation.effectivePeriod.start
    if when is None:
        when = observation.issued
    if isinstance(when, datetime.datetime):
        return None, when
    if isinstance(when, datetime.date):
        return when, None
    if when is None:
        raise ValueError(_("It does not say when the blood was taken."))
    raise ValueError(
        _("Its date, “%(date)s”, does not give the day the blood was taken.") % {"date": when}
    )


def _read_value(found: FoundCount, quantity) -> None:
    """Fill in the count of `found` from its valueQuantity, or raise ValueError (why not)."""
    if quantity is None or quantity.value is None:
        raise ValueError(_("It has no number (valueQuantity)."))
    written = quantity.code or quantity.unit
    if not written:
        raise ValueError(_("It gives no unit, and a count is never read without one."))
    scale = UNITS.get(_fold(written))
    if scale is None:
        raise ValueError(
            _("Its unit, “%(unit)s”, is not one we read: %(known)s.")
            % {"unit": written, "known": "10*3/uL, 10*9/L, /uL, /mm3, K/uL"}
        )
    if quantity.code and quantity.unit and UNITS.get(_fold(quantity.unit), scale) != scale:
        raise ValueError(
            _("Its unit code “%(code)s” and unit “%(unit)s” disagree.")
            % {"code": quantity.code, "unit": quantity.unit}
        )
    comparator = _comparator(quantity.comparator)
    power, unit = scale
    exact = units.shift(quantity.value, power)
    # As the file writes it; never expanded (1E+999999 would be a million characters).
    as_written = f"{comparator.symbol}{quantity.value} {written}"
    if exact < 0 or exact > units.MAX_COUNT:
        raise ValueError(
            _("%(count)s is not a platelet count (0 to 2,000 ×10⁹/L).") % {"count": as_written}
        )
    if unit is Unit.PER_UL and 0 < exact < 1:
        raise ValueError(
            _("%(count)s is under 1,000 per µL: check the unit the file gives.")
            % {"count": as_written}
        )
    kept = exact.quantize(KEPT_PLACES, rounding=ROUND_HALF_UP)
    if comparator and not kept:  # "<0.0001" cannot be kept as "<0"
        raise ValueError(units.BELOW_ZERO if comparator.is_upper_limit else units.ABOVE_ZERO)
    # Under one platelet per µL but not 0: rounded, it would be a 0 (an alarming count the file
    # did not write) or 1 per µL (up to twice the file's number).
    if 0 < exact < KEPT_PLACES:
        raise ValueError(
            _("%(count)s is under 1 platelet per µL: check the number and unit the file gives.")
            % {"count": as_written}
        )
    in_file_unit = units.shift(kept, -power).normalize()
    found.count = units.Count(kept, comparator, unit=unit)
    # In the app's spelling of the unit, which units.parse_count reads back to the same count
    # (our CSV import checks that), whatever spelling the file used.
    found.entered_text = f"{comparator.symbol}{in_file_unit:f} {unit.ucum}"
    if kept != exact:
        found.notice = _(
            "%(written)s kept as %(kept)s: counts are kept to whole platelets per µL."
        ) % {"written": as_written, "kept": units.format_count(kept, Unit.E9_PER_L, comparator)}


def _fold(unit: str) -> str:
    return "".join(unit.translate(_SUPERSCRIPTS).lower().split())


def _comparator(code: str | None) -> Comparator:
    if not code:
        return Comparator.EXACT
    try:
        return Comparator(code)
    except ValueError:
        raise ValueError(
            _("Its comparator “%(comparator)s” is not one of <, <=, >= or >.")
            % {"comparator": code}
        ) from None


def skipped_text(skipped: Counter) -> str:
    """ "41 Encounter, 12 other Observation and 1 Patient", most first."""
    parts = [_skipped(what, count) for what, count in skipped.most_common()]
    return get_text_list(parts, pgettext("the last two of a list", "and"))


def _skipped(what: str | tuple[str, str], count: int) -> str:
    """One kind of skipped entry with how many, its words agreeing with the number."""
    shown = number_format(count, force_grouping=True)
    if isinstance(what, str):  # a resource type, named as FHIR names it in any language
        return f"{shown} {what}"
    why, name = what
    if what == (MARKED, "cancelled"):
        words = ngettext(
            "%(count)s cancelled platelet count", "%(count)s cancelled platelet counts", count
        )
    elif why == MARKED:  # entered-in-error, FHIR's code for a result withdrawn as a mistake
        words = ngettext(
            "%(count)s platelet count entered in error",
            "%(count)s platelet counts entered in error",
            count,
        )
    elif what == EMPTY_ENTRY:
        words = ngettext("%(count)s empty entry", "%(count)s empty entries", count)
    elif why == INVALID and name:
        words = ngettext("%(count)s invalid %(name)s", "%(count)s invalid %(name)s", count)
    elif why == INVALID:
        words = ngettext(
            "%(count)s entry without a FHIR resource type",
            "%(count)s entries without a FHIR resource type",
            count,
        )
    else:
        words = ngettext("%(count)s other Observation", "%(count)s other Observation", count)
    return words % {"count": shown, "name": name}
