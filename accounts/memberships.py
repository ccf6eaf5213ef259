"""Who belongs to a record, and the one rule every change keeps: a record always has an owner.

Every change to a membership goes through `update_membership`, which keeps at least one owner
on each record even when two owners act at the same moment; an account whose deletion would
leave a record without an owner takes the record with it (readings.takeout).
"""

from django.db import transaction
from django.shortcuts import get_object_or_404

from accounts.models import CareMembership, Patient, Role
from accounts.patients import check_room_to_own

ROLE_ORDER = {Role.OWNER: 0, Role.EDITOR: 1, Role.VIEWER: 2}


def other_owners(patient: Patient, user) -> int:
    """How many owners `patient` has besides `user`. Every record keeps at least one owner:
    the last cannot step down or leave (accounts.sharing), and a record whose last owner
    deletes their account goes with it (readings.takeout)."""
    owners = CareMembership.objects.filter(patient=patient, role=Role.OWNER)
    return owners.exclude(user=user).count()


class LastOwnerError(Exception):
    """The change would leave the record without an owner."""


def update_membership(patient: Patient, membership_id, role: Role | None) -> CareMembership:
    """Give a member a new role, or remove them (`role=None`), keeping at least one owner;
    raises LastOwnerError, or TooManyRecords for a new owner who owns the most an account may.

    The patient's row is locked first (SELECT … FOR UPDATE on PostgreSQL; on SQLite every
    transaction begins IMMEDIATE and so holds the write lock), which puts all membership
    changes of one record in a queue: when two owners leave at the same moment, the second
    one counts the owners after the first has gone, and is refused.
    """
    with transaction.atomic():
        Patient.objects.select_for_update().get(pk=patient.pk)
        membership = CareMembership.objects.select_related("user").get(
            pk=membership_id, patient=patient
        )
        losing_an_owner = membership.role == Role.OWNER and role != Role.OWNER
        if losing_an_owner and not other_owners(patient, membership.user):
            raise LastOwnerError(f"{patient} needs at least one owner.")
        if role == Role.OWNER and membership.role != Role.OWNER:
            check_room_to_own(membership.user)
        if role is None:
            membership.delete()
        else:
            membership.role = role
            membership.save(update_fields=["role"])
    return membership


def members_of(patient: Patient) -> list[CareMembership]:
    members = CareMembership.objects.filter(patient=patient).select_related("user")
    return sorted(members, key=lambda m: (ROLE_ORDER[m.role], m.user.display_name.lower()))


def member_of(patient: Patient, membership_id) -> CareMembership:
    """A member of this record (scoped: another record's membership id is a 404)."""
    members = CareMembership.objects.select_related("user")
    return get_object_or_404(members, pk=membership_id, patient=patient)


def describe_member(membership: CareMembership) -> str:
    return f"{membership.user.display_name}, {membership.user.email}"
