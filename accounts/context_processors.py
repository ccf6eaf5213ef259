from django.utils.crypto import salted_hmac
from django.utils.functional import SimpleLazyObject

from accounts.access import memberships_for


def patients(request):
    """The records the signed-in user can open, for the switcher in every page's header.

    Lazy, so a page that does not show the switcher does not pay for the query.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "my_memberships": SimpleLazyObject(lambda: memberships_for(request)),
        # A record's pages show its own time zone's times; the viewer's own go beside them.
        "viewer_zone": user.time_zone,
        "device_account": SimpleLazyObject(lambda: device_account(user)),
    }


def device_account(user) -> str:
    """The key that ties entries kept on a device to the account that logged them (the service
    worker sends and lists them for that account only: readings.pwa). Opaque, so that it says
    nothing about the account to whoever reads the device."""
    return salted_hmac("itp.device-account", str(user.pk)).hexdigest()[:24]
