"""A course's dose log: the usual-dose question, the rules, the form from the dashboard, the
pages, and the CSV round trip (readings/doses.py, models.Dose, forms.DoseForm, imports)."""

import csv
import datetime
import io
import zipfile
import zoneinfo
from decimal import Decimal
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from readings import courses, doses, exports, imports, record_details, takeout
from readings.entries import KINDS
from readings.forms import DoseForm
from readings.models import Dose, DoseUnit, Treatment
from tests.clock import pinned
from tests.factories import make_patient, make_reading, make_treatment, make_user
from tests.html_forms import form_values

pytestmark = pinned

ALL = exports.Selection(tuple(KINDS))
DOSE_FIELDS = ("id", *exports.MODEL_FIELDS["doses"], "note")


def make_dose(course, amount="3", unit="ug/kg", given_on=None, user=None, **fields):
    if DoseUnit(unit).per_kg:
        fields.setdefault("weight_kg", Decimal("28"))
        fields.setdefault("weighed_on", course.started_on)
    return Dose.objects.create(
        patient=course.patient,
        treatment=course,
        created_by=user,
        given_on=given_on or course.started_on,
        amount=None if amount is None else Decimal(amount),
        unit=unit,
        route=fields.pop("route", "subcutaneous" if unit != "none" else ""),
        **fields,
    )


def days_ago(days: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=days)


# --- The usual doses --------------------------------------------------------------------------

# (medicine, amount, unit, asked?) — the slips people make: ten or a thousand times off, mg
# typed for µg, a unit the medicine is not given in; and labelled doses, which never ask.
SLIPS = [
    ("romiplostim", "3", "ug/kg", False),  # Nplate: a usual weekly dose
    ("romiplostim", "10", "ug/kg", False),  # Nplate's maximum
    ("romiplostim", "30", "ug/kg", True),  # 3 typed as 30
    ("romiplostim", "300", "ug/kg", True),  # a 3 µg/kg week typed with the total's digits
    ("romiplostim", "0.1", "ug/kg", True),
    ("romiplostim", "3", "mg", True),  # romiplostim is given per kg
    ("eltrombopag", "50", "mg", False),
    ("eltrombopag", "75", "mg", False),  # the label's maximum a day
    ("eltrombopag", "12.5", "mg", False),  # the smallest start (East Asian ancestry, liver)
    ("eltrombopag", "500", "mg", True),
    ("eltrombopag", "50000", "mg", True),  # µg typed for mg
    ("eltrombopag", "1", "mg/kg", True),  # no ITP source doses it by weight
    ("avatrombopag", "20", "mg", False),
    ("avatrombopag", "200", "mg", True),
    ("fostamatinib", "100", "mg", False),
    ("fostamatinib", "150", "mg", False),
    ("fostamatinib", "1500", "mg", True),
    ("ivig", "1", "g/kg", False),
    ("ivig", "0.4", "g/kg", False),
    ("ivig", "40", "g/kg", True),  # a 40 g bottle typed as per kg
    ("ivig", "1", "mg", True),
    ("anti_d", "50", "ug/kg", False),
    ("anti_d", "250", "ug/kg", True),  # IU/kg typed as µg/kg
    ("rituximab", "375", "mg/m2", False),
    ("rituximab", "1000", "mg", False),
    ("rituximab", "3750", "mg/m2", True),
    ("steroids", "40", "mg", False),  # dexamethasone
    ("steroids", "1000", "mg", False),  # methylprednisolone
    ("steroids", "1", "mg/kg", False),
    ("steroids", "4000", "mg", True),
    ("steroids", "100", "mg/kg", True),
    ("other", "123456", "mg", False),  # no range for a medicine we do not know
]


@pytest.mark.parametrize(("medicine", "amount", "unit", "asked"), SLIPS)
def test_slips_are_asked_about_and_labelled_doses_are_not(medicine, amount, unit, asked):
    assert (doses.question(medicine, unit, Decimal(amount)) is not None) is asked


@given(data=st.data())
def test_the_question_is_exactly_the_range_in_the_table(data):
    (medicine, unit), usual = data.draw(st.sampled_from(sorted(doses.USUAL.items())))
    amount = data.draw(st.decimals(Decimal("0.001"), Decimal("99999"), places=3))
    asked = doses.question(medicine, unit, amount) is not None
    assert asked is not (usual.low <= amount <= usual.high)


def test_the_question_says_the_range_and_its_source():
    words = doses.question("romiplostim", "ug/kg", Decimal("30"))
    assert words == (
        "30 µg/kg of Romiplostim is outside its usual doses (0.25 to 12 µg/kg a dose, from "
        "the Nplate (romiplostim) label)."
    )
    assert doses.question("romiplostim", "mg", Decimal(3)) == (
        "Romiplostim is usually prescribed in µg/kg, not mg."
    )


def test_every_range_has_its_source_written_down():
    written = Path("docs/sources/dose-labels.md").read_text(encoding="utf-8")
    for usual in doses.USUAL.values():
        assert usual.low < usual.high
    for name in ("Nplate", "Promacta", "Doptelet", "Tavalisse", "Privigen", "WinRho"):
        assert name in written


# --- The rules ------------------------------------------------------------------------------


@pytest.fixture
def patient(db):
    return make_patient(make_user())


@pytest.fixture
def course(patient):
    return make_treatment(patient, medicine="romiplostim", started_on=days_ago(60))


def problems(course, **values) -> dict:
    fields = {
        "given_on": days_ago(7),
        "amount": Decimal(3),
        "unit": "ug/kg",
        "route": "subcutaneous",
        "weight_kg": Decimal(28),
        "weighed_on": days_ago(10),
    } | {name: days_ago(v) if name == "given_on" else v for name, v in values.items()}
    dose = Dose(patient=course.patient, treatment=course, **fields)
    return {name: error.messages[0] for name, error in dose.problems().items()}


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({}, None, None),
        ({"given_on": 61}, "given_on", "the dose date is outside it"),  # days ago
        ({"given_on": -1}, "given_on", "future"),
        ({"weight_kg": None, "weighed_on": None}, "weight_kg", "needs the weight"),
        ({"weighed_on": None}, "weighed_on", "date of the weight"),
        ({"weight_kg": Decimal(0)}, "weight_kg", "more than 0"),
        ({"weight_kg": Decimal(401)}, "weight_kg", "at most 400"),
        ({"amount": None}, "amount", "Enter the amount"),
        ({"amount": Decimal(0)}, "amount", "Enter the amount"),
        ({"unit": "none"}, "amount", "Choose a unit"),
        ({"unit": "none", "amount": None, "route": ""}, None, None),  # a procedure
        ({"route": ""}, "route", "how it is given"),
        ({"weight_kg": None, "unit": "mg"}, "weight_kg", "Enter the weight too"),
        ({"unit": "mg", "weight_kg": None, "weighed_on": None}, None, None),
    ],
)
def test_the_rules_of_a_dose(course, values, field, message):
    found = problems(course, **values)
    if field is None:
        assert found == {}
    else:
        assert message in found[field]


def test_a_dose_after_the_course_ended(patient):
    ended = make_treatment(patient, medicine="ivig", started_on=days_ago(30), ended_on=days_ago(29))
    found = problems(ended, unit="g/kg", amount=Decimal(1), given_on=20)
    assert "ran from" in found["given_on"] and "to" in found["given_on"]
    assert problems(ended, unit="g/kg", amount=Decimal(1), given_on=29) == {}


def test_a_dose_of_another_records_course(course):
    other = make_patient(make_user())
    dose = Dose(patient=other, treatment=course, given_on=days_ago(1), amount=1, unit="mg")
    assert "treatment" in dose.problems()


def test_the_total_for_a_per_kg_dose(course):
    dose = make_dose(course, "3", weight_kg=Decimal("28.5"))
    assert (dose.amount_text, dose.total_text) == ("3 µg/kg", "85.5 µg for 28.5 kg")
    assert make_dose(course, "50", unit="mg", route="oral").total_text == ""


# --- Logging a dose: two taps from the dashboard -------------------------------------------------


def dose_link(client, patient) -> str:
    page = client.get(reverse("dashboard", args=[patient.pk])).content.decode()
    start = page.index("Log this week’s dose")
    href = page.rindex('href="', 0, start) + len('href="')
    return page[href : page.index('"', href)].replace("&amp;", "&")


def test_this_weeks_romiplostim_dose_takes_two_taps(client, cast):
    course = make_treatment(cast.patient, medicine="romiplostim", started_on=days_ago(60))
    make_dose(course, "3", given_on=days_ago(7), weight_kg=Decimal(28), weighed_on=days_ago(30))
    make_reading(cast.patient, "35", drawn_on=days_ago(1))
    client.force_login(cast.editor)

    link = dose_link(client, cast.patient)  # tap one
    form = client.get(link)
    response = client.post(link, form_values(form.content.decode()))  # two

    assert response.status_code == 302
    latest = course.doses.live().order_by("-given_on").first()
    assert (latest.given_on, latest.amount, latest.unit, latest.route) == (
        timezone.localdate(),
        Decimal(3),
        "ug/kg",
        "subcutaneous",
    )
    assert (latest.weight_kg, latest.weighed_on, latest.created_by) == (
        28,
        days_ago(30),
        cast.editor,
    )
    assert response.url == reverse("dashboard", args=[cast.patient.pk])
    page = client.get(response.url).content.decode()
    assert "3 µg/kg" in page and "84 µg for 28 kg" in page


def test_a_first_dose_starts_from_the_medicines_usual_unit_and_route(client, cast):
    course = make_treatment(cast.patient, medicine="ivig", started_on=days_ago(2))
    client.force_login(cast.owner)
    url = reverse("entry_add", args=[cast.patient.pk, "doses"]) + f"?course={course.pk}"
    page = client.get(url).content.decode()
    assert 'value="g/kg" selected' in page
    assert 'value="intravenous" id="id_doses_route_2" required checked' in page or (
        'value="intravenous"' in page and "checked" in page
    )


@pytest.mark.parametrize("course_id", ["nonsense", "00000000-0000-0000-0000-000000000000"])
def test_a_course_that_is_not_ours_is_not_offered(client, cast, course_id):
    theirs = make_treatment(cast.strangers_patient, medicine="romiplostim")
    client.force_login(cast.owner)
    for asked in (course_id, theirs.pk):
        url = reverse("entry_add", args=[cast.patient.pk, "doses"]) + f"?course={asked}"
        page = client.get(url).content.decode()
        assert str(theirs.pk) not in page and 'value="" selected>Choose one' in page


def test_a_stranger_s_course_in_a_post_is_refused(client, cast):
    theirs = make_treatment(cast.strangers_patient, medicine="romiplostim")
    client.force_login(cast.owner)
    url = reverse("entry_add", args=[cast.patient.pk, "doses"])
    data = {"treatment": theirs.pk, "given_on": timezone.localdate(), "amount": "3"}
    data |= {"unit": "ug/kg", "route": "subcutaneous", "weight_kg": "28"}
    data["weighed_on"] = timezone.localdate()
    response = client.post(url, data)
    page = response.content.decode()
    assert response.status_code == 200 and "Choose one of the answers shown" in page
    assert not Dose.objects.exists()


def test_viewers_cannot_log_doses_and_strangers_do_not_see_the_record(client, cast):
    url = reverse("entry_add", args=[cast.patient.pk, "doses"])
    client.force_login(cast.viewer)
    assert client.get(url).status_code == 403
    client.force_login(cast.stranger)
    assert client.get(url).status_code == 404


def dose_post(course, amount, unit, **extra) -> dict:
    return {
        "treatment": course.pk,
        "given_on": timezone.localdate().isoformat(),
        "amount": amount,
        "unit": unit,
        "route": "oral",
        "form_token": "6f1c1a52-0c1e-4d59-8a4f-2b0b1c3d4e5f",
        **extra,
    }


def test_an_unusual_dose_is_asked_about_then_kept_as_confirmed(client, cast):
    course = make_treatment(cast.patient, medicine="eltrombopag", started_on=days_ago(30))
    client.force_login(cast.owner)
    url = reverse("entry_add", args=[cast.patient.pk, "doses"])

    asked = client.post(url, dose_post(course, "500", "mg"))
    page = asked.content.decode()
    assert asked.status_code == 200 and not Dose.objects.exists()
    assert "500 mg of Eltrombopag is outside its usual doses" in page
    assert 'name="confirm_unusual" value="500 mg oral"' in page

    # A box ticked for another amount does not confirm this one.
    client.post(url, dose_post(course, "5000", "mg", confirm_unusual="500 mg oral"))
    assert not Dose.objects.exists()

    client.post(url, dose_post(course, "500", "mg", confirm_unusual="500 mg oral"))
    dose = Dose.objects.get()
    assert (dose.amount, dose.unusual_confirmed) == (500, True)


def test_an_edit_that_leaves_the_amount_keeps_the_confirmation(client, cast):
    course = make_treatment(cast.patient, medicine="eltrombopag", started_on=days_ago(30))
    dose = make_dose(course, "500", unit="mg", route="oral", unusual_confirmed=True)
    client.force_login(cast.owner)
    url = reverse("entry_edit", args=[cast.patient.pk, "doses", dose.pk])
    data = form_values(client.get(url).content.decode()) | {"note": "as told"}
    assert client.post(url, data).status_code == 302
    dose.refresh_from_db()
    assert (dose.note, dose.unusual_confirmed) == ("as told", True)
    data["amount"] = "600"
    assert client.post(url, data | {"version": "2"}).status_code == 200  # asked again


def test_the_same_dose_twice_is_asked_about(client, cast):
    course = make_treatment(cast.patient, medicine="eltrombopag", started_on=days_ago(30))
    make_dose(course, "50", unit="mg", route="oral", given_on=timezone.localdate())
    client.force_login(cast.owner)
    url = reverse("entry_add", args=[cast.patient.pk, "doses"])
    response = client.post(url, dose_post(course, "50", "mg"))
    assert "Already logged" in response.content.decode()
    assert course.doses.count() == 1


def test_a_splenectomy_has_no_dose_log(client, cast):
    make_treatment(cast.patient, medicine="splenectomy", started_on=days_ago(30))
    make_reading(cast.patient, "35", drawn_on=days_ago(1))
    client.force_login(cast.owner)
    page = client.get(reverse("dashboard", args=[cast.patient.pk])).content.decode()
    assert "Splenectomy" in page and "Log a dose" not in page
    form = client.get(reverse("entry_add", args=[cast.patient.pk, "doses"])).content.decode()
    assert "Splenectomy" not in form


# --- Where doses are shown ----------------------------------------------------------------------


def test_the_history_shows_each_courses_doses_and_the_courses_beside_it(client, cast):
    steroids = make_treatment(
        cast.patient, medicine="steroids", started_on=days_ago(40), ended_on=days_ago(20)
    )
    course = make_treatment(cast.patient, medicine="eltrombopag", started_on=days_ago(30))
    make_dose(course, "50", unit="mg", route="oral", given_on=days_ago(30), how_often="daily")
    make_dose(course, "75", unit="mg", route="oral", given_on=days_ago(10), how_often="daily")
    client.force_login(cast.viewer)
    page = client.get(reverse("history", args=[cast.patient.pk]), {"show": "treatments"})
    text = page.content.decode()
    assert "Dose: 75 mg every day, by mouth, since" in text
    assert "Every dose (2)" in text
    assert "Ran beside Steroids (prednisone, dexamethasone)" in text
    assert "may be partly the other treatment" in text
    assert "Log a dose" not in text  # a viewer
    doses_page = client.get(reverse("history", args=[cast.patient.pk]), {"show": "doses"})
    assert doses_page.content.decode().count("Eltrombopag 75 mg") == 1
    assert steroids.pk  # judged on its own dates, beside eltrombopag


def test_courses_load_in_a_fixed_number_of_queries(patient, django_assert_num_queries):
    many = [
        make_treatment(patient, medicine="romiplostim", started_on=days_ago(100 - i))
        for i in range(5)
    ]
    for course in many:
        for week in range(4):
            make_dose(course, "3", given_on=course.started_on + datetime.timedelta(weeks=week))
    make_reading(patient, "20", drawn_on=days_ago(100))
    with django_assert_num_queries(4):
        found = courses.courses_for(patient, many, timezone.localdate())
        assert [len(c.doses) for c in found] == [4] * 5
        assert all(len(c.beside) == 4 for c in found)


# --- Export and import ---------------------------------------------------------------------------


def export_text(patient, selection=ALL) -> str:
    return "".join(exports.csv_lines(patient, selection, datetime.UTC))


def stored_doses(patient) -> set[tuple]:
    return set(Dose.objects.filter(patient=patient).values_list(*DOSE_FIELDS))


amounts = st.decimals(Decimal("0.001"), Decimal("999999.999"), places=3)
weights = st.none() | st.decimals(Decimal("0.01"), Decimal(400), places=2)


@st.composite
def dose_values(draw, course):
    unit = draw(st.sampled_from(DoseUnit.values))
    weight = draw(weights)
    if DoseUnit(unit).per_kg and weight is None:
        weight = Decimal("28.25")
    span = (
        min(course.ended_on or timezone.localdate(), timezone.localdate()) - course.started_on
    ).days
    return {
        "given_on": course.started_on + datetime.timedelta(days=draw(st.integers(0, span))),
        "amount": None if unit == "none" else draw(amounts),
        "unit": unit,
        "route": "" if unit == "none" else draw(st.sampled_from(["oral", "subcutaneous"])),
        "how_often": draw(st.sampled_from(["", "once", "daily", "weekly", "3_per_week"])),
        "weight_kg": weight,
        "weighed_on": None if weight is None else course.started_on,
        "unusual_confirmed": False,  # an "other" medicine has no usual doses to confirm
        "note": draw(st.text(max_size=20).map(lambda t: t.replace("\r", "").replace("\x00", ""))),
    }


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data(), tz=st.sampled_from(["UTC", "Pacific/Kiritimati", "America/St_Johns"]))
def test_doses_come_back_exactly_through_export_and_import(db, data, tz):
    owner, importer = make_user(), make_user()
    source, target = make_patient(owner), make_patient(importer)
    course = make_treatment(
        source, medicine="other", other_name="Trial drug", started_on=days_ago(90)
    )
    for values in data.draw(st.lists(dose_values(course), min_size=1, max_size=5)):
        Dose.objects.create(patient=source, treatment=course, created_by=owner, **values)
    before = stored_doses(source)
    text = "".join(exports.csv_lines(source, ALL, zoneinfo.ZoneInfo(tz)))
    Treatment.objects.filter(patient=source).delete()  # as on another server: ids are free

    plan = imports.import_file(text.removeprefix("\ufeff"), target, importer)

    assert plan.errors == [] and plan.duplicates == []
    assert stored_doses(target) == before


def test_into_a_second_record_the_doses_follow_their_courses_new_ids(patient):
    course = make_treatment(patient, medicine="romiplostim", started_on=days_ago(30))
    make_dose(course, "3", given_on=days_ago(30))
    make_dose(course, "4", given_on=days_ago(23))
    target = make_patient(patient.owners.first() if hasattr(patient, "owners") else make_user())
    text = export_text(patient).removeprefix("\ufeff")

    plan = imports.import_file(text, target, make_user())

    assert plan.errors == []
    (copy,) = Treatment.objects.filter(patient=target)
    assert copy.pk != course.pk
    assert sorted(d.amount for d in copy.doses.all()) == [3, 4]
    assert course.doses.count() == 2  # the source is untouched
    again = imports.import_file(text, target, make_user())
    assert len(again.duplicates) == 3 and Dose.objects.filter(patient=target).count() == 2


def test_a_treatments_file_carries_its_doses(patient):
    course = make_treatment(patient, medicine="romiplostim", started_on=days_ago(30))
    make_dose(course, "3")
    text = export_text(patient, exports.Selection(("treatments", "doses")))
    assert [line.split(",")[0] for line in text.splitlines()[1:]] == ["treatment", "dose"]


def dose_row(patient, course_id, **cells) -> str:
    columns = exports.columns_for(("doses",))
    row = {
        "kind": "dose",
        "treatment_id": str(course_id),
        "given_on": days_ago(3).isoformat(),
        "amount": "3",
        "dose_unit": "ug/kg",
        "route": "subcutaneous",
        "weight_kg": "28",
        "weighed_on": days_ago(3).isoformat(),
    } | cells
    out = io.StringIO()
    csv.writer(out).writerows([columns, [row.get(name, "") for name in columns]])
    text = out.getvalue()
    (planned,) = imports.make_plan(text, patient).rows
    return planned.error


@pytest.mark.parametrize(
    ("cells", "message"),
    [
        ({}, ""),
        ({"amount": "30"}, "30 µg/kg of Romiplostim is outside its usual doses"),
        ({"amount": "30", "amount_confirmed": "yes"}, ""),
        ({"amount": "3e1"}, "is not a number like 3 or 0.4"),
        ({"amount": "1234567"}, "has more than 6 digits before the point"),
        ({"amount": "0.0001"}, "has more than 3 digits after the point"),
        ({"amount": "2,5"}, ""),  # re-saved by a spreadsheet that writes decimal commas
        ({"amount": "1,000"}, "could be 1000 or 1.000"),
        ({"dose_unit": "drops"}, "dose_unit"),
        ({"weight_kg": ""}, "needs the weight"),
        ({"given_on": days_ago(90).isoformat()}, "the dose date is outside it"),
        ({"treatment_id": "abc"}, "is not a treatment's id"),
        ({"treatment_id": "7d9f3c51-5a66-4f6a-9d1b-0b5c6f4e2a11"}, "not in this file or in this"),
    ],
)
def test_dose_rows_with_problems(course, cells, message):
    error = dose_row(course.patient, course.pk, **cells)
    assert (message in error) if message else error == ""


def test_a_dose_of_another_records_course_is_refused(course):
    other = make_patient(make_user())
    assert "not in this file or in this record" in dose_row(other, course.pk)


def test_a_dose_of_a_deleted_course(course):
    Treatment.objects.filter(pk=course.pk).update(deleted_at=timezone.now())
    assert "restore it" in dose_row(course.patient, course.pk)


def test_download_all_my_data_holds_the_doses(cast):
    course = make_treatment(cast.patient, medicine="romiplostim", started_on=days_ago(30))
    dose = make_dose(course, "3")
    archive = zipfile.ZipFile(io.BytesIO(takeout.build_zip(cast.owner)))
    history = archive.read(f"{takeout._folder(cast.patient)}/history.csv").decode("utf-8-sig")
    (row,) = [row for row in csv.DictReader(io.StringIO(history)) if row["kind"] == "dose"]
    assert (row["id"], row["treatment_id"], row["amount"], row["dose_unit"]) == (
        str(dose.pk),
        str(course.pk),
        "3",
        "ug/kg",
    )


@pytest.mark.parametrize(("amount", "shown"), [("100", "100"), ("2.000", "2"), ("0.4", "0.4")])
def test_the_next_dose_starts_as_the_last_one_was_typed(client, cast, amount, shown):
    course = make_treatment(cast.patient, medicine="steroids", started_on=days_ago(5))
    make_dose(course, amount, unit="mg", route="oral", given_on=days_ago(5))
    client.force_login(cast.owner)
    url = reverse("entry_add", args=[cast.patient.pk, "doses"]) + f"?course={course.pk}"
    values = form_values(client.get(url).content.decode())
    assert (values["amount"], values["unit"], values["given_on"]) == (
        shown,
        "mg",
        cast.patient.today().isoformat(),
    )


@pytest.mark.parametrize("name", ["entry_edit", "entry_delete"])
def test_a_dose_is_reached_only_through_its_own_record(client, cast, name):
    ours = make_dose(make_treatment(cast.patient, medicine="romiplostim", started_on=days_ago(9)))
    theirs = make_dose(
        make_treatment(cast.strangers_patient, medicine="romiplostim", started_on=days_ago(9))
    )
    expected = {"viewer": 403, "stranger": 404, "editor": 200}
    for actor, status in expected.items():
        client.force_login(getattr(cast, actor))
        assert client.get(reverse(name, args=[cast.patient.pk, "doses", ours.pk])).status_code == (
            status
        )
    client.force_login(cast.owner)  # another record's dose under our record's address
    assert client.get(reverse(name, args=[cast.patient.pk, "doses", theirs.pk])).status_code == 404
    assert client.post(reverse(name, args=[cast.patient.pk, "doses", theirs.pk])).status_code == 404
    assert Dose.objects.get(pk=theirs.pk).deleted_at is None


def test_a_deleted_courses_doses_go_and_come_back_with_it(client, cast):
    course = make_treatment(cast.patient, medicine="romiplostim", started_on=days_ago(9))
    make_dose(course, "3")
    client.force_login(cast.owner)
    doses_page = reverse("history", args=[cast.patient.pk])
    client.post(reverse("entry_delete", args=[cast.patient.pk, "treatments", course.pk]))
    assert "0 doses" in client.get(doses_page, {"show": "doses"}).content.decode()
    assert "\ndose," not in export_text(cast.patient)  # its course is not in the file either
    client.post(reverse("entry_restore", args=[cast.patient.pk, "treatments", course.pk]))
    assert "1 dose," in client.get(doses_page, {"show": "doses"}).content.decode()
    assert "\ndose," in export_text(cast.patient)


# What people type for an amount, and what it is read as (None: refused, with words).
TYPED = [
    ("3", "3"),
    ("0.4", "0.4"),
    ("2,5", "2.5"),  # a decimal comma
    ("0,125", "0.125"),
    (" 75 ", "75"),
    ("1000", "1000"),
    ("1,000", None),  # a thousand, or one? asked, never guessed
    ("12,500", None),
    ("1.000", "1.000"),
    ("1e3", None),
    ("1_000", None),
    ("٥٠", None),  # Arabic-Indic digits
    ("５０", None),  # full-width digits
    ("-5", None),
    ("+5", None),
    ("NaN", None),
    ("Infinity", None),
    ("3.", None),
    (".5", None),
    ("50 mg", None),
    ("0.0001", None),
    ("1234567", None),
]


@pytest.mark.parametrize(("typed", "read"), TYPED)
def test_the_form_and_the_import_read_an_amount_alike(typed, read):
    try:
        value = doses.read_amount(typed, places=3, whole=6)
    except doses.AmountError:
        value = None
    assert value == (None if read is None else Decimal(read))


@pytest.mark.parametrize(("typed", "read"), TYPED)
def test_the_dose_form_reads_amounts_as_the_import_does(patient, typed, read):
    course = make_treatment(patient, medicine="other", other_name="Trial", started_on=days_ago(9))
    data = {"treatment": course.pk, "given_on": days_ago(1), "amount": typed, "unit": "ug/kg"}
    data |= {"route": "subcutaneous", "weight_kg": "28,5", "weighed_on": days_ago(1)}
    form = DoseForm(data, patient=course.patient)
    valid = form.is_valid()
    if read is None:
        assert "amount" in form.errors and "Fill in" not in form.errors["amount"][0]
        assert "as a whole number" not in form.errors["amount"][0]
    else:
        assert form.cleaned_data["amount"] == Decimal(read)
        assert form.cleaned_data["weight_kg"] == Decimal("28.5")
        assert valid, form.errors


# (medicine, unit, amount, route, asked?): what else is worth a second look.
MORE_SLIPS = [
    ("romiplostim", "none", None, "", True),  # romiplostim has an amount
    ("romiplostim", "ug/kg", "3", "oral", True),  # an injection, not a tablet
    ("romiplostim", "ug/kg", "3", "subcutaneous", False),
    ("eltrombopag", "mg", "50", "intravenous", True),
    ("steroids", "mg", "1000", "intravenous", False),  # methylprednisolone
    ("ivig", "g/kg", "0.4", "subcutaneous", False),
    ("other", "none", None, "", False),
    ("other", "mg", "5", "intravenous", False),
    ("romiplostim", "ug/kg", "-3", "subcutaneous", False),  # the model says "more than 0"
]


@pytest.mark.parametrize(("medicine", "unit", "amount", "route", "asked"), MORE_SLIPS)
def test_no_amount_and_the_wrong_way_are_asked_about(medicine, unit, amount, route, asked):
    amount = None if amount is None else Decimal(amount)
    assert (doses.question(medicine, unit, amount, route) is not None) is asked


def test_a_course_with_doses_keeps_its_medicine_and_holds_its_doses(client, cast):
    course = make_treatment(cast.patient, medicine="romiplostim", started_on=days_ago(30))
    make_dose(course, "3", given_on=days_ago(20))
    make_dose(course, "4", given_on=days_ago(5))
    gone = make_dose(course, "5", given_on=days_ago(1), deleted_at=timezone.now())
    client.force_login(cast.owner)
    url = reverse("entry_edit", args=[cast.patient.pk, "treatments", course.pk])
    data = form_values(client.get(url).content.decode())

    refused = [
        ({"medicine": "eltrombopag"}, "has 2 doses logged for Romiplostim"),
        ({"ended_on": days_ago(10).isoformat()}, "1 of its 2 doses would fall outside"),
        ({"started_on": days_ago(15).isoformat()}, "1 of its 2 doses would fall outside"),
    ]
    for change, words in refused:
        response = client.post(url, data | change)
        assert response.status_code == 200 and words in response.content.decode()
    course.refresh_from_db()
    assert (course.medicine, course.started_on, course.ended_on) == (
        "romiplostim",
        days_ago(30),
        None,
    )
    # The deleted dose (day 1) does not hold the course's end.
    assert client.post(url, data | {"ended_on": days_ago(5).isoformat()}).status_code == 302
    assert gone.treatment_id == course.pk


def test_an_operation_has_no_doses(course):
    operation = make_treatment(course.patient, medicine="splenectomy", started_on=days_ago(9))
    found = problems(operation, unit="none", amount=None, route="", weight_kg=None)
    assert "an operation: it has no doses" in found["treatment"]
    assert "has no doses" in dose_row(course.patient, operation.pk, dose_unit="none", amount="")


def test_a_yes_on_a_usual_dose_confirms_nothing(course):
    columns = exports.columns_for(("doses",))
    values = {"kind": "dose", "treatment_id": str(course.pk), "given_on": days_ago(3).isoformat()}
    values |= {"amount": "3", "dose_unit": "ug/kg", "route": "subcutaneous"}
    values |= {"weight_kg": "28", "weighed_on": days_ago(3).isoformat(), "amount_confirmed": "yes"}
    out = io.StringIO()
    csv.writer(out).writerows([columns, [values.get(name, "") for name in columns]])
    plan = imports.import_file(out.getvalue(), course.patient, make_user())
    assert plan.errors == []
    assert Dose.objects.get().unusual_confirmed is False


def test_a_doses_dates_count_as_the_records_earliest(course):
    make_dose(course, "3", given_on=days_ago(50), weighed_on=days_ago(400))
    assert record_details.earliest_entry(course.patient) == days_ago(400)


def test_editing_a_dose_whose_course_was_deleted_says_so(client, cast):
    course = make_treatment(cast.patient, medicine="romiplostim", started_on=days_ago(9))
    dose = make_dose(course, "3")
    client.force_login(cast.owner)
    url = reverse("entry_edit", args=[cast.patient.pk, "doses", dose.pk])
    data = form_values(client.get(url).content.decode())
    Treatment.objects.filter(pk=course.pk).update(deleted_at=timezone.now())
    assert client.get(url).status_code == 410
    response = client.post(url, data | {"note": "late"})
    assert response.status_code == 409 and "This entry was deleted" in response.content.decode()


def test_the_edit_form_and_a_conflict_show_amounts_as_typed(client, cast):
    course = make_treatment(cast.patient, medicine="eltrombopag", started_on=days_ago(9))
    weight = {"weight_kg": Decimal("68.5"), "weighed_on": days_ago(9)}
    dose = make_dose(course, "75", unit="mg", route="oral", **weight)
    client.force_login(cast.owner)
    url = reverse("entry_edit", args=[cast.patient.pk, "doses", dose.pk])
    data = form_values(client.get(url).content.decode())
    assert (data["amount"], data["weight_kg"]) == ("75", "68.5")
    Dose.objects.filter(pk=dose.pk).update(amount=Decimal(70), version=2)  # someone else
    page = client.post(url, data | {"amount": "80"}).content.decode()
    assert "<td>70</td><td>80</td>" in page.replace("\n", "").replace(" ", "")
    assert str(course.pk) not in page.split('class="changes"')[1].split("</table>")[0]


def test_a_first_romiplostim_dose_starts_weekly_under_the_skin(client, cast):
    course = make_treatment(cast.patient, medicine="romiplostim", started_on=days_ago(2))
    client.force_login(cast.owner)
    url = reverse("entry_add", args=[cast.patient.pk, "doses"]) + f"?course={course.pk}"
    values = form_values(client.get(url).content.decode())
    assert (values["unit"], values["route"], values["how_often"]) == (
        "ug/kg",
        "subcutaneous",
        "weekly",
    )


def test_a_course_can_take_its_doses_before_the_first_count(client, cast):
    make_treatment(cast.patient, medicine="romiplostim", started_on=days_ago(2))
    client.force_login(cast.owner)
    page = client.get(reverse("dashboard", args=[cast.patient.pk])).content.decode()
    assert "Log this week’s dose" in page and "Not enough counts yet" in page


@pytest.mark.parametrize("sent", ["not-a-uuid", "\x00", "7d9f3c51-5a66-4f6a-9d1b-0b5c6f4e2a11"])
def test_a_course_no_page_of_ours_sends_is_refused_in_plain_words(patient, sent):
    form = DoseForm({"treatment": sent}, patient=patient)
    form.is_valid()
    assert form.errors["treatment"] == ["Choose one of the answers shown for “Treatment”."]
