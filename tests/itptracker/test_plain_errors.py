"""Every refusal a person can meet on a form is in a patient's words: none of Django's own
messages ("This field is required.", "Ensure this value …", "Select a valid choice …"), and a
hidden field's error (a page kept open too long, or tampered with) says to reload the page."""

import datetime

import django.core.validators
import django.forms
import pytest
from django.contrib.auth import forms as auth_forms
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.forms import (
    AccountForm,
    AlertsForm,
    CodeForm,
    DeleteAccountForm,
    InviteForm,
    LoginForm,
    PasswordChangeForm,
    PasswordCheckForm,
    PasswordResetForm,
    PatientForm,
    RoleForm,
    SetPasswordForm,
    SignupForm,
)
from itptracker.forms import STALE_PAGE
from readings import imports
from readings.forms import DoseForm, EndingForm, EntryForm, EpisodeForm, ReadingForm, TreatmentForm
from readings.history_filter import HistoryFilter
from readings.record_details import LoggedTimesForm
from readings.reminder_forms import ReminderChoiceForm, ReminderForm
from readings.report_data import PrintedForm, ReportPeriodForm
from readings.transfer_forms import DateOrderForm, ExportForm, SheetForm, UploadForm
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


SHEET = "Date,Platelets\n2026-01-31,45\n"


def fresh(instance):
    """The object anew from the database: a form may change the instance it is given."""
    return type(instance).objects.get(pk=instance.pk)


# Every form of ours, and how to make one for the cast's record with the data sent.
MAKERS = {
    LoginForm: lambda cast, data: LoginForm(None, data),
    SignupForm: lambda cast, data: SignupForm(data),
    AccountForm: lambda cast, data: AccountForm(data, instance=fresh(cast.owner)),
    PatientForm: lambda cast, data: PatientForm(data, instance=fresh(cast.patient)),
    InviteForm: lambda cast, data: InviteForm(data, patient=cast.patient),
    AlertsForm: lambda cast, data: AlertsForm(data, instance=cast.owner.memberships.get()),
    CodeForm: lambda cast, data: CodeForm(data),
    PasswordCheckForm: lambda cast, data: PasswordCheckForm(cast.owner, data),
    DeleteAccountForm: lambda cast, data: DeleteAccountForm(cast.owner, data),
    PasswordResetForm: lambda cast, data: PasswordResetForm(data),
    SetPasswordForm: lambda cast, data: SetPasswordForm(fresh(cast.owner), data),
    PasswordChangeForm: lambda cast, data: PasswordChangeForm(fresh(cast.owner), data),
    ReadingForm: lambda cast, data: ReadingForm(data, patient=cast.patient),
    EpisodeForm: lambda cast, data: EpisodeForm(data, patient=cast.patient),
    TreatmentForm: lambda cast, data: TreatmentForm(data, patient=cast.patient),
    DoseForm: lambda cast, data: DoseForm(data, patient=cast.patient),
    LoggedTimesForm: lambda cast, data: LoggedTimesForm(data),
    ExportForm: lambda cast, data: ExportForm(data, patient=cast.patient),
    UploadForm: lambda cast, data: UploadForm(data),
    SheetForm: lambda cast, data: SheetForm(data, text=SHEET, table=imports.read_table(SHEET)),
    DateOrderForm: lambda cast, data: DateOrderForm(data),
    HistoryFilter: lambda cast, data: HistoryFilter(data, patient=cast.patient),
    ReminderForm: lambda cast, data: ReminderForm(data, patient=cast.patient),
    ReminderChoiceForm: lambda cast, data: ReminderChoiceForm(data, push=True),
    ReportPeriodForm: lambda cast, data: ReportPeriodForm(
        data, patient=cast.patient, today=datetime.date(2026, 11, 10)
    ),
}
# Forms of ours whose errors no page shows, and why.
NEVER_SHOWN = {
    PrintedForm: "sent by the report page's script as it prints; refused, nothing is kept (400)",
    EntryForm: "the base of the entry forms above, never made itself",
    RoleForm: "sent by the sharing page's own buttons; refused, that page says what to choose",
    EndingForm: "sent by the emergency's buttons; refused, the page is out of date (STALE_PAGE)",
}
# An empty field says what to put there: it starts with what to do.
INSTRUCTIONS = ("Enter ", "Choose ", "Type ")


def our_forms() -> set[type]:
    """Every form class defined in the project's own code."""
    found, waiting = set(), [django.forms.BaseForm]
    while waiting:
        for kind in waiting.pop().__subclasses__():
            waiting.append(kind)
            if kind.__module__.split(".")[0] in ("accounts", "readings", "itptracker"):
                found.add(kind)
    return found


def test_the_tables_name_every_form_of_ours():
    assert our_forms() == set(MAKERS) | set(NEVER_SHOWN)


@pytest.mark.parametrize("kind", MAKERS, ids=lambda kind: kind.__name__)
def test_every_required_field_left_empty_says_what_to_enter(cast, kind):
    form = MAKERS[kind](cast, {})
    form.is_valid()
    said = {}
    for name, field in form.fields.items():
        if field.required and not form[name].is_hidden:
            (said[name],) = form.errors[name]
    for name, message in said.items():
        assert message.startswith(INSTRUCTIONS), (name, message)
        assert not any(words in message for words in DJANGO_WORDS), (name, message)
    # Each field says what goes in it, not a sentence that would fit any field.
    assert len(set(said.values())) == len(said), said


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
@given(kind=st.sampled_from(list(MAKERS)), values=st.lists(BAD, min_size=1, max_size=12))
def test_no_form_answers_in_djangos_own_words(cast, kind, values):
    names = list(MAKERS[kind](cast, None).fields)
    form = MAKERS[kind](cast, {name: values[i % len(values)] for i, name in enumerate(names)})
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
    assert str(STALE_PAGE) in page and 'role="alert"' in page
