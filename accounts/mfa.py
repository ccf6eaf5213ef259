"""Two-factor sign-in: an authenticator app (TOTP) and one-time recovery codes, via django-otp.

The password step and the code step are two requests. Between them the session holds only the
id of the user who gave the right password; nobody is logged in until the code is right. Wrong
codes are counted in the shared cache, so every worker sees the same count.
"""

import base64
import io

from django.core.cache import cache
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.qr import write_qrcode_image

RECOVERY_CODES = 10
MAX_WRONG_CODES = 5
WRONG_CODE_WINDOW = 15 * 60  # seconds


def has_two_factor(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def users_with_two_factor(users) -> set[int]:
    """The ids of those among `users` who have two-factor sign-in on (one query)."""
    return set(
        TOTPDevice.objects.filter(user__in=users, confirmed=True).values_list("user_id", flat=True)
    )


def pending_device(user) -> TOTPDevice:
    """The authenticator being set up: made once, shown until the user confirms a code."""
    device, _ = TOTPDevice.objects.get_or_create(
        user=user, confirmed=False, defaults={"name": "Authenticator app"}
    )
    return device


def qr_code_data_url(device: TOTPDevice) -> str:
    """The setup QR code as an SVG data URL: drawn here, no outside service sees the secret."""
    out = io.BytesIO()
    write_qrcode_image(device.config_url, out)
    return "data:image/svg+xml;base64," + base64.b64encode(out.getvalue()).decode()


def secret_for_typing(device: TOTPDevice) -> str:
    """The key in base32, in groups of four, for apps set up by typing instead of scanning."""
    key = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


def new_recovery_codes(user) -> list[str]:
    """Replace the user's recovery codes; each works once."""
    device, _ = StaticDevice.objects.get_or_create(user=user, defaults={"name": "Recovery codes"})
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def _wrong_codes_key(user) -> str:
    return f"mfa-wrong-codes:{user.pk}"


def too_many_wrong_codes(user) -> bool:
    return cache.get(_wrong_codes_key(user), 0) >= MAX_WRONG_CODES


def verify(user, code: str):
    """The device that accepts `code` (an app code or an unused recovery code), or None.

    A TOTP code is accepted once (django-otp remembers the last time step used); a recovery
    code is deleted when used.
    """
    if too_many_wrong_codes(user):
        return None
    code = "".join(code.split()).lower()
    devices = [*TOTPDevice.objects.filter(user=user, confirmed=True)]
    devices += StaticDevice.objects.filter(user=user, confirmed=True)
    for device in devices:
        if device.verify_is_allowed()[0] and device.verify_token(code):
            cache.delete(_wrong_codes_key(user))
            return device
    key = _wrong_codes_key(user)
    cache.add(key, 0, WRONG_CODE_WINDOW)
    cache.incr(key)
    return None


def confirm(device: TOTPDevice, code: str) -> bool:
    if not device.verify_token("".join(code.split())):
        return False
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return True


def turn_off(user) -> None:
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
