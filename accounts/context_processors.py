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
    }
