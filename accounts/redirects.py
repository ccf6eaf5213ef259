from django.utils.http import url_has_allowed_host_and_scheme


def next_url(request, default: str) -> str:
    """The page a form asks to go back to (`next`, posted or in the query), if it is a path of
    this site; else `default`. A bare word ("abc") is refused too: `redirect()` would read it
    as a view name and fail."""
    url = request.POST.get("next") or request.GET.get("next") or ""
    if url.startswith("/") and url_has_allowed_host_and_scheme(
        url, {request.get_host()}, request.is_secure()
    ):
        return url
    return default
