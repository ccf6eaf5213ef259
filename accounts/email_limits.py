"""How many e-mails a person can make us send, and to whom (django-ratelimit).

Every e-mail that someone's action sends to an address (an invitation, a "Send again", a
sign-up's confirmation link, the note that someone tried to sign up with an address) counts:
  - against the sender: SENDER_RATES, per account, or per client address when signed out;
  - against the address it goes to, whoever asks: ADDRESS_RATE, so that nobody can make us
    flood one inbox from many accounts.
The counts live in the shared cache (settings.RATELIMIT_USE_CACHE). Redis increments them
atomically; the database cache of the embedded set-up does not, so there two requests at the
same instant may both pass the last free place. A refused e-mail is checked before it is
counted, so that it uses up no one's allowance.
"""

import unicodedata

from django.utils.translation import gettext_lazy as _
from django_ratelimit.core import get_usage

SENDER_RATES = ("10/h", "30/d")
ADDRESS_RATE = "5/d"
TOO_MANY_FROM_YOU = _(
    "That is more e-mails than we send for one person in a short time. Try again in an hour; "
    "what was already sent keeps working."
)
TOO_MANY_TO_ADDRESS = _(
    "We have sent that address as many e-mails as we send one address in a day. Try again "
    "tomorrow; what was already sent keeps working."
)


def refusal(request, address: str) -> str | None:
    """Why no e-mail to `address` may go now on behalf of `request` (its user, or its client
    address when signed out); None, and the e-mail counted against every limit, when it may.
    A refused e-mail counts against none."""
    # The inbox the e-mail reaches, however it is typed: quotes around the local part, and
    # letters that Unicode folds into others ("ſ" is "s" to Django's own look-up of accounts).
    address = unicodedata.normalize("NFKC", address.strip()).casefold().replace('"', "")
    limits = [("email-address", lambda group, request: address, ADDRESS_RATE, TOO_MANY_TO_ADDRESS)]
    limits += [("email-sender", "user_or_ip", rate, TOO_MANY_FROM_YOU) for rate in SENDER_RATES]
    for group, key, rate, words in limits:
        usage = get_usage(request, group=group, key=key, rate=rate, increment=False)
        if usage is not None and usage["count"] >= usage["limit"]:
            return str(words)
    # Counted only now; a request that took the last place at the same moment is seen here
    # (the cache increments atomically), so that the limit holds.
    for group, key, rate, words in limits:
        usage = get_usage(request, group=group, key=key, rate=rate, increment=True)
        if usage is not None and usage["should_limit"]:
            return str(words)
    return None


def may_send(request, address: str) -> bool:
    return refusal(request, address) is None
