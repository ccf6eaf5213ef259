import pytest
from django.db import IntegrityError

from accounts.models import User
from itptracker import settings as project_settings
from tests.clock import pinned
from tests.factories import PASSWORD, make_user

pytestmark = [pytest.mark.django_db, pinned]


def test_passwords_are_hashed_with_argon2(settings):
    settings.PASSWORD_HASHERS = project_settings.PASSWORD_HASHERS
    assert project_settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    user = make_user("argon@example.com")
    assert user.password.startswith("argon2$argon2id$")
    assert user.check_password(PASSWORD)


def test_email_is_unique_whatever_its_case():
    make_user("case@example.com")
    with pytest.raises(IntegrityError):
        User.objects.create(email="CASE@example.com", display_name="Again")
