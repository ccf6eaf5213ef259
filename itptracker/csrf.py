"""The answer to a form sent without a valid CSRF token (Django's own page, 403_csrf.html),
marked so that the service worker can tell it from a refusal of access: an entry kept on a
device and sent after its login ended or changed is waiting for a login, not refused
(templates/readings/sw.js)."""

from django.views.csrf import csrf_failure as django_csrf_failure

REFUSED_HEADER = "X-ITP-Refused"


def csrf_failure(request, reason=""):
    response = django_csrf_failure(request, reason)
    response[REFUSED_HEADER] = "form-token"
    return response
