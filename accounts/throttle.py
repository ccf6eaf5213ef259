from django.conf import settings

from accounts.models import normalise_email


def client_ip(request) -> str:
    """The address login attempts are counted against.

    X-Forwarded-For is written by the client as much as by proxies, so only the entries our
    own proxies appended (the last TRUSTED_PROXY_COUNT of them) are believed. With no proxy
    configured the header is ignored, and a spoofed one cannot reset the counter.
    """
    remote_addr = request.META.get("REMOTE_ADDR", "")
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote_addr
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if len(forwarded) < proxies:
        return remote_addr
    return forwarded[-proxies]


def login_name(request, credentials: dict | None = None) -> str:
    """The account a login attempt is counted against: the e-mail address as typed in the
    form's `username` field, trimmed and in lower case, so that "Lee@Example.com " and
    "lee@example.com" are one account's attempts (addresses are unique regardless of case)."""
    typed = (credentials or {}).get("username") or request.POST.get("username", "")
    return normalise_email(typed)
