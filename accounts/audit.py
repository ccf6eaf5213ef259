"""The access log: who viewed, exported or changed a patient's record, and when.

Views call `record(request, patient, audit.VIEWED_DASHBOARD)` once, after the access check
and the work succeeded: one INSERT per request, whatever the page lists. The owner reads the
log on the sharing page (accounts/sharing.py).
"""

from accounts.models import AccessAction, AccessEvent, Patient

Action = AccessAction

VIEWED_DASHBOARD = Action.VIEWED_DASHBOARD
VIEWED_HISTORY = Action.VIEWED_HISTORY
EXPORTED = Action.EXPORTED
IMPORTED = Action.IMPORTED
ADDED_ENTRY = Action.ADDED_ENTRY
EDITED_ENTRY = Action.EDITED_ENTRY
DELETED_ENTRY = Action.DELETED_ENTRY
RESTORED_ENTRY = Action.RESTORED_ENTRY
CHANGED_DETAILS = Action.CHANGED_DETAILS
INVITED = Action.INVITED
RESENT_INVITATION = Action.RESENT_INVITATION
CANCELLED_INVITATION = Action.CANCELLED_INVITATION
JOINED = Action.JOINED
CHANGED_ROLE = Action.CHANGED_ROLE
REMOVED_MEMBER = Action.REMOVED_MEMBER
LEFT = Action.LEFT

_NAME_LENGTH = AccessEvent._meta.get_field("actor_name").max_length
_DETAIL_LENGTH = AccessEvent._meta.get_field("detail").max_length


def record(request_or_user, patient: Patient, action: Action, detail: str = "") -> AccessEvent:
    """Add one line to `patient`'s access log; the actor is the request's user (or a user)."""
    user = getattr(request_or_user, "user", request_or_user)
    actor = user if user is not None and user.is_authenticated else None
    name = (actor.display_name or actor.email) if actor else "Someone not signed in"
    return AccessEvent.objects.create(
        patient=patient,
        actor=actor,
        actor_name=name[:_NAME_LENGTH],
        action=Action(action),
        detail=_shorten(str(detail), _DETAIL_LENGTH),
    )


def _shorten(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


def events_for(patient: Patient):
    """The log, newest first. Names are copies, so no join is needed to show it."""
    return AccessEvent.objects.filter(patient=patient).order_by("-created_at", "-id")
