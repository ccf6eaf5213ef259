"""The one place that decides who may see or change a patient's record.

Every patient-scoped view starts with `get_patient_for`. A patient the caller is not a
member of does not exist for them (404, so ids reveal nothing); a member who may only view
gets 403 when they try to write.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from accounts.models import CareMembership, Patient, Role


def get_patient_for(request, patient_id, *, write: bool = False) -> tuple[Patient, Role]:
    membership = (
        CareMembership.objects.select_related("patient")
        .filter(user_id=request.user.pk, patient_id=patient_id)
        .first()
    )
    if membership is None:
        raise Http404("No such patient.")
    role = Role(membership.role)
    if write and not role.can_write:
        raise PermissionDenied("You can view this record but not change it.")
    return membership.patient, role


def get_owned_patient_for(request, patient_id) -> Patient:
    patient, role = get_patient_for(request, patient_id)
    if not role.is_owner:
        raise PermissionDenied("Only the record's owners can do this.")
    return patient


def memberships_of(user):
    return (
        CareMembership.objects.filter(user=user)
        .select_related("patient")
        .order_by("patient__name", "patient__created_at")
    )
