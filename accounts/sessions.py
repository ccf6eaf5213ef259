"""How long a login lasts: it ends after a while without use, and after a fixed time anyway.

Both limits are checked on every request from two timestamps in the session. The "last seen"
time is written at most once a minute, so an active user does not cost a session write per
page. "Stay signed in on this device", ticked at log-in, keeps a login for
SESSION_REMEMBER_AGE whether it is used or not, so that a weekly count starts at the form;
a password change and "log out everywhere" still end it (both change what every session is
signed with: accounts.models.User._get_session_auth_hash).
"""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import LogoutView, redirect_to_login
from django.http import HttpResponse
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect

STARTED = "session_started"
SEEN = "session_seen"
REMEMBERED = "session_remembered"
SEEN_RESOLUTION = 60


def remember(session) -> None:
    """Keep this login, and its cookie, for SESSION_REMEMBER_AGE, in use or not."""
    session[REMEMBERED] = True
    session.set_expiry(settings.SESSION_REMEMBER_AGE)


# What the browser keeps for the site: the service worker and its files, entries waiting to be
# sent (IndexedDB), the record last opened (localStorage). Cookies are left to the logout.
CLEAR_SITE_DATA = '"cache", "storage"'


def forget_device(response: HttpResponse) -> HttpResponse:
    """Mark a response that ends a login on this device: the browser then drops what it keeps
    for the site, so a shared phone keeps nothing of anyone's (readings.pwa). Not on a login
    that times out: what waits to be sent is kept for the next login."""
    response["Clear-Site-Data"] = CLEAR_SITE_DATA
    return response


def expired(session, now: float) -> bool:
    started, seen = session.get(STARTED), session.get(SEEN)
    if started is None or seen is None:
        return False
    if session.get(REMEMBERED):
        return now - started > settings.SESSION_REMEMBER_AGE
    return now - seen > settings.SESSION_IDLE_TIMEOUT or now - started > settings.SESSION_COOKIE_AGE


def session_timeouts(get_response):
    def middleware(request):
        if request.user.is_authenticated:
            now = time.time()
            if expired(request.session, now):
                logout(request)
                messages.info(
                    request, _("You were logged out to keep your record safe. Log in again.")
                )
                response = redirect_to_login(request.get_full_path())
                if request.htmx:
                    return HttpResponseClientRedirect(response["Location"])
                return response
            request.session.setdefault(STARTED, now)
            if now - request.session.get(SEEN, 0) > SEEN_RESOLUTION:
                request.session[SEEN] = now
        return get_response(request)

    return middleware


class LogOut(LogoutView):
    def post(self, request, *args, **kwargs):
        return forget_device(super().post(request, *args, **kwargs))
