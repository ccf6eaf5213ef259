"""Whole numbers people type (a threshold, a year, minutes, every N days): digits alone. Django
reads "2.000" as 2, where a Spanish speaker means 2000, so any mark is refused, in any language."""

import pytest
from django.utils import translation

from accounts.forms import PatientForm
from accounts.models import Patient
from itptracker.forms import WholeNumberField


@pytest.mark.parametrize("language", ["en-gb", "es"])
@pytest.mark.parametrize(
    "typed", ["2.000", "2,000", "2 000", "2’000", "1'000", "30.0", "30,", "1.988"]
)
def test_a_number_with_a_mark_is_refused_whatever_the_language(language, typed):
    with translation.override(language), pytest.raises(Exception) as raised:
        WholeNumberField().clean(typed)
    assert raised.value.code == "invalid"


@pytest.mark.parametrize(
    ("typed", "number"), [("2000", 2000), (" 30 ", 30), ("0", 0), ("1988", 1988)]
)
def test_digits_alone_are_read(typed, number):
    with translation.override("es"):
        assert WholeNumberField().clean(typed) == number


@pytest.mark.django_db
def test_a_spanish_threshold_of_2000_is_not_stored_as_2():
    with translation.override("es"):
        form = PatientForm(
            {"name": "Mateo", "preferred_unit": "e9/L", "alert_threshold": "2.000",
             "time_zone": "Europe/Madrid", "birth_year": "1.988"},
            instance=Patient(time_zone="Europe/Madrid"),
        )  # fmt: skip
        assert not form.is_valid()
        assert set(form.errors) >= {"alert_threshold", "birth_year"}
        assert "número entero" in form.errors["alert_threshold"][0]
