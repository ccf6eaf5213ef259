from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation


def security_headers(get_response):
    """Headers Django does not set itself, on every page we render.

    `no-store` keeps health data out of browser and proxy caches (and out of the back/forward
    cache on shared devices). Static files never reach this middleware: whitenoise answers
    them first, with their own long-lived cache headers.
    """

    def middleware(request):
        response = get_response(request)
        response.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        if "Cache-Control" not in response:
            response["Cache-Control"] = "no-store"
        return response

    return middleware


def method_not_allowed_page(get_response):
    """Our page for a 405, which Django answers with an empty body (a link followed to an
    address that only takes a form's POST, like "Log out")."""

    def middleware(request):
        response = get_response(request)
        if response.status_code == 405 and not response.content and request.method != "HEAD":
            # In the page's language, which LanguageMiddleware, further in, has put back by now.
            with translation.override(getattr(request, "LANGUAGE_CODE", None)):
                response.content = render_to_string("405.html", request=request)
            response["Content-Type"] = "text/html; charset=utf-8"
            # CommonMiddleware, further in, has set the length of the empty body.
            response["Content-Length"] = str(len(response.content))
        return response

    return middleware
