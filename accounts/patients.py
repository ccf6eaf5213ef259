from django.db import transaction

from accounts.models import CareMembership, Patient, Role


@transaction.atomic
def start_record(owner, **patient_fields) -> Patient:
    """Create a patient whose first owner is `owner`: every patient has at least one owner.

    The record lives in the owner's time zone unless `time_zone` says otherwise.
    """
    patient_fields.setdefault("time_zone", owner.time_zone)
    patient = Patient.objects.create(**patient_fields)
    CareMembership.objects.create(user=owner, patient=patient, role=Role.OWNER)
    return patient
