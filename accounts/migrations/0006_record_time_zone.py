"""Each record has its own time zone (its first owner's to begin with), the default zone is read
when a row is made (so TIME_ZONE does not change the models), and a record's year of birth and
diagnosis date are bounded in the database."""

import datetime

from django.db import migrations, models

import accounts.dates


def zone_of_first_owner(apps, schema_editor):
    patient_model = apps.get_model("accounts", "Patient")
    membership = apps.get_model("accounts", "CareMembership")
    for patient in patient_model.objects.all():
        owner = (
            membership.objects.filter(patient=patient, role="owner")
            .order_by("created_at")
            .select_related("user")
            .first()
        )
        if owner is not None:
            patient_model.objects.filter(pk=patient.pk).update(time_zone=owner.user.time_zone)


def bound_patient_dates(apps, schema_editor):
    patient_model = apps.get_model("accounts", "Patient")
    accounts.dates.repair_unstorable(patient_model, ("diagnosis_date",))
    patient_model.objects.filter(
        models.Q(birth_year__lt=accounts.dates.EARLIEST_DATE.year)
        | models.Q(birth_year__gte=accounts.dates.STORABLE_UNTIL.year)
    ).update(birth_year=None)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0005_records_version")]

    operations = [
        migrations.AddField(
            model_name="patient",
            name="time_zone",
            field=models.CharField(
                default=accounts.dates.default_time_zone,
                help_text="Where the patient lives. Every date and time in the record is this place's.",
                max_length=64,
                verbose_name="time zone",
            ),
        ),
        migrations.RunPython(zone_of_first_owner, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="user",
            name="time_zone",
            field=models.CharField(default=accounts.dates.default_time_zone, max_length=64),
        ),
        migrations.RunPython(bound_patient_dates, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="patient",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("birth_year__isnull", True),
                    models.Q(("birth_year__gte", 1900), ("birth_year__lt", 2200)),
                    _connector="OR",
                ),
                name="patient_birth_year_range",
            ),
        ),
        migrations.AddConstraint(
            model_name="patient",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("diagnosis_date__isnull", True),
                    models.Q(
                        ("diagnosis_date__gte", datetime.date(1899, 12, 30)),
                        ("diagnosis_date__lt", datetime.date(2200, 1, 1)),
                    ),
                    _connector="OR",
                ),
                name="patient_diagnosis_date_range",
            ),
        ),
    ]
