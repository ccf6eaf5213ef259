import django.utils.timezone
from django.db import migrations, models


def from_when_logged(apps, schema_editor):
    # Bleeds logged before this field: their danger was logged when they were.
    BleedingEpisode = apps.get_model("readings", "BleedingEpisode")
    BleedingEpisode.objects.update(danger_logged_at=models.F("created_at"))


class Migration(migrations.Migration):
    dependencies = [
        ("readings", "0008_notes_have_a_length_limit"),
    ]

    operations = [
        migrations.AddField(
            model_name="bleedingepisode",
            name="danger_logged_at",
            field=models.DateTimeField(default=django.utils.timezone.now),
        ),
        migrations.RunPython(from_when_logged, migrations.RunPython.noop),
    ]
