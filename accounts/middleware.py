import zoneinfo

from django.utils import timezone


def user_time_zone(get_response):
    """Show and read dates and times in the signed-in user's own time zone."""

    def middleware(request):
        user = request.user
        if user.is_authenticated and user.time_zone:
            try:
                timezone.activate(zoneinfo.ZoneInfo(user.time_zone))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                timezone.deactivate()
        else:
            timezone.deactivate()
        return get_response(request)

    return middleware
