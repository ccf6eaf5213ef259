from django.db import transaction
from django.utils.translation import ngettext

from accounts.models import CareMembership, Patient, Role, User

# Records one account may own: a family's children and more, while an account that makes
# records by the hundred is not keeping a family's history.
MAX_OWNED_RECORDS = 10


def too_many_records() -> str:
    """What an account that owns MAX_OWNED_RECORDS records is told when it starts another."""
    return ngettext(
        "You already own %(count)d record, the most one account can. Ask the person the new "
        "record is for to make it from their own account, and to invite you.",
        "You already own %(count)d records, the most one account can. Ask the person the new "
        "record is for to make it from their own account, and to invite you.",
        MAX_OWNED_RECORDS,
    ) % {"count": MAX_OWNED_RECORDS}


class TooManyRecords(Exception):
    """The account owns MAX_OWNED_RECORDS records already."""


def check_room_to_own(user) -> None:
    """Raise TooManyRecords if `user` owns the most records an account may. Call inside the
    transaction that adds the ownership: the user's row is locked, so that requests at the
    same moment count one after the other."""
    User.objects.select_for_update().filter(pk=user.pk).first()
    if CareMembership.objects.filter(user=user, role=Role.OWNER).count() >= MAX_OWNED_RECORDS:
        raise TooManyRecords


@transaction.atomic
def start_own_record(owner, **patient_fields) -> Patient:
    """A new record for `owner`, within the number an account may own (TooManyRecords)."""
    check_room_to_own(owner)
    return start_record(owner, **patient_fields)


@transaction.atomic
def start_record(owner, **patient_fields) -> Patient:
    """Create a patient whose first owner is `owner`: every patient has at least one owner.

    The record lives in the owner's time zone unless `time_zone` says otherwise.
    """
    patient_fields.setdefault("time_zone", owner.time_zone)
    patient = Patient.objects.create(**patient_fields)
    CareMembership.objects.create(user=owner, patient=patient, role=Role.OWNER)
    return patient
