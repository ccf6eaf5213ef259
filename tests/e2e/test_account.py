import zipfile

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from accounts.models import User
from tests.e2e.conftest import PHONE, log_in, main_menu
from tests.factories import PASSWORD, make_patient, make_reading, make_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def viewport():
    return PHONE


def current_code(user, steps_ahead=0) -> str:
    device = TOTPDevice.objects.get(user=user)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time += steps_ahead * device.step
    return f"{totp.token():06d}"


def test_two_factor_sign_in_data_download_and_account_deletion(live_server, page, audit):
    user = make_user("jo@example.com", "Jo")
    patient = make_patient(user, name="Mia")
    make_reading(patient, "45", user=user, note="After the virus")
    log_in(page, live_server, "jo@example.com")

    # Turn on two-factor sign-in with a code computed from the secret, as an app would.
    main_menu(page).get_by_role("link", name="Your account").click()
    audit()
    page.get_by_role("link", name="Two-factor sign-in").click()
    expect(
        page.get_by_role("img", name="QR code to scan with your authenticator app")
    ).to_be_visible()
    audit()
    page.get_by_label("Code").fill(current_code(user))
    page.get_by_role("button", name="Turn on two-factor sign-in").click()
    expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    recovery_codes = page.locator(".recovery-codes li").all_inner_texts()
    assert len(recovery_codes) == 10
    audit()

    # Log out, and back in: the password alone is not enough.
    main_menu(page).get_by_role("button", name="Log out").click()
    log_in(page, live_server, "jo@example.com")
    expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()
    audit()
    page.get_by_label("Code").fill(current_code(user, steps_ahead=1))
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mia’s dashboard")

    # Download all my data.
    main_menu(page).get_by_role("link", name="Your account").click()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download all my data").click()
    archive = zipfile.ZipFile(download.value.path())
    names = archive.namelist()
    assert "README.txt" in names and "account.csv" in names
    [history] = [name for name in names if name.endswith("/history.csv")]
    assert "After the virus" in archive.read(history).decode("utf-8-sig")

    # Delete the account: explained, confirmed with the password and a code (a recovery code
    # here: the app's next code is still 30 seconds away).
    page.get_by_role("link", name="Delete my account").click()
    expect(page.get_by_text("These records have no other owner")).to_be_visible()
    audit()
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_label("Code from your authenticator app").fill(recovery_codes[0])
    page.get_by_role("button", name="Delete my account for good").click()
    expect(
        page.get_by_text("Your account is deleted. The records of Mia are deleted too.")
    ).to_be_visible()
    audit()
    assert not User.objects.filter(email="jo@example.com").exists()
