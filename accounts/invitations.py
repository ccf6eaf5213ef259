"""Invitations: the only way into someone else's record.

- The link carries `secrets.token_urlsafe(32)`; the database keeps only its SHA-256, and the
  stored hash is compared with `hmac.compare_digest`.
- A link works once, for INVITATION_LIFETIME. Resending makes a new token (the old link dies);
  cancelling kills it. Inviting an address that already has an open invitation resends it.
- Following the link puts the token's hash in the session and redirects to a page without the
  token in its address; that page (after sign-up or login if needed) accepts with a POST,
  so a mail scanner that opens links accepts nothing.
- Accepting needs a signed-in user whose e-mail address is the invited one.

No HTTP here apart from the session helpers; views are in accounts/sharing.py.
"""

import enum
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts import verification
from accounts.models import CareMembership, Invitation, Patient, Role, User, normalise_email

INVITATION_LIFETIME = timedelta(days=7)
MAX_OPEN_INVITATIONS = 20  # per record: enough for a family, not for sending spam
SESSION_KEY = "invitation_token_hash"


class Problem(enum.Enum):
    """Why a link cannot be used. The page says so plainly and grants nothing."""

    UNKNOWN = "unknown"
    EXPIRED = "expired"
    USED = "used"
    CANCELLED = "cancelled"
    WRONG_EMAIL = "wrong_email"


class InvitationError(Exception):
    def __init__(self, problem: Problem, invitation: Invitation | None = None):
        super().__init__(problem.value)
        self.problem = problem
        self.invitation = invitation


@dataclass(frozen=True)
class Sent:
    invitation: Invitation
    token: str  # only ever in the e-mail; never stored
    replaced: bool = False  # an open invitation to the same address was renewed


def new_token() -> str:
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_invitations(patient: Patient):
    return Invitation.objects.filter(patient=patient, accepted_at=None, revoked_at=None)


def invite(patient: Patient, email: str, role: Role, inviter: User) -> Sent:
    """Create an invitation, or renew the open one for the same address (a resend)."""
    email = normalise_email(email)
    existing = open_invitations(patient).filter(email__iexact=email).first()
    if existing is None:
        token = new_token()
        now = timezone.now()
        try:
            with transaction.atomic():
                invitation = Invitation.objects.create(
                    patient=patient,
                    email=email,
                    role=role,
                    token_hash=hash_token(token),
                    created_by=inviter,
                    sent_at=now,
                    expires_at=now + INVITATION_LIFETIME,
                )
            return Sent(invitation, token)
        except IntegrityError:
            # The same form sent twice at once: the other request made it; renew that one.
            existing = open_invitations(patient).get(email__iexact=email)
    existing.role = role
    existing.created_by = inviter
    return Sent(existing, _renew(existing), replaced=True)


def resend(invitation: Invitation) -> Sent:
    """A new token and a new week; the old link stops working at once."""
    if not invitation.is_open:
        raise InvitationError(Problem.USED if invitation.accepted_at else Problem.CANCELLED)
    return Sent(invitation, _renew(invitation))


def _renew(invitation: Invitation) -> str:
    token = new_token()
    now = timezone.now()
    invitation.token_hash = hash_token(token)
    invitation.sent_at = now
    invitation.expires_at = now + INVITATION_LIFETIME
    invitation.save(update_fields=["token_hash", "sent_at", "expires_at", "role", "created_by"])
    return token


def cancel(invitation: Invitation) -> bool:
    """Kill the link. False if it was already used or cancelled."""
    return bool(
        Invitation.objects.filter(pk=invitation.pk, accepted_at=None, revoked_at=None).update(
            revoked_at=timezone.now()
        )
    )


def find(token_hash: str) -> Invitation:
    """The invitation a link (by its token's hash) stands for, if it can still be used."""
    invitation = (
        Invitation.objects.select_related("patient", "created_by")
        .filter(token_hash=token_hash)
        .first()
    )
    if invitation is None or not hmac.compare_digest(invitation.token_hash, token_hash):
        raise InvitationError(Problem.UNKNOWN)
    if invitation.revoked_at is not None:
        raise InvitationError(Problem.CANCELLED, invitation)
    if invitation.accepted_at is not None:
        raise InvitationError(Problem.USED, invitation)
    if invitation.expires_at <= timezone.now():
        raise InvitationError(Problem.EXPIRED, invitation)
    return invitation


def check_recipient(invitation: Invitation, user: User) -> None:
    if normalise_email(user.email) != normalise_email(invitation.email):
        raise InvitationError(Problem.WRONG_EMAIL, invitation)


def accept(token_hash: str, user: User, alerts: dict | None = None) -> CareMembership:
    """Give `user` the invited access, once. Raises InvitationError if the link is unusable.

    `alerts`: the e-mail alerts they chose on the accept page ({"notify_emergency": bool,
    "notify_low_count": bool}); they apply to access the user already had, too.
    """
    with transaction.atomic():
        invitation = find(token_hash)
        check_recipient(invitation, user)
        # Conditional update: of two simultaneous accepts, only one changes the row.
        used = Invitation.objects.filter(
            pk=invitation.pk,
            token_hash=token_hash,
            accepted_at=None,
            revoked_at=None,
            expires_at__gt=timezone.now(),
        ).update(accepted_at=timezone.now(), accepted_by=user)
        if not used:
            raise InvitationError(Problem.USED, invitation)
        membership, _ = _membership(invitation, user)
        verification.mark_verified(user)  # the link came to their address
        if alerts:
            for field, value in alerts.items():
                setattr(membership, field, value)
            membership.save(update_fields=list(alerts))
    return membership


def _membership(invitation: Invitation, user: User) -> tuple[CareMembership, bool]:
    """The new membership; someone who already has access keeps it (never lowered)."""
    existing = CareMembership.objects.filter(user=user, patient=invitation.patient).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            membership = CareMembership.objects.create(
                user=user, patient=invitation.patient, role=invitation.role
            )
    except IntegrityError:
        return CareMembership.objects.get(user=user, patient=invitation.patient), False
    return membership, True


# --- The pending invitation, kept in the session through sign-up or login -------------------


def remember(session, token: str) -> Invitation:
    """Check the link's token and keep its hash (never the token) in the session."""
    token_hash = hash_token(token)
    invitation = find(token_hash)
    session[SESSION_KEY] = token_hash
    return invitation


def pending_hash(session) -> str | None:
    return session.get(SESSION_KEY)


def pending(session) -> Invitation | None:
    """The usable invitation this browser is in the middle of accepting, if any."""
    token_hash = pending_hash(session)
    if not token_hash:
        return None
    try:
        return find(token_hash)
    except InvitationError:
        return None


def forget(session) -> None:
    session.pop(SESSION_KEY, None)


def masked(email: str) -> str:
    """ "sam@example.com" → "s…@example.com": enough to recognise, not to harvest."""
    local, _, domain = email.partition("@")
    return f"{local[:1]}…@{domain}"
