"""Forms of accounts/forms.py, without HTTP."""

import pytest

from accounts.forms import YOUNGEST_ASKED_IF_PREGNANT, PatientForm
from tests.clock import pinned

pytestmark = [pytest.mark.django_db, pinned]


@pytest.mark.parametrize(
    ("years_ago", "pregnant", "asked"),
    [
        (None, False, True),  # no year of birth: nothing says they are a child
        (0, False, False),
        (YOUNGEST_ASKED_IF_PREGNANT - 1, False, False),  # at most 9 today
        (YOUNGEST_ASKED_IF_PREGNANT, False, True),  # 9 or 10 today
        (30, False, True),
        (4, True, True),  # a tick already saved stays in sight, so that it can be taken away
    ],
)
def test_a_child_surely_under_10_is_not_asked_about_pregnancy(cast, years_ago, pregnant, asked):
    patient = cast.patient
    patient.birth_year = None if years_ago is None else patient.today().year - years_ago
    patient.pregnant = pregnant
    patient.save()
    assert ("pregnant" in PatientForm(instance=patient).fields) is asked


def test_saving_a_childs_details_leaves_the_question_unanswered(cast):
    patient = cast.patient
    patient.birth_year = patient.today().year - 3
    patient.save()
    data = {"name": "Sam", "birth_year": patient.birth_year, "preferred_unit": "e9/L"}
    form = PatientForm(data, instance=patient)
    assert form.is_valid(), form.errors
    assert form.save().pregnant is False


@pytest.mark.parametrize("stored_year", [None, 30])
def test_a_year_of_birth_typed_with_the_tick_refuses_it_for_a_young_child(cast, stored_year):
    patient = cast.patient
    patient.birth_year = None if stored_year is None else patient.today().year - stored_year
    patient.save()
    data = {"name": "Kid", "birth_year": patient.today().year - 4, "preferred_unit": "e9/L"}
    form = PatientForm(data | {"pregnant": "on"}, instance=patient)
    assert not form.is_valid()
    assert form.errors["pregnant"] == [
        "The year of birth says Kid is under 10: untick “Currently pregnant”."
    ]
    assert PatientForm(data, instance=patient).is_valid()
