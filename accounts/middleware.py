import zoneinfo

from django.middleware.locale import LocaleMiddleware
from django.utils import timezone, translation


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


class LanguageMiddleware(LocaleMiddleware):
    """Pages in the signed-in member's own language (their account setting), else the
    visitor's choice on the switch (a cookie), else the browser's Accept-Language.

    After AuthenticationMiddleware, to read the account. The language is reset when the
    response is done, as the time zone is: Django keeps it per thread, and the next request
    (or a test) served by this thread must not start in someone else's language.
    """

    def process_request(self, request):
        super().process_request(request)
        language = getattr(request.user, "language", "")
        if language:
            translation.activate(language)
            request.LANGUAGE_CODE = translation.get_language()

    def process_response(self, request, response):
        try:
            return super().process_response(request, response)
        finally:
            translation.deactivate()
