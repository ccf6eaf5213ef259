import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "password",
    [
        "short1!",  # under 8 characters
        "password1",  # on the common-password list that ships with Django
        "iloveyou",
        "qwertyuiop",
        "12345678901",  # only digits
        "x" * 129,  # over 128 characters
    ],
)
def test_weak_common_and_overlong_passwords_are_refused(password):
    with pytest.raises(ValidationError):
        validate_password(password, make_user("pat@example.com", "Pat Example"))


@pytest.mark.parametrize(
    "password",
    ["ok then 8", "a long passphrase about platelets and bruises " * 2, "p" * 120 + "latelets"],
)
def test_good_passwords_and_long_passphrases_are_accepted(password):
    assert len(password) <= 128
    validate_password(password, make_user("pat@example.com", "Pat Example"))


# --- Names are plain text -------------------------------------------------------------------

HIDDEN = [
    "\u202e",  # right-to-left override
    "\u202d",  # left-to-right override
    "\u2066",  # left-to-right isolate
    "\u2069",  # pop directional isolate
    "\u200f",  # right-to-left mark
    "\u061c",  # Arabic letter mark
    "\x07",  # bell: a control character
    "\u2060",  # word joiner: invisible
    "\ufeff",  # zero-width no-break space
    "\u2028",  # line separator
    "\u2029",  # paragraph separator
    "\u3164",  # Hangul filler: a blank "letter"
    "\u2800",  # blank braille pattern
    "\u0336" * 4,  # marks stacked on one letter
    "\u034f",  # combining grapheme joiner
    "\ufe0f",  # variation selector
    "\u17b4",  # Khmer inherent vowel, invisible
    "\u200d",  # a joiner after the last letter: nothing to join
]
BLANK = ["\u3164", "\u2800", "\u200d\u200d", " ", "\u0301"]
PLAIN = [
    "José",
    "Zoë O’Brien-Smith",
    "محمد",
    "王小明",
    "Mi\u200cnoo",
    "Ana María (Mimi)",
    "Nguyễn",
    "Ngu\u0065\u0302\u0303n",  # the same, with its marks apart (decomposed)
]


def name_forms(name: str):
    from accounts.forms import AccountForm, PatientForm, SignupForm

    yield "display_name", AccountForm({"display_name": name, "time_zone": "UTC"})
    yield "name", PatientForm({"name": name, "preferred_unit": "e9/L", "time_zone": "UTC"})
    yield (
        "child_name",
        SignupForm({"email": "a@example.com", "tracks": "child", "child_name": name}),
    )


@pytest.mark.parametrize("hidden", HIDDEN, ids=lambda c: f"U+{ord(c[0]):04X}x{len(c)}")
def test_names_refuse_invisible_characters_that_reorder_text(hidden):
    for field, form in name_forms(f"Sam{hidden} Owner"):
        assert not form.is_valid()
        assert "invisible character" in form.errors[field][0], field


@pytest.mark.parametrize("name", PLAIN)
def test_names_in_any_script_are_welcome(name):
    for field, form in name_forms(name):
        form.is_valid()
        assert field not in form.errors, (field, form.errors.get(field))


@pytest.mark.parametrize("blank", BLANK, ids=lambda c: f"U+{ord(c[0]):04X}x{len(c)}")
def test_a_name_needs_a_visible_letter_or_digit(blank):
    for field, form in name_forms(blank):
        assert not form.is_valid()
        assert field in form.errors, field


@pytest.mark.parametrize("value", ["-5", "0", "2001", "99999999999"])
def test_a_threshold_out_of_range_is_refused_by_the_records_rule(value):
    from accounts.forms import PatientForm

    form = PatientForm({"name": "Sam", "preferred_unit": "e9/L", "alert_threshold": value})
    assert form.errors["alert_threshold"] == ["Enter a number between 1 and 2,000 ×10⁹/L."]
