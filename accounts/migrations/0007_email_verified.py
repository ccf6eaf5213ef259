from django.db import migrations, models
from django.db.models.functions import Lower


def invited_addresses_are_verified(apps, schema_editor):
    # Whoever accepted an invitation sent to their own address opened a link we e-mailed it.
    User = apps.get_model("accounts", "User")
    Invitation = apps.get_model("accounts", "Invitation")
    accepted = Invitation.objects.filter(accepted_by__isnull=False).annotate(address=Lower("email"))
    for invitation in accepted.select_related("accepted_by"):
        user = invitation.accepted_by
        if user.email.lower() == invitation.address and user.email_verified_at is None:
            User.objects.filter(pk=user.pk).update(email_verified_at=invitation.accepted_at)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0006_record_time_zone"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="email_verified_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.RunPython(invited_addresses_are_verified, migrations.RunPython.noop),
    ]
