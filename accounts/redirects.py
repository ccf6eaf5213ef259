from urllib.parse import urlsplit

from django.urls import Resolver404, resolve
from django.utils.http import url_has_allowed_host_and_scheme

from accounts.access import memberships_for

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
    if match.url_name in NOT_TO_OPEN:
        return default
    # A record of someone else's would be a 404: the person's own start page instead.
    record = match.kwargs.get("patient_id")
    mine = record is None or not request.user.is_authenticated
    if not mine and str(record) not in {str(m.patient_id) for m in memberships_for(request)}:
        return default
    return url
