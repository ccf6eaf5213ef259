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
