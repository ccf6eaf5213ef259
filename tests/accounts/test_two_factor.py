import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import mfa, sessions
from tests.clock import pinned
from tests.factories import PASSWORD, make_patient

pytestmark = [pytest.mark.django_db, pinned, pytest.mark.cache]


def code_for(device: TOTPDevice, steps_ahead: int = 0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time += steps_ahead * device.step
    return f"{totp.token():06d}"


@pytest.fixture
def owner():
    return make_patient(name="Sam").memberships.get().user


def turn_on(client, user) -> tuple[TOTPDevice, list[str]]:
    client.force_login(user)
    page = client.get(reverse("two_factor"))
    assert 'src="data:image/svg+xml;base64,' in page.content.decode()
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    response = client.post(reverse("two_factor"), {"code": code_for(device)})
    device.refresh_from_db()
    assert device.confirmed
    return device, response.context["codes"]


def password_step(client, user, next_url="", **extra):
    data = {"username": user.email, "password": PASSWORD, "next": next_url, **extra}
    return client.post(reverse("login"), data)


def test_turning_it_on_needs_a_working_code_and_gives_ten_recovery_codes(client, owner):
    client.force_login(owner)
    client.get(reverse("two_factor"))
    response = client.post(reverse("two_factor"), {"code": "000000"})
    assert "That code is not right" in response.content.decode()
    assert not mfa.has_two_factor(owner)
    # django-otp pauses a device for a second or two after a wrong code; let that time pass.
    TOTPDevice.objects.filter(user=owner).update(throttling_failure_count=0)
    device, codes = turn_on(Client(), owner)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert mfa.has_two_factor(owner)


def test_login_asks_for_the_code_and_nobody_is_logged_in_before_it(client, owner):
    device, _ = turn_on(Client(), owner)
    response = password_step(client, owner, next_url="/account/")
    assert response["Location"] == reverse("login_code")
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("account"))["Location"].startswith(reverse("login"))
    response = client.post(reverse("login_code"), {"code": code_for(device, steps_ahead=1)})
    assert response["Location"] == "/account/"
    assert client.session["_auth_user_id"] == str(owner.pk)


@pytest.mark.parametrize("remember", [True, False])
def test_stay_signed_in_carries_through_the_code_step(client, owner, remember):
    device, _ = turn_on(Client(), owner)
    password_step(client, owner, **({"remember": "on"} if remember else {}))
    assert sessions.REMEMBERED not in client.session  # nobody is logged in yet
    client.post(reverse("login_code"), {"code": code_for(device, steps_ahead=1)})
    assert client.session.get(sessions.REMEMBERED, False) is remember


def test_a_used_code_cannot_be_used_again(owner):
    device, _ = turn_on(Client(), owner)
    code = code_for(device, steps_ahead=1)
    first, second = Client(), Client()
    password_step(first, owner)
    assert first.post(reverse("login_code"), {"code": code}).status_code == 302
    password_step(second, owner)
    response = second.post(reverse("login_code"), {"code": code})
    assert response.status_code == 200
    assert "_auth_user_id" not in second.session


def test_a_recovery_code_works_once(owner):
    _, codes = turn_on(Client(), owner)
    first, second = Client(), Client()
    password_step(first, owner)
    assert first.post(reverse("login_code"), {"code": codes[0]}).status_code == 302
    password_step(second, owner)
    assert second.post(reverse("login_code"), {"code": codes[0]}).status_code == 200


def test_wrong_codes_are_throttled_in_the_shared_cache(client, owner):
    device, _ = turn_on(Client(), owner)
    password_step(client, owner)
    for _ in range(mfa.MAX_WRONG_CODES):
        client.post(reverse("login_code"), {"code": "123456"})
    response = client.post(reverse("login_code"), {"code": code_for(device, steps_ahead=1)})
    assert "Too many wrong codes" in response.content.decode()
    assert "_auth_user_id" not in client.session
    # Another worker, another client: the count is shared.
    other = Client()
    password_step(other, owner)
    assert other.post(reverse("login_code"), {"code": code_for(device, 2)}).status_code == 200


def test_a_password_reset_does_not_skip_the_second_factor(client, owner):
    turn_on(Client(), owner)
    client.post(reverse("password_reset"), {"email": owner.email})
    link = re.search(r"https?://[^/]+(/password-reset/\S+/)", mail.outbox[-1].body).group(1)
    form = client.get(link, follow=True).redirect_chain[-1][0]
    new = "a new passphrase for sam"
    client.post(form, {"new_password1": new, "new_password2": new})
    assert "_auth_user_id" not in client.session
    response = client.post(reverse("login"), {"username": owner.email, "password": new})
    assert response["Location"] == reverse("login_code")
    assert "_auth_user_id" not in client.session


def test_turning_it_off_needs_the_password(client, owner):
    turn_on(client, owner)
    response = client.post(reverse("two_factor_off"), {"password": "wrong"})
    assert "That is not your password." in response.content.decode()
    assert mfa.has_two_factor(owner)
    client.post(reverse("two_factor_off"), {"password": PASSWORD})
    assert not mfa.has_two_factor(owner)
    assert password_step(Client(), owner)["Location"] == reverse("home")


def test_new_recovery_codes_replace_the_old_ones(client, owner):
    _, old_codes = turn_on(client, owner)
    new_codes = client.post(reverse("recovery_codes")).context["codes"]
    assert not set(old_codes) & set(new_codes)
    other = Client()
    password_step(other, owner)
    assert other.post(reverse("login_code"), {"code": old_codes[0]}).status_code == 200


def test_log_out_everywhere_ends_every_session(owner):
    phone, laptop = Client(), Client()
    for device in (phone, laptop):
        password_step(device, owner)
        assert device.get(reverse("account")).status_code == 200
    response = phone.post(reverse("log_out_everywhere"))
    assert response["Location"] == reverse("login")
    for device in (phone, laptop):
        assert device.get(reverse("account")).status_code == 302


def test_changing_the_password_ends_the_other_sessions(owner):
    phone, laptop = Client(), Client()
    for device in (phone, laptop):
        password_step(device, owner)
    new = "another passphrase for sam"
    phone.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert phone.get(reverse("account")).status_code == 200
    assert laptop.get(reverse("account")).status_code == 302


def test_owners_see_which_members_have_two_factor_sign_in(client, cast):
    turn_on(Client(), cast.editor)
    client.force_login(cast.owner)
    html = client.get(reverse("sharing", args=[cast.patient.pk])).content.decode()
    editor = html[html.index("Eddie Editor") :]
    viewer = html[html.index("Vera Viewer") :]
    assert editor[: editor.index("</p>")].endswith("two-factor sign-in on</span>")
    assert viewer[: viewer.index("</p>")].endswith("two-factor sign-in off</span>")
