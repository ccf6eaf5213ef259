from django.conf import settings


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
