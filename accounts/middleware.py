import zoneinfo

from django.utils import timezone


def user_time_zone(get_response):
    """Show and read dates and times in the signed-in user's own time zone.

    The zone is reset when the response is done: Django keeps the active zone per thread, and
    a worker thread (or a test) that serves a Tokyo user must not compute the next visitor's
    "today" in Tokyo.
    """

    def middleware(request):
        user = request.user
        if user.is_authenticated and user.time_zone:
            try:
                timezone.activate(zoneinfo.ZoneInfo(user.time_zone))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                timezone.deactivate()
        else:
            timezone.deactivate()
        try:
            return get_response(request)
        finally:
            timezone.deactivate()

    return middleware
