"""Every refusal a person can meet on a form is in a patient's words: none of Django's own
messages ("This field is required.", "Ensure this value …", "Select a valid choice …"), and a
hidden field's error (a page kept open too long, or tampered with) says to reload the page."""

import django.core.validators
import django.forms
import pytest
from django.contrib.auth import forms as auth_forms
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.forms import (
    AccountForm,
    CodeForm,
    InviteForm,
    PasswordChangeForm,
    PasswordCheckForm,
    PasswordResetForm,
    PatientForm,
    SetPasswordForm,
    SignupForm,
)
from itptracker.forms import STALE_PAGE
from readings.forms import EpisodeForm, ReadingForm, TreatmentForm
from readings.history_filter import HistoryFilter
from readings.record_details import LoggedTimesForm
from readings.transfer_forms import DateOrderForm, ExportForm, UploadForm
from tests.clock import pinned

pytestmark = [pytest.mark.django_db, pinned]


def django_words() -> set[str]:
    """Django's own messages, as they begin (before any %(value)s)."""
    found = set()
    for name in dir(django.forms):
        cls = getattr(django.forms, name)
        if isinstance(cls, type) and issubclass(cls, django.forms.Field):
            for message in getattr(cls, "default_error_messages", {}).values():
                found.add(str(message).split("%(")[0].strip())
    for name in (
        "MinValueValidator",
        "MaxValueValidator",
        "MaxLengthValidator",
        "ProhibitNullCharactersValidator",
    ):
        found.add(str(getattr(django.core.validators, name).message).split("%(")[0].strip())
    for form in (auth_forms.SetPasswordForm, auth_forms.PasswordChangeForm):
        found |= {str(message).split("%(")[0].strip() for message in form.error_messages.values()}
    found.add("Constraint")
    return {words for words in found if len(words) > 8}


DJANGO_WORDS = django_words()


def forms_for(patient, user):
    fresh = type(user).objects.get  # a form may change the instance it is given
    yield lambda data: ReadingForm(data, patient=patient)
    yield lambda data: EpisodeForm(data, patient=patient)
    yield lambda data: TreatmentForm(data, patient=patient)
    yield lambda data: PatientForm(data, instance=type(patient).objects.get(pk=patient.pk))
    yield lambda data: AccountForm(data, instance=fresh(pk=user.pk))
    yield lambda data: SignupForm(data)
    yield lambda data: InviteForm(data, patient=patient)
    yield lambda data: CodeForm(data)
    yield lambda data: PasswordCheckForm(user, data)
    yield lambda data: LoggedTimesForm(data)
    yield lambda data: ExportForm(data, patient=patient)
    yield lambda data: UploadForm(data)
    yield lambda data: DateOrderForm(data)
    yield lambda data: HistoryFilter(data, patient=patient)
    yield lambda data: PasswordResetForm(data)
    yield lambda data: SetPasswordForm(fresh(pk=user.pk), data)
    yield lambda data: PasswordChangeForm(fresh(pk=user.pk), data)


BAD = st.one_of(
    st.sampled_from(
        ["", "-1", "abc", "9" * 40, "1e5", "2147483648", "x" * 6000, "0", "1.5", "a\x00b"]
    ),
    st.text(max_size=30),
)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(which=st.integers(0, 16), values=st.lists(BAD, min_size=1, max_size=12))
def test_no_form_answers_in_djangos_own_words(cast, which, values):
    make = list(forms_for(cast.patient, cast.owner))[which]
    names = list(make(None).fields)
    form = make({name: values[i % len(values)] for i, name in enumerate(names)})
    form.is_valid()
    for errors in form.errors.values():
        for message in errors:
            assert not any(words in message for words in DJANGO_WORDS), message


@pytest.mark.parametrize(
    ("field", "value"),
    [("form_token", "not-a-token"), ("version", "99999999999999999999"), ("version", "-3")],
)
def test_a_hidden_fields_error_says_to_reload_the_page(cast, field, value):
    data = {"count_text": "45", "unit": "e9/L", "drawn_on": "2026-11-01", field: value}
    form = ReadingForm(data, patient=cast.patient)
    assert not form.is_valid()
    assert form.errors == {"__all__": [STALE_PAGE]}


def test_the_full_page_shows_a_hidden_fields_error(client, cast):
    from django.urls import reverse

    client.force_login(cast.owner)
    url = reverse("entry_add", args=[cast.patient.pk, "counts"])
    data = {"count_text": "45", "unit": "e9/L", "drawn_on": "2026-11-01", "form_token": "zzz"}
    page = client.post(url, data).content.decode()
    assert STALE_PAGE in page and 'role="alert"' in page
