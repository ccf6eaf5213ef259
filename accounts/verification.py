"""Proof that a person reads their account's e-mail address: a signed link we send to it.

The link carries the account and the address, signed with SECRET_KEY (django.core.signing),
and works for LINK_LIFETIME; opening it marks the address verified. Accepting an invitation
sent to the address, or signing up from one, proves it too. Only a verified account may make
us e-mail other people (invitations): otherwise anyone could sign up with any address and
use us to send mail.

Every e-mail sent to a person is written in their language (`language_for`): their account's
setting, else the language of the page whose action sent it.
"""

import hashlib
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core import signing
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import language_for

LINK_LIFETIME = timedelta(days=3)
_SALT = "accounts.verification"


def password_mark(user) -> str:
    """A short digest of the account's password hash: a link, or the browser that signed up,
    stands for the password that was set then, and no other."""
    return hashlib.sha256(user.password.encode()).hexdigest()[:16]


def link_for(request, user) -> str:
    """The absolute confirmation link for `user`'s current address and password."""
    data = {"user": user.pk, "email": user.email.lower(), "password": password_mark(user)}
    token = signing.dumps(data, salt=_SALT)
    return request.build_absolute_uri(reverse("verify_email", args=[token]))


def confirm(token: str):
    """(user, was new) for the account `token` was made for, now verified and able to log in;
    None for a link that is forged, expired, or made for an address or password the account no
    longer has (a later sign-up of the same address sends a new link). `was new`: the account
    could not log in before (a sign-up), so its password is only as good as who set it."""
    try:
        data = signing.loads(token, salt=_SALT, max_age=LINK_LIFETIME)
    except signing.BadSignature:  # SignatureExpired is one
        return None
    User = get_user_model()
    user = User.objects.filter(pk=data.get("user"), email=data.get("email", "")).first()
    if user is None or data.get("password") != password_mark(user):
        return None
    was_new = not user.is_active and user.email_verified_at is None
    mark_verified(user)
    return user, was_new


def mark_verified(user) -> None:
    """The address is the person's: the account may log in (a new one could not) and invite."""
    if user.email_verified_at is None:  # never again after: it must not undo a closed account
        user.email_verified_at = timezone.now()
        user.is_active = True
        user.save(update_fields=["email_verified_at", "is_active"])


def send_link(request, user) -> None:
    """E-mail `user` the confirmation link. The caller counts it (accounts.email_limits)."""
    ctx = {"user": user, "link": link_for(request, user), "days": LINK_LIFETIME.days}
    with translation.override(language_for(user)):
        body = render_to_string("emails/verify_email.txt", ctx)
        subject = _("Confirm your e-mail address for ITP Tracker")
    send_mail(subject, body, None, [user.email])


def send_signup_attempt(request, email: str) -> None:
    """Tell the owner of `email` that someone tried to sign up with it: sign-up answers the same
    whether or not an address has an account, and this e-mail is the only place that differs."""
    ctx = {
        "login": request.build_absolute_uri(reverse("login")),
        "reset": request.build_absolute_uri(reverse("password_reset")),
    }
    with translation.override(language_for(email)):
        body = render_to_string("emails/signup_attempt.txt", ctx)
        subject = _("Someone tried to sign up with your e-mail address")
    send_mail(subject, body, None, [email])
