"""How many e-mails a person can make us send, and to whom (django-ratelimit).

Every e-mail that someone's action sends to an address (an invitation, a "Send again", a
sign-up's confirmation link, the note that someone tried to sign up with an address) counts:
  - against the sender: SENDER_RATES, per account, or per client address when signed out;
  - against the address it goes to, whoever asks: ADDRESS_RATE, so that nobody can make us
    flood one inbox from many accounts.
The counts live in the shared cache (settings.RATELIMIT_USE_CACHE). Redis increments them
atomically; the database cache of the embedded set-up does not, so there two requests at the
same instant may both pass the last free place.
"""

from django_ratelimit.core import is_ratelimited

SENDER_RATES = ("10/h", "30/d")
ADDRESS_RATE = "5/d"
TOO_MANY = (
    "That is more e-mails than we send for one person in a short time. Try again in an hour; "
    "the invitations already sent keep working."
)


def may_send(request, address: str) -> bool:
    """Count one e-mail to `address` on behalf of `request` (its user, or its client address
    when signed out). False, without counting further, once any limit is reached."""
    limits = [("email-sender", "user_or_ip", rate) for rate in SENDER_RATES]
    limits.append(("email-address", lambda group, request: address.strip().lower(), ADDRESS_RATE))
    return not any(
        is_ratelimited(request, group=group, key=key, rate=rate, increment=True)
        for group, key, rate in limits
    )
