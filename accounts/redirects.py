from urllib.parse import urlsplit

from django.urls import Resolver404, resolve
from django.utils.http import url_has_allowed_host_and_scheme

# Pages that only a form's button opens (POST): a `next` there would end on an empty answer.
NOT_TO_OPEN = frozenset({"logout", "log_out_everywhere", "resend_verification"})


def next_url(request, default: str) -> str:
    """The page a form asks to go back to (`next`, posted or in the query), if it is a page of
    this site that can be opened; else `default`. A bare word ("abc") is refused too:
    `redirect()` would read it as a view name and fail."""
    url = request.POST.get("next") or request.GET.get("next") or ""
    if not url.startswith("/") or not url_has_allowed_host_and_scheme(
        url, {request.get_host()}, request.is_secure()
    ):
        return default
    try:
        match = resolve(urlsplit(url).path)
    except Resolver404:
        return default
    return default if match.url_name in NOT_TO_OPEN else url
