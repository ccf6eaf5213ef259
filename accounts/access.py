"""The one place that decides who may see or change a patient's record.

Every patient-scoped view starts with `get_patient_for`. A patient the caller is not a
member of does not exist for them (404, so ids reveal nothing); a member who may only view
gets 403 when they try to write.

From there on the request reads and shows dates and times in the record's own time zone, for
every member alike (accounts.dates); the middleware puts the zone back when the response is
done.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import CareMembership, Patient, Role


def get_patient_for(request, patient_id, *, write: bool = False) -> tuple[Patient, Role]:
    wanted = str(patient_id)
    membership = next((m for m in memberships_for(request) if str(m.patient_id) == wanted), None)
    if membership is None:
        raise Http404("No such patient.")
    role = Role(membership.role)
    if write and not role.can_write:
        raise PermissionDenied(_("You can view this record but not change it."))
    timezone.activate(membership.patient.zone)
    return membership.patient, role


def get_owned_patient_for(request, patient_id) -> tuple[Patient, Role]:
    """As get_patient_for, for what only an owner may do (403 for other members)."""
    patient, role = get_patient_for(request, patient_id)
    if not role.is_owner:
        raise PermissionDenied(_("Only the record's owners can do this."))
    return patient, role


def memberships_for(request) -> list[CareMembership]:
    """The caller's memberships, read once per request: for the access check, and for the
    record switcher in the page's header (so sorted by the record's name)."""
    if not hasattr(request, "_memberships"):
        # Sorted here, not by the database: a user has a handful, and SQL's sort across the
        # join cost more than the rest of the query.
        memberships = CareMembership.objects.filter(user_id=request.user.pk)
        request._memberships = sorted(
            memberships.select_related("patient"),
            key=lambda m: (m.patient.name, m.patient.created_at),
        )
    return request._memberships
