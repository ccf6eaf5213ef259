from django.db import transaction

from accounts.models import CareMembership, Patient, Role

# Records one account may own: a family's children and more, while an account that makes
# records by the hundred is not keeping a family's history.
MAX_OWNED_RECORDS = 10
TOO_MANY_RECORDS = (
    f"You already own {MAX_OWNED_RECORDS} records, the most one account can. Ask the person "
    "the new record is for to make it from their own account, and to invite you."
)


def owns_too_many(user) -> bool:
    return CareMembership.objects.filter(user=user, role=Role.OWNER).count() >= MAX_OWNED_RECORDS


@transaction.atomic
def start_record(owner, **patient_fields) -> Patient:
    """Create a patient whose first owner is `owner`: every patient has at least one owner.

    The record lives in the owner's time zone unless `time_zone` says otherwise.
    """
    patient_fields.setdefault("time_zone", owner.time_zone)
    patient = Patient.objects.create(**patient_fields)
    CareMembership.objects.create(user=owner, patient=patient, role=Role.OWNER)
    return patient
